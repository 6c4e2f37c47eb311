"""`dti dbt docs` writes the dbt docs site as one file that opens offline and shows the BI
exposures: the Superset dashboards and the monthly report, with the published mart they read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cdp import Browser

from dti_pipeline.paths import PROJECT_DIR

ARTIFACTS = PROJECT_DIR / "artifacts" / "test_dbt_docs_offline"


@pytest.fixture(scope="module")
def site(postgres_server, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("dbt-docs")
    env = {
        **os.environ,
        "DTI_WAREHOUSE_URL": postgres_server("docs"),
        "DTI_WAREHOUSE_ROLES": "0",  # no cluster-wide roles for a docs build
    }
    dti = Path(sys.executable).with_name("dti")
    result = subprocess.run(
        [str(dti), "dbt", "docs", "--target-path", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = target / "static_index.html"
    assert f"dbt docs: {page}" in result.stdout
    return page


def test_the_docs_site_opens_offline_and_shows_the_exposures(site):
    with Browser() as browser:
        browser.navigate(site.as_uri() + "#!/exposure/exposure.dti.superset_dti_dashboards")
        text = browser.wait_for(
            "document.body.innerText.includes('DTI dashboards') && document.body.innerText",
            timeout=120,
            what="the exposure's page",
        )
        outside = [
            e["params"]["request"]["url"]
            for e in browser.events
            if e["method"] == "Network.requestWillBeSent"
            and not e["params"]["request"]["url"].startswith(("file:", "data:", "blob:", "about:"))
        ]
        shot = browser.screenshot(ARTIFACTS / "exposure.png")
        browser.navigate(site.as_uri() + "#!/source/source.dti.dti_mart.bi_unit_monthly")
        source = browser.wait_for(
            "document.body.innerText.includes('month_label') && document.body.innerText",
            timeout=60,
            what="the BI view's page",
        )
    assert "fct_dti_monthly" in text and "dim_admin_unit" in text  # what the dashboards read
    assert "bi_unit_monthly" in source and "Tháng dạng YYYY-MM" in source  # a BI view, in both languages
    assert outside == [], f"the docs site fetched from the network: {outside}"
    assert shot.stat().st_size > 10_000
