"""Token-bucket rate limits: the buckets themselves and the 429s of an app with low limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.accounts.service import Principal, PrincipalKind
from orbit.app import create_app
from orbit.http.ratelimit import RateLimiter, TokenBuckets
from orbit.settings import RateLimitSettings
from tests.conftest import Loaded, make_org
from tests.site_analysis.conftest import analysis_settings

pytestmark = pytest.mark.warehouse

ANALYZE = "/v1/intent/topics/analyze"
FACETS = "/v1/intent/topics/facets"
BAD_URL = {"url": "ftp://not-a-site.example/"}  # rejected after the limit is taken: nothing is fetched


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_rate_then_refills() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock=clock)
    decisions = [buckets.take("k", 2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.remaining for d in decisions] == [1, 0, 0]
    assert decisions[2].retry_after_s == 30 and decisions[2].reset_s == 60
    clock.now += 30  # 2 per minute: one token back every 30 s
    again = buckets.take("k", 2)
    assert again.allowed and again.remaining == 0
    assert buckets.take("other", 2).allowed  # buckets are per key


def test_full_buckets_are_forgotten() -> None:
    clock = Clock()
    buckets = TokenBuckets(clock=clock)
    for i in range(1023):
        buckets.take(f"ip:{i}", 60)
    clock.now += 61
    buckets.take("late", 60)  # the 1024th take sweeps buckets that refilled
    assert len(buckets) == 1


def test_the_limiter_picks_the_bucket_by_caller_and_path() -> None:
    limiter = RateLimiter(RateLimitSettings(), costly_paths={ANALYZE}, clock=Clock())
    key = Principal("org-1", "Org", PrincipalKind.API_KEY, "key-1")
    assert limiter.check(path=ANALYZE, principal=None, client_ip="1.2.3.4").limit == 2
    assert limiter.check(path=ANALYZE, principal=key, client_ip="1.2.3.4").limit == 30
    assert limiter.check(path=FACETS, principal=None, client_ip="1.2.3.4").limit == 120
    assert limiter.check(path=FACETS, principal=key, client_ip="1.2.3.4").limit == 600


@pytest.fixture(scope="module")
def limited(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = analysis_settings(
        tmp_path_factory.mktemp("limited"), analyze_anonymous_per_minute=2, analyze_authenticated_per_minute=3,
        anonymous_per_minute=4, authenticated_per_minute=50,
    )
    with TestClient(create_app(settings, warehouse=loaded.wh, engine=loaded.engine)) as client:
        yield client


def _headers(resp: Any) -> tuple[int, int, int]:
    h = resp.headers
    return int(h["ratelimit-limit"]), int(h["ratelimit-remaining"]), int(h["ratelimit-reset"])


def test_anonymous_analyze_is_limited_to_its_rate(limited: TestClient) -> None:
    first = limited.post(ANALYZE, json=BAD_URL, headers={"X-Forwarded-For": "ignored"})
    second = limited.post(ANALYZE, json=BAD_URL)
    assert first.status_code == second.status_code == 400
    assert _headers(first)[:2] == (2, 1) and _headers(second)[:2] == (2, 0)
    third = limited.post(ANALYZE, json=BAD_URL)
    assert third.status_code == 429, third.text
    body = third.json()
    assert body["error"]["code"] == "RATE_LIMITED" and body["error"]["details"]["limit"] == 2
    assert third.headers["retry-after"] == str(body["error"]["details"]["retryAfter"])
    assert 1 <= int(third.headers["retry-after"]) <= 30
    assert _headers(third)[:2] == (2, 0) and 0 < _headers(third)[2] <= 60


def test_credentials_get_their_own_higher_limit(limited: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    codes = [limited.post(ANALYZE, json=BAD_URL, headers=org.headers).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    other = make_org(loaded)  # another key, another bucket
    assert limited.post(ANALYZE, json=BAD_URL, headers=other.headers).status_code == 400


def test_other_endpoints_have_their_own_limit(limited: TestClient, loaded: Loaded) -> None:
    codes = [limited.get(FACETS).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    org = make_org(loaded)
    answer = limited.get(FACETS, headers=org.headers)
    assert answer.status_code == 200 and _headers(answer)[:2] == (50, 49)
    # Health probes are not rate limited.
    assert all(limited.get("/healthz").status_code == 200 for _ in range(6))
    assert "ratelimit-limit" not in limited.get("/healthz").headers


def test_invalid_credentials_are_401_not_a_bucket(limited: TestClient) -> None:
    assert limited.get(FACETS, headers={"X-API-Key": "sk_wrong"}).status_code == 401
