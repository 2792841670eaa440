"""The types a scenario is made of: its spec (static), what building it yields, its public info."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from triage_gui.simulator.plan import JobPlan
from triage_gui.simulator.population import UploadData

DEMO_WORKSPACE = "ws_demo"
RESTRICTED_WORKSPACE = "ws_restricted"


@dataclass(frozen=True)
class CampaignData:
    id: str
    name: str
    agent_id: str
    from_number: str
    upload_id: str
    created_at: float


@dataclass
class BuiltScenario:
    campaign: CampaignData
    upload: UploadData
    jobs: list[JobPlan]  # the scenario's main job first, then its related jobs
    extra_truth: dict[str, Any] = field(default_factory=dict)


class _ScenarioIds:
    """The ids a scenario's resources take from its name, known without building it."""

    name: str

    @property
    def campaign_id(self) -> str:
        return f"cmp_{self.name}"

    @property
    def upload_id(self) -> str:
        return f"upl_{self.name}"

    @property
    def job_id(self) -> str:
        return f"job_{self.name}"


@dataclass(frozen=True)
class BuildContext(_ScenarioIds):
    name: str
    start: float  # the clock's start: "now" for the story each scenario tells
    size: int
    seed: int
    workspace_id: str = DEMO_WORKSPACE

    def rng(self, purpose: str) -> random.Random:
        # One stream per purpose: changing how one part is generated leaves the others intact.
        return random.Random(f"{self.seed}:{self.name}:{purpose}")


@dataclass(frozen=True)
class ScenarioSpec(_ScenarioIds):
    name: str
    title: str
    description: str
    default_size: int
    build: Callable[[BuildContext], BuiltScenario]
    related_job_ids: tuple[str, ...] = ()

    @property
    def job_ids(self) -> tuple[str, ...]:
        return (self.job_id, *self.related_job_ids)


@dataclass(frozen=True)
class ScenarioEntry:
    """A scenario as a picker lists it: what it is called and which IDs open it. Known without
    building the scenario's data (the demo lists twelve at start: building them all took ~0.25 s)."""

    name: str
    title: str
    description: str
    workspace_id: str
    campaign_id: str
    upload_id: str
    job_id: str


@dataclass(frozen=True)
class ScenarioInfo(ScenarioEntry):
    """What a test or the demo needs to open a scenario, and the ground truth to check against.

    ``truth`` describes the main job (``job_id``) as of the clock's start time; see
    docs/simulator.md for every key.
    """

    related_job_ids: tuple[str, ...]
    truth: dict[str, Any]
