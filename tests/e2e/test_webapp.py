"""The web app in a real browser: Debian's headless Chromium driven by playwright against a real
`orbit serve` on a small data set, with a local website for site analysis (loopback allowed by
the test setting). Skipped, with the reason in the summary, when no Chromium is installed.

With ORBIT_SCREENSHOTS=1 the main screens are written to docs/screenshots/ (docs/webapp.md)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_runs import _ready, _stop, _until
from tests.e2e.test_serve import ORBIT, _free_port, _loaded_org
from tests.site_analysis.conftest import ABOUT, HOME, PRICING
from tests.site_analysis.sites import SiteServer, page

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no Chromium browser on this machine: the web app's browser tests need Debian's "
                "`chromium` package (apt-get install chromium; .ci/run installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TIMEOUT_MS = 30_000
# Ready once the topic index is built: seconds with the vector cache warm (~/.cache/orbit), several
# minutes on a busy 2-core machine that has never embedded this inventory.
READY_TIMEOUT_S = 900


@dataclass
class Orbit:
    base: str
    key: str
    site: SiteServer


@pytest.fixture(scope="module")
def orbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orbit]:
    root = tmp_path_factory.mktemp("e2e-webapp")
    env, key = _loaded_org(root, "Browser E2E", days=3)
    site = SiteServer({"/": page(HOME), "/about.html": page(ABOUT), "/pricing.html": page(PRICING)})
    port = _free_port()
    proc = subprocess.Popen([*ORBIT, "serve", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**env, "ORBIT_RUNS__POLL_SECONDS": "0.2", "ORBIT_SITE_ANALYSIS__ALLOW_LOOPBACK": "true"})
    base = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _ready(base), f"{base} did not start", proc=proc, timeout=READY_TIMEOUT_S)
        yield Orbit(base, key, site)
    finally:
        _stop(proc)
        site.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        # The system browser: nothing is downloaded (never `playwright install`).
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield b
        finally:
            b.close()


def _shot(pg: Any, name: str) -> None:
    if os.environ.get("ORBIT_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _open(browser: Any, orbit: Orbit, **context: Any) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(accept_downloads=True, **context)
    ctx.set_default_timeout(TIMEOUT_MS)
    pg = ctx.new_page()
    urls: list[str] = []
    pg.on("request", lambda r: urls.append(r.url))
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None)
    pg.problems = problems  # checked at the end of each test: no script error, no CSP violation
    return ctx, pg, urls


def _sign_in(pg: Any, orbit: Orbit, key: str | None = None) -> None:
    pg.goto(f"{orbit.base}/app/#/signin")
    pg.get_by_label("API key or token").fill(key or orbit.key)
    pg.get_by_role("button", name="Sign in").click()


def _body(response: Any) -> dict[str, Any]:
    data = response.request.post_data_json
    return data if isinstance(data, dict) else {}


def _movers(orbit: Orbit) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(f"{orbit.base}/v1/intent/topics/movers", params={"limit": 3}).json()["data"]
    return data


def test_search_analyze_build_activate_run_and_download(browser: Any, orbit: Orbit) -> None:
    ctx, pg, urls = _open(browser, orbit, viewport={"width": 1366, "height": 900})
    try:
        _sign_in(pg, orbit)
        pg.wait_for_url(re.compile(r"#/topics$"))
        pg.locator("#who").get_by_text("Browser E2E").wait_for()

        # Search → pick a topic people research (a mover of the day) and see its trend.
        topic = _movers(orbit)[0]
        pg.get_by_label("Search topics").fill(topic["topicName"])
        found = pg.get_by_role("list", name="Topics", exact=True)
        found.get_by_role("button", name=f"Pick {topic['topicName']} for an audience").first.click()
        found.get_by_role("button", name=f"Trend of {topic['topicName']}").first.click()
        pg.get_by_role("img", name=f"Audience of {topic['topicName']} per day").wait_for()
        pg.locator("[aria-label='Movers'] li").first.wait_for()
        # Compare two topics on one chart.
        for mover in _movers(orbit)[:2]:
            pg.get_by_role("list", name="Movers").get_by_label(f"Compare {mover['topicName']}", exact=True).first.check()
        pg.get_by_role("button", name="Compare (2/10)").click()
        pg.get_by_role("img", name="Audience per day of the compared topics").wait_for()
        pg.evaluate("() => window.scrollTo(0, 0)")
        _shot(pg, "topics")

        # Analyze a website → suggested topics with evidence → use the ticked ones.
        pg.get_by_role("link", name="From a website").click()
        pg.get_by_label("Website address").fill(orbit.site.url("/"))
        pg.get_by_role("button", name="Analyze").click()
        suggested = pg.get_by_role("list", name="Suggested topics")
        suggested.wait_for(timeout=90_000)
        assert pg.locator(".evidence").count() > 0
        _shot(pg, "site-analysis")
        pg.get_by_role("button", name="Use the ticked topics").click()
        pg.get_by_role("link", name="Build the audience →").click()

        # Build: every catalogue filter with its counts; the preview follows the filters.
        pg.get_by_role("heading", name="Build an audience").wait_for()
        chips = pg.get_by_role("list", name="Topics of this audience")
        assert chips.get_by_text(topic["topicName"]).count() == 1
        catalogue = httpx.get(f"{orbit.base}/v1/intent/audiences/filters", headers={"X-API-Key": orbit.key}).json()["data"]
        keys = [f["key"] for g in catalogue["groups"] for f in g["filters"]]
        assert pg.locator("details[data-filter]").count() == len(keys)
        with pg.expect_response(lambda r: r.url.endswith("/audiences/preview") and _body(r).get("minScore") == 50) as got:
            pg.get_by_label("Minimum score").fill("50")
        before = got.value.json()["data"]["totalCount"]
        pg.wait_for_function(f"() => document.querySelector('#preview-count').textContent.replace(/,/g, '') === '{before}'")
        assert before > 0
        contact = pg.locator("details[data-filter='contact.hasBusinessEmail']")
        contact.locator("summary").click()
        with pg.expect_response(lambda r: r.url.endswith("/audiences/preview") and "contact.hasBusinessEmail" in _body(r).get("filters", {})) as got:
            contact.get_by_role("combobox").select_option("true")
        after = got.value.json()["data"]["totalCount"]
        assert 0 < after < before
        pg.wait_for_function(f"() => document.querySelector('#preview-count').textContent.replace(/,/g, '') === '{after}'")
        pg.evaluate("() => window.scrollTo(0, 0)")
        _shot(pg, "builder")
        assert pg.get_by_role("img", name="Industries of the audience").count() == 1
        assert pg.locator("table caption", has_text="masked").count() == 1
        pg.get_by_label("Audience name").fill("Browser audience")
        pg.get_by_role("button", name="Save as draft").click()
        pg.get_by_text("Saved “Browser audience” as draft").wait_for()
        pg.get_by_text(re.compile(r"Active audience slots: 0 of 10 in use")).wait_for()
        pg.get_by_role("button", name="Activate").click()
        pg.get_by_text("is active: its first run is queued").wait_for()

        # The run completes while we watch; results, stats, then the CSV download.
        pg.get_by_role("link", name="Follow its runs →").click()
        done = pg.locator("tr[data-status='completed'] a").first
        done.wait_for(timeout=120_000)
        _shot(pg, "audience-runs")
        done.click()
        people = pg.get_by_role("table", name="People")
        people.wait_for()
        assert people.locator("tbody tr").count() > 0
        total = int(pg.locator("#run-count").inner_text().replace(",", ""))
        assert total == after  # the run holds the people the preview counted
        _shot(pg, "run-results")
        if total > 25:  # paging through the results
            pg.get_by_role("button", name="Next →").click()
            pg.get_by_text(f"26–{min(50, total)} of {total:,}").wait_for()
            assert people.locator("tbody tr").first.locator("td").first.inner_text() == "26"
        pg.get_by_role("tab", name="Stats").click()
        pg.get_by_role("img", name="People per score bucket").wait_for()
        _shot(pg, "run-stats")
        pg.get_by_role("tab", name="Export").click()
        with pg.expect_download() as got:
            pg.get_by_role("button", name="Download export.csv").click()
        path = got.value.path()
        rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
        assert len(rows) == total
        assert all(r["businessEmail"] for r in rows) and int(rows[0]["intent.score"]) >= 50
        pg.get_by_role("button", name="Create a stored export").click()
        link = pg.get_by_label("Download link of the stored export")
        link.wait_for()
        stored = httpx.get(link.input_value(), timeout=30)
        assert stored.status_code == 200 and len(list(csv.DictReader(io.StringIO(stored.text)))) == total
        _shot(pg, "run-export")

        # The key never travels in a URL; the page shows no script error and no CSP violation.
        assert not [u for u in urls if orbit.key in u]
        assert orbit.key not in pg.content()
        assert pg.problems == []
    finally:
        ctx.close()


def test_errors_appear_next_to_their_cause(browser: Any, orbit: Orbit) -> None:
    ctx, pg, _ = _open(browser, orbit, viewport={"width": 1280, "height": 800})
    try:
        _sign_in(pg, orbit, key="sk_" + "x" * 43)
        secret = pg.get_by_label("API key or token")
        pg.locator(f"#{secret.get_attribute('id')}-err").get_by_text("UNAUTHORIZED", exact=False).or_(
            pg.locator(f"#{secret.get_attribute('id')}-err").get_by_text("credential", exact=False)).wait_for()
        assert secret.get_attribute("aria-invalid") == "true"
        _sign_in(pg, orbit)
        pg.wait_for_url(re.compile(r"#/topics$"))
        pg.goto(f"{orbit.base}/app/#/build")
        topic = _movers(orbit)[0]
        pg.get_by_label("Topics", exact=True).fill(topic["topicName"])
        pg.get_by_role("button", name=f"Add {topic['topicName']}", exact=True).first.click()
        pg.get_by_label("Minimum score").fill("90")
        pg.get_by_label("Maximum score").fill("60")
        maximum = pg.get_by_label("Maximum score")
        error = pg.locator(f"#{maximum.get_attribute('id')}-err")
        error.get_by_text(re.compile(r"\S")).wait_for()
        assert maximum.get_attribute("aria-invalid") == "true"
        maximum.evaluate("e => e.scrollIntoView({block: 'center'})")
        _shot(pg, "error-next-to-field")
        # A site Orbit may not fetch: the reason sits under the address field.
        pg.get_by_role("link", name="From a website").click()
        pg.get_by_label("Website address").fill("http://10.0.0.1/")
        pg.get_by_role("button", name="Analyze").click()
        url_in = pg.get_by_label("Website address")
        pg.locator(f"#{url_in.get_attribute('id')}-err").get_by_text("SITE_BLOCKED", exact=False).or_(
            pg.locator(f"#{url_in.get_attribute('id')}-err").get_by_text(re.compile("address|blocked", re.I))).wait_for()
        # A webhook URL Orbit refuses (plain http): the reason sits under the URL field.
        pg.get_by_role("link", name="Webhooks").click()
        pg.get_by_label("Endpoint URL").fill("http://crm.example.com/hook")
        pg.get_by_role("button", name="Register").click()
        hook = pg.get_by_label("Endpoint URL")
        pg.locator(f"#{hook.get_attribute('id')}-err").get_by_text(re.compile(r"\S")).wait_for()
        assert hook.get_attribute("aria-invalid") == "true"
        assert pg.problems == []
    finally:
        ctx.close()


def test_suppression_list_upload_and_apply(browser: Any, orbit: Orbit, tmp_path: Path) -> None:
    """A list made and filled from a CSV file in the browser; ticking it in the builder takes its
    people out of the preview's count."""
    topic = _movers(orbit)[0]
    config = {"topicIds": [topic["topicId"]], "minScore": 50}
    preview = httpx.post(f"{orbit.base}/v1/intent/audiences/preview", json=config,
                         headers={"X-API-Key": orbit.key}).json()["data"]
    people = [row["hashedEmail"] for row in preview["sample"][:2]]
    assert len(people) == 2
    upload = tmp_path / "customers.csv"
    upload.write_text("sha256\n" + "\n".join(people) + "\nnot-a-hash\n")
    ctx, pg, _ = _open(browser, orbit, viewport={"width": 1280, "height": 800})
    try:
        _sign_in(pg, orbit)
        pg.wait_for_url(re.compile(r"#/topics$"))
        pg.get_by_role("link", name="Suppression").click()
        pg.get_by_role("heading", name="Suppression lists").wait_for()
        pg.get_by_label("List name").fill("Browser customers")
        pg.get_by_role("button", name="Create list").click()
        pg.get_by_label("CSV file for Browser customers").set_input_files(str(upload))
        pg.get_by_role("button", name="Upload").click()
        pg.get_by_text("2 accepted, 0 duplicates, 1 refused", exact=False).wait_for()
        pg.get_by_text("line 4:", exact=False).wait_for()
        _shot(pg, "suppression")
        pg.goto(f"{orbit.base}/app/#/build")
        pg.get_by_role("heading", name="Build an audience").wait_for()
        pg.get_by_label("Topics", exact=True).fill(topic["topicName"])
        pg.get_by_role("button", name=f"Add {topic['topicName']}", exact=True).first.click()
        with pg.expect_response(lambda r: r.url.endswith("/audiences/preview") and _body(r).get("minScore") == 50) as got:
            pg.get_by_label("Minimum score").fill("50")
        before = got.value.json()["data"]["totalCount"]
        assert before == preview["totalCount"]
        with pg.expect_response(lambda r: r.url.endswith("/audiences/preview") and _body(r).get("suppressionListIds")) as got:
            pg.get_by_label("Browser customers").check()
        after = got.value.json()["data"]["totalCount"]
        assert after == before - 2
        pg.wait_for_function(f"() => document.querySelector('#preview-count').textContent.replace(/,/g, '') === '{after}'")
        assert pg.problems == []
    finally:
        ctx.close()


