"""The run queue on SQLite and PostgreSQL: atomic claims, leases, retries and daily scheduling."""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orbit.accounts import service as accounts
from orbit.audiences import config as cfg
from orbit.audiences import service as audiences
from orbit.metadata import db
from orbit.metadata.models import Audience, Run, WebhookEvent
from orbit.runs import service
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings
from orbit.warehouse.runs_sql import RunCounts
from orbit.webhooks import service as webhooks
from orbit.webhooks import targets

CONFIG = cfg.NormalizedConfig((1,), 70, 99, 1, {}, None)
DAY = date(2026, 11, 20)
LEASE = timedelta(seconds=30)


def _sessions(url: str) -> sessionmaker[Session]:
    engine = db.make_engine(url)
    db.migrate(engine)
    return db.make_sessions(engine)


def _org_with_audiences(sessions: sessionmaker[Session], n: int, *, status: str = "draft") -> tuple[str, list[str]]:
    with sessions.begin() as s:
        org = accounts.create_organization(s, name=f"Queue {datetime.now(UTC).timestamp()}", audience_slots=n)
        ids = [audiences.create_audience(s, org_id=org.id, name=f"a{i}", status=audiences.AudienceStatus(status),
                                         config=CONFIG).id for i in range(n)]
        return org.id, ids


def _queue(sessions: sessionmaker[Session], audience_ids: list[str]) -> list[str]:
    with sessions.begin() as s:
        runs = [service._new_run(s.get(Audience, a), run_type=service.RunType.MANUAL, data_date=DAY, key=None,  # type: ignore[arg-type]
                                 now=datetime.now(UTC)) for a in audience_ids]
        for r in runs:
            service._insert_run(s, r)
        return [r.id for r in runs]


