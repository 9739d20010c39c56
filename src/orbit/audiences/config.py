"""The audience config: the one place that knows filter keys, aliases, defaults and limits.

`normalize()` turns any accepted notation (dotted G3 keys, nested groups, G2 flat keys) into the
canonical dotted form, collecting every problem with its field; `to_spec()` maps a normalized
config onto warehouse predicates. No I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from orbit.apimodel import Integral, TopicId
from orbit.warehouse import audience_sql as sql
from orbit.warehouse.suppression_sql import ListRef

MAX_TOPICS = 250
MAX_VALUES = 100  # per multi-select
MAX_TERMS = 50  # per text-terms filter
MAX_TERM_CHARS = 200
MAX_URL_CHARS = 2048
MAX_PROBLEMS = 100  # problems listed in one answer
MAX_SUPPRESSION_LISTS = 10  # suppression lists one audience may name
DEFAULT_MIN_SCORE = 70
DEFAULT_MAX_SCORE = 99
DEFAULT_MIN_OVERLAP = 1
SCORE_FLOOR = 50  # minScore below this is raised to it
SCORE_CEILING = 99  # maxScore (or minScore) of 100 is lowered to it (G2 clients send 1..100)
STRATEGY = "serving_table_in"

FilterType = Literal["multi_select", "boolean", "text_terms", "number_range"]
Section = Literal["recommended", "standard", "advanced"]
TEXT_OPERATORS: tuple[str, ...] = ("contains", "equals", "starts_with")
TEXT_MODES: tuple[str, ...] = ("any", "all")


@dataclass(frozen=True, slots=True)
class FilterDef:
    """One filter of the catalogue, and how it maps to the warehouse."""

    key: str  # canonical dotted key, e.g. "role.seniority"
    label: str
    description: str
    type: FilterType
    column: str  # warehouse column (person/company level) or flag name (boolean)
    level: sql.Level | None = None  # None for boolean flags
    section: Section = "standard"
    operators: tuple[str, ...] = ()
    negate: bool = False  # jobTitle.exclude: keep people NOT matching
    placeholder: str | None = None

    @property
    def group(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.key.split(".", 1)[1]

    @property
    def source(self) -> str | None:
        """Catalogue source of enum values, e.g. `persons.seniority`."""
        if self.type != "multi_select" or self.level is None:
            return None
        return f"{'persons' if self.level == 'person' else 'companies'}.{self.column}"


def _ms(key: str, label: str, level: sql.Level, column: str, section: Section, description: str) -> FilterDef:
    return FilterDef(key, label, description, "multi_select", column, level, section, ("in",))


def _flag(key: str, label: str, flag: str, section: Section, description: str) -> FilterDef:
    return FilterDef(key, label, description, "boolean", flag, None, section, ("is",))


def _terms(
    key: str, label: str, level: sql.Level, column: str, section: Section, description: str,
    operators: tuple[str, ...] = TEXT_OPERATORS, negate: bool = False, placeholder: str | None = None,
) -> FilterDef:
    return FilterDef(key, label, description, "text_terms", column, level, section, operators, negate, placeholder)


FILTERS: tuple[FilterDef, ...] = (
    _ms("company.industries", "Industry", "company", "industry", "recommended", "Industry of the person's company"),
    _ms("company.industryGroups", "Industry group", "company", "industry_group", "standard", "Broader industry group"),
    _ms("company.sizes", "Company size", "company", "size_range", "recommended", "Employee count bracket"),
    FilterDef(
        "company.employeeCount", "Employees", "Exact headcount range of the company", "number_range",
        "employee_count", "company", "advanced", ("between",),
    ),
    _ms("company.revenueRanges", "Revenue", "company", "revenue_range", "recommended", "Annual revenue bracket"),
    _terms("company.names", "Company name", "company", "name", "advanced", "Company names", placeholder="acme"),
    _terms("company.domains", "Company domain", "company", "domain", "advanced", "Company web domains", placeholder="acme.com"),
    _ms("company.states", "Company state", "company", "state", "advanced", "State of the company's location"),
    _ms("company.countries", "Company country", "company", "country", "advanced", "Country of the company"),
    _ms("role.seniority", "Seniority", "person", "seniority", "recommended", "Seniority level of the job"),
    _ms("role.departments", "Department", "person", "department", "recommended", "Department of the job"),
    _flag("role.isDecisionMaker", "Decision maker", "is_decision_maker", "standard", "Director, VP, C-suite, owner or partner"),
    _flag("role.isCeo", "CEO", "is_ceo", "advanced", "Chief executive officers"),
    _flag("role.isVp", "VP", "is_vp", "advanced", "Vice presidents"),
    _flag("role.isFinance", "Finance", "is_finance", "advanced", "People in finance"),
    _terms("jobTitle.include", "Job title includes", "person", "job_title", "recommended",
           "Keep people whose job title matches", placeholder="chief financial officer"),
    _terms("jobTitle.exclude", "Job title excludes", "person", "job_title", "standard",
           "Drop people whose job title matches", negate=True, placeholder="intern"),
    _terms("jobTitle.exact", "Exact job title", "person", "job_title", "advanced",
           "Job title equals one of the terms", operators=("equals",), placeholder="cfo"),
    _flag("contact.hasBusinessEmail", "Has business e-mail", "has_business_email", "recommended", "A work e-mail address is known"),
    _flag("contact.hasPersonalEmail", "Has personal e-mail", "has_personal_email", "standard", "A personal e-mail address is known"),
    _flag("contact.hasPhone", "Has phone", "has_phone", "standard", "A phone number is known"),
    _flag("contact.hasLinkedin", "Has LinkedIn", "has_linkedin", "standard", "A LinkedIn profile is known"),
    _ms("geography.states", "State", "person", "state", "recommended", "State where the person lives"),
    _ms("geography.countries", "Country", "person", "country", "standard", "Country where the person lives"),
    _terms("geography.cities", "City", "person", "city", "advanced", "City where the person lives",
           operators=("equals", "starts_with", "contains"), placeholder="austin"),
    _terms("geography.zipCodes", "ZIP code", "person", "zip", "advanced", "ZIP codes or prefixes",
           operators=("starts_with", "equals"), placeholder="787"),
    _ms("demographics.ageRanges", "Age range", "person", "age_range", "standard", "Age bracket"),
    _ms("demographics.genders", "Gender", "person", "gender", "standard", "Gender"),
    _flag("demographics.isB2b", "B2B profile", "is_b2b", "advanced", "Has a business (employment) profile"),
    _flag("demographics.isB2c", "B2C profile", "is_b2c", "advanced", "Has a consumer profile"),
)
BY_KEY: dict[str, FilterDef] = {f.key: f for f in FILTERS}
GROUPS: dict[str, tuple[str, str]] = {
    "company": ("Company", "Who the person works for"),
    "role": ("Role", "The person's function and level"),
    "jobTitle": ("Job title", "Words in the person's job title"),
    "contact": ("Contactability", "Which contact details are known"),
    "geography": ("Geography", "Where the person lives"),
    "demographics": ("Demographics", "Age, gender and profile type"),
}

# G2 flat keys → canonical key. Values: lists, or single strings for state/gender/jobTitle/...
G2_KEYS: dict[str, str] = {
    "companyIndustry": "company.industries",
    "seniority": "role.seniority",
    "companySize": "company.sizes",
    "department": "role.departments",
    "state": "geography.states",
    "companyRevenueRange": "company.revenueRanges",
    "ageRange": "demographics.ageRanges",
    "gender": "demographics.genders",
    "isB2b": "demographics.isB2b",
    "jobTitle": "jobTitle.include",
    "hasBusinessEmail": "contact.hasBusinessEmail",
    "hasPersonalEmail": "contact.hasPersonalEmail",
    "hasLinkedin": "contact.hasLinkedin",
    "hasPhone": "contact.hasPhone",
    "companyDomain": "company.domains",
    "companyName": "company.names",
}
# G2 single-string text keys: the operator they meant (substring for names and titles).
G2_TEXT_OPERATOR = {"jobTitle": "contains", "companyName": "contains", "companyDomain": "equals"}
G2_TEXT_LIMIT = {"jobTitle": 200, "companyName": 255, "companyDomain": 255}



def is_g2_notation(raw: Mapping[str, Any]) -> bool:
    """Whether a config is written as G2 clients write it: a G2 flat filter key (a `jobTitle`
    object is G3's nested notation), or `maxScore` 100 (G3's maximum is 99)."""
    filters = raw.get("filters")
    if isinstance(filters, Mapping) and any(
        key in G2_KEYS and not (key == "jobTitle" and isinstance(value, Mapping)) for key, value in filters.items()
    ):
        return True
    return raw.get("maxScore") == 100


# G2 flat filter value lists returned beside the G3 catalogue: name → catalogue source.
G2_VALUE_LISTS: dict[str, str] = {
    "seniority": "persons.seniority",
    "companyIndustry": "companies.industry",
    "companySize": "companies.size_range",
    "department": "persons.department",
    "state": "persons.state",
    "companyRevenueRange": "companies.revenue_range",
    "ageRange": "persons.age_range",
    "gender": "persons.gender",
}

_LABELS = {"c_suite": "C-Suite", "vp": "VP", "it": "IT", "b2b": "B2B", "b2c": "B2C", "and": "and", "to": "to"}


def label_for(value: str) -> str:
    """A display label for a stored lower-case value ("c_suite" → "C-Suite")."""
    if value in _LABELS:
        return _LABELS[value]
    if len(value) == 2 and value.isupper():
        return value  # state codes
    words = value.replace("_", " ").split(" ")
    return " ".join(_LABELS.get(w, w[:1].upper() + w[1:]) for w in words)


class ConfigIn(BaseModel):
    """A config as clients send it (G3 and G2 ranges); `normalize()` checks the rest. Its rules
    that a JSON Schema can state are stated here too (`uniqueItems`, the `sourceUrl` scheme)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    topic_ids: list[TopicId] = Field(
        alias="topicIds", min_length=1, max_length=MAX_TOPICS, json_schema_extra={"uniqueItems": True},
        description="Known topic ids, each once")
    min_score: Annotated[StrictInt, Field(ge=0, le=100), Integral] | None = Field(
        default=None, alias="minScore", description=f"Default {DEFAULT_MIN_SCORE}; below {SCORE_FLOOR} is raised "
        f"to {SCORE_FLOOR}, 100 is lowered to {SCORE_CEILING}")
    max_score: Annotated[StrictInt, Field(ge=0, le=100), Integral] | None = Field(
        default=None, alias="maxScore", description=f"Default {DEFAULT_MAX_SCORE}; 100 is lowered to "
        f"{SCORE_CEILING}; not below minScore")
    min_topic_overlap: Annotated[StrictInt, Field(ge=1, le=MAX_TOPICS), Integral] | None = Field(
        default=None, alias="minTopicOverlap", description=f"Default {DEFAULT_MIN_OVERLAP}; at most the number of "
        "topicIds")
    filters: dict[str, Any] | None = Field(default=None, description=(
        "ICP filters by key (see GET /v1/intent/audiences/filters): dotted (`\"role.seniority\": {\"values\": "
        "[...]}`), nested or G2 flat keys; unknown keys and values are refused"))
    source_url: str | None = Field(default=None, alias="sourceUrl", max_length=MAX_URL_CHARS,
                                   json_schema_extra={"pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"})
    suppression_list_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, alias="suppressionListIds", max_length=MAX_SUPPRESSION_LISTS,
        json_schema_extra={"uniqueItems": True},
        description="Suppression lists of the organization (POST /v1/intent/suppression-lists) whose people "
        "previews, runs and exports leave out")


