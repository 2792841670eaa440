"""Everything the simulator serves: workspaces, the scenario library, and retry jobs made since.

The HTTP handler asks this object for resources and hands it retry requests; it knows nothing
about HTTP. Scenario data is immutable once built, so reads take no lock; creating a retry job
(the only write) is serialised, which is also what makes ``Idempotency-Key`` safe when two
identical requests race.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from triage_gui.simulator.clock import Clock
from triage_gui.simulator.plan import JobPlan
from triage_gui.simulator.population import UploadData
from triage_gui.simulator.resources import WorkspaceData
from triage_gui.simulator.retry_jobs import RETRY_BEHAVIOURS, build_retry_plan
from triage_gui.simulator.scenario_model import (
    DEMO_WORKSPACE,
    RESTRICTED_WORKSPACE,
    CampaignData,
)
from triage_gui.simulator.scenarios import ScenarioLibrary

WORKSPACES: dict[str, WorkspaceData] = {
    DEMO_WORKSPACE: WorkspaceData(DEMO_WORKSPACE, "Acme Health — Outbound", "America/New_York", 60),
    # Exists, but the simulator's token has no access to it: every request gets 403.
    RESTRICTED_WORKSPACE: WorkspaceData(RESTRICTED_WORKSPACE, "Globex Collections", "Europe/London", 20),
}
ACCESSIBLE = frozenset({DEMO_WORKSPACE})


class RetryRejected(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


@dataclass(frozen=True)
class _Remembered:
    request: str  # canonical (job, body) the key was first used with
    job_id: str


class SimulatorState:
    def __init__(self, library: ScenarioLibrary, clock: Clock, seed: int) -> None:
        self.library = library
        self.clock = clock
        self._seed = seed
        self._retry_jobs: dict[str, JobPlan] = {}
        self._idempotency: dict[tuple[str, str], _Remembered] = {}
        self._behaviours: dict[str, str] = {}
        self._recipient_index: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    # -- reads --------------------------------------------------------------------------------
    def job(self, ws: str, job_id: str) -> JobPlan | None:
        if ws != DEMO_WORKSPACE:
            return None
        owner = self.library.job_owner.get(job_id)
        if owner is not None:
            return next(j for j in self.library.built(owner).jobs if j.meta.id == job_id)
        return self._retry_jobs.get(job_id)

    def jobs(self, ws: str, campaign_id: str | None = None, upload_id: str | None = None) -> list[JobPlan]:
        """The workspace's jobs; a campaign or upload filter builds only the scenario owning it."""
        if ws != DEMO_WORKSPACE:
            return []
        names = self.library.names
        if campaign_id is not None:
            names = [n for n in names if self.library.campaign_owner.get(campaign_id) == n]
        if upload_id is not None:
            names = [n for n in names if self.library.upload_owner.get(upload_id) == n]
        found = [job for name in names for job in self.library.built(name).jobs]
        return found + list(self._retry_jobs.values())

    def job_count(self, ws: str) -> int:
        if ws != DEMO_WORKSPACE:
            return 0
        return len(self.library.job_owner) + len(self._retry_jobs)

    def campaign(self, ws: str, campaign_id: str) -> CampaignData | None:
        owner = self.library.campaign_owner.get(campaign_id) if ws == DEMO_WORKSPACE else None
        return None if owner is None else self.library.built(owner).campaign

    def upload(self, ws: str, upload_id: str) -> UploadData | None:
        owner = self.library.upload_owner.get(upload_id) if ws == DEMO_WORKSPACE else None
        return None if owner is None else self.library.built(owner).upload

    # -- retries ------------------------------------------------------------------------------
    def set_retry_behaviour(self, job_id: str, behaviour: str) -> None:
        if behaviour not in RETRY_BEHAVIOURS:
            raise ValueError(f"retry behaviour must be one of {RETRY_BEHAVIOURS}")
        self._behaviours[job_id] = behaviour

    def create_retry(self, ws: str, parent: JobPlan, key: str, body: dict[str, Any]) -> tuple[bool, JobPlan]:
        """(created, job): created is False when ``key`` repeats an identical request."""
        canonical = json.dumps({"job": parent.meta.id, "body": body}, sort_keys=True)
        with self._lock:
            remembered = self._idempotency.get((ws, key))
            if remembered is not None:
                if remembered.request != canonical:
                    raise RetryRejected(
                        422,
                        "Idempotency-Key reused",
                        "this Idempotency-Key was used with a different request; use a new key for a new retry",
                    )
                return False, self._retry_jobs[remembered.job_id]
            cohort = self._cohort(parent, body["recipient_ids"])
            job_id = f"job_retry_{len(self._retry_jobs) + 1:04d}"
            now = self.clock.now_ts()
            plan = build_retry_plan(
                parent,
                cohort,
                job_id,
                float(int(now)),
                self._behaviours.get(parent.meta.id, "healthy"),
                f"{self._seed}:{job_id}",
            )
            self._retry_jobs[job_id] = plan
            self._idempotency[(ws, key)] = _Remembered(canonical, job_id)
            return True, plan

    def _cohort(self, parent: JobPlan, recipient_ids: list[str]) -> list[int]:
        index = self._recipient_index.get(parent.meta.id)
        if index is None:
            index = {row.recipient_id: i for i, row in enumerate(parent.recipients)}
            self._recipient_index[parent.meta.id] = index
        unknown = [rid for rid in recipient_ids if rid not in index]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
            raise RetryRejected(
                422,
                "Unknown recipients",
                f"{len(unknown)} recipient id(s) are not in job {parent.meta.id}: {shown}",
            )
        return list(dict.fromkeys(index[rid] for rid in recipient_ids))
