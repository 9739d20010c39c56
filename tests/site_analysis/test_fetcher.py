"""The safe fetcher against small hostile sites on 127.0.0.1.

Every fetcher here goes through `LoopbackOnly`, which fails the test if a connection to any
address outside 127.0.0.0/8 is even attempted, and a fake resolver, so no DNS query leaves.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest

from orbit.errors import (
    SiteBlocked,
    SiteFetchFailed,
    SiteNotHtml,
    SiteRobotsDisallowed,
    SiteTimeout,
    SiteTooLarge,
    SiteTooManyRedirects,
    SiteUnreachable,
)
from orbit.site_analysis.addresses import IPAddress
from orbit.site_analysis.fetcher import FetchedPage, FetchLimits, SafeFetcher
from tests.site_analysis.sites import (
    MIB,
    LoopbackOnly,
    Route,
    SiteServer,
    free_port,
    gzip_bomb,
    page,
    redirect,
)

HOME = "<html><head><title>Acme</title></head><body><h1>Acme widgets</h1><p>We sell widgets.</p></body></html>"


class FakeDns:
    """Names → addresses; unknown names fail like NXDOMAIN. Records every lookup."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [ipaddress.ip_address(a) for a in self.table[host]]


def limits(**overrides: Any) -> FetchLimits:
    values: dict[str, Any] = {
        "user_agent": "OrbitSiteAnalyzer/1.0 (+tests)", "connect_timeout": 1.0, "read_timeout": 1.5,
        "page_deadline": 1.5, "max_bytes": 2 * MIB, "max_redirects": 5, "allow_loopback": True,
    }
    values.update(overrides)
    return FetchLimits(**values)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    server = SiteServer({"/": page(HOME)})
    yield server
    server.stop()


def fetch(
    url: str, *, dns: FakeDns | None = None, transport: LoopbackOnly | None = None, **overrides: Any
) -> FetchedPage:
    guard = transport or LoopbackOnly()

    async def run() -> FetchedPage:
        kwargs: dict[str, Any] = {"transport": guard}
        if dns is not None:
            kwargs["resolver"] = dns
        async with SafeFetcher(limits(**overrides), **kwargs) as fetcher:
            return await fetcher.fetch_page(httpx.URL(url))

    return anyio.run(run)


def failure(call: Callable[[], object], kind: type[SiteFetchFailed]) -> SiteFetchFailed:
    with pytest.raises(kind) as caught:
        call()
    assert caught.value.message and caught.value.code.startswith("SITE_")
    return caught.value


# --- the happy path --------------------------------------------------------------------------


def test_fetches_a_page_with_a_clear_user_agent(site: SiteServer) -> None:
    got = fetch(site.url("/"))
    assert got.url == site.url("/") and got.content_type == "text/html" and "Acme widgets" in got.text()
    assert site.requests == ["/robots.txt", "/"]


def test_connects_to_the_checked_address_with_the_original_host_header(site: SiteServer) -> None:
    dns = FakeDns({"acme.test": ["127.0.0.1"]})
    guard = LoopbackOnly()
    got = fetch(f"http://acme.test:{site.port}/", dns=dns, transport=guard)
    assert "Acme widgets" in got.text()
    # Resolved once per hop (robots.txt, page) and dialled by address: a second, different DNS
    # answer could not redirect the connection (no rebinding window).
    assert dns.lookups == ["acme.test", "acme.test"]
    assert guard.seen == [("127.0.0.1", f"acme.test:{site.port}")] * 2
    assert site.hosts == [f"acme.test:{site.port}"] * 2


def test_follows_a_few_redirects(site: SiteServer) -> None:
    site.routes["/old"] = redirect("/new", 301)
    site.routes["/new"] = redirect(site.url("/"), 307)
    assert fetch(site.url("/old")).url == site.url("/")


def test_plain_text_pages_are_accepted(site: SiteServer) -> None:
    site.routes["/notes.txt"] = Route(body=b"plain words", content_type="text/plain")
    assert fetch(site.url("/notes.txt")).text() == "plain words"


# --- addresses that must never be dialled ------------------------------------------------------


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[fe80::1]/", "http://0.0.0.0:8080/", "http://[::ffff:10.0.0.1]/"])
def test_private_addresses_are_refused_before_connecting(url: str) -> None:
    guard = LoopbackOnly()
    failure(lambda: fetch(url, transport=guard), SiteBlocked)
    assert guard.seen == []


def test_loopback_is_refused_unless_the_test_setting_allows_it(site: SiteServer) -> None:
    guard = LoopbackOnly()
    err = failure(lambda: fetch(f"http://[::ffff:127.0.0.1]:{site.port}/", transport=guard, allow_loopback=False),
                  SiteBlocked)
    assert err.details == {"host": "::ffff:127.0.0.1", "reason": "loopback"}
    failure(lambda: fetch(site.url("/"), transport=guard, allow_loopback=False), SiteBlocked)
    assert guard.seen == [] and site.requests == []


