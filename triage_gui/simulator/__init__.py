"""The reference Batch API simulator and its scenario library (see docs/simulator.md).

```python
from triage_gui.simulator import Simulator, ManualClock, RealClock, Fault, SCENARIOS

with Simulator(scenarios=["stalled"], clock=ManualClock()) as sim:
    info = sim.scenario("stalled")      # ids and ground truth
    ...                                 # talk HTTP to sim.base_url with sim.token
    sim.clock.advance(600)              # ten simulated minutes later
```
"""

from __future__ import annotations

from triage_gui.simulator.clock import DEFAULT_START, ManualClock, RealClock
from triage_gui.simulator.faults import FAULT_KINDS, Fault
from triage_gui.simulator.handler import LoggedRequest
from triage_gui.simulator.retry_jobs import RETRY_BEHAVIOURS
from triage_gui.simulator.scenario_model import (
    DEMO_WORKSPACE,
    RESTRICTED_WORKSPACE,
    ScenarioEntry,
    ScenarioInfo,
    ScenarioSpec,
)
from triage_gui.simulator.scenarios import MAX_SIZE, SCENARIOS
from triage_gui.simulator.server import Simulator

__all__ = [
    "DEFAULT_START",
    "DEMO_WORKSPACE",
    "FAULT_KINDS",
    "MAX_SIZE",
    "RESTRICTED_WORKSPACE",
    "RETRY_BEHAVIOURS",
    "SCENARIOS",
    "Fault",
    "LoggedRequest",
    "ManualClock",
    "RealClock",
    "ScenarioEntry",
    "ScenarioInfo",
    "ScenarioSpec",
    "Simulator",
]
