"""A load killed with SIGKILL in the middle leaves nothing current; the rerun lands exactly
what the source holds, and rerunning a finished window changes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import psycopg
import pytest

from dti_pipeline.extract.run import extract_window
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.needs import Window
from dti_pipeline.warehouse.bootstrap import ensure_warehouse
from dti_simulators import get_preset, start_simulators
from dti_simulators.eoffice import DocumentStore
from dti_simulators.faults import FaultTimings

SEED = 11
START = datetime(2025, 6, 1, tzinfo=LOCAL_TZ)
END = datetime(2025, 9, 1, tzinfo=LOCAL_TZ)
WINDOW = Window("eoffice", "documents", "created", START, END)  # three months' documents

# The child process loads three months of documents from a simulator that answers each
# page slowly, so that it is certainly killed between two pages of one COPY.
CHILD = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from dti_pipeline.extract.run import extract_window
    from dti_pipeline.needs import Window
    window = Window("eoffice", "documents", "created", datetime.fromisoformat(sys.argv[1]),
                    datetime.fromisoformat(sys.argv[2]))
    extract_window(window, run_id="to-be-killed")
    """
)


@pytest.fixture(scope="module")
def slow_eoffice():
    with start_simulators(
        "tiny",
        SEED,
        only=("eoffice",),
        faults="eoffice:slow=1.0",
        fault_timings=FaultTimings(slow_seconds=0.7),
    ) as sims:
        yield sims


def _documents(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select record_key, record_hash from raw.eoffice__documents").fetchall())


def _ledger(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select run_id, status from raw.load_ledger order by load_id").fetchall()


def test_a_killed_load_leaves_nothing_current_and_the_rerun_is_exact(warehouse, slow_eoffice, monkeypatch):
    connection = slow_eoffice.connections()["eoffice"]
    monkeypatch.setenv("AIRFLOW_CONN_DTI_EOFFICE", json.dumps(connection))
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ensure_warehouse(conn)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, START.isoformat(), END.isoformat()],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while ("to-be-killed", "running") not in _ledger(warehouse):
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never started its load"
            time.sleep(0.05)
        time.sleep(1.0)  # a page or two into the COPY
        assert child.poll() is None, "the load finished before it could be killed"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert _documents(warehouse) == {}, "a killed load must leave no rows behind"
    assert _ledger(warehouse) == [("to-be-killed", "running")]

    store = DocumentStore(SEED, get_preset("tiny"))
    expected = {d.record["id"] for d in store.entity.all_records() if START <= d.created_at < END}
    first = extract_window(WINDOW, run_id="rerun")
    landed = _documents(warehouse)
    assert set(landed) == expected and first["rows_loaded"] == len(expected)
    assert _ledger(warehouse) == [("to-be-killed", "abandoned"), ("rerun", "current")]

    extract_window(WINDOW, run_id="again")
    assert _documents(warehouse) == landed, "rerunning a finished window must change nothing"
    assert [s for _, s in _ledger(warehouse)] == ["abandoned", "replaced", "current"]
