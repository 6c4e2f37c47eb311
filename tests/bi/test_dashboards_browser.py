"""Every dashboard opens in headless Chromium, offline, and every chart shows data.

A person's path: the login form, then each dashboard of bi/superset/dashboards.py. The test
waits until every chart has its data and has drawn it, then checks each chart: its queries
answered without error and returned rows (the synthetic mart has data for every chart), no
error banner and no "No results" in it, and something drawn (table rows, a chart canvas or
SVG, a number). Requests to any other host than Superset itself must not leave the browser.
Screenshots are kept in artifacts/test_superset/ and checked not to be blank; the figures
(charts checked, time to render) are written beside them as figures.json.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import dashboards
import pytest
from cdp import Browser
from conftest import ARTIFACTS
from PIL import Image, ImageStat

# Per chart holder: its id, whether it shows an error or "No results", and what it drew.
CHART_STATES = """
[...document.querySelectorAll('[data-test-chart-id]')].map(el => ({
  id: Number(el.getAttribute('data-test-chart-id')),
  name: el.getAttribute('data-test-chart-name'),
  text: el.innerText,
  loading: !!el.querySelector('.loading, [aria-label="Loading"], [data-test="loading-indicator"]'),
  error: !!el.querySelector('.ant-alert-error, [data-test="error-tooltip"]')
         || /Data error|Unexpected error|Error:/.test(el.innerText),
  noResults: /No results/i.test(el.innerText),
  tableRows: el.querySelectorAll('table tbody tr').length,
  drawn: [...el.querySelectorAll('canvas, svg')].filter(c => c.getBoundingClientRect().width > 50
         && c.getBoundingClientRect().height > 50).length,
  number: !!el.querySelector('.header-line') && /[0-9]/.test(el.querySelector('.header-line').innerText),
}))
"""


@pytest.fixture(scope="module")
def browser(stack):
    with Browser() as b:
        b.navigate(f"{stack.base_url}/login/")
        b.wait_for("!!document.querySelector('#username')", 60, "the login form")
        b.type_into("#username", stack.user)
        b.type_into("#password", stack.password)
        b.evaluate("document.querySelector('[data-test=login-button]').click()")
        b.wait_for("!location.pathname.startsWith('/login')", 60, "the login to succeed")
        yield b


def _chart_data(browser: Browser) -> dict[int, list[dict]]:
    """The chart-data answers the page received, by chart id (slice_id)."""
    requests_ = {
        e["params"]["requestId"]: e["params"]["request"]
        for e in browser.events
        if e["method"] == "Network.requestWillBeSent"
    }
    found: dict[int, list[dict]] = {}
    for event in browser.events:
        if event["method"] != "Network.loadingFinished":
            continue
        request = requests_.get(event["params"]["requestId"], {})
        if "/api/v1/chart/data" not in request.get("url", ""):
            continue
        form = parse_qs(urlsplit(request["url"]).query).get("form_data")
        post = json.loads(request.get("postData") or "{}")
        slice_id = (json.loads(form[0]) if form else post.get("form_data", {})).get("slice_id")
        if slice_id is None:
            continue  # a filter's values, not a chart
        body = json.loads(browser.response_body(event["params"]["requestId"]))
        found.setdefault(int(slice_id), []).append(body)
    return found


def _outside_requests(browser: Browser, base_url: str) -> list[str]:
    """URLs of other hosts that the page reached (a CSP block never leaves the browser)."""
    blocked = {
        e["params"]["requestId"]
        for e in browser.events
        if e["method"] == "Network.loadingFailed" and e["params"].get("blockedReason") == "csp"
    }
    return [
        e["params"]["request"]["url"]
        for e in browser.events
        if e["method"] == "Network.requestWillBeSent"
        and not e["params"]["request"]["url"].startswith((base_url, "data:", "blob:"))
        and e["params"]["requestId"] not in blocked
    ]


def _not_blank(path) -> None:
    image = Image.open(path).convert("RGB")
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 15, f"{path} is (nearly) one colour"
    colours = image.resize((400, 600)).getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 150, f"{path}: too few colours for charts, the page looks blank"


@pytest.mark.parametrize("dashboard", dashboards.dashboards(), ids=lambda d: d.slug)
def test_every_chart_of_the_dashboard_renders_data(stack, browser, dashboard):
    expected = len(dashboard.charts)
    started = time.monotonic()
    browser.navigate(f"{stack.base_url}/superset/dashboard/{dashboard.slug}/")
    browser.wait_for(
        f"(() => {{ const s = {CHART_STATES}; return s.length === {expected} && s.every(c => !c.loading"
        " && (c.error || c.noResults || c.tableRows > 0 || c.drawn > 0 || c.number)); })()",
        timeout=180,
        what=f"the {expected} charts of {dashboard.slug} to render",
    )
    rendered_in = time.monotonic() - started
    time.sleep(1.0)  # let the last chart finish its animation before the screenshot
    states = {s["id"]: s for s in browser.evaluate(CHART_STATES)}
    answers = _chart_data(browser)

    assert sorted(s["name"] for s in states.values()) == sorted(c.title for c in dashboard.charts)
    for chart_id, state in states.items():
        name = state["name"]
        assert not state["error"], f"{name}: error in the chart: {state['text'][:300]}"
        assert not state["noResults"], f"{name}: 'No results'"
        assert state["tableRows"] > 0 or state["drawn"] > 0 or state["number"], f"{name}: nothing drawn"
        assert chart_id in answers, f"{name}: no chart data was received"
        for body in answers[chart_id]:
            for result in body.get("result", []):
                assert not result.get("error"), f"{name}: {result['error']}"
                assert result.get("rowcount", 0) > 0, f"{name}: the query returned no rows"
    assert _outside_requests(browser, stack.base_url) == []

    shot = browser.screenshot(ARTIFACTS / f"{dashboard.slug}.png")
    _not_blank(shot)
    figures_file = ARTIFACTS / "figures.json"
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    figures[dashboard.slug] = {
        "charts_checked": len(states),
        "data_points": {
            s["name"]: sum(r.get("rowcount", 0) for b in answers[i] for r in b.get("result", []))
            for i, s in states.items()
        },
        "seconds_to_render": round(rendered_in, 1),
        "screenshot": str(shot.relative_to(ARTIFACTS.parents[1])),
    }
    figures_file.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
