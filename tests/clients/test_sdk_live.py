"""The SDK against a real `orbit serve`: every method of `Client` once, the async twin on the
main flow, pagination to the end, errors as exceptions, CSV streaming (tests/clients/conftest.py)."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import uuid
from pathlib import Path

import pytest

from orbit_client import (
    OPERATIONS,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    RunPendingError,
    models,
)
from tests.clients.conftest import Live

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
CALLED: set[str] = set()  # SDK methods the tests of this module called (checked last)


@pytest.fixture()
def sdk(live: Live) -> Client:
    client = Client(live.base, api_key=live.key)
    return _Recording(client)  # type: ignore[return-value]


class _Recording:
    """Records which methods a test calls, to check at the end that every one was."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> object:
        CALLED.add(name)
        return getattr(self._client, name)


def test_topic_discovery(sdk: Client) -> None:
    page = sdk.list_topics(limit=3)
    assert len(page.items) == 3 and page.total is not None and page.total > 3 and page.has_more
    assert isinstance(page.items[0], models.TopicDetail)
    facets = sdk.topic_facets()
    assert facets.model_dump()
    found = sdk.search_topics("software", limit=5)
    assert 0 < len(found) <= 5 and all(isinstance(t, models.TopicRead) for t in found)
    movers = sdk.topic_movers(direction="up", limit=3)
    assert len(movers) == 3
    trend = sdk.topic_trend(movers[0].topic_id, days=2)
    assert [str(p.date) for p in trend] == ["2026-11-19", "2026-11-20"]
    series = sdk.compare_topics([movers[0].topic_id, movers[1].topic_id], days=2)
    assert {s.topic_id for s in series} == {movers[0].topic_id, movers[1].topic_id}


def test_iter_topics_follows_pages_to_the_end(sdk: Client) -> None:
    total = sdk.list_topics(limit=1).total
    seen = [t.topic_id for t in sdk.iter_topics(page_size=2_500)]
    assert len(seen) == total and len(set(seen)) == total


def test_site_analysis_refused_address_is_an_exception(sdk: Client) -> None:
    # A URL the server refuses before fetching: no test reaches out to the network.
    with pytest.raises(BadRequestError) as caught:
        sdk.analyze_site("ftp://example.com/")
    err = caught.value
    assert err.status == 400 and err.code == "VALIDATION_ERROR" and err.request_id and err.details
    assert sdk.list_site_topics(limit=5).items == []
    assert list(sdk.iter_site_topics()) == []
    with pytest.raises(NotFoundError) as missing:
        sdk.get_site_topics(str(uuid.uuid4()))
    assert missing.value.code == "NOT_FOUND" and missing.value.status == 404


def test_account_filters_validate_preview(sdk: Client, live: Live) -> None:
    account = sdk.get_account()
    assert account.organization.name == "Clients" and account.organization.audience_slots > 0
    filters = sdk.get_filters()
    assert filters
    valid = sdk.validate_config({"topicIds": live.topics, "minScore": 55})
    assert valid.model_dump()
    preview = sdk.preview(models.PreviewRequest(topic_ids=live.topics, min_score=50))
    assert preview.total_count > 0 and preview.sample and preview.breakdowns
    with pytest.raises(BadRequestError) as bad:
        sdk.validate_config({"topicIds": live.topics, "minScore": 101})
    assert bad.value.details and bad.value.details[0]["field"]


def test_audience_crud_and_activation(sdk: Client, live: Live) -> None:
    made = sdk.create_audience("sdk crud", {"topicIds": live.topics[:2], "minScore": 60})
    assert made.status == "draft" and made.name == "sdk crud"
    assert sdk.get_audience(made.id).id == made.id
    renamed = sdk.update_audience(made.id, name="sdk crud 2", config=models.ConfigIn(topic_ids=live.topics[:3]))
    assert renamed.name == "sdk crud 2" and len(renamed.topics) == 3
    active = sdk.activate_audience(made.id)
    assert active.status == "active" and active.daily_refresh_enabled
    paused = sdk.pause_audience(made.id)
    assert paused.status == "paused"
    ids = [a.id for a in sdk.iter_audiences(page_size=1)]
    assert made.id in ids and live.audience in ids and len(ids) == len(set(ids))
    assert sdk.list_audiences(status="paused").items[0].id == made.id
    assert sdk.delete_audience(made.id).deleted
    with pytest.raises(NotFoundError):
        sdk.get_audience(made.id)


