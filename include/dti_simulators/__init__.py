"""Stand-ins for the five source systems: real HTTP servers with deterministic data.

The real e-office, public-service portal, Postmart, Voso and party-member handbook cannot
be reached from here; these simulators behave like them (own contracts, auth, paging,
faults) and know the ground truth a correct pipeline must reproduce, which they never
serve through the APIs the pipeline uses.
"""

from dti_simulators.presets import PRESETS, Preset, get_preset
from dti_simulators.runner import RunningSimulators, start_simulators

__all__ = ["PRESETS", "Preset", "RunningSimulators", "get_preset", "start_simulators"]
