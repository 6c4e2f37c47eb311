"""A dashboard refreshed while its month is being republished shows the previous publication
or the new one, never a mixture and never a partial month.

The method of tests/integration/test_publish_concurrency.py, through Superset: while this
process republishes the month eight times (each a new publication), a reader thread refreshes
the dashboard's datasets over and over through Superset's chart-data API, the endpoint a
dashboard refresh calls, as the BI reader. Each answer counts the month's rows and its
distinct publications per BI view.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import psycopg
import pytest

from dti_pipeline.publish.publication import publish_month

MONTH = date(2025, 8, 1)
# The BI views of the dashboards that carry the publication of each row.
VIEWS = ("bi_unit_monthly", "bi_province_ranking", "bi_pillar_monthly", "bi_indicator_monthly")


def _dataset_ids(api, stack) -> dict[str, int]:
    found = api.get(f"{stack.base_url}/api/v1/dataset/", params={"q": "(page_size:100)"}, timeout=30).json()[
        "result"
    ]
    return {d["table_name"]: d["id"] for d in found if d["table_name"] in VIEWS}


def _refresh(api, stack, dataset_id: int) -> dict:
    """One chart's query, as the dashboard sends it: rows, publications, for the month."""
    query = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,  # past any cache: what the mart holds now
        "queries": [
            {
                "columns": [],
                "metrics": [
                    {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "rows"},
                    {
                        "expressionType": "SQL",
                        "sqlExpression": "COUNT(DISTINCT publication_id)",
                        "label": "publications",
                    },
                    {"expressionType": "SQL", "sqlExpression": "MAX(publication_id)", "label": "publication"},
                ],
                "filters": [{"col": "month_label", "op": "IN", "val": [MONTH.strftime("%Y-%m")]}],
                "row_limit": 1,
            }
        ],
        "result_format": "json",
        "result_type": "full",
    }
    response = api.post(f"{stack.base_url}/api/v1/chart/data", json=query, timeout=60)
    response.raise_for_status()
    return response.json()["result"][0]["data"][0]


def test_a_refresh_during_a_publication_shows_one_whole_publication(stack):
    api = stack.api()
    datasets = _dataset_ids(api, stack)
    assert set(datasets) == set(VIEWS)
    with psycopg.connect(stack.urls["admin"]) as conn:
        expected = {
            view: conn.execute(
                f"select count(*) from dti_mart.{view} where month_label = %s", (MONTH.strftime("%Y-%m"),)
            ).fetchone()[0]
            for view in VIEWS
        }
    observations: list[tuple[str, dict]] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def reader() -> None:
        session = stack.api()
        try:
            while not stop.is_set():
                for view, dataset_id in datasets.items():
                    observations.append((view, _refresh(session, stack, dataset_id)))
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    published = set()
    try:
        with psycopg.connect(stack.urls["transformer"]) as conn:
            first = conn.execute(
                "select publication_id from dti_mart.publication where month = %s and status = 'current'",
                (MONTH,),
            ).fetchone()[0]
            published.add(first)
            for round_ in range(8):
                # a whole refresh (every view) before each publication, more during it
                before = len(observations)
                deadline = time.monotonic() + 60
                while len(observations) < before + len(VIEWS) and time.monotonic() < deadline:
                    time.sleep(0.05)
                pub = publish_month(conn, MONTH, run_id=f"r{round_}", methodology_version=f"m{round_ % 2}")
                assert not pub.unchanged
                published.add(pub.publication_id)
    finally:
        stop.set()
        thread.join(timeout=120)
    assert not failures, failures[0]
    assert len(observations) > 20, "the dashboard was hardly refreshed: the test proves nothing"
    seen = set()
    for view, answer in observations:
        assert answer["rows"] == expected[view], f"{view}: a partial or empty month: {answer}"
        assert answer["publications"] == 1, f"{view}: a mixture of publications: {answer}"
        assert answer["publication"] in published
        seen.add(answer["publication"])
    assert len(seen) >= 2, f"the refreshes saw only publications {seen}: no publication happened during them"


@pytest.fixture(autouse=True, scope="module")
def _restore_the_published_month(stack):
    """Leave the month published as the other tests found it (the synthetic methodology)."""
    yield
    with psycopg.connect(stack.urls["transformer"]) as conn:
        publish_month(conn, MONTH, run_id="restored")
