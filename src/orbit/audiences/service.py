"""Audience builder logic: filter catalogue, validate, preview, saved audiences and slots. No HTTP.

Services flush but never commit; the request (or CLI step) owns the transaction. Slot changes
are single conditional UPDATEs with their row counts checked, so two activations can never both
take the last slot.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.orm import Session

from orbit.audiences import config as cfg
from orbit.errors import SlotsFull, ValidationFailed
from orbit.metadata.models import Audience, Organization
from orbit.metadata.scoping import get_owned, list_owned
from orbit.serving import query as serving
from orbit.serving import suppression
from orbit.serving.index import ServingIndex
from orbit.topics.inventory import Inventory
from orbit.topics.service import Snapshot
from orbit.warehouse import audience_sql, catalog
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.suppression_sql import ListRef

SAMPLE_SIZE = 50


class AudienceStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"


# --- filter catalogue ------------------------------------------------------------------------


class FilterCatalogCache:
    """The catalogue build in memory, reloaded when an ingest rebuilt it (per the data stamp)."""

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh
        self._lock = threading.Lock()
        self._version: int | None = None
        self._build: catalog.CatalogBuild | None = None
        self._vocabulary: tuple[Inventory, catalog.CatalogBuild, cfg.Vocabulary] | None = None

    def current(self, snap: Snapshot) -> catalog.CatalogBuild:
        version = snap.stamp.catalog_version
        if self._build is not None and self._version == version:
            return self._build
        with self._lock:
            if self._build is None or self._version != version:
                self._build = catalog.read(self._wh)
                self._version = version
            return self._build

    def vocabulary(self, snap: Snapshot) -> cfg.Vocabulary:
        """What configs are checked against, built once per inventory and catalogue (11,000
        topic ids and every filter value: 0.3 ms that every preview paid)."""
        build = self.current(snap)
        held = self._vocabulary
        if held is not None and held[0] is snap.inventory and held[1] is build:
            return held[2]
        vocab = vocabulary(snap, build)
        self._vocabulary = (snap.inventory, build, vocab)
        return vocab


def vocabulary(snap: Snapshot, build: catalog.CatalogBuild) -> cfg.Vocabulary:
    return cfg.Vocabulary(
        topic_ids=frozenset(snap.inventory.by_id),
        values={src: {v.value.lower(): v.value for v in vals} for src, vals in build.values.items()},
    )


def filter_catalog(build: catalog.CatalogBuild, *, generated_at: datetime) -> dict[str, Any]:
    """The G3 catalogue (`version`, `summary`, `groups`) plus the G2 flat value lists."""
    groups: list[dict[str, Any]] = []
    value_count = 0
    sections = {"recommended": 0, "standard": 0, "advanced": 0}
    controls = {"multi_select": "multi_select", "boolean": "toggle", "text_terms": "text_chips", "number_range": "number_range"}
    value_types = {"multi_select": "enum", "boolean": "boolean", "text_terms": "string", "number_range": "number"}
    for group_key, (label, description) in cfg.GROUPS.items():
        filters = []
        for f in (x for x in cfg.FILTERS if x.group == group_key):
            sections[f.section] += 1
            definition: dict[str, Any] = {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "valueType": value_types[f.type],
                "operators": list(f.operators),
                "ui": {
                    "label": f.label,
                    "description": f.description,
                    "control": controls[f.type],
                    "section": f.section,
                    "recommended": f.section == "recommended",
                    "advanced": f.section == "advanced",
                    # Optional, not nullable, in the catalogue model: left out when there is none.
                    **({"placeholder": f.placeholder} if f.placeholder is not None else {}),
                    "helperText": _helper(f),
                },
                "sourceColumn": f.column,
                "source": f.source or ("persons" if f.level in (None, "person") else "companies"),
                "requiresSidecar": False,
                "isSearchOnly": f.type == "text_terms",
            }
            if f.type == "text_terms":
                definition["modes"] = list(cfg.TEXT_MODES)
            if f.source is not None:
                values = build.values.get(f.source, [])
                definition["values"] = [
                    {"value": v.value, "label": cfg.label_for(v.value), "count": v.people} for v in values
                ]
                value_count += len(values)
            if f.type == "number_range" and build.employee_range is not None:
                definition["range"] = {"min": build.employee_range[0], "max": build.employee_range[1]}
            filters.append(definition)
        groups.append({"key": group_key, "label": label, "description": description, "filters": filters})
    out: dict[str, Any] = {
        "version": {
            "status": "catalog" if build.build_id else "static_fallback",
            "sourceTable": "persons",
            "catalogTable": "filter_catalog",
            "catalogVersion": build.build_id,
            "buildId": build.build_id,
            "buildDate": build.built_at.strftime("%Y-%m-%dT%H:%M:%SZ") if build.built_at else None,
            "generatedAt": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "summary": {
            "groupCount": len(groups),
            "filterCount": len(cfg.FILTERS),
            "valueCount": value_count,
            "recommendedFilterCount": sections["recommended"],
            "standardFilterCount": sections["standard"],
            "advancedFilterCount": sections["advanced"],
            "supportsAdvancedLogic": False,
            "defaultFieldLogic": "and",
        },
        "groups": groups,
    }
    # G2 clients read flat value arrays from the same `data`.
    for name, source in cfg.G2_VALUE_LISTS.items():
        out[name] = [v.value for v in build.values.get(source, [])]
    return out


def _helper(f: cfg.FilterDef) -> str:
    if f.type == "multi_select":
        return "Any of the chosen values matches (OR); different filters combine with AND."
    if f.type == "text_terms":
        return "Case-insensitive; mode 'any' needs one term to match, 'all' needs every term."
    if f.type == "number_range":
        return "Inclusive bounds; give min, max or both."
    return "true keeps people who have it, false keeps people who do not."


# --- validate and preview --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Validation:
    config: cfg.NormalizedConfig | None
    problems: list[dict[str, str]]


# Resolves suppression list ids of the caller's organization to their published versions, in the
# order given; ValidationFailed naming `suppressionListIds[i]` for ids that are not its lists.
Lists = Callable[[Sequence[str]], tuple[ListRef, ...]]


def validate_config(raw: Any, vocab: cfg.Vocabulary, lists: Lists | None = None) -> Validation:
    """Check a config without querying the warehouse: its normalized form, or every problem with
    its field. With `lists`, the suppression lists it names must be the organization's."""
    if not isinstance(raw, Mapping):
        return Validation(None, [{"field": "config", "message": "the config must be a JSON object"}])
    normalized, problems = cfg.normalize(raw, vocab)
    if normalized is not None and normalized.suppression_list_ids and lists is not None:
        try:
            lists(list(raw.get("suppressionListIds") or ()))
        except ValidationFailed as exc:
            return Validation(None, list(exc.details or []))  # type: ignore[call-overload]
    return Validation(normalized, problems)


