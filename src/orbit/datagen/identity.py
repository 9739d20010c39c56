"""Synthetic companies and people: deterministic from a seed, with real-world fill rates."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pyarrow as pa
from faker.providers.person.en_US import Provider as PersonNames

from orbit.datagen import vocab

COMPANIES_PER_SCALE = 300_000
PERSONS_PER_SCALE = 2_000_000


def _pick(rng: np.random.Generator, n: int, weights: list[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _blank(values: list[str], rng: np.random.Generator, fill: float) -> list[str]:
    """Empty out a share of a column: real profiles miss fields at different rates."""
    keep = rng.random(len(values)) < fill
    return [v if k else "" for v, k in zip(values, keep.tolist(), strict=True)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _locations(rng: np.random.Generator, n: int, us_share: float) -> tuple[list[str], list[str], list[str], list[str]]:
    """City, state, zip and country columns; most rows are in the US."""
    city_idx = _pick(rng, n, [c[3] for c in vocab.US_CITIES])
    other = _pick(rng, n, [c[1] for c in vocab.OTHER_COUNTRIES])
    is_us = rng.random(n) < us_share
    zips = rng.integers(0, 100, size=n)
    cities, states, zipcodes, countries = [], [], [], []
    for us, ci, oi, z in zip(is_us.tolist(), city_idx.tolist(), other.tolist(), zips.tolist(), strict=True):
        if us:
            city, state, prefix, _ = vocab.US_CITIES[ci]
            cities.append(city)
            states.append(state)
            zipcodes.append(f"{prefix}{z:02d}")
            countries.append("united states")
        else:
            cities.append("")
            states.append("")
            zipcodes.append("")
            countries.append(vocab.OTHER_COUNTRIES[oi][0])
    return cities, states, zipcodes, countries


def company_count(scale: float) -> int:
    return max(50, round(COMPANIES_PER_SCALE * scale))


def person_count(scale: float) -> int:
    return max(200, round(PERSONS_PER_SCALE * scale))


def build_companies(seed: int, scale: float) -> pa.Table:
    """`company_id` runs 1..n; names and domains are unique."""
    rng = np.random.default_rng([seed, 11])
    n = company_count(scale)
    last = PersonNames.last_names
    last_names = list(last) if isinstance(last, (list, tuple)) else list(last.keys())
    a = rng.integers(0, len(last_names), size=n).tolist()
    b = rng.integers(0, len(last_names), size=n).tolist()
    style = rng.integers(0, 4, size=n).tolist()
    suffix = rng.integers(0, len(vocab.COMPANY_SUFFIXES), size=n).tolist()
    tld = _pick(rng, n, [t[1] for t in vocab.TLDS]).tolist()
    names: list[str] = []
    domains: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        first, second = last_names[a[i]], last_names[b[i]]
        sfx = vocab.COMPANY_SUFFIXES[suffix[i]]
        if style[i] == 0:
            name = f"{first} & {second} {sfx}"
        elif style[i] == 1:
            name = f"{first}{second.lower()}"
        else:
            name = f"{first} {sfx}"
        base = _slug(name.replace("&", "and")).replace("-", "")
        domain = f"{base}.{vocab.TLDS[tld[i]][0]}"
        if domain in seen:
            name, domain = f"{name} {i}", f"{base}{i}.{vocab.TLDS[tld[i]][0]}"
        seen.add(domain)
        names.append(name)
        domains.append(domain)
    ind = _pick(rng, n, [x[4] for x in vocab.INDUSTRIES]).tolist()
    size = _pick(rng, n, vocab.SIZE_WEIGHTS)
    # Revenue follows headcount, with noise of one bracket either way.
    revenue = np.clip(size + rng.integers(-1, 2, size=n), 0, len(vocab.REVENUE_RANGES) - 1)
    cities, states, _, countries = _locations(rng, n, us_share=0.85)
    # Exact headcount inside the bracket, log-uniform (small firms dominate every bracket).
    lo = np.array([vocab.SIZE_BOUNDS[i][0] for i in size.tolist()], dtype=np.float64)
    hi = np.array([vocab.SIZE_BOUNDS[i][1] for i in size.tolist()], dtype=np.float64)
    employees = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).clip(lo, hi).astype(np.uint32)
    sizes = _blank([vocab.SIZE_RANGES[i] for i in size.tolist()], rng, 0.85)
    employees[np.array([not s for s in sizes], dtype=bool)] = 0  # unknown size: unknown headcount
    industries = [vocab.INDUSTRIES[i][0] for i in ind]
    return pa.table(
        {
            "company_id": pa.array(np.arange(1, n + 1, dtype=np.uint32)),
            "name": names,
            "domain": domains,
            "industry": _blank(industries, rng, 0.95),
            "industry_group": _blank([vocab.INDUSTRIES[i][1] for i in ind], rng, 0.9),
            "size_range": sizes,
            "employee_count": pa.array(employees),
            "revenue_range": _blank([vocab.REVENUE_RANGES[i] for i in revenue.tolist()], rng, 0.7),
            "city": _blank(cities, rng, 0.8),
            "state": _blank(states, rng, 0.9),
            "country": countries,
            "linkedin_url": _blank(
                [f"https://www.linkedin.com/company/{_slug(nm)}" for nm in names], rng, 0.7
            ),
            "naics": _blank([vocab.INDUSTRIES[i][2] for i in ind], rng, 0.6),
            "sic": _blank([vocab.INDUSTRIES[i][3] for i in ind], rng, 0.55),
        }
    )


def _titles(rng: np.random.Generator, seniority: np.ndarray, department: np.ndarray) -> list[str]:
    depts = list(vocab.DEPARTMENTS.values())
    pick = rng.integers(0, 12, size=len(seniority)).tolist()
    out: list[str] = []
    for s, d, k in zip(seniority.tolist(), department.tolist(), pick, strict=True):
        level = vocab.SENIORITIES[s]
        noun, chief, abbr = depts[d]
        if level == "c_suite":
            out.append(chief if k % 3 else abbr)
        else:
            templates = vocab.TITLE_TEMPLATES[level]
            out.append(templates[k % len(templates)].format(d=noun))
    return out


def build_persons(seed: int, scale: float, companies: pa.Table) -> pa.Table:
    """`person_id` runs 1..n. About 80% work at a company (B2B); e-mails follow names."""
    rng = np.random.default_rng([seed, 12])
    n = person_count(scale)
    male, female = list(PersonNames.first_names_male), list(PersonNames.first_names_female)
    last = PersonNames.last_names
    last_names = list(last) if isinstance(last, (list, tuple)) else list(last.keys())
    gender = rng.integers(0, 2, size=n)
    fm = rng.integers(0, len(male), size=n)
    ff = rng.integers(0, len(female), size=n)
    first = [male[m] if g == 0 else female[f] for g, m, f in zip(gender.tolist(), fm.tolist(), ff.tolist(), strict=True)]
    lastn = [last_names[i] for i in rng.integers(0, len(last_names), size=n).tolist()]

    n_comp = companies.num_rows
    # Bigger companies employ more of the people: weight by size bracket.
    size_col = companies.column("size_range").to_pylist()
    size_weight = {s: 1.6**i for i, s in enumerate(vocab.SIZE_RANGES)}
    cw = np.array([size_weight.get(s, 1.0) for s in size_col])
    employed = rng.random(n) < 0.8
    company_idx = rng.choice(n_comp, size=n, p=cw / cw.sum())
    company_id = np.where(employed, company_idx + 1, 0).astype(np.uint32)
    domains = companies.column("domain").to_pylist()
    cnames = companies.column("name").to_pylist()

    seniority = _pick(rng, n, vocab.SENIORITY_WEIGHTS)
    department = _pick(rng, n, vocab.DEPARTMENT_WEIGHTS)
    titles = _titles(rng, seniority, department)
    provider = _pick(rng, n, [p[1] for p in vocab.EMAIL_PROVIDERS]).tolist()
    suffix_num = rng.integers(1, 99, size=n).tolist()

    business, personal, hashed, headline, linkedin, phone = [], [], [], [], [], []
    has_business = rng.random(n) < 0.75
    has_personal = rng.random(n) < 0.6
    has_linkedin = rng.random(n) < 0.45
    has_phone = rng.random(n) < 0.35
    has_title = rng.random(n) < 0.7
    phones = rng.integers(2_000_000_000, 9_999_999_999, size=n).tolist()
    emp = employed.tolist()
    cidx = company_idx.tolist()
    for i in range(n):
        fn, ln = first[i].lower(), lastn[i].lower()
        biz = f"{fn}.{ln}@{domains[cidx[i]]}" if emp[i] and has_business[i] else ""
        pers = f"{fn}{ln}{suffix_num[i]}@{vocab.EMAIL_PROVIDERS[provider[i]][0]}" if has_personal[i] or not biz else ""
        business.append(biz)
        personal.append(pers)
        # The person key is the SHA-256 of the primary (lower-cased) e-mail address.
        hashed.append(hashlib.sha256((pers or biz).encode()).hexdigest())
        title = titles[i] if has_title[i] else ""
        titles[i] = title
        headline.append(f"{title} at {cnames[cidx[i]]}" if title and emp[i] else title)
        linkedin.append(f"https://www.linkedin.com/in/{fn}-{ln}-{i:x}" if has_linkedin[i] else "")
        p = str(phones[i])
        phone.append(f"+1-{p[:3]}-{p[3:6]}-{p[6:]}" if has_phone[i] else "")
    cities, states, zips, countries = _locations(rng, n, us_share=0.88)
    return pa.table(
        {
            "person_id": pa.array(np.arange(1, n + 1, dtype=np.uint32)),
            "hashed_email": hashed,
            "business_email": business,
            "personal_email": personal,
            "first_name": _blank(first, rng, 0.92),
            "last_name": _blank(lastn, rng, 0.9),
            "phone": phone,
            "linkedin_url": linkedin,
            "headline": _blank(headline, rng, 0.6),
            "job_title": titles,
            "seniority": [vocab.SENIORITIES[s] if t else "" for s, t in zip(seniority.tolist(), titles, strict=True)],
            "department": [list(vocab.DEPARTMENTS)[d] if t else "" for d, t in zip(department.tolist(), titles, strict=True)],
            "age_range": _blank([vocab.AGE_RANGES[a] for a in _pick(rng, n, vocab.AGE_WEIGHTS).tolist()], rng, 0.65),
            "gender": _blank([vocab.GENDERS[g] for g in gender.tolist()], rng, 0.75),
            "city": _blank(cities, rng, 0.75),
            "state": _blank(states, rng, 0.85),
            "zip": _blank(zips, rng, 0.6),
            "country": _blank(countries, rng, 0.95),
            "is_b2b": pa.array(employed.astype(np.uint8)),
            "is_b2c": pa.array((rng.random(n) < 0.7).astype(np.uint8)),
            "company_id": pa.array(company_id),
        }
    )