def test_concurrent_workers_never_claim_a_run_twice(metadata_url: str) -> None:
    sessions = _sessions(metadata_url)
    _, audience_ids = _org_with_audiences(sessions, 24)
    queued = set(_queue(sessions, audience_ids))
    claimed: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while True:
            with sessions.begin() as s:
                db.begin_write(s)
                run = service.claim_next_run(s, worker_id=name, lease=LEASE)
                if run is None:
                    return
                with lock:
                    claimed.append(run.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(claimed) == sorted(queued)  # each exactly once
    with sessions() as s:
        owners = {r.lease_owner for r in s.query(Run).filter(Run.id.in_(queued))}
        assert len(owners) > 1 or metadata_url.startswith("sqlite")  # PostgreSQL really shared the work


def test_a_dead_workers_run_is_picked_up_once(metadata_url: str) -> None:
    sessions = _sessions(metadata_url)
    _, audience_ids = _org_with_audiences(sessions, 1)
    (run_id,) = _queue(sessions, audience_ids)
    t0 = datetime.now(UTC)
    with sessions.begin() as s:
        dead = service.claim_next_run(s, worker_id="dead", lease=timedelta(seconds=5), now=t0)
        assert dead is not None and dead.attempts == 1
        s.expunge(dead)
    with sessions.begin() as s:  # before the lease runs out nothing moves
        assert service.requeue_expired(s, max_attempts=3, now=t0 + timedelta(seconds=4)).total == 0
        assert service.claim_next_run(s, worker_id="live", lease=LEASE, now=t0 + timedelta(seconds=4)) is None
    later = t0 + timedelta(seconds=6)
    with sessions.begin() as s:
        assert service.requeue_expired(s, max_attempts=3, now=later).total == 1
        live = service.claim_next_run(s, worker_id="live", lease=LEASE, now=later)
        assert live is not None and live.id == run_id and live.attempts == 2
        s.expunge(live)
    counts = RunCounts(10, 5, 5)
    with sessions.begin() as s:  # the dead worker wakes up: it can neither beat nor complete
        assert not service.heartbeat(s, run_id=run_id, worker_id="dead", lease=LEASE)
        assert not service.complete_run(s, run=dead, worker_id="dead", counts=counts, topics={}, query_id="q")
        assert service.complete_run(s, run=live, worker_id="live", counts=counts, topics={}, query_id="q")
    with sessions() as s:
        run = s.get(Run, run_id)
        assert run is not None and (run.status, run.attempts, run.result_count) == ("completed", 2, 5)


def test_a_run_lost_on_its_last_attempt_fails_and_says_so(metadata_url: str) -> None:
    """A worker that dies on the last attempt: the run fails (WORKER_LOST), and the worker that
    notices writes its `run.failed` webhook event, as when a run fails in a worker."""
    sessions = _sessions(metadata_url)
    org_id, audience_ids = _org_with_audiences(sessions, 1)
    (run_id,) = _queue(sessions, audience_ids)
    with sessions.begin() as s:
        url = webhooks.check_url("https://hooks.example.com/orbit", targets.Rules(),
                                 lambda host, port: [ipaddress.ip_address("93.184.215.14")])
        webhooks.create_endpoint(s, org_id=org_id, url=url, events=["run.failed"],
                                 description="", enabled=True, server_key=b"k" * 32, max_endpoints=16)
    with sessions.begin() as s:
        assert service.claim_next_run(s, worker_id="dead", lease=timedelta(milliseconds=1)) is not None
    snapshot = lambda: None  # noqa: E731  # no run is processed: only the claim step runs
    worker = Worker(None, sessions, snapshot, RunsSettings(max_attempts=1))  # type: ignore[arg-type]
    deadline = time.monotonic() + 30
    while (lost := _status(sessions, run_id)) != "failed":
        assert time.monotonic() < deadline, lost
        assert worker._claim() is None
    with sessions() as s:
        run = s.get(Run, run_id)
        assert run is not None and run.error_code == "WORKER_LOST"
        bodies = [json.loads(e.body) for e in s.scalars(select(WebhookEvent).where(WebhookEvent.organization_id == org_id))]
    assert [(b["type"], b["data"]["id"], b["data"]["errorCode"]) for b in bodies] == [("run.failed", run_id, "WORKER_LOST")]


def _status(sessions: sessionmaker[Session], run_id: str) -> str:
    with sessions() as s:
        run = s.get(Run, run_id)
        assert run is not None
        return run.status


def test_retry_timing_is_a_pure_backoff() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert service.retry_at(1, now, max_attempts=3, base_seconds=30) == now + timedelta(seconds=30)
    assert service.retry_at(2, now, max_attempts=3, base_seconds=30) == now + timedelta(seconds=120)
    assert service.retry_at(3, now, max_attempts=3, base_seconds=30) is None


def test_daily_runs_are_queued_once_per_config_and_date(metadata_url: str) -> None:
    sessions = _sessions(metadata_url)
    org_id, (active, draft) = _org_with_audiences(sessions, 2)
    with sessions.begin() as s:
        audiences.update_audience(s, org_id=org_id, audience_id=active, status=audiences.AudienceStatus.ACTIVE)
    with sessions.begin() as s:
        first = service.queue_daily_runs(s, data_date=DAY)
        mine = [r for r in first if r.audience_id in (active, draft)]
        assert [(r.audience_id, r.run_type) for r in mine] == [(active, "daily")]
    with sessions.begin() as s:
        assert [r for r in service.queue_daily_runs(s, data_date=DAY) if r.audience_id == active] == []
        run = s.get(Run, mine[0].id)
        assert run is not None
        run.status = "completed"
    with sessions.begin() as s:  # completed with the same (configHash, dataDate): still nothing
        assert [r for r in service.queue_daily_runs(s, data_date=DAY) if r.audience_id == active] == []
        assert [r.audience_id for r in service.queue_daily_runs(s, data_date=DAY + timedelta(days=1))
                if r.audience_id in (active, draft)] == [active]


def test_parallel_requests_with_one_idempotency_key_replay_one_run(metadata_url: str) -> None:
    """10 requests at once with the same Idempotency-Key: one run is created and the other nine
    get it back (on PostgreSQL the inserts really run in parallel; SQLite queues the writers)."""
    sessions = _sessions(metadata_url)
    org_id, (audience_id,) = _org_with_audiences(sessions, 1)
    snap = SimpleNamespace(dates=[DAY])
    start = threading.Barrier(10)
    outcomes: list[tuple[str, bool] | str] = []
    lock = threading.Lock()

    def post() -> None:
        start.wait()
        try:
            with sessions.begin() as s:
                db.begin_write(s)
                queued = service.queue_run(s, org_id=org_id, audience_id=audience_id, snap=snap,  # type: ignore[arg-type]
                                           idempotency_key="same-key", ttl=timedelta(hours=24))
                result: tuple[str, bool] | str = (queued.run.id, queued.created)
        except Exception as exc:  # surfaced by the assertion below
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({o[0] for o in outcomes}) == 1  # type: ignore[index]
    assert sorted(o[1] for o in outcomes) == [False] * 9 + [True]  # type: ignore[index]


def test_a_queued_run_rings_the_doorbell_once_committed(metadata_url: str) -> None:
    sessions = _sessions(metadata_url)
    org_id, (first, second) = _org_with_audiences(sessions, 2)
    snap = SimpleNamespace(dates=[DAY])
    rings = service.DOORBELL.rings
    with sessions.begin() as s:
        service.queue_run(s, org_id=org_id, audience_id=first, snap=snap, idempotency_key=None,  # type: ignore[arg-type]
                          ttl=timedelta(hours=24))
        assert service.DOORBELL.rings == rings  # not yet: a worker woken now would find nothing
    assert service.DOORBELL.rings == rings + 1
    with sessions() as s, s.begin() as tx:
        service.queue_run(s, org_id=org_id, audience_id=second, snap=snap, idempotency_key=None,  # type: ignore[arg-type]
                          ttl=timedelta(hours=24))
        tx.rollback()
    assert service.DOORBELL.rings == rings + 1


def test_an_idle_worker_looks_again_when_rung() -> None:
    looked = threading.Semaphore(0)

    class Looking(Worker):
        def run_once(self) -> bool:
            looked.release()
            return False

    worker = Looking(None, None, None, RunsSettings(poll_seconds=600))  # type: ignore[arg-type]
    stop = threading.Event()
    serving = threading.Thread(target=worker.serve, args=(stop,), daemon=True)
    serving.start()
    assert looked.acquire(timeout=30)  # found nothing, now waits up to 600 s...
    service.DOORBELL.ring()
    assert looked.acquire(timeout=30)  # ...but looks again as soon as a run is queued
    stop.set()
    service.DOORBELL.ring()
    serving.join(timeout=30)
    assert not serving.is_alive()
