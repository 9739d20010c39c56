"""Which webhook URLs Orbit may call: the site-analysis address rules (orbit.site_analysis.addresses,
reused, not copied) plus https-only outside development. Resolving a host is the only I/O here.

Checked twice: when an endpoint is saved, and before every attempt (the name may resolve
elsewhere by then: DNS rebinding), and the attempt connects to the very address that passed.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from orbit.site_analysis.addresses import IPAddress, address_problem, connect_address, parse_ip, url_problem

Resolver = Callable[[str, int], list[IPAddress]]


class Unsafe(Exception):
    """The URL or the address it resolves to must not be called; the message says why."""


@dataclass(frozen=True, slots=True)
class Rules:
    allow_http: bool = False  # development and tests only
    allow_loopback: bool = False  # tests only: 127.0.0.0/8 and ::1; other private ranges stay refused


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (A and AAAA), via the system resolver."""
    found: list[IPAddress] = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = parse_ip(str(sockaddr[0]))
        if ip is not None and ip not in found:
            found.append(ip)
    return found


def url_rule_problem(raw: str, rules: Rules) -> str | None:
    """Why `raw` is not an acceptable webhook URL by its text alone, or None."""
    problem = url_problem(raw)
    if problem is not None:
        return problem
    url = httpx.URL(raw)
    if url.scheme != "https" and not rules.allow_http:
        return "url must use https"
    if url.fragment:
        return "url must not contain a fragment"
    return None


def port_of(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def checked_address(url: httpx.URL, rules: Rules, resolver: Resolver) -> IPAddress:
    """The address to connect to for `url`; Unsafe when the host does not resolve or any of its
    addresses is loopback, private, link-local, multicast or otherwise not public."""
    host = url.raw_host.decode("ascii")
    literal = parse_ip(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            found = resolver(host, port_of(url))
        except (OSError, UnicodeError):
            raise Unsafe(f"the host {host[:255]} could not be resolved") from None
        if not found:
            raise Unsafe(f"the host {host[:255]} has no addresses")
    for ip in found:
        problem = address_problem(ip, allow_loopback=rules.allow_loopback)
        if problem is not None:
            raise Unsafe(f"the host's address is not public ({problem})")
    return connect_address(found[0])
