"""A triage case: what the agent entered and decided, and what the engine found.

This is the document that autosaves, goes into the bundle as ``case.json`` and feeds the
escalation form. It is versioned (``schema_version``) so a newer app can read older cases and
an older app can refuse a newer case with a clear message instead of misreading it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import BatchJob
from triage_gui.domain.report import Report
from triage_gui.domain.retry_intent import RetryIntent
from triage_gui.domain.vocabulary import CheckId, Symptom, Verdict

CASE_SCHEMA_VERSION = 1
MAX_SNAPSHOTS = 2_000  # about 3 hours at the default 5 s poll interval


class CaseInputs(BaseModel):
    model_config = ConfigDict(frozen=True)

    connection_label: str = ""
    base_url: str = ""
    provider: str = "batch_v1"  # the platform's API (providers.connection.PROVIDERS)
    workspace_id: str = ""
    campaign_id: str = ""
    job_id: str = ""
    upload_id: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None
    timezone: str = "UTC"
    symptoms: list[Symptom] = Field(default_factory=list)
    agent_id: str = ""  # filled from the API on Load
    from_number: str = ""
    # Of the IDs the job also names (JOB_NAMED_IDS): the ones the agent typed (the others are the
    # job's, filled on Load), and the typed ones the agent kept though the job names another.
    typed_ids: tuple[str, ...] = ()
    kept_ids: tuple[str, ...] = ()


# The case's IDs that the job itself names too, with their labels: typed ones are compared with it.
JOB_NAMED_IDS = {"campaign_id": "Campaign ID", "upload_id": "Upload ID"}


class IdDisagreement(BaseModel):
    """An ID the agent typed that is not the one the job names: nothing is judged until the
    agent has seen both and chosen."""

    model_config = ConfigDict(frozen=True)

    field: str  # a key of JOB_NAMED_IDS
    label: str
    typed: str
    job_says: str


def id_disagreements(inputs: CaseInputs, job: BatchJob) -> list[IdDisagreement]:
    """The typed IDs (not yet kept by the agent) that differ from what ``job`` names."""
    named = {"campaign_id": job.campaign_id, "upload_id": job.upload_id or ""}
    found = []
    for field, label in JOB_NAMED_IDS.items():
        typed = getattr(inputs, field)
        if typed and field not in inputs.kept_ids and named[field] and named[field] != typed:
            found.append(IdDisagreement(field=field, label=label, typed=typed, job_says=named[field]))
    return found


class VerdictOverride(BaseModel):
    """An agent's deliberate override of a check's verdict; the reason is required."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    reason: str = Field(min_length=3)
    at: datetime


class Case(BaseModel):
    schema_version: int = CASE_SCHEMA_VERSION
    case_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: datetime
    updated_at: datetime
    title: str = ""
    inputs: CaseInputs = Field(default_factory=CaseInputs)
    notes: dict[str, str] = Field(default_factory=dict)  # page id -> the agent's note
    overrides: dict[CheckId, VerdictOverride] = Field(default_factory=dict)
    report: Report | None = None
    snapshots: list[JobSnapshot] = Field(default_factory=list)
    form_edits: dict[str, Any] = Field(default_factory=dict)  # escalation form: edits, waivers
    screenshots: list[str] = Field(default_factory=list)  # stored (redacted) screenshot files
    retries: list[RetryIntent] = Field(default_factory=list)  # every retry launched (the ledger's copy)
    closed: bool = False

    def effective_verdict(self, check_id: CheckId) -> Verdict | None:
        """The override when there is one, else the engine's verdict."""
        if check_id in self.overrides:
            return self.overrides[check_id].verdict
        if self.report is None:
            return None
        return self.report.check(check_id).verdict

    def add_snapshot(self, snapshot: JobSnapshot) -> None:
        self.snapshots.append(snapshot)
        if len(self.snapshots) > MAX_SNAPSHOTS:
            # keep the first (the baseline) and thin the rest: a long watch stays bounded
            del self.snapshots[1 : len(self.snapshots) - MAX_SNAPSHOTS + 1]
