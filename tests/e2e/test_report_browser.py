"""The monthly report opens in headless Chromium, offline, without errors, and shows its charts.

The report is written from two published synthetic months (every province and commune of the
reference data), read through the same code as `dti report`. Chromium (Debian's `chromium`;
`make test` installs it) loads it with every host unresolvable, so anything fetched from the
network would fail; the screenshot is kept in artifacts/ and checked not to be blank.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import psycopg
import pytest
from synthetic_mart import build_month

from dti_pipeline.paths import PROJECT_DIR
from dti_pipeline.publish.publication import publish_month
from dti_pipeline.report.monthly import write_report

ARTIFACTS = PROJECT_DIR / "artifacts" / "test_report_browser"
CHARTS = ("chart-ranking", "chart-movers", "chart-map", "chart-completeness", "chart-trend-0")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no host resolves
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=20000",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: `apt-get install -y chromium` (make test does it)")
    return found


def _run(args: list[str], report: Path) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="dti-chromium-") as profile:
        return subprocess.run(
            [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args, report.as_uri()],
            capture_output=True,
            text=True,
            timeout=180,
        )


@pytest.fixture(scope="module")
def report(postgres_server) -> Path:
    url = postgres_server("report")
    with psycopg.connect(url) as conn:
        for month, seed in ((date(2025, 7, 1), 1), (date(2025, 8, 1), 2)):
            build_month(conn, month, seed=seed)
            publish_month(conn, month, run_id=f"synthetic-{seed}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return write_report(conn, date(2025, 8, 1), ARTIFACTS)


def _console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line and re.search(r"Uncaught|Error|Failed to load", line)
    ]


def test_the_report_renders_its_charts_without_errors(report):
    result = _run(["--dump-dom"], report)
    (ARTIFACTS / "dom.html").write_text(result.stdout, encoding="utf-8")
    (ARTIFACTS / "chromium-dom.log").write_text(result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    dom = result.stdout
    for chart in CHARTS:
        rendered = re.search(rf'<div[^>]*id="{chart}"[^>]*>', dom)
        assert rendered and "js-plotly-plot" in rendered.group(0), f"{chart} was not drawn by plotly"
    assert dom.count('class="main-svg"') >= 2 * len(CHARTS)
    assert "Xếp hạng tỉnh / Province ranking" in dom


def test_the_report_screenshot_is_not_blank(report):
    from PIL import Image, ImageStat

    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    result = _run([f"--screenshot={shot}", "--window-size=1280,3000"], report)
    (ARTIFACTS / "chromium-screenshot.log").write_text(result.stderr, encoding="utf-8")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert _console_errors(result.stderr) == []
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 3000)
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 20, "the screenshot is (nearly) one colour"
    colours = image.resize((320, 750)).getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 200, "too few colours for charts: the page looks blank"