def test_phone_sized_viewport(browser: Any, orbit: Orbit) -> None:
    ctx, pg, _ = _open(browser, orbit, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                       device_scale_factor=2)
    try:
        _sign_in(pg, orbit)
        pg.wait_for_url(re.compile(r"#/topics$"))
        nav = pg.get_by_role("navigation", name="Main")
        assert not nav.is_visible()
        pg.get_by_role("button", name="Menu").click()
        nav.get_by_role("link", name="Build").click()
        pg.get_by_role("heading", name="Build an audience").wait_for()
        topic = _movers(orbit)[0]
        pg.get_by_label("Topics", exact=True).fill(topic["topicName"])
        pg.get_by_role("button", name=f"Add {topic['topicName']}", exact=True).first.click()
        # The count stays in view at the bottom of the screen while filters are set.
        bar = pg.get_by_role("button", name=re.compile(r"^[\d,]+ people · preview"))
        bar.wait_for()
        # One column: nothing wider than the screen, so no sideways scrolling.
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
        _shot(pg, "phone-builder")
        bar.click()
        pg.wait_for_function("() => document.getElementById('pv-h').getBoundingClientRect().top < innerHeight")
        pg.get_by_role("button", name="Menu").click()
        nav.get_by_role("link", name="Audiences").click()
        pg.get_by_role("heading", name="Audiences").wait_for()
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert pg.problems == []
    finally:
        ctx.close()
