"""Every G3 operation of the Orbit API, written once for both clients: each method says what to
send and how to read the answer (`Req`); `Client` runs it blocking, `AsyncClient` awaited.

Method names follow the API's resources (docs/sdk.md lists them with their operation). Request
bodies take a model of `orbit_client.models` or a plain dict with the API's field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from orbit_client._core import (
    OPERATIONS,
    Endpoint,
    Page,
    Pager,
    Paginated,
    Req,
    body,
    by_offset,
    data,
    endpoint,
    idempotency_key_header,
    page,
)
from orbit_client.errors import OrbitError
from orbit_client.models import (
    AccountRead,
    AccountsRead,
    AudienceCreate,
    AudienceRead,
    AudienceUpdate,
    ChangeKind,
    ChangeRow,
    ChangesRead,
    CompareSeries,
    ConfigIn,
    DeletedRead,
    DeliveryDetailRead,
    DeliveryRead,
    DeliveryStatus,
    ExplainRead,
    ExportDownloadRead,
    ExportRead,
    ExportSource,
    ExportType,
    FacetsRead,
    MoverRead,
    PreviewRead,
    PreviewRequest,
    ResultRow,
    ResultsRead,
    RunRead,
    SiteAnalysisRead,
    StatsRead,
    SuppressionListCreate,
    SuppressionListDeleted,
    SuppressionListRead,
    TopicDetail,
    TopicListCreate,
    TopicListDeleted,
    TopicListRead,
    TopicListUpdate,
    TopicRead,
    TrendPoint,
    UploadRead,
    ValidateRead,
    WebhookCreate,
    WebhookDeleted,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

AUD = "/v1/intent/audiences"
RUN = AUD + "/{audience_id}/runs/{run_id}"
HOOK = "/v1/intent/webhooks/{webhook_id}"
SUPPRESSION = "/v1/intent/suppression-lists"
SuppressionKind = Literal["email", "sha256", "sha1", "md5", "domain"]
TopicType = Literal["b2b", "b2c", "both"]
Config = ConfigIn | PreviewRequest | Mapping[str, Any]


class RunPendingError(OrbitError):
    """The run is still queued or running: wait for it (`wait_for_run`) before paging its rows."""


def _pending(answer: ResultsRead | ChangesRead | AccountsRead) -> None:
    if answer.state in ("queued", "running"):
        raise RunPendingError(f"run {answer.run.id} is {answer.state}: call wait_for_run first")


class Api:
    """The operations (see `Client` / `AsyncClient` for how they are executed)."""

    # --- topic discovery (public; credentials raise the rate limit) --------------------------------

    @endpoint("GET", "/v1/intent/topics")
    def list_topics(self, *, type: TopicType | None = None, industry: str | None = None,
                    category: str | None = None, q: str | None = None, limit: int | None = None,
                    offset: int | None = None) -> Req[Page[TopicDetail]]:
        """Browse the topic inventory (filters: type, industry, category, q; `limit` up to 25,000)."""
        return Req(page(TopicDetail), params={"type": type, "industry": industry, "category": category, "q": q,
                                              "limit": limit, "offset": offset})

    @endpoint("GET", "/v1/intent/topics/facets")
    def topic_facets(self) -> Req[FacetsRead]:
        """Counts of topics per type, industry and category."""
        return Req(data(FacetsRead))

    @endpoint("GET", "/v1/intent/topics/search")
    def search_topics(self, q: str, *, type: TopicType | None = None, industry: str | None = None,
                      limit: int | None = None) -> Req[list[TopicRead]]:
        """Topics that match a free-text query, best first (`limit` 1..50)."""
        return Req(data(list[TopicRead]), params={"q": q, "type": type, "industry": industry, "limit": limit})

    @endpoint("GET", "/v1/intent/topics/movers")
    def topic_movers(self, *, direction: Literal["up", "down"] | None = None, type: TopicType | None = None,
                     industry: str | None = None, limit: int | None = None) -> Req[list[MoverRead]]:
        """Topics whose audience grew (or shrank) most from the day before to the newest day."""
        return Req(data(list[MoverRead]), params={"direction": direction, "type": type, "industry": industry,
                                                  "limit": limit})

    @endpoint("GET", "/v1/intent/topics/{topicId}/trend")
    def topic_trend(self, topic_id: int | str, *, days: int | None = None) -> Req[list[TrendPoint]]:
        """A topic's daily audience over the last `days` data dates (1..90, default 30)."""
        return Req(data(list[TrendPoint]), path={"topicId": str(topic_id)}, params={"days": days})

    @endpoint("POST", "/v1/intent/topics/compare")
    def compare_topics(self, topic_ids: list[int], *, days: int | None = None) -> Req[list[CompareSeries]]:
        """Daily audience series of several topics side by side."""
        return Req(data(list[CompareSeries]), json=body(None, topicIds=topic_ids, days=days))

    # --- site analysis ----------------------------------------------------------------------------

    @endpoint("POST", "/v1/intent/topics/analyze")
    def analyze_site(self, url: str) -> Req[SiteAnalysisRead]:
        """Read a website and match it to topics (stored for the organization when authenticated)."""
        return Req(data(SiteAnalysisRead), json={"url": url})

    @endpoint("GET", "/v1/intent/site-topics")
    def list_site_topics(self, *, limit: int | None = None, offset: int | None = None) -> Req[Page[SiteAnalysisRead]]:
        """The organization's past site analyses, newest first."""
        return Req(page(SiteAnalysisRead), params={"limit": limit, "offset": offset})

    @endpoint("GET", "/v1/intent/site-topics/{analysis_id}")
    def get_site_topics(self, analysis_id: str) -> Req[SiteAnalysisRead]:
        """One stored site analysis."""
        return Req(data(SiteAnalysisRead), path={"analysis_id": analysis_id})

    # --- account ----------------------------------------------------------------------------------

    @endpoint("GET", "/v1/intent/account")
    def get_account(self) -> Req[AccountRead]:
        """The caller's organization (slots, plan) and credential."""
        return Req(data(AccountRead))

    # --- audience builder -------------------------------------------------------------------------

    @endpoint("GET", AUD + "/filters")
    def get_filters(self) -> Req[dict[str, Any]]:
        """The ICP filter catalogue: every filter key, its type and its values with counts."""
        return Req(data(dict[str, Any]))

    @endpoint("POST", AUD + "/validate")
    def validate_config(self, config: Config) -> Req[ValidateRead]:
        """Check and normalize an audience config without running it (400 names the bad field)."""
        return Req(data(ValidateRead), json=body(config))

    @endpoint("POST", AUD + "/preview")
    def preview(self, config: Config, *, shape: Literal["g2", "g3"] | None = None) -> Req[PreviewRead]:
        """Size, breakdowns and a masked sample of an audience config, without saving it."""
        return Req(data(PreviewRead), json=body(config), params={"shape": shape})

    @endpoint("GET", AUD)
    def list_audiences(self, *, status: Literal["draft", "active", "paused"] | None = None,
                       limit: int | None = None, offset: int | None = None) -> Req[Page[AudienceRead]]:
        """The organization's audiences, newest first (`limit` 1..100)."""
        return Req(page(AudienceRead), params={"status": status, "limit": limit, "offset": offset})

    @endpoint("POST", AUD)
    def create_audience(self, name: str, config: Config, *,
                        status: Literal["draft", "active", "paused"] | None = None) -> Req[AudienceRead]:
        """Save an audience (draft unless `status="active"`, which takes a slot and queues a run)."""
        return Req(data(AudienceRead), json=body(AudienceCreate.model_validate(
            {"name": name, "config": body(config), **({"status": status} if status else {})})))

    @endpoint("GET", AUD + "/{audience_id}")
    def get_audience(self, audience_id: str) -> Req[AudienceRead]:
        """One audience."""
        return Req(data(AudienceRead), path={"audience_id": audience_id})

    @endpoint("PATCH", AUD + "/{audience_id}")
    def update_audience(self, audience_id: str, *, name: str | None = None, config: Config | None = None,
                        status: Literal["draft", "active", "paused"] | None = None) -> Req[AudienceRead]:
        """Change name, config or status (`active` takes a slot: 403 SLOTS_FULL when none is free)."""
        fields = {"name": name, "config": None if config is None else body(config), "status": status}
        return Req(data(AudienceRead), path={"audience_id": audience_id},
                   json=body(AudienceUpdate.model_validate({k: v for k, v in fields.items() if v is not None})))

    def _activate(self, audience_id: str) -> Req[AudienceRead]:
        """`update_audience(audience_id, status="active")`: takes a slot, daily refresh on, first run queued."""
        return Req(data(AudienceRead), path={"audience_id": audience_id}, json={"status": "active"})

    def _pause(self, audience_id: str) -> Req[AudienceRead]:
        """`update_audience(audience_id, status="paused")`: frees the slot, no daily refresh."""
        return Req(data(AudienceRead), path={"audience_id": audience_id}, json={"status": "paused"})

    # Shortcuts of the PATCH operation (not registered again in OPERATIONS).
    activate_audience = Endpoint("PATCH", AUD + "/{audience_id}", _activate)
    pause_audience = Endpoint("PATCH", AUD + "/{audience_id}", _pause)

    @endpoint("DELETE", AUD + "/{audience_id}")
    def delete_audience(self, audience_id: str) -> Req[DeletedRead]:
        """Delete an audience with its runs' results and stored exports."""
        return Req(data(DeletedRead), path={"audience_id": audience_id})

    # --- topic lists ------------------------------------------------------------------------------

    @endpoint("GET", "/v1/intent/topic-lists")
    def list_topic_lists(self, *, limit: int | None = None, offset: int | None = None) -> Req[Page[TopicListRead]]:
        """The organization's saved topic lists."""
        return Req(page(TopicListRead), params={"limit": limit, "offset": offset})

    @endpoint("POST", "/v1/intent/topic-lists")
    def create_topic_list(self, name: str, topic_ids: list[int], *, description: str | None = None) -> Req[TopicListRead]:
        """Save a named list of topics (409 CONFLICT on a name in use)."""
        return Req(data(TopicListRead), json=body(TopicListCreate(name=name, topic_ids=topic_ids),
                                                  description=description))

    @endpoint("GET", "/v1/intent/topic-lists/{topic_list_id}")
    def get_topic_list(self, topic_list_id: str) -> Req[TopicListRead]:
        """One topic list."""
        return Req(data(TopicListRead), path={"topic_list_id": topic_list_id})

    @endpoint("PATCH", "/v1/intent/topic-lists/{topic_list_id}")
    def update_topic_list(self, topic_list_id: str, *, name: str | None = None, description: str | None = None,
                          topic_ids: list[int] | None = None) -> Req[TopicListRead]:
        """Change a topic list (omitted fields keep their value)."""
        update = TopicListUpdate.model_validate({k: v for k, v in
                                                 {"name": name, "description": description, "topicIds": topic_ids}.items()
                                                 if v is not None})
        return Req(data(TopicListRead), path={"topic_list_id": topic_list_id}, json=body(update))

    @endpoint("DELETE", "/v1/intent/topic-lists/{topic_list_id}")
    def delete_topic_list(self, topic_list_id: str) -> Req[TopicListDeleted]:
        """Delete a topic list."""
        return Req(data(TopicListDeleted), path={"topic_list_id": topic_list_id})

    # --- runs -------------------------------------------------------------------------------------

    @endpoint("POST", AUD + "/{audience_id}/runs")
    def create_run(self, audience_id: str, *, idempotency_key: str | None = None) -> Req[RunRead]:
        """Queue a manual run. An Idempotency-Key is generated (or yours used) and sent with every
        retry, so a retried request never queues a second run."""
        return Req(data(RunRead), path={"audience_id": audience_id}, json={"runType": "manual"},
                   headers=idempotency_key_header(idempotency_key))

    @endpoint("GET", AUD + "/{audience_id}/runs")
    def list_runs(self, audience_id: str, *, limit: int | None = None, offset: int | None = None) -> Req[Page[RunRead]]:
        """An audience's runs, newest first (`limit` 1..100)."""
        return Req(page(RunRead), path={"audience_id": audience_id}, params={"limit": limit, "offset": offset})

    @endpoint("GET", RUN)
    def get_run(self, audience_id: str, run_id: str) -> Req[RunRead]:
        """One run (status, counts, attempts, changes)."""
        return Req(data(RunRead), path={"audience_id": audience_id, "run_id": run_id})

    @endpoint("DELETE", RUN)
    def cancel_run(self, audience_id: str, run_id: str) -> Req[RunRead]:
        """Cancel a queued run (409 RUN_NOT_CANCELLABLE otherwise)."""
        return Req(data(RunRead), path={"audience_id": audience_id, "run_id": run_id})

    @endpoint("GET", RUN + "/results")
    def get_results(self, audience_id: str, run_id: str, *, limit: int | None = None,
                    offset: int | None = None) -> Req[ResultsRead]:
        """A page of a completed run's people in result order (`state` queued/running: no rows yet)."""
        return Req(data(ResultsRead), path={"audience_id": audience_id, "run_id": run_id},
                   params={"limit": limit, "offset": offset})

    @endpoint("GET", RUN + "/results/{hashed_email}/explain")
    def explain_result(self, audience_id: str, run_id: str, hashed_email: str) -> Req[ExplainRead]:
        """Why a person is in the run: their topics, scores, days and the filters they passed."""
        return Req(data(ExplainRead), path={"audience_id": audience_id, "run_id": run_id, "hashed_email": hashed_email})

    @endpoint("GET", RUN + "/accounts")
    def get_accounts(self, audience_id: str, run_id: str, *, sort: Literal["people", "surge"] | None = None,
                     limit: int | None = None, offset: int | None = None) -> Req[AccountsRead]:
        """The run's companies with their people, topics and surge (account view)."""
        return Req(data(AccountsRead), path={"audience_id": audience_id, "run_id": run_id},
                   params={"sort": sort, "limit": limit, "offset": offset})

    @endpoint("GET", RUN + "/stats")
    def get_stats(self, audience_id: str, run_id: str) -> Req[StatsRead]:
        """Counts, averages, histogram and breakdowns of a completed run."""
        return Req(data(StatsRead), path={"audience_id": audience_id, "run_id": run_id})

    @endpoint("GET", RUN + "/changes")
    def get_changes(self, audience_id: str, run_id: str, kind: ChangeKind, *, min_score_change: int | None = None,
                    limit: int | None = None, offset: int | None = None) -> Req[ChangesRead]:
        """Who is new, dropped or changed (best score moved by `min_score_change`) since the previous run."""
        return Req(data(ChangesRead), path={"audience_id": audience_id, "run_id": run_id},
                   params={"kind": kind, "minScoreChange": min_score_change, "limit": limit, "offset": offset})

    # --- stored exports ---------------------------------------------------------------------------

    @endpoint("POST", RUN + "/exports")
    def create_export(self, audience_id: str, run_id: str, *, export_type: ExportType | None = None,
                      source: ExportSource | None = None, kind: ChangeKind | None = None,
                      min_score_change: int | None = None) -> Req[ExportDownloadRead]:
        """Store the run's CSV — or an ad platform's upload file (`export_type` linkedin, google_ads,
        meta), of its rows or of its changes (`source="changes"`, `kind`) — and get a signed download
        URL (an export of the same choice is reused)."""
        choice = body(None, exportType=export_type, source=source, kind=kind, minScoreChange=min_score_change)
        return Req(data(ExportDownloadRead), path={"audience_id": audience_id, "run_id": run_id}, json=choice)

    @endpoint("GET", RUN + "/exports")
    def list_exports(self, audience_id: str, run_id: str, *, limit: int | None = None,
                     offset: int | None = None) -> Req[Page[ExportRead]]:
        """A run's stored exports."""
        return Req(page(ExportRead), path={"audience_id": audience_id, "run_id": run_id},
                   params={"limit": limit, "offset": offset})

    @endpoint("GET", RUN + "/exports/{export_id}")
    def get_export(self, audience_id: str, run_id: str, export_id: str) -> Req[ExportDownloadRead]:
        """One stored export with a fresh signed download URL."""
        return Req(data(ExportDownloadRead), path={"audience_id": audience_id, "run_id": run_id, "export_id": export_id})

    # --- suppression lists ------------------------------------------------------------------------

    @endpoint("GET", SUPPRESSION)
    def list_suppression_lists(self, *, limit: int | None = None,
                               offset: int | None = None) -> Req[Page[SuppressionListRead]]:
        """The organization's suppression lists."""
        return Req(page(SuppressionListRead), params={"limit": limit, "offset": offset})

    @endpoint("POST", SUPPRESSION)
    def create_suppression_list(self, name: str, *, description: str | None = None) -> Req[SuppressionListRead]:
        """Create an empty suppression list (409 CONFLICT on a name in use)."""
        return Req(data(SuppressionListRead), json=body(SuppressionListCreate(name=name), description=description))

    @endpoint("GET", SUPPRESSION + "/{suppression_list_id}")
    def get_suppression_list(self, suppression_list_id: str) -> Req[SuppressionListRead]:
        """One suppression list with its counts per kind."""
        return Req(data(SuppressionListRead), path={"suppression_list_id": suppression_list_id})

    @endpoint("DELETE", SUPPRESSION + "/{suppression_list_id}")
    def delete_suppression_list(self, suppression_list_id: str) -> Req[SuppressionListDeleted]:
        """Delete a list (409 while an audience applies it)."""
        return Req(data(SuppressionListDeleted), path={"suppression_list_id": suppression_list_id})

    @endpoint("POST", SUPPRESSION + "/{suppression_list_id}/items")
    def upload_suppression_items(self, suppression_list_id: str, entries: bytes | list[str], *,
                                 kind: SuppressionKind | None = None,
                                 mode: Literal["append", "replace"] | None = None) -> Req[UploadRead]:
        """Add entries to a list: CSV bytes whose header names the column (email, sha256, sha1, md5
        or domain; up to 1M entries), or a list of values of one `kind` (sent as JSON, up to 1 MiB).
        `mode="replace"` makes the upload the whole list. Answers accepted, rejected and duplicate
        counts with the first refused lines."""
        path = {"suppression_list_id": suppression_list_id}
        params = {"mode": mode}
        if isinstance(entries, bytes):
            return Req(data(UploadRead), path=path, params=params, content=entries,
                       headers={"Content-Type": "text/csv"})
        if kind is None:
            raise ValueError("a list of entries needs their kind")
        return Req(data(UploadRead), path=path, params=params, json={"kind": kind, "items": entries})

    @endpoint("DELETE", SUPPRESSION + "/{suppression_list_id}/items")
    def clear_suppression_items(self, suppression_list_id: str) -> Req[SuppressionListRead]:
        """Empty a list (publishes a new, empty version)."""
        return Req(data(SuppressionListRead), path={"suppression_list_id": suppression_list_id})

    # --- webhooks ---------------------------------------------------------------------------------

    @endpoint("GET", "/v1/intent/webhooks")
    def list_webhooks(self, *, limit: int | None = None, offset: int | None = None) -> Req[Page[WebhookRead]]:
        """The organization's webhook endpoints."""
        return Req(page(WebhookRead), params={"limit": limit, "offset": offset})

    @endpoint("POST", "/v1/intent/webhooks")
    def create_webhook(self, url: str, events: list[str], *, description: str | None = None,
                       enabled: bool | None = None) -> Req[WebhookWithSecret]:
        """Register an endpoint; the answer carries its signing secret, shown this once."""
        created = WebhookCreate.model_validate({"url": url, "events": events})
        return Req(data(WebhookWithSecret), json=body(created, description=description, enabled=enabled))

    @endpoint("GET", HOOK)
    def get_webhook(self, webhook_id: str) -> Req[WebhookRead]:
        """One webhook endpoint (never its secret)."""
        return Req(data(WebhookRead), path={"webhook_id": webhook_id})

    @endpoint("PATCH", HOOK)
    def update_webhook(self, webhook_id: str, *, url: str | None = None, events: list[str] | None = None,
                       description: str | None = None, enabled: bool | None = None) -> Req[WebhookRead]:
        """Change an endpoint (omitted fields keep their value)."""
        fields = {"url": url, "events": events, "description": description, "enabled": enabled}
        update = WebhookUpdate.model_validate({k: v for k, v in fields.items() if v is not None})
        return Req(data(WebhookRead), path={"webhook_id": webhook_id}, json=body(update))

    @endpoint("DELETE", HOOK)
    def delete_webhook(self, webhook_id: str) -> Req[WebhookDeleted]:
        """Delete an endpoint and its delivery records."""
        return Req(data(WebhookDeleted), path={"webhook_id": webhook_id})

    @endpoint("POST", HOOK + "/rotate-secret")
    def rotate_webhook_secret(self, webhook_id: str) -> Req[WebhookWithSecret]:
        """A new signing secret (shown once); the old one keeps signing for a grace period."""
        return Req(data(WebhookWithSecret), path={"webhook_id": webhook_id})

    @endpoint("POST", HOOK + "/ping")
    def ping_webhook(self, webhook_id: str) -> Req[DeliveryRead]:
        """Queue a `webhook.ping` delivery to the endpoint."""
        return Req(data(DeliveryRead), path={"webhook_id": webhook_id})

    @endpoint("GET", HOOK + "/deliveries")
    def list_deliveries(self, webhook_id: str, *, status: DeliveryStatus | None = None, limit: int | None = None,
                        offset: int | None = None) -> Req[Page[DeliveryRead]]:
        """An endpoint's deliveries, newest first."""
        return Req(page(DeliveryRead), path={"webhook_id": webhook_id},
                   params={"status": status, "limit": limit, "offset": offset})

    @endpoint("GET", HOOK + "/deliveries/{delivery_id}")
    def get_delivery(self, webhook_id: str, delivery_id: str) -> Req[DeliveryDetailRead]:
        """One delivery with the event body as sent."""
        return Req(data(DeliveryDetailRead), path={"webhook_id": webhook_id, "delivery_id": delivery_id})

    @endpoint("POST", HOOK + "/deliveries/{delivery_id}/replay")
    def replay_delivery(self, webhook_id: str, delivery_id: str) -> Req[DeliveryRead]:
        """Send the same event again as a new delivery."""
        return Req(data(DeliveryRead), path={"webhook_id": webhook_id, "delivery_id": delivery_id})

    # --- operations -------------------------------------------------------------------------------

    @endpoint("GET", "/healthz")
    def health(self) -> Req[dict[str, Any]]:
        """Liveness: the process answers."""
        return Req(lambda answer: dict(answer))

    @endpoint("GET", "/readyz")
    def ready(self) -> Req[dict[str, Any]]:
        """Readiness: the stores answer and the topic index is built (503 until then)."""
        return Req(lambda answer: dict(answer))

    # --- iterators over every page ----------------------------------------------------------------

    @Paginated
    def iter_topics(self, *, type: TopicType | None = None, industry: str | None = None, category: str | None = None,
                    q: str | None = None, page_size: int = 1000) -> Pager[TopicDetail]:
        """Every topic of the inventory that matches, page after page."""
        return _list_pager(lambda o: Api.list_topics.call(self, type=type, industry=industry, category=category,
                                                            q=q, limit=page_size, offset=o))

    @Paginated
    def iter_site_topics(self, *, page_size: int = 100) -> Pager[SiteAnalysisRead]:
        """Every stored site analysis of the organization."""
        return _list_pager(lambda o: Api.list_site_topics.call(self, limit=page_size, offset=o))

    @Paginated
    def iter_audiences(self, *, status: Literal["draft", "active", "paused"] | None = None,
                       page_size: int = 100) -> Pager[AudienceRead]:
        """Every audience of the organization."""
        return _list_pager(lambda o: Api.list_audiences.call(self, status=status, limit=page_size, offset=o))

    @Paginated
    def iter_topic_lists(self, *, page_size: int = 100) -> Pager[TopicListRead]:
        """Every saved topic list."""
        return _list_pager(lambda o: Api.list_topic_lists.call(self, limit=page_size, offset=o))

    @Paginated
    def iter_suppression_lists(self, *, page_size: int = 100) -> Pager[SuppressionListRead]:
        """Every suppression list of the organization."""
        return _list_pager(lambda o: Api.list_suppression_lists.call(self, limit=page_size, offset=o))

    @Paginated
    def iter_runs(self, audience_id: str, *, page_size: int = 100) -> Pager[RunRead]:
        """Every run of an audience, newest first."""
        return _list_pager(lambda o: Api.list_runs.call(self, audience_id, limit=page_size, offset=o))

    @Paginated
    def iter_results(self, audience_id: str, run_id: str, *, page_size: int = 1000) -> Pager[ResultRow]:
        """Every person of a completed run in result order (raises `RunPendingError` while it runs)."""

        def items(answer: ResultsRead) -> list[ResultRow]:
            _pending(answer)
            return answer.results

        return by_offset(lambda o: Api.get_results.call(self, audience_id, run_id, limit=page_size, offset=o),
                         items, lambda a: a.total)

    @Paginated
    def iter_accounts(self, audience_id: str, run_id: str, *, sort: Literal["people", "surge"] | None = None,
                      page_size: int = 100) -> Pager[Any]:
        """Every company of a completed run's account view."""

        def items(answer: AccountsRead) -> list[Any]:
            _pending(answer)
            return answer.accounts

        return by_offset(lambda o: Api.get_accounts.call(self, audience_id, run_id, sort=sort, limit=page_size,
                                                         offset=o), items, lambda a: a.total)

    @Paginated
    def iter_changes(self, audience_id: str, run_id: str, kind: ChangeKind, *, min_score_change: int | None = None,
                     page_size: int = 1000) -> Pager[ChangeRow]:
        """Every new, dropped or changed person since the previous run."""

        def items(answer: ChangesRead) -> list[ChangeRow]:
            _pending(answer)
            return answer.results

        return by_offset(lambda o: Api.get_changes.call(self, audience_id, run_id, kind,
                                                        min_score_change=min_score_change, limit=page_size, offset=o),
                         items, lambda a: a.total)

    @Paginated
    def iter_exports(self, audience_id: str, run_id: str, *, page_size: int = 100) -> Pager[ExportRead]:
        """Every stored export of a run."""
        return _list_pager(lambda o: Api.list_exports.call(self, audience_id, run_id, limit=page_size, offset=o))

    @Paginated
    def iter_webhooks(self, *, page_size: int = 100) -> Pager[WebhookRead]:
        """Every webhook endpoint of the organization."""
        return _list_pager(lambda o: Api.list_webhooks.call(self, limit=page_size, offset=o))

    @Paginated
    def iter_deliveries(self, webhook_id: str, *, status: DeliveryStatus | None = None,
                        page_size: int = 100) -> Pager[DeliveryRead]:
        """Every delivery of a webhook endpoint."""
        return _list_pager(lambda o: Api.list_deliveries.call(self, webhook_id, status=status, limit=page_size,
                                                              offset=o))


def _list_pager(make: Any) -> Pager[Any]:
    """Pages of a list operation (`Page`): follow `offset` while `hasMore`."""

    def follow(answer: Page[Any]) -> tuple[list[Any], Any]:
        offset = answer.offset or 0
        if not answer.items or not answer.has_more:
            return answer.items, None
        return answer.items, make(offset + len(answer.items))

    return Pager(first=make(0), follow=follow)

# The streaming operations are methods of each client (their I/O differs): registered here.
OPERATIONS.update({
    ("GET", RUN + "/export.csv"): "export_csv",
    ("GET", RUN + "/changes.csv"): "changes_csv",
    ("GET", RUN + "/accounts.csv"): "accounts_csv",
    ("GET", "/v1/intent/exports/{export_id}/download"): "download_export",
})
