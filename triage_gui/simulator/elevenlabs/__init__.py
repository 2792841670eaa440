"""ElevenLabs' Agents Platform batch calling, simulated (tests, the demo); see docs/providers/elevenlabs.md.

```python
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator

with ElevenLabsSimulator(scenarios=["stalled"], clock=ManualClock()) as sim:
    info = sim.scenario("stalled")  # the batch id and the ground truth
    ...  # HTTP to sim.base_url with "xi-api-key: <sim.key>"
```

Imports nothing of the app: it plays the platform.
"""

from __future__ import annotations

from triage_gui.simulator.elevenlabs.scenarios import SCENARIOS, ScenarioInfo
from triage_gui.simulator.elevenlabs.server import DEFAULT_KEY, ElevenLabsSimulator, LoggedRequest

__all__ = ["DEFAULT_KEY", "SCENARIOS", "ElevenLabsSimulator", "LoggedRequest", "ScenarioInfo"]