def test_topic_lists(sdk: Client, live: Live) -> None:
    made = sdk.create_topic_list("sdk list", live.topics[:2], description="from the SDK")
    assert made.topic_ids == live.topics[:2]
    with pytest.raises(ConflictError) as dup:
        sdk.create_topic_list("sdk list", live.topics[:1])
    assert dup.value.code == "CONFLICT"
    second = sdk.create_topic_list("sdk list 2", live.topics[:1])
    assert sdk.get_topic_list(made.id).name == "sdk list"
    assert sdk.update_topic_list(made.id, description="changed").description == "changed"
    assert sdk.list_topic_lists(limit=1).total == 2
    assert {t.id for t in sdk.iter_topic_lists(page_size=1)} == {made.id, second.id}
    assert sdk.delete_topic_list(made.id).deleted and sdk.delete_topic_list(second.id).deleted


def test_runs_results_and_reads(sdk: Client, live: Live) -> None:
    run = sdk.get_run(live.audience, live.run)
    assert run.status == "completed" and run.result_count > 0
    runs = list(sdk.iter_runs(live.audience, page_size=1))
    assert [r.id for r in runs] == [live.run, live.first_run]
    assert sdk.list_runs(live.audience, limit=1).has_more
    first = sdk.get_results(live.audience, live.run, limit=5)
    assert first.state == "completed" and [r.rank for r in first.results] == [1, 2, 3, 4, 5]
    everyone = list(sdk.iter_results(live.audience, live.run, page_size=7))
    assert [r.rank for r in everyone] == list(range(1, first.total + 1))
    why = sdk.explain_result(live.audience, live.run, everyone[0].hashed_email)
    assert why.rank == 1
    stats = sdk.get_stats(live.audience, live.run)
    assert stats.model_dump()
    accounts = sdk.get_accounts(live.audience, live.run, sort="people", limit=2)
    assert accounts.total > 0
    assert len(list(sdk.iter_accounts(live.audience, live.run, page_size=3))) == accounts.total
    for kind in ("new", "dropped", "changed"):
        changes = sdk.get_changes(live.audience, live.run, kind, min_score_change=1)
        assert changes.previous_run is not None and changes.previous_run.id == live.first_run
        assert len(list(sdk.iter_changes(live.audience, live.run, kind, min_score_change=1, page_size=2))) == changes.total
    with pytest.raises(ConflictError) as first_run:
        sdk.get_changes(live.audience, live.first_run, "new")
    assert first_run.value.code == "NO_PREVIOUS_RUN"


def test_create_run_sends_an_idempotency_key_and_cancel(sdk: Client, live: Live) -> None:
    made = sdk.create_audience("sdk runs", {"topicIds": live.topics[:2], "minScore": 50})
    try:
        queued = sdk.create_run(made.id, idempotency_key="sdk-key-1")
        assert sdk.create_run(made.id, idempotency_key="sdk-key-1").id == queued.id  # the same key: the same run
        assert queued.idempotency_key == "sdk-key-1"
        try:  # a generated key: a new request; refused while the first run is queued or running
            other = sdk.create_run(made.id)
            assert other.id != queued.id and other.idempotency_key and other.idempotency_key.startswith("orbit-client-")
        except ConflictError as busy:
            assert busy.code == "RUN_IN_PROGRESS" and busy.details["runId"] == queued.id
            other = queued
        try:
            cancelled = sdk.cancel_run(made.id, other.id)
            assert cancelled.status == "cancelled"
        except ConflictError as exc:  # the worker claimed it first
            assert exc.code == "RUN_NOT_CANCELLABLE"
        done = sdk.wait_for_run(made.id, other.id, timeout=60, poll_interval=0.1, raise_on_failure=False)
        assert done.status in ("cancelled", "completed")
        sdk.wait_for_run(made.id, queued.id, timeout=60, poll_interval=0.1, raise_on_failure=False)
        second = sdk.create_run(made.id)
        assert second.idempotency_key and second.idempotency_key.startswith("orbit-client-")
        assert sdk.wait_for_run(made.id, second.id, timeout=60, poll_interval=0.1).status == "completed"
    finally:
        sdk.delete_audience(made.id)