def suppression_refs(raw: Any, config: cfg.NormalizedConfig, lists: Lists | None) -> tuple[ListRef, ...]:
    """The current versions of the lists a normalized config names: one metadata read, none
    without lists. ValidationFailed naming `suppressionListIds[i]` (the client's order) for ids
    that are not the organization's."""
    if lists is None or not config.suppression_list_ids:
        return ()
    return lists(list(raw.get("suppressionListIds") or ()) if isinstance(raw, Mapping) else config.suppression_list_ids)


def require_config(raw: Any, vocab: cfg.Vocabulary, *, prefix: str = "", lists: Lists | None = None) -> cfg.NormalizedConfig:
    """The normalized config; ValidationFailed (400) naming every problem otherwise."""
    result = validate_config(raw, vocab, lists)
    if result.config is None:
        details = [{"field": f"{prefix}{p['field']}", "message": p["message"]} for p in result.problems]
        raise ValidationFailed("the audience config is invalid", details=details)
    return result.config


def resolve_data_date(snap: Snapshot, requested: date | None, *, field: str = "dataDate") -> date:
    """The newest ready data date, or the requested one if it is ready (ValidationFailed on
    `field` otherwise)."""
    if not snap.dates:
        raise ValidationFailed.field(field, "no data date is loaded yet")
    if requested is None:
        return snap.dates[-1]
    if requested not in snap.dates:
        raise ValidationFailed.field(field, f"{requested.isoformat()} is not a loaded data date")
    return requested