@dataclass(frozen=True)
class NormalizedConfig:
    topic_ids: tuple[int, ...]
    min_score: int
    max_score: int
    min_topic_overlap: int
    filters: dict[str, Any]  # canonical dotted key → canonical value
    source_url: str | None
    suppression_list_ids: tuple[str, ...] = ()  # sorted

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "topicIds": list(self.topic_ids),
            "minScore": self.min_score,
            "maxScore": self.max_score,
            "minTopicOverlap": self.min_topic_overlap,
            "filters": self.filters,
            "sourceUrl": self.source_url,
        }
        # Only when lists are named: configs without any keep the hash they always had.
        if self.suppression_list_ids:
            out["suppressionListIds"] = list(self.suppression_list_ids)
        return out

    def public_json(self) -> dict[str, Any]:
        """`as_json()` as answers show it: `sourceUrl` left out when unset (clients type it as an
        optional string, not a nullable one)."""
        return without_unset_source(self.as_json())

    @property
    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON: equal audiences hash equally however they were written."""
        canonical = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def applied_filters(self) -> list[str]:
        return sorted(self.filters)


def without_unset_source(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config with a null `sourceUrl` left out."""
    return {k: v for k, v in config.items() if not (k == "sourceUrl" and v is None)}


@dataclass
class Problems:
    """The problems found, each with the field it concerns: the first `MAX_PROBLEMS`, then one
    line saying how many more were left out (60,000 unknown keys must not make a 4 MB answer)."""

    items: list[dict[str, str]] = field(default_factory=list)
    left_out: int = 0

    def add(self, where: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"field": where, "message": message})
        else:
            self.left_out += 1

    def listed(self) -> list[dict[str, str]]:
        if not self.left_out:
            return self.items
        return [*self.items, {"field": "config", "message": f"and {self.left_out} more problems not listed"}]

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What `normalize()` checks against: known topic ids and catalogue values."""

    topic_ids: frozenset[int]
    values: Mapping[str, Mapping[str, str]]  # catalogue source → lower-cased value → stored value


def _pydantic_problems(exc: ValidationError, problems: Problems) -> None:
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        where = ""
        for part in loc:
            where += f"[{part}]" if part.isdigit() else (f".{part}" if where else part)
        problems.add(where or "config", str(err.get("msg", "invalid")))


def _entries(filters: Mapping[str, Any], problems: Problems) -> list[tuple[str, str, Any, int]]:
    """Flatten every notation into (field path for errors, canonical key, raw value, term limit)."""
    out: list[tuple[str, str, Any, int]] = []
    for key, value in filters.items():
        path = f"filters.{key}"
        if key in BY_KEY:
            out.append((path, key, value, MAX_TERM_CHARS))
        elif key in G2_KEYS and not (key == "jobTitle" and isinstance(value, dict)):
            out.append((path, G2_KEYS[key], _from_g2(key, value), G2_TEXT_LIMIT.get(key, MAX_TERM_CHARS)))
        elif key in GROUPS and isinstance(value, dict):
            for sub, sub_value in value.items():
                canonical = f"{key}.{sub}"
                if canonical in BY_KEY:
                    if BY_KEY[canonical].type == "text_terms" and isinstance(sub_value, list):
                        sub_value = {
                            "values": sub_value,
                            "mode": value.get(f"{sub}Mode", "any"),
                            "operator": value.get(f"{sub}Operator", _default_operator(BY_KEY[canonical])),
                        }
                    out.append((f"{path}.{sub}", canonical, sub_value, MAX_TERM_CHARS))
                elif not (sub.endswith(("Mode", "Operator")) and f"{key}.{sub.removesuffix('Mode').removesuffix('Operator')}" in BY_KEY):
                    problems.add(f"{path}.{sub}", f"unknown filter {key}.{sub}")
        else:
            problems.add(path, f"unknown filter {key!r}")
    return out


def _default_operator(f: FilterDef) -> str:
    return f.operators[0] if f.operators else "contains"


def _from_g2(key: str, value: Any) -> Any:
    """G2 flat values into the dotted notation."""
    if key in G2_TEXT_OPERATOR and isinstance(value, str):
        return {"values": [value], "operator": G2_TEXT_OPERATOR[key], "mode": "any"}
    if key == "isB2b" and isinstance(value, str):
        return {"y": True, "n": False}.get(value.lower(), value)
    if isinstance(value, str):
        return [value]  # state, gender: one value
    return value


def _multi(f: FilterDef, where: str, raw: Any, vocab: Vocabulary, problems: Problems) -> dict[str, Any] | None:
    values = raw.get("values") if isinstance(raw, dict) else raw
    if isinstance(raw, dict) and set(raw) - {"values"}:
        problems.add(where, f"unexpected fields {sorted(set(raw) - {'values'})}; use {{\"values\": [...]}}")
        return None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        problems.add(where, "expected a non-empty list of strings under 'values'")
        return None
    if len(values) > MAX_VALUES:
        problems.add(where, f"at most {MAX_VALUES} values")
        return None
    known = vocab.values.get(f.source or "", {})
    out: set[str] = set()
    for i, v in enumerate(values):
        stored = known.get(v.strip().lower())
        if stored is None:
            problems.add(f"{where}.values[{i}]", f"unknown value {v!r} for {f.key}")
        else:
            out.add(stored)
    return {"values": sorted(out)}


def _terms_value(f: FilterDef, where: str, raw: Any, limit: int, problems: Problems) -> dict[str, Any] | None:
    if isinstance(raw, list):
        raw = {"values": raw}
    if not isinstance(raw, dict):
        problems.add(where, "expected {\"values\": [...], \"operator\": ..., \"mode\": ...}")
        return None
    extra = set(raw) - {"values", "operator", "mode"}
    if extra:
        problems.add(where, f"unexpected fields {sorted(extra)}")
    values = raw.get("values")
    operator = raw.get("operator", _default_operator(f))
    mode = raw.get("mode", "any")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        problems.add(where, "expected a non-empty list of strings under 'values'")
        return None
    if len(values) > MAX_TERMS:
        problems.add(where, f"at most {MAX_TERMS} terms")
    terms = sorted({" ".join(v.lower().split()) for v in values})
    for i, v in enumerate(values):
        if not v.strip():
            problems.add(f"{where}.values[{i}]", "empty term")
        elif len(v) > limit:
            problems.add(f"{where}.values[{i}]", f"terms are at most {limit} characters")
    if operator not in f.operators:
        problems.add(f"{where}.operator", f"operator must be one of {list(f.operators)}")
    if mode not in TEXT_MODES:
        problems.add(f"{where}.mode", f"mode must be one of {list(TEXT_MODES)}")
    return {"values": [t for t in terms if t], "operator": operator, "mode": mode}


def _range_value(where: str, raw: Any, problems: Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or set(raw) - {"min", "max"} or not raw:
        problems.add(where, "expected {\"min\": n, \"max\": n}")
        return None
    # Whole numbers as JSON Schema counts them: 5000.0 is 5000.
    lo, hi = (v if not isinstance(v, float) or not v.is_integer() else int(v) for v in (raw.get("min"), raw.get("max")))
    for name, v in (("min", lo), ("max", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > 10_000_000):
            problems.add(f"{where}.{name}", "expected a whole number 0..10000000")
            return None
    if lo is None and hi is None:
        problems.add(where, "give min, max or both")
        return None
    if lo is not None and hi is not None and lo > hi:
        problems.add(where, "min is greater than max")
        return None
    return {"min": lo, "max": hi}


def normalize(raw: Mapping[str, Any], vocab: Vocabulary) -> tuple[NormalizedConfig | None, list[dict[str, str]]]:
    """The canonical config, or None and every problem (field + message)."""
    problems = Problems()
    try:
        cfg = ConfigIn.model_validate(raw)
    except ValidationError as exc:
        _pydantic_problems(exc, problems)
        return None, problems.listed()
    seen: set[int] = set()
    for i, tid in enumerate(cfg.topic_ids):
        if tid in seen:
            problems.add(f"topicIds[{i}]", f"topic {tid} is listed twice")
        elif tid not in vocab.topic_ids:
            problems.add(f"topicIds[{i}]", f"topic {tid} does not exist")
        seen.add(tid)
    min_score = DEFAULT_MIN_SCORE if cfg.min_score is None else min(max(cfg.min_score, SCORE_FLOOR), SCORE_CEILING)
    max_score = DEFAULT_MAX_SCORE if cfg.max_score is None else min(cfg.max_score, SCORE_CEILING)
    if max_score < min_score:
        problems.add("maxScore", f"maxScore {max_score} is below minScore {min_score}")
    overlap = cfg.min_topic_overlap or DEFAULT_MIN_OVERLAP
    if overlap > len(cfg.topic_ids):
        problems.add("minTopicOverlap", f"minTopicOverlap {overlap} exceeds the {len(cfg.topic_ids)} topics given")
    if cfg.source_url is not None and not cfg.source_url.lower().startswith(("http://", "https://")):
        problems.add("sourceUrl", "sourceUrl must be an http(s) URL")
    filters: dict[str, Any] = {}
    for where, key, value, limit in _entries(cfg.filters or {}, problems):
        f = BY_KEY[key]
        if key in filters:
            problems.add(where, f"{key} is given twice (in two notations)")
            continue
        canonical: Any
        if f.type == "boolean":
            if isinstance(value, dict) and set(value) == {"value"}:
                value = value["value"]
            if not isinstance(value, bool):
                problems.add(where, "expected true or false")
                continue
            canonical = value
        elif f.type == "multi_select":
            canonical = _multi(f, where, value, vocab, problems)
        elif f.type == "text_terms":
            canonical = _terms_value(f, where, value, limit, problems)
        else:
            canonical = _range_value(where, value, problems)
        if canonical is not None:
            filters[key] = canonical
    lists = cfg.suppression_list_ids or []
    for i, list_id in enumerate(lists):
        if list_id in lists[:i]:
            problems.add(f"suppressionListIds[{i}]", f"suppression list {list_id} is listed twice")
    if problems:
        return None, problems.listed()
    return (
        NormalizedConfig(
            topic_ids=tuple(sorted(cfg.topic_ids)),
            min_score=min_score,
            max_score=max_score,
            min_topic_overlap=overlap,
            filters=dict(sorted(filters.items())),
            source_url=cfg.source_url,
            suppression_list_ids=tuple(sorted(lists)),
        ),
        [],
    )


def to_spec(cfg: NormalizedConfig, data_date: date, suppression: tuple[ListRef, ...] = ()) -> sql.AudienceSpec:
    """Warehouse predicates for a normalized config on one data date; `suppression`: the current
    versions of the config's suppression lists (`suppression.service.refs`)."""
    preds: list[sql.Predicate] = []
    for key, value in cfg.filters.items():
        f = BY_KEY[key]
        if f.type == "boolean":
            preds.append(sql.Flag(f.column, bool(value)))
            continue
        assert f.level is not None
        if f.type == "multi_select":
            preds.append(sql.ValuesIn(f.level, f.column, tuple(value["values"])))
        elif f.type == "text_terms":
            preds.append(sql.Terms(f.level, f.column, tuple(value["values"]), value["operator"], value["mode"], f.negate))
        else:
            preds.append(sql.Range(f.level, f.column, value["min"], value["max"]))
    return sql.AudienceSpec(
        data_date=data_date,
        topic_ids=cfg.topic_ids,
        min_score=cfg.min_score,
        max_score=cfg.max_score,
        min_overlap=cfg.min_topic_overlap,
        predicates=tuple(preds),
        suppression=suppression,
    )


def from_stored(stored: Mapping[str, Any]) -> NormalizedConfig:
    """A config saved by `as_json()` (already normalized) back into its object."""
    return NormalizedConfig(
        topic_ids=tuple(int(t) for t in stored["topicIds"]),
        min_score=int(stored["minScore"]),
        max_score=int(stored["maxScore"]),
        min_topic_overlap=int(stored["minTopicOverlap"]),
        filters=dict(stored.get("filters") or {}),
        source_url=stored.get("sourceUrl"),
        suppression_list_ids=tuple(str(x) for x in stored.get("suppressionListIds") or ()),
    )