def test_iter_results_of_a_pending_run_raises(sdk: Client, live: Live) -> None:
    made = sdk.create_audience("sdk pending", {"topicIds": live.topics[:2], "minScore": 50})
    try:
        run = sdk.create_run(made.id)
        page = sdk.get_results(made.id, run.id)
        if page.state in ("queued", "running"):  # the worker may already be done: then there is nothing to show
            with pytest.raises(RunPendingError):
                list(sdk.iter_results(made.id, run.id))
        sdk.wait_for_run(made.id, run.id, timeout=60, poll_interval=0.1)
    finally:
        sdk.delete_audience(made.id)


def test_csv_downloads(sdk: Client, live: Live, tmp_path: Path) -> None:
    total = sdk.get_run(live.audience, live.run).result_count
    info = sdk.export_csv(live.audience, live.run, tmp_path / "run.csv")
    text = (tmp_path / "run.csv").read_bytes().decode()
    assert info.bytes == len(text.encode()) and info.truncated is False and info.row_cap == 300_000
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == total == info.result_count
    assert list(sdk.iter_export_rows(live.audience, live.run)) == rows
    with_topics = sdk.export_csv(live.audience, live.run, tmp_path / "topics.csv", include="matchedTopics")
    assert with_topics.bytes > info.bytes
    batches = list(sdk.iter_export_batches(live.audience, live.run, batch_rows=max(1, total // 3)))
    assert sum(b.num_rows for b in batches) == total and batches[0].schema.names == list(rows[0])
    frames = list(sdk.iter_export_frames(live.audience, live.run, batch_rows=total))
    assert len(frames) == 1 and frames[0]["hashedEmail"].tolist() == [r["hashedEmail"] for r in rows]
    changes = sdk.changes_csv(live.audience, live.run, tmp_path / "changes.csv", kind="new")
    assert changes.path.read_text().startswith("change.kind") or changes.bytes > 0
    accounts = sdk.accounts_csv(live.audience, live.run, tmp_path / "accounts.csv", sort="surge")
    assert accounts.bytes > 0 and not (tmp_path / "accounts.csv.part").exists()


def test_stored_exports(sdk: Client, live: Live, tmp_path: Path) -> None:
    made = sdk.create_export(live.audience, live.run)
    assert made.export.status == "completed" and made.download_url
    again = sdk.get_export(live.audience, live.run, made.export.id)
    assert again.export.id == made.export.id
    assert [e.id for e in sdk.list_exports(live.audience, live.run).items] == [made.export.id]
    assert [e.id for e in sdk.iter_exports(live.audience, live.run)] == [made.export.id]
    got = sdk.download_export(made.download_url, tmp_path / "stored.csv")
    streamed = sdk.export_csv(live.audience, live.run, tmp_path / "streamed.csv")
    assert got.bytes == made.export.byte_size
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (got.path, streamed.path)]
    assert digest[0] == digest[1]
    meta = sdk.create_export(live.audience, live.run, export_type="meta", source="changes", kind="new")
    assert (meta.export.export_type, meta.export.source, meta.export.change_kind) == ("meta", "changes", "new")
    assert meta.export.status == "completed" and meta.download_url
    lines = sdk.download_export(meta.download_url, tmp_path / "meta.csv").path.read_text().splitlines()
    assert lines[0] == "email,email,phone,fn,ln,ct,st,zip,country"
    assert len(lines) - 1 == meta.export.row_count


def test_suppression_lists(sdk: Client, live: Live) -> None:
    config = {"topicIds": live.topics, "minScore": 50}  # the fixture audience's config: its runs' people
    people = [r.hashed_email for r in sdk.get_results(live.audience, live.run, limit=3).results]
    made = sdk.create_suppression_list("sdk suppression", description="from the SDK")
    audience = None
    try:
        with pytest.raises(ConflictError):
            sdk.create_suppression_list("sdk suppression")
        up = sdk.upload_suppression_items(made.id, ("sha256\n" + "\n".join(people) + "\nnot-a-hash\n").encode())
        assert (up.total, up.accepted, up.rejected) == (4, 3, 1) and up.errors[0].line == 5
        more = sdk.upload_suppression_items(made.id, ["nobody-works-here.example"], kind="domain")
        assert more.accepted == 1 and more.suppression_list.item_count == 4
        got = sdk.get_suppression_list(made.id)
        assert (got.kind_counts.sha256, got.kind_counts.domain) == (3, 1)
        assert sdk.list_suppression_lists(limit=1).total == 1
        assert [s.id for s in sdk.iter_suppression_lists(page_size=1)] == [made.id]
        plain = sdk.preview(config).total_count
        assert sdk.preview({**config, "suppressionListIds": [made.id]}).total_count == plain - 3
        audience = sdk.create_audience("sdk suppressed", {**config, "suppressionListIds": [made.id]})
        run = sdk.wait_for_run(audience.id, sdk.create_run(audience.id).id, timeout=60, poll_interval=0.1)
        assert run.suppressed_count == 3
        assert run.result_count == sdk.get_run(live.audience, live.run).result_count - 3
        with pytest.raises(ConflictError):  # an audience applies it
            sdk.delete_suppression_list(made.id)
        assert sdk.clear_suppression_items(made.id).item_count == 0
    finally:
        if audience is not None:
            sdk.delete_audience(audience.id)
        assert sdk.delete_suppression_list(made.id).deleted


def test_webhooks(sdk: Client) -> None:
    made = sdk.create_webhook("http://127.0.0.1:9/hook", ["run.completed"], description="sdk")
    assert made.secret.startswith("whsec_")
    hook = made.endpoint.id
    assert sdk.get_webhook(hook).description == "sdk"
    assert sdk.update_webhook(hook, enabled=False).enabled is False
    assert sdk.list_webhooks().items[0].id == hook and [w.id for w in sdk.iter_webhooks()] == [hook]
    rotated = sdk.rotate_webhook_secret(hook)
    assert rotated.secret != made.secret
    ping = sdk.ping_webhook(hook)
    assert sdk.get_delivery(hook, ping.id).id == ping.id
    replay = sdk.replay_delivery(hook, ping.id)
    assert replay.replay_of == ping.id
    assert {d.id for d in sdk.iter_deliveries(hook, page_size=1)} == {ping.id, replay.id}
    assert sdk.list_deliveries(hook, status="pending").total == 2
    assert sdk.delete_webhook(hook).deleted


def test_operations_and_credentials(sdk: Client, live: Live) -> None:
    assert sdk.health() and sdk.ready()
    with Client(live.base, api_key="sk_" + "x" * 43) as wrong, pytest.raises(AuthenticationError) as caught:
        wrong.get_account()
    assert caught.value.status == 401 and caught.value.code == "UNAUTHORIZED"
    with Client(live.base) as anonymous:
        assert anonymous.search_topics("crm", limit=1)  # public discovery needs no credentials


def test_async_client_main_flow(live: Live, tmp_path: Path) -> None:
    async def flow() -> None:
        async with AsyncClient(live.base, api_key=live.key) as api:
            topics = await api.search_topics("software", limit=3)
            assert topics
            made = await api.create_audience("async", {"topicIds": live.topics[:2], "minScore": 50})
            run = await api.create_run(made.id)
            done = await api.wait_for_run(made.id, run.id, timeout=60, poll_interval=0.1)
            assert done.status == "completed"
            rows = [r async for r in api.iter_results(made.id, run.id, page_size=5)]
            assert len(rows) == done.result_count
            info = await api.export_csv(made.id, run.id, tmp_path / "a.csv")
            streamed = [r async for r in api.iter_export_rows(made.id, run.id)]
            assert len(streamed) == done.result_count and info.bytes > 0
            assert [r["hashedEmail"] for r in streamed] == [r.hashed_email for r in rows]
            assert [r.id async for r in api.iter_runs(made.id)] == [run.id]
            with pytest.raises(NotFoundError):
                await api.get_run(made.id, str(uuid.uuid4()))
            assert (await api.delete_audience(made.id)).deleted

    asyncio.run(flow())


def test_every_method_was_called() -> None:
    """Runs last in this module: each SDK operation method was exercised against the server."""
    wanted = set(OPERATIONS.values()) | {"wait_for_run", "iter_export_rows", "iter_export_batches",
                                         "iter_export_frames", "activate_audience", "pause_audience"}
    wanted |= {n for n in dir(Client) if n.startswith("iter_")}
    assert wanted - CALLED == set()

