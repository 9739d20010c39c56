"""Slots under concurrency: two simultaneous activations never both take the last slot."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest
from sqlalchemy import select

from orbit.accounts import service as accounts
from orbit.audiences import config as cfg
from orbit.audiences import service
from orbit.errors import SlotsFull
from orbit.metadata import db
from orbit.metadata.models import Audience, Organization

CONFIG = cfg.NormalizedConfig((1,), 70, 99, 1, {}, None)


def _activate(url: str, org_id: str, audience_id: str, barrier: Any, results: Any) -> None:
    engine = db.make_engine(url)
    barrier.wait(timeout=30)
    try:
        with db.make_sessions(engine).begin() as session:
            db.begin_write(session)
            service.update_audience(session, org_id=org_id, audience_id=audience_id, status=service.AudienceStatus.ACTIVE)
        results.put("ok")
    except SlotsFull:
        results.put("full")
    except Exception as exc:  # surfaced in the assertion below
        results.put(f"error: {exc!r}")
    finally:
        engine.dispose()


def test_two_processes_race_for_the_last_slot(metadata_url: str) -> None:
    engine = db.make_engine(metadata_url)
    db.migrate(engine)
    sessions = db.make_sessions(engine)
    ctx = mp.get_context("spawn")
    for round_ in range(3):
        with sessions.begin() as s:
            org = accounts.create_organization(s, name=f"Race {round_}", audience_slots=1)
            ids = [service.create_audience(s, org_id=org.id, name=f"a{i}", status=service.AudienceStatus.DRAFT,
                                           config=CONFIG).id for i in range(2)]
            org_id = org.id
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_activate, args=(metadata_url, org_id, i, barrier, results)) for i in ids]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        outcomes = sorted(results.get(timeout=5) for _ in procs)
        assert outcomes == ["full", "ok"], outcomes
        with sessions() as s:
            statuses = sorted(s.scalars(select(Audience.status).where(Audience.organization_id == org_id)))
            used = s.scalar(select(Organization.used_slots).where(Organization.id == org_id))
        assert statuses == ["active", "draft"] and used == 1
    engine.dispose()


def test_slot_accounting_through_the_lifecycle(metadata_url: str) -> None:
    engine = db.make_engine(metadata_url)
    db.migrate(engine)
    with db.make_sessions(engine).begin() as s:
        org = accounts.create_organization(s, name="Lifecycle", audience_slots=2)
        a = service.create_audience(s, org_id=org.id, name="a", status=service.AudienceStatus.ACTIVE, config=CONFIG)
        b = service.create_audience(s, org_id=org.id, name="b", status=service.AudienceStatus.ACTIVE, config=CONFIG)
        with pytest.raises(SlotsFull), s.begin_nested():
            service.create_audience(s, org_id=org.id, name="c", status=service.AudienceStatus.ACTIVE, config=CONFIG)
        service.update_audience(s, org_id=org.id, audience_id=a.id, status=service.AudienceStatus.PAUSED)
        c = service.create_audience(s, org_id=org.id, name="c", status=service.AudienceStatus.ACTIVE, config=CONFIG)
        service.update_audience(s, org_id=org.id, audience_id=c.id, status=service.AudienceStatus.ACTIVE)  # no-op
        service.delete_audience(s, org_id=org.id, audience_id=b.id)
        s.refresh(org)
        assert org.used_slots == 1
        assert sorted(x.status for x in s.scalars(select(Audience).where(Audience.organization_id == org.id))) == ["active", "paused"]
    engine.dispose()
