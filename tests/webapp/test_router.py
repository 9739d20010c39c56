"""The web app's shell and assets as `orbit serve` hands them out: security headers, no inline
script or handler, every referenced asset shipped in the package, the pinned vendored library."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from orbit.webapp.router import CSP, STATIC

pytestmark = pytest.mark.warehouse

VENDORED = {"vendor/chart.umd.min.js": "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2"}


class _Shell(HTMLParser):
    """Collects the shell's script and stylesheet references and anything inline."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.inline += [f"{tag} {k}" for k in a if k.startswith("on") or k == "style"]
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.assets.append(str(a["src"]))
            else:
                self.inline.append("script without src")
        if tag == "style":
            self.inline.append("style element")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("inline script text")


def test_app_redirects_to_the_shell(client: TestClient) -> None:
    resp = client.get("/app", follow_redirects=False)
    assert resp.status_code == 308 and resp.headers["location"] == "/app/"


def test_the_shell_carries_the_security_headers(client: TestClient) -> None:
    resp = client.get("/app/")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert resp.headers["content-security-policy"] == CSP
    for directive in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                      "connect-src 'self'", "object-src 'none'"):
        assert directive in CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["cache-control"] == "no-cache"


def test_the_shell_has_no_inline_script_style_or_handler_and_every_asset_is_served(client: TestClient) -> None:
    shell = _Shell()
    shell.feed(client.get("/app/").text)
    assert shell.inline == []
    assert sorted(shell.assets) == ["static/app.css", "static/js/main.js", "static/vendor/chart.umd.min.js"]
    for asset in shell.assets:
        resp = client.get(f"/app/{asset}")
        assert resp.status_code == 200, asset
        assert resp.headers["content-security-policy"] == CSP
        assert resp.headers["x-content-type-options"] == "nosniff"
        kind = "text/css" if asset.endswith(".css") else "javascript"
        assert kind in resp.headers["content-type"], asset


def test_modules_import_only_shipped_modules_and_never_use_inner_html_or_eval() -> None:
    modules = sorted((STATIC / "js").glob("*.js"))
    assert modules
    for path in modules:
        text = path.read_text()
        for name in re.findall(r"""(?:from\s+|import\()\s*["'](\.[^"']+)["']""", text):
            assert (path.parent / name).resolve().is_file(), f"{path.name} imports {name}"
        assert "innerHTML" not in text and "outerHTML" not in text and "insertAdjacentHTML" not in text, path.name
        assert "eval(" not in text and "new Function" not in text, path.name
        # The credential lives in sessionStorage and travels in a header: never in a URL or a cookie.
        assert "localStorage" not in text and "document.cookie" not in text, path.name


def test_vendored_files_are_the_pinned_registry_files() -> None:
    for name, digest in VENDORED.items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name
    assert "Chart.js v4.6.1" in (STATIC / "vendor/chart.umd.min.js").read_text()[:200]
    assert (STATIC / "vendor/chart.js.LICENSE.md").is_file()


def test_a_missing_asset_is_a_404_in_the_error_envelope(client: TestClient) -> None:
    resp = client.get("/app/static/js/nope.js")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "NOT_FOUND"
    assert resp.headers["content-security-policy"] == CSP


def test_paths_outside_app_get_no_app_headers(client: TestClient) -> None:
    resp = client.get("/healthz")
    assert "content-security-policy" not in resp.headers
    assert client.get("/apple").status_code == 404  # /app is a prefix only at a path boundary


def test_the_web_app_is_not_an_api_operation(client: TestClient) -> None:
    paths = client.get("/openapi-intent.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/app")]
