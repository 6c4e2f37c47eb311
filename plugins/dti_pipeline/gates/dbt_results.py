"""Turn a dbt invocation's results into an error that says what failed, and whether to retry.

Cosmos calls `explain_dbt_results` after every dbt command of the refresh, with the
temporary project folder that still holds target/run_results.json, and before it raises its
own generic error. A failing data test becomes DataTestFailed, naming the test, its model
and column, the number of failing rows and a sample of them (the test's compiled query,
rerun with a limit); a database error that a retry can cure (connection lost, lock timeout,
serialization failure, deadlock) becomes TransientDbtError; any other error DbtBuildError.
The refresh's retry policy retries only the transient kind.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from dti_pipeline.errors import PermanentError, PipelineError, TransientError

log = logging.getLogger(__name__)

SAMPLE_ROWS = 5

# Lower-case fragments of PostgreSQL / libpq messages that a later attempt can outlive.
TRANSIENT_MARKERS = (
    "could not connect",
    "connection refused",
    "connection timed out",
    "connection reset",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "ssl syscall error",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "too many connections",
    "remaining connection slots",
    "lock timeout",
    "could not obtain lock",
    "deadlock detected",
    "could not serialize access",
    "serialization failure",
)


class DbtFailure(PipelineError, RuntimeError):
    """A dbt command of the refresh failed."""


class DataTestFailed(DbtFailure, PermanentError):
    """A dbt data test found rows that break it: a retry runs the same test on the same data."""


class DbtBuildError(DbtFailure, PermanentError):
    """A model or test could not run (SQL or compilation error): a retry cannot fix the code."""


class TransientDbtError(DbtFailure, TransientError):
    """The database went away or refused for a moment: worth retrying."""


def is_transient_message(message: str) -> bool:
    text = message.lower()
    return any(marker in text for marker in TRANSIENT_MARKERS)


def _manifest(project_dir: Path) -> dict:
    path = project_dir / "target" / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _compiled_sql(project_dir: Path, result: dict, node: dict) -> str | None:
    if result.get("compiled_code"):
        return result["compiled_code"]
    if node.get("original_file_path") is not None and node.get("package_name"):
        # generic tests compile to target/compiled/<package>/<yml path>/<test name>.sql
        base = project_dir / "target" / "compiled" / node["package_name"] / node["original_file_path"]
        for candidate in (base / f"{node.get('alias') or node.get('name')}.sql", base):
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
    return None


def _sample(sql_text: str | None, model_relation: str | None, column: str | None) -> list[dict]:
    """A few failing rows; with the whole model row when the test returns only the column."""
    if not sql_text:
        return []
    from psycopg.rows import dict_row

    from dti_pipeline.warehouse.connection import connect

    query = sql_text.strip().rstrip(";")
    try:
        with connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(f"select * from ({query}) as failing limit {SAMPLE_ROWS}").fetchall()
            if model_relation and column and rows and set(rows[0]) == {column}:
                values = [r[column] for r in rows]
                full = cur.execute(
                    f'select * from {model_relation} where "{column}" = any(%s) limit {SAMPLE_ROWS}',
                    (values,),
                ).fetchall()
                rows = full or rows
            return [{k: _plain(v) for k, v in r.items()} for r in rows]
    except Exception as exc:  # a sample is a courtesy: never hide the failure behind it
        log.warning("could not sample the failing rows: %s", exc)
        return []


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _describe_test(result: dict, manifest: dict, project_dir: Path) -> tuple[str, list[dict], str | None]:
    nodes = manifest.get("nodes", {})
    node = nodes.get(result.get("unique_id"), {})
    name = node.get("name") or result.get("unique_id", "?").split(".")[-1]
    attached = node.get("attached_node") or next(iter(node.get("depends_on", {}).get("nodes", [])), None)
    model = nodes.get(attached, {}) if attached else {}
    column = node.get("column_name")
    failures = result.get("failures")
    where = f"model {model.get('name')}" if model else "its model"
    if column:
        where += f", column {column}"
    rows = _sample(_compiled_sql(project_dir, result, node), model.get("relation_name"), column)
    count = (
        f"{failures} failing row{'s' if failures != 1 else ''}" if failures is not None else "failing rows"
    )
    return f"dbt test {name} ({where}): {count}", rows, model.get("name")


# The XCom key under which the `dbt build` of the refresh (Cosmos's watcher producer) leaves its
# explanation, so that the per-model tasks that report the failure repeat it and do not retry.
FAILURE_XCOM_KEY = "dti_dbt_failure"


def explain_dbt_results(project_dir: str, context=None, **_kwargs) -> None:
    """Cosmos callback: raise a precise error when the dbt command failed; otherwise nothing.

    With a task context, the explanation is also left in the task's XCom (FAILURE_XCOM_KEY):
    {"kind": "transient" | "permanent", "message": ..., "by_model": {model: [lines]}}.
    """
    root = Path(project_dir)
    path = root / "target" / "run_results.json"
    if not path.is_file():
        return
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except ValueError:
        return
    failed_tests = [r for r in results if r.get("status") == "fail"]
    errors = [r for r in results if r.get("status") in ("error", "runtime error")]
    if not failed_tests and not errors:
        return
    manifest = _manifest(root)
    by_model: dict[str, list[str]] = {}
    if errors:
        nodes = manifest.get("nodes", {})
        for r in errors:
            line = f"  {r.get('unique_id')}: {(r.get('message') or '').strip()}"
            node = nodes.get(r.get("unique_id"), {})
            attached = node.get("attached_node") or r.get("unique_id")
            by_model.setdefault(nodes.get(attached, {}).get("name") or str(attached), []).append(line)
        text = "\n".join(line for lines in by_model.values() for line in lines)
        if all(is_transient_message(r.get("message") or "") for r in errors):
            error: DbtFailure = TransientDbtError(f"dbt lost the warehouse for a moment (retried):\n{text}")
        else:
            error = DbtBuildError(
                f"dbt could not build (a retry cannot fix this; fix the model or the test):\n{text}"
            )
    else:
        lines = []
        for result in failed_tests:
            head, rows, model = _describe_test(result, manifest, root)
            described = [head, *(f"    {json.dumps(r, ensure_ascii=False, default=str)}" for r in rows)]
            lines.extend(described)
            by_model.setdefault(model or "?", []).extend(described)
        error = DataTestFailed(
            "a dbt data test failed, so the month was not published; a retry cannot fix data "
            "(fix the source data or the model, then rerun the month):\n  " + "\n  ".join(lines)
        )
    _leave_for_model_tasks(context, error, by_model)
    raise error


def _leave_for_model_tasks(context, error: DbtFailure, by_model: dict[str, list[str]]) -> None:
    ti = (context or {}).get("ti")
    if ti is None:
        return
    kind = "transient" if isinstance(error, TransientDbtError) else "permanent"
    try:
        ti.xcom_push(key=FAILURE_XCOM_KEY, value={"kind": kind, "message": str(error), "by_model": by_model})
    except Exception as exc:  # the explanation is raised anyway: never hide it behind this
        log.warning("could not keep the dbt failure for the model tasks: %s", exc)


def producer_failure(context) -> dict | None:
    """The explanation the refresh's `dbt build` left, seen from one of its per-model tasks
    (a Cosmos watcher consumer: it names its producer); None for any other task."""
    task = (context or {}).get("task")
    ti = (context or {}).get("ti") or (context or {}).get("task_instance")
    producer = getattr(task, "producer_task_id", None)
    if not producer or ti is None or producer == getattr(ti, "task_id", None):
        return None
    try:
        return ti.xcom_pull(task_ids=producer, key=FAILURE_XCOM_KEY)
    except Exception as exc:
        log.warning("could not read the dbt build's failure: %s", exc)
        return None