@dataclass(frozen=True, slots=True)
class MatchedTopic:
    topic_id: int
    topic_name: str
    type: str
    industry: str
    category: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One ranked person with profile and intent, as results, samples and CSV show it."""

    rank_score: int
    overlap: int
    matched: list[MatchedTopic]
    profile: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Preview:
    config: cfg.NormalizedConfig
    data_date: date
    total: int
    breakdowns: dict[str, list[tuple[str, int]]]
    sample: list[PersonRow]


def _matched_topics(snap: Snapshot, ids: tuple[int, ...]) -> list[MatchedTopic]:
    out = []
    for tid in ids:
        t = snap.inventory.get(tid)
        if t is not None:
            out.append(MatchedTopic(t.topic_id, t.name, t.type, t.industry, t.category))
    return out


def _person_rows(
    snap: Snapshot, rows: list[audience_sql.RankedRow], profiles: Mapping[int, Mapping[str, Any]]
) -> list[PersonRow]:
    return [
        PersonRow(r.score, r.overlap, _matched_topics(snap, r.topics), profiles.get(r.person_id, {}))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AudiencePageOfRows:
    """Count, breakdowns and one page of ranked rows with their profiles."""

    counted: audience_sql.CountAndBreakdowns
    rows: list[audience_sql.RankedRow]
    profiles: dict[int, dict[str, object]]
    served_from: str  # "index" or "warehouse"


# The profile keys a masked sample row reads (schemas.sample_row and g2_sample_row; a test builds
# samples from whole profiles and from these keys only and compares them).
SAMPLE_KEYS = frozenset({
    "hashed_email", "first_name", "last_name", "age_range", "gender", "city", "state", "country", "job_title",
    "is_b2b", "is_b2c",
    "seniority", "department", "company_name", "company_domain", "company_industry", "company_size",
    "company_revenue_range", "company_city", "company_state",
})


def evaluate(
    wh: Warehouse, index: ServingIndex | None, spec: audience_sql.AudienceSpec, *, limit: int, offset: int = 0,
    keys: frozenset[str] | None = None,
) -> AudiencePageOfRows:
    """The audience answered from the serving index when it holds the spec's day (and supports
    every filter), else from the warehouse: the same answer either way (tests compare them).
    `keys`: the profile keys needed (None: all; the index path fetches only these)."""
    if index is not None and serving.supports(index, spec):
        return serving.remembered(index, (spec, limit, offset, keys),
                                  lambda: _from_index(wh, index, spec, limit, offset, keys))
    counted = audience_sql.count_and_breakdowns(wh, spec)
    rows = audience_sql.top_rows(wh, spec, limit=limit, offset=offset) if offset < counted.total else []
    return AudiencePageOfRows(counted, rows, audience_sql.profiles(wh, [r.person_id for r in rows]), "warehouse")


def _from_index(wh: Warehouse, index: ServingIndex, spec: audience_sql.AudienceSpec, limit: int, offset: int,
                keys: frozenset[str] | None) -> AudiencePageOfRows:
    sel = serving.select(index, spec, suppression.mask(index, wh, spec.suppression))
    counted = serving.count_and_breakdowns(index, sel)
    rows = serving.top_rows(index, sel, limit=limit, offset=offset) if offset < counted.total else []
    return AudiencePageOfRows(counted, rows, serving.profiles(index, [r.person_id for r in rows], keys), "index")


def preview(
    wh: Warehouse, snap: Snapshot, vocab: cfg.Vocabulary, *, raw: Any, data_date: date | None = None,
    index: ServingIndex | None = None, lists: Lists | None = None,
) -> Preview:
    """Count, breakdowns and a masked-ready sample of up to 50 people on the data date, without
    the people of the suppression lists the config names (their current versions)."""
    config = require_config(raw, vocab)
    day = resolve_data_date(snap, data_date)
    spec = cfg.to_spec(config, day, suppression_refs(raw, config, lists))
    page = evaluate(wh, index, spec, limit=SAMPLE_SIZE, keys=SAMPLE_KEYS)
    sample = _person_rows(snap, page.rows, page.profiles)
    return Preview(config, day, page.counted.total, page.counted.breakdowns, sample)


# --- saved audiences -------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _take_slot(session: Session, *, org_id: str) -> None:
    taken = _rowcount(session.execute(
        update(Organization)
        .where(Organization.id == org_id, Organization.used_slots < Organization.audience_slots)
        .values(used_slots=Organization.used_slots + 1)
        .execution_options(synchronize_session=False)
    ))
    if taken != 1:
        raise SlotsFull("all audience slots are in use", details={"audienceSlots": _slots(session, org_id)})


def _release_slot(session: Session, *, org_id: str) -> None:
    session.execute(
        update(Organization)
        .where(Organization.id == org_id, Organization.used_slots > 0)
        .values(used_slots=Organization.used_slots - 1)
        .execution_options(synchronize_session=False)
    )


def _slots(session: Session, org_id: str) -> int:
    return int(session.scalar(select(Organization.audience_slots).where(Organization.id == org_id)) or 0)


def create_audience(
    session: Session, *, org_id: str, name: str, status: AudienceStatus, config: cfg.NormalizedConfig,
    written: Mapping[str, Any] | None = None,
) -> Audience:
    """A new audience; creating it `active` takes a slot (SlotsFull and nothing written otherwise).
    `written` is the config as the client sent it, echoed back in its notation."""
    now = _now()
    audience = Audience(
        id=str(uuid.uuid4()), organization_id=org_id, name=_name(name), status=status.value,
        config=config.as_json(), written_config=dict(written) if written is not None else None,
        config_hash=config.config_hash, audience_size=0,
        last_refreshed_at=None, created_at=now, updated_at=now,
    )
    if status == AudienceStatus.ACTIVE:
        _take_slot(session, org_id=org_id)
    session.add(audience)
    session.flush()
    return audience


def _name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 255:
        raise ValidationFailed.field("name", "name must be 1..255 characters")
    return cleaned


def get_audience(session: Session, *, org_id: str, audience_id: str) -> Audience:
    """The organization's audience; NotFound for a missing one or another organization's."""
    return get_owned(session, Audience, org_id=org_id, obj_id=audience_id, what="audience")


@dataclass(frozen=True, slots=True)
class AudiencePage:
    items: list[Audience]
    total: int


def list_audiences(
    session: Session, *, org_id: str, status: AudienceStatus | None, limit: int, offset: int
) -> AudiencePage:
    """Newest first."""
    where = [Audience.status == status.value] if status is not None else []
    items, total = list_owned(session, Audience, org_id=org_id, limit=limit, offset=offset, where=where)
    return AudiencePage(items, total)


def update_audience(
    session: Session,
    *,
    org_id: str,
    audience_id: str,
    name: str | None = None,
    status: AudienceStatus | None = None,
    config: cfg.NormalizedConfig | None = None,
    written: Mapping[str, Any] | None = None,
) -> Audience:
    """Rename, re-configure (`written`: the config as the client sent it) and/or change status.
    Activation takes a slot (SlotsFull and no change when none is free); leaving `active` frees
    it. Existing runs keep their own config."""
    audience = get_audience(session, org_id=org_id, audience_id=audience_id)
    if status is not None and status.value != audience.status:
        old = audience.status
        # Compare-and-set on the status, so the slot moves once even under concurrent PATCHes.
        moved = _rowcount(session.execute(
            update(Audience)
            .where(Audience.id == audience.id, Audience.status == old)
            .values(status=status.value)
            .execution_options(synchronize_session=False)
        ))
        if moved == 1:
            if status == AudienceStatus.ACTIVE:
                _take_slot(session, org_id=org_id)
            elif old == AudienceStatus.ACTIVE.value:
                _release_slot(session, org_id=org_id)
        session.refresh(audience)
    if name is not None:
        audience.name = _name(name)
    if config is not None:
        audience.config, audience.config_hash = config.as_json(), config.config_hash
        audience.written_config = dict(written) if written is not None else None
    audience.updated_at = _now()
    session.flush()
    return audience


def delete_audience(session: Session, *, org_id: str, audience_id: str) -> str:
    """Delete the audience and free its slot if it held one; returns its id."""
    audience = get_audience(session, org_id=org_id, audience_id=audience_id)
    if audience.status == AudienceStatus.ACTIVE.value:
        _release_slot(session, org_id=org_id)
    session.delete(audience)
    session.flush()
    return audience.id


def topics_of(snap: Snapshot, audience: Audience) -> list[tuple[int, str]]:
    """(id, name) of the audience's topics that still exist in the inventory."""
    out = []
    for tid in audience.config.get("topicIds", []):
        t = snap.inventory.get(int(tid))
        out.append((int(tid), t.name if t else ""))
    return out
