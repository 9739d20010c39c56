"""Which URLs and IP addresses the site fetcher may contact (the SSRF rules). Pure, no I/O."""

from __future__ import annotations

import ipaddress
from typing import Final

import httpx

from orbit.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MIN_URL = 10
MAX_URL = 2048
SCHEMES: Final = ("http", "https")
# NAT64 well-known prefix: the last 32 bits are an IPv4 address (RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def check_url(raw: str, *, field: str = "url") -> httpx.URL:
    """The URL a client asked for, parsed; ValidationFailed unless it is an absolute http(s)
    URL of 10..2048 characters with a host and no credentials."""
    text = raw.strip()
    problem = url_problem(text)
    if problem is not None:
        raise ValidationFailed.field(field, problem)
    return httpx.URL(text).copy_with(fragment=None)


def url_problem(text: str) -> str | None:
    """Why `text` is not an acceptable site URL, or None."""
    if not MIN_URL <= len(text) <= MAX_URL:
        return f"url must be {MIN_URL}..{MAX_URL} characters"
    if any(c.isspace() or ord(c) < 32 for c in text):
        return "url must not contain spaces or control characters"
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return "url must be a valid http(s) URL"
    if url.scheme not in SCHEMES:
        return "url must be a valid http(s) URL"
    if not url.raw_host:
        return "url must name a host"
    if url.userinfo:
        return "url must not contain a user name or password"
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client address; the whole Teredo range is refused anyway
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _own_problem(ip: IPAddress, *, allow_loopback: bool) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    # Shared address space (100.64/10), benchmarking and other special-purpose ranges.
    if not ip.is_global:
        return "not publicly routable"
    return None


def address_problem(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why the fetcher must not connect to `ip` ("loopback", "private", ...), or None when it may.

    An IPv6 address that carries an IPv4 one is judged by both; an IPv4-mapped address is
    exactly its IPv4 address (`::ffff:10.0.0.1` is private).
    """
    inner = embedded_ipv4(ip)
    if inner is not None:
        problem = _own_problem(inner, allow_loopback=allow_loopback)
        if problem is not None:
            return problem
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return None
    return _own_problem(ip, allow_loopback=allow_loopback)


def connect_address(ip: IPAddress) -> IPAddress:
    """The address to dial: an IPv4-mapped IPv6 address is dialled as its IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def parse_ip(host: str) -> IPAddress | None:
    """`host` as an IP literal (brackets and IPv6 zone stripped), or None for a name."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
