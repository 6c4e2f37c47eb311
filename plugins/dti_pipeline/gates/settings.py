"""Run-time settings of the gates and notifications: an Airflow Variable, else the environment.

`setting("plausibility_mode", "warn")` reads the Airflow Variable `dti_plausibility_mode`
(which also covers AIRFLOW_VAR_DTI_PLAUSIBILITY_MODE and any secrets backend), then the
environment variable DTI_PLAUSIBILITY_MODE, then the default. Read inside tasks only: never
at DAG parse time, which must not touch the metadata database.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def setting(name: str, default: str | None = None) -> str | None:
    key = f"dti_{name}"
    try:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
    except Exception:  # outside a task (CLI, tests): no metadata DB to ask
        value = None
    if value is None:
        value = os.environ.get(key.upper())
    return default if value in (None, "") else str(value)


def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (setting(name, default) or default).strip().lower()
    if value not in allowed:
        raise ValueError(
            f"setting dti_{name} (Airflow Variable or env DTI_{name.upper()}) is {value!r}; "
            f"use one of {', '.join(allowed)}"
        )
    return value


def number(name: str, default: float) -> float:
    value = setting(name, str(default))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"setting dti_{name} (Airflow Variable or env DTI_{name.upper()}) must be a number; got {value!r}"
        ) from None
