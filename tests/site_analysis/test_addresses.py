"""The SSRF rules: which addresses and URLs the site fetcher may use. Pure functions."""

from __future__ import annotations

import ipaddress

import pytest

from orbit.errors import ValidationFailed
from orbit.site_analysis.addresses import (
    address_problem,
    check_url,
    connect_address,
    embedded_ipv4,
    url_problem,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),  # unique local
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),  # reserved 240/4 (Python files it under private too)
        ("255.255.255.255", "private"),
        ("100.64.0.1", "not publicly routable"),  # carrier-grade NAT
        ("192.0.2.10", "private"),  # documentation range
        ("fec0::1", "site-local"),
        ("2001:db8::1", "private"),
        # IPv4 inside IPv6: judged by the IPv4 address.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:0a00:0001::1", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", "reserved"),  # NAT64 of a public address: the prefix itself is refused
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "private"),  # Teredo
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_the_loopback_setting_allows_loopback_only() -> None:
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert address_problem(ipaddress.ip_address(address), allow_loopback=True) is None
    for address in ("10.0.0.1", "169.254.169.254", "0.0.0.0", "::ffff:10.0.0.1", "fe80::1"):
        assert address_problem(ipaddress.ip_address(address), allow_loopback=True) is not None


def test_mapped_addresses_are_dialled_as_ipv4() -> None:
    mapped = ipaddress.ip_address("::ffff:127.0.0.1")
    assert embedded_ipv4(mapped) == ipaddress.ip_address("127.0.0.1")
    assert connect_address(mapped) == ipaddress.ip_address("127.0.0.1")
    assert connect_address(ipaddress.ip_address("2606:4700::1")) == ipaddress.ip_address("2606:4700::1")


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/file", "javascript:alert(1)//x", "http://", "example.com/page", "http://a",
     "https://user:secret@example.com/", "http://exa mple.com/", "file:///etc/passwd", "x" * 3000,
     "http://example.com/\x00"],
)
def test_urls_that_are_not_http_sites_are_invalid(url: str) -> None:
    assert url_problem(url) is not None
    with pytest.raises(ValidationFailed) as caught:
        check_url(url)
    assert caught.value.details == [{"field": "url", "message": url_problem(url)}]


def test_valid_urls_are_normalized_without_fragment() -> None:
    assert str(check_url("  https://Example.com/a?b=1#top ")) == "https://example.com/a?b=1"
    assert url_problem("http://[::ffff:127.0.0.1]:8080/") is None