@pytest.mark.parametrize("target", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:192.168.0.1]/"])
def test_a_redirect_to_a_private_address_is_refused(site: SiteServer, target: str) -> None:
    site.routes["/go"] = redirect(target)
    guard = LoopbackOnly()
    failure(lambda: fetch(site.url("/go"), transport=guard), SiteBlocked)
    assert all(host == "127.0.0.1" for host, _ in guard.seen)


def test_a_name_resolving_to_a_private_address_is_refused() -> None:
    dns = FakeDns({"intranet.test": ["10.1.2.3"], "mixed.test": ["127.0.0.1", "192.168.1.10"]})
    guard = LoopbackOnly()
    err = failure(lambda: fetch("http://intranet.test/", dns=dns, transport=guard), SiteBlocked)
    assert err.details == {"host": "intranet.test", "reason": "private"}
    # One bad address among several is enough: the connection could go to any of them.
    failure(lambda: fetch("http://mixed.test/", dns=dns, transport=guard), SiteBlocked)
    assert guard.seen == []


def test_a_redirect_to_another_scheme_is_refused(site: SiteServer) -> None:
    site.routes["/file"] = redirect("file:///etc/passwd")
    failure(lambda: fetch(site.url("/file")), SiteBlocked)


# --- hostile or broken sites ------------------------------------------------------------------


def test_an_endless_redirect_loop_stops_after_the_limit(site: SiteServer) -> None:
    site.routes["/loop"] = redirect("/loop")
    failure(lambda: fetch(site.url("/loop")), SiteTooManyRedirects)
    assert site.requests.count("/loop") == 6  # the first request and 5 redirects


def test_a_20_mb_body_stops_at_the_size_cap(site: SiteServer) -> None:
    site.routes["/huge"] = Route(stream_bytes=20 * MIB)
    err = failure(lambda: fetch(site.url("/huge"), max_bytes=2 * MIB), SiteTooLarge)
    assert err.details == {"url": site.url("/huge"), "limit": 2 * MIB}
    # The server could only write what the socket buffers took before the client hung up.
    deadline = time.monotonic() + 5
    while site.sent.get("/huge", 0) < 2 * MIB and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 2 * MIB <= site.sent["/huge"] < 12 * MIB


def test_a_declared_length_over_the_cap_is_refused_unread(site: SiteServer) -> None:
    site.routes["/declared"] = Route(body=b"<p>short</p>", declare_length=20 * MIB)
    failure(lambda: fetch(site.url("/declared"), max_bytes=2 * MIB), SiteTooLarge)


def test_a_compressed_body_is_capped_after_decompression(site: SiteServer) -> None:
    site.routes["/bomb"] = gzip_bomb(20 * MIB)  # about 20 KB on the wire
    failure(lambda: fetch(site.url("/bomb"), max_bytes=2 * MIB), SiteTooLarge)


def test_a_trickling_body_is_cut_off_by_the_deadline(site: SiteServer) -> None:
    site.routes["/slow"] = Route(trickle=True)  # one byte every 0.5 s: never a read timeout
    started = time.monotonic()
    failure(lambda: fetch(site.url("/slow"), page_deadline=1.5), SiteTimeout)
    assert time.monotonic() - started < 3.0


def test_wrong_content_types_are_refused(site: SiteServer) -> None:
    site.routes["/doc.pdf"] = Route(body=b"%PDF-1.7", content_type="application/pdf")
    err = failure(lambda: fetch(site.url("/doc.pdf")), SiteNotHtml)
    assert err.details == {"url": site.url("/doc.pdf"), "contentType": "application/pdf"}


def test_robots_txt_is_respected(site: SiteServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain")
    site.routes["/private"] = page(HOME)
    failure(lambda: fetch(site.url("/private")), SiteRobotsDisallowed)
    assert "/private" not in site.requests
    assert "Acme" in fetch(site.url("/")).text()


def test_robots_txt_groups_for_orbit_apply(site: SiteServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: OrbitSiteAnalyzer\nDisallow: /\n", content_type="text/plain")
    failure(lambda: fetch(site.url("/")), SiteRobotsDisallowed)


def test_an_unreachable_robots_txt_allows_fetching(site: SiteServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"oops", status=500, content_type="text/plain")
    assert "Acme" in fetch(site.url("/")).text()


def test_an_unreachable_port_is_a_clear_error() -> None:
    failure(lambda: fetch(f"http://127.0.0.1:{free_port()}/"), SiteUnreachable)


def test_an_error_status_is_unreachable(site: SiteServer) -> None:
    err = failure(lambda: fetch(site.url("/missing")), SiteUnreachable)
    assert err.details == {"url": site.url("/missing"), "status": 404}


def test_an_unknown_host_is_unreachable() -> None:
    failure(lambda: fetch("http://nowhere.test/", dns=FakeDns({})), SiteUnreachable)

