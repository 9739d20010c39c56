"""The safe site fetcher: public addresses only, pinned connections, hard limits. Async I/O only.

Every hop (the page, each redirect, robots.txt) goes through the same steps: resolve the host,
refuse the whole hop if any address it resolves to is not public (`addresses.address_problem`),
then connect to the checked address itself. The request goes to `http(s)://<checked IP>/...`
with the original `Host` header and, for HTTPS, the original name as SNI and for certificate
checks (httpcore's `sni_hostname` extension), so a DNS answer that changes between the check
and the connect (DNS rebinding) cannot redirect the connection. Environment proxies are ignored
for the same reason. Errors are `SiteFetchFailed` subclasses; nothing here blocks a thread.
"""

from __future__ import annotations

import codecs
import re
import socket
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import anyio
import httpx
from protego import Protego

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
from orbit.settings import SiteAnalysisSettings
from orbit.site_analysis.addresses import SCHEMES, IPAddress, address_problem, connect_address, parse_ip

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to parse at least 500 KiB
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


@dataclass(frozen=True, slots=True)
class FetchLimits:
    user_agent: str
    connect_timeout: float
    read_timeout: float
    page_deadline: float  # the whole fetch of one page: DNS, redirects, body
    max_bytes: int  # decoded body bytes; reading stops past this
    max_redirects: int
    allow_loopback: bool  # tests only

    @classmethod
    def of(cls, s: SiteAnalysisSettings) -> FetchLimits:
        return cls(
            user_agent=s.user_agent, connect_timeout=s.connect_timeout_s, read_timeout=s.read_timeout_s,
            page_deadline=s.page_deadline_s, max_bytes=s.max_page_bytes, max_redirects=s.max_redirects,
            allow_loopback=s.allow_loopback,
        )

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt groups are matched against ("OrbitSiteAnalyzer")."""
        return self.user_agent.split("/", 1)[0].strip() or self.user_agent


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str  # after redirects
    content_type: str
    body: bytes
    charset: str | None  # from the Content-Type header

    def text(self) -> str:
        """The body decoded by its declared charset, a `<meta charset>`, or UTF-8."""
        for candidate in (self.charset, _sniff_charset(self.body), "utf-8"):
            if candidate and _known_codec(candidate):
                return self.body.decode(candidate, errors="replace")
        return self.body.decode("utf-8", errors="replace")


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _sniff_charset(body: bytes) -> str | None:
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii") if found else None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (A and AAAA), via the system resolver."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = parse_ip(str(sockaddr[0]))
        if ip is not None and ip not in found:
            found.append(ip)
    return found


class _Decoder:
    """Content-Encoding decoding with a bound on the output, so a small compressed body
    cannot expand past the size cap in memory (httpx's own decoders are unbounded per chunk)."""

    def __init__(self, encoding: str) -> None:
        self._raw_deflate = False
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise SiteUnreachable(f"the site sent an unsupported content encoding ({encoding[:40]})")

    def decode(self, chunk: bytes, room: int) -> bytes:
        """Up to `room + 1` decoded bytes of `chunk` (one more than fits signals overflow)."""
        if self._zlib is None:
            return chunk
        try:
            out = self._zlib.decompress(chunk, room + 1)
        except zlib.error:
            if self._raw_deflate or self._zlib.unused_data or not chunk:
                raise SiteUnreachable("the site sent a corrupt compressed body") from None
            # Some servers send raw deflate without the zlib header.
            self._raw_deflate = True
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.decode(chunk, room)
        if self._zlib.unconsumed_tail:
            return out + b"\0"  # more output is pending: over the cap
        return out


class SafeFetcher:
    """Fetches pages for one analysis; remembers each site's robots.txt for its lifetime.

    Use as `async with SafeFetcher(limits) as f: page = await f.fetch_page(url)`.
    """

    def __init__(
        self,
        limits: FetchLimits,
        *,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.limits = limits
        self._resolver = resolver
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._robots: dict[tuple[str, bytes, int], Protego | None] = {}

    async def __aenter__(self) -> SafeFetcher:
        timeout = httpx.Timeout(
            connect=self.limits.connect_timeout, read=self.limits.read_timeout,
            write=self.limits.read_timeout, pool=self.limits.connect_timeout,
        )
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,  # every hop is checked here
            trust_env=False,  # a proxy from the environment would bypass the address pinning
            transport=self._transport,
            headers={
                "User-Agent": self.limits.user_agent,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8",
                "Accept-Encoding": "gzip, deflate",
                "Accept-Language": "en;q=1.0, *;q=0.5",
            },
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch_page(self, url: httpx.URL) -> FetchedPage:
        """The page at `url` (HTML, XHTML or plain text) after at most `max_redirects` redirects.

        Raises SiteBlocked, SiteRobotsDisallowed, SiteNotHtml, SiteTooLarge, SiteTooManyRedirects,
        SiteTimeout (past `page_deadline`) or SiteUnreachable.
        """
        try:
            with anyio.fail_after(self.limits.page_deadline):
                return await self._fetch(url, types=PAGE_TYPES, max_bytes=self.limits.max_bytes, robots=True)
        except TimeoutError:
            raise SiteTimeout(
                f"the site did not deliver the page within {self.limits.page_deadline:g} s",
                details={"url": str(url)},
            ) from None

    async def _fetch(
        self, url: httpx.URL, *, types: Sequence[str] | None, max_bytes: int, robots: bool
    ) -> FetchedPage:
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            if robots and not await self._robots_allow(current):
                raise SiteRobotsDisallowed(
                    "the site's robots.txt does not allow Orbit to fetch this page", details={"url": str(current)}
                )
            response = await self._send(current)
            try:
                if response.status_code in REDIRECTS:
                    current = _redirect_target(current, response)
                    continue
                return await self._read(current, response, types=types, max_bytes=max_bytes)
            finally:
                await response.aclose()
        raise SiteTooManyRedirects(
            f"the site redirected more than {self.limits.max_redirects} times", details={"url": str(url)}
        )

    async def _checked_address(self, url: httpx.URL) -> IPAddress:
        host = url.raw_host.decode("ascii")
        literal = parse_ip(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                found = await self._resolver(host, _port(url))
            except OSError:
                raise SiteUnreachable(f"the host {host[:255]} could not be resolved") from None
            if not found:
                raise SiteUnreachable(f"the host {host[:255]} has no addresses")
        for ip in found:
            problem = address_problem(ip, allow_loopback=self.limits.allow_loopback)
            if problem is not None:
                raise SiteBlocked(
                    f"the site's address is not public ({problem}); only public web sites can be analyzed",
                    details={"host": host[:255], "reason": problem},
                )
        return connect_address(found[0])

    async def _send(self, url: httpx.URL) -> httpx.Response:
        assert self._client is not None, "use SafeFetcher as an async context manager"
        ip = await self._checked_address(url)
        host = url.raw_host.decode("ascii")
        # Connect to the checked address; the site still sees its own name in Host and SNI.
        target = url.copy_with(host=str(ip))
        extensions = {"sni_hostname": host} if url.scheme == "https" and parse_ip(host) is None else {}
        request = self._client.build_request(
            "GET", target, headers={"Host": url.netloc.decode("ascii")}, extensions=extensions
        )
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise SiteTimeout("the site did not answer in time", details={"url": str(url)}) from None
        except httpx.ConnectError:
            raise SiteUnreachable("could not connect to the site", details={"url": str(url)}) from None
        except httpx.HTTPError:
            raise SiteUnreachable("the connection to the site failed", details={"url": str(url)}) from None

    async def _read(
        self, url: httpx.URL, response: httpx.Response, *, types: Sequence[str] | None, max_bytes: int
    ) -> FetchedPage:
        if not 200 <= response.status_code < 300:
            raise SiteUnreachable(
                f"the site answered HTTP {response.status_code}",
                details={"url": str(url), "status": response.status_code},
            )
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if types is not None and content_type not in types:
            raise SiteNotHtml(
                f"the page is {content_type or 'of no declared type'}, not HTML or text",
                details={"url": str(url), "contentType": content_type[:100]},
            )
        too_large = SiteTooLarge(
            f"the page is larger than {max_bytes} bytes", details={"url": str(url), "limit": max_bytes}
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large
        decoder = _Decoder(response.headers.get("content-encoding", "").strip().lower())
        body = bytearray()
        raw = 0
        try:
            async for chunk in response.aiter_raw():
                raw += len(chunk)
                out = decoder.decode(chunk, max_bytes - len(body))
                if raw > max_bytes or len(body) + len(out) > max_bytes:
                    raise too_large  # stop reading: the rest of the body is never downloaded
                body += out
        except httpx.TimeoutException:
            raise SiteTimeout("the site stopped sending the page", details={"url": str(url)}) from None
        except httpx.HTTPError:
            raise SiteUnreachable("the connection broke while reading the page", details={"url": str(url)}) from None
        return FetchedPage(str(url), content_type, bytes(body), response.charset_encoding)

    async def _robots_allow(self, url: httpx.URL) -> bool:
        origin = (url.scheme, url.raw_host, _port(url))
        if origin not in self._robots:
            self._robots[origin] = await self._load_robots(url)
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(str(url), self.limits.robots_agent)

    async def _load_robots(self, url: httpx.URL) -> Protego | None:
        """The site's robots.txt rules; None (everything allowed) when it has none, answers an
        error, or cannot be fetched in time. Its fetch follows the same address rules."""
        robots_url = url.copy_with(path="/robots.txt", query=None, fragment=None)
        with anyio.move_on_after(min(self.limits.page_deadline / 2, 5.0)):
            try:
                page = await self._fetch(robots_url, types=None, max_bytes=ROBOTS_MAX_BYTES, robots=False)
            except SiteFetchFailed:
                return None
            return Protego.parse(page.text())
        return None


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _redirect_target(current: httpx.URL, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise SiteUnreachable("the site sent a redirect without a location", details={"url": str(current)})
    try:
        target = current.join(location)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise SiteUnreachable("the site redirected to an invalid URL", details={"url": str(current)}) from None
    if target.scheme not in SCHEMES or not target.raw_host:
        raise SiteBlocked("the site redirected to a URL that is not http(s)", details={"url": str(current)})
    if target.userinfo:
        raise SiteBlocked("the site redirected to a URL with credentials", details={"url": str(current)})
    return target.copy_with(fragment=None)
