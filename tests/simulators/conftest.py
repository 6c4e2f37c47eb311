"""The five simulators of the tiny preset, faults off, shared by the tests of this folder."""

from __future__ import annotations

import pytest

SEED = 7


@pytest.fixture(scope="session")
def simulators():
    from dti_simulators import start_simulators

    with start_simulators("tiny", seed=SEED, postmart_rate_limit=0) as sims:
        yield sims
