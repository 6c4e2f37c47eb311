"""Readers see the previous publication or the new one, never a mixture; a killed publisher
leaves the previous publication intact and the next publication goes through.

The reader and the killed publisher are real second processes, as in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import psycopg
import pytest
from synthetic_mart import build_month, expected_rows

from dti_pipeline.publish.publication import publish_month

MONTH = date(2025, 8, 1)

READER = textwrap.dedent(
    """
    import json, sys, time, psycopg
    url, month, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
    query = '''
        select (select count(*) from dti_mart.fct_dti_monthly where month = %(m)s),
               (select array_agg(distinct publication_id) from dti_mart.fct_dti_monthly where month = %(m)s),
               (select count(*) from dti_mart.fct_indicator_monthly where month = %(m)s),
               (select array_agg(distinct publication_id) from dti_mart.fct_indicator_monthly
                 where month = %(m)s),
               (select array_agg(publication_id) from dti_mart.publication
                 where month = %(m)s and status = 'current')'''
    import os
    with psycopg.connect(url, autocommit=True) as conn:
        print("READY", flush=True)
        deadline = time.monotonic() + 120
        while not os.path.exists(stop_file) and time.monotonic() < deadline:
            facts, fact_ids, indicators, indicator_ids, current = conn.execute(query, {"m": month}).fetchone()
            print(json.dumps([facts, fact_ids, indicators, indicator_ids, current]), flush=True)
    """
)

KILLED_PUBLISHER = textwrap.dedent(
    """
    import sys, time, psycopg
    from datetime import date
    from dti_pipeline.publish import publication

    original = publication._publish_dimension

    def stall(conn, dim):
        original(conn, dim)
        print("INSIDE", flush=True)  # the new version's rows are written, not committed
        time.sleep(120)

    publication._publish_dimension = stall
    with psycopg.connect(sys.argv[1]) as conn:
        publication.publish_month(conn, date(2025, 8, 1), run_id="killed", methodology_version="killed")
    """
)


@pytest.fixture
def published(warehouse):
    with psycopg.connect(warehouse) as conn:
        build_month(conn, MONTH, seed=1)
        first = publish_month(conn, MONTH, run_id="first")
        counts = expected_rows(conn, MONTH)
    return warehouse, first, counts


def test_a_reader_never_sees_a_partial_or_empty_month_while_it_is_republished(published, tmp_path):
    url, first, counts = published
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, url, MONTH.isoformat(), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "READY", reader.stderr.read()
    ids = {first.publication_id}
    try:
        with psycopg.connect(url) as conn:
            for round_ in range(8):
                # alternate two methodologies: each publication is a whole new version
                pub = publish_month(conn, MONTH, run_id=f"r{round_}", methodology_version=f"m{round_ % 2}")
                assert not pub.unchanged
                ids.add(pub.publication_id)
                time.sleep(0.05)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    observations = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
    assert reader.returncode == 0, err
    assert len(observations) > 20, "the reader hardly ran: the test proves nothing"
    seen = set()
    for facts, fact_ids, indicators, indicator_ids, current in observations:
        assert facts == counts["fct_dti_monthly"], "a reader saw a partial or empty month"
        assert indicators == counts["fct_indicator_monthly"]
        assert len(fact_ids) == 1 and fact_ids == indicator_ids == current, "a reader saw a mixture"
        seen.add(fact_ids[0])
    assert seen <= ids and len(seen) >= 2, f"the reader saw only publications {seen}"


def test_a_publisher_killed_mid_transaction_leaves_the_previous_publication(published):
    url, first, counts = published
    publisher = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISHER, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    line = publisher.stdout.readline().strip()
    assert line == "INSIDE", publisher.stderr.read()
    publisher.send_signal(signal.SIGKILL)
    publisher.wait(timeout=30)
    assert publisher.returncode == -signal.SIGKILL

    with psycopg.connect(url, autocommit=True) as conn:
        current = conn.execute(
            "select publication_id, methodology_version from dti_mart.publication where status = 'current'"
        ).fetchall()
        killed = conn.execute("select count(*) from dti_mart.publication where run_id = 'killed'").fetchone()
        rows = conn.execute(
            "select count(*), array_agg(distinct publication_id) from dti_mart.fct_dti_monthly"
            " where month = %s",
            (MONTH,),
        ).fetchone()
        orphans = conn.execute(
            """select count(*) from dti_publish.fct_dti_monthly_versions v
                where not exists (select 1 from dti_publish.publication p
                                   where p.publication_id = v.publication_id)"""
        ).fetchone()[0]
    assert current == [(first.publication_id, "test-1")] and killed == (0,)
    assert rows == (counts["fct_dti_monthly"], [first.publication_id])
    assert orphans == 0

    started = time.monotonic()
    with psycopg.connect(url) as conn:  # the next run: its lock is free, it publishes
        after = publish_month(conn, MONTH, run_id="next", methodology_version="next")
    assert time.monotonic() - started < 20
    with psycopg.connect(url) as conn:
        current = conn.execute(
            "select publication_id from dti_mart.publication where status = 'current'"
        ).fetchall()
    assert current == [(after.publication_id,)]
