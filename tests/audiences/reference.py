"""A plain-Python reference of audience matching over the small data set, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from orbit.datagen import files

DECISION_MAKERS = {"director", "vp", "c_suite", "owner", "partner"}


@dataclass
class World:
    persons: dict[int, dict[str, Any]]
    companies: dict[int, dict[str, Any]]
    signals: dict[date, list[tuple[int, int, int]]]  # day -> (person, topic, score)


def load_world(root: Path) -> World:
    persons = {r["person_id"]: r for r in pq.read_table(root / files.PERSONS).to_pylist()}
    companies = {r["company_id"]: r for r in pq.read_table(root / files.COMPANIES).to_pylist()}
    signals = {}
    for day in files.signal_dates(root):
        t = pq.read_table(files.signal_file(root, day), columns=["person_id", "topic_id", "score"])
        signals[day] = list(zip(t.column("person_id").to_pylist(), t.column("topic_id").to_pylist(),
                                t.column("score").to_pylist(), strict=True))
    return World(persons, companies, signals)


PERSON_FILTERS = {
    "role.seniority": "seniority", "role.departments": "department", "geography.states": "state",
    "geography.countries": "country", "demographics.ageRanges": "age_range", "demographics.genders": "gender",
}
COMPANY_FILTERS = {
    "company.industries": "industry", "company.industryGroups": "industry_group", "company.sizes": "size_range",
    "company.revenueRanges": "revenue_range", "company.states": "state", "company.countries": "country",
}
TEXT_FILTERS = {
    "jobTitle.include": ("person", "job_title", False), "jobTitle.exclude": ("person", "job_title", True),
    "jobTitle.exact": ("person", "job_title", False), "geography.cities": ("person", "city", False),
    "geography.zipCodes": ("person", "zip", False), "company.names": ("company", "name", False),
    "company.domains": ("company", "domain", False),
}
FLAGS = {
    "contact.hasBusinessEmail": lambda p: p["business_email"] != "",
    "contact.hasPersonalEmail": lambda p: p["personal_email"] != "",
    "contact.hasPhone": lambda p: p["phone"] != "",
    "contact.hasLinkedin": lambda p: p["linkedin_url"] != "",
    "demographics.isB2b": lambda p: p["is_b2b"] == 1,
    "demographics.isB2c": lambda p: p["is_b2c"] == 1,
    "role.isDecisionMaker": lambda p: p["seniority"] in DECISION_MAKERS,
    "role.isCeo": lambda p: p["job_title"].lower() in ("ceo", "chief executive officer"),
    "role.isVp": lambda p: p["seniority"] == "vp",
    "role.isFinance": lambda p: p["department"] == "finance",
}


def _text_match(text: str, spec: dict[str, Any]) -> bool:
    text = text.lower()
    op, terms = spec["operator"], spec["values"]
    if op == "contains":
        hits = [t in text for t in terms]
    elif op == "equals":
        hits = [t == text for t in terms]
    else:
        hits = [text.startswith(t) for t in terms]
    return any(hits) if spec["mode"] == "any" else all(hits)


def person_passes(world: World, person_id: int, filters: dict[str, Any]) -> bool:
    p = world.persons[person_id]
    company = world.companies.get(p["company_id"])
    for key, value in filters.items():
        if key in FLAGS:
            if FLAGS[key](p) != value:
                return False
        elif key in PERSON_FILTERS:
            if p[PERSON_FILTERS[key]] not in value["values"]:
                return False
        elif key in COMPANY_FILTERS:
            if company is None or company[COMPANY_FILTERS[key]] not in value["values"]:
                return False
        elif key == "company.employeeCount":
            if company is None:
                return False
            n = company["employee_count"]
            if (value["min"] is not None and n < value["min"]) or (value["max"] is not None and n > value["max"]):
                return False
        elif key in TEXT_FILTERS:
            level, col, negate = TEXT_FILTERS[key]
            row = p if level == "person" else company
            if row is None:
                return False
            if _text_match(row[col], value) == negate:
                return False
        else:
            raise AssertionError(f"reference does not know {key}")
    return True


def ranked(world: World, normalized: dict[str, Any], day: date) -> list[tuple[int, int, int]]:
    """(person_id, best score, overlap) of every matching person, in result order."""
    topics = set(normalized["topicIds"])
    lo, hi, k = normalized["minScore"], normalized["maxScore"], normalized["minTopicOverlap"]
    best: dict[int, int] = {}
    seen: dict[int, set[int]] = {}
    for person, topic, score in world.signals[day]:
        if topic in topics and lo <= score <= hi:
            seen.setdefault(person, set()).add(topic)
            best[person] = max(best.get(person, 0), score)
    rows = [
        (pid, best[pid], len(ts)) for pid, ts in seen.items()
        if len(ts) >= k and person_passes(world, pid, normalized["filters"])
    ]
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return rows
