"""What the analysis engine decides for one incident: the report every face presents.

The wizard, ``triage-gui check --json``, the escalation form and the bundle all read this one
model, so scripted checks and the GUI never disagree.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from triage_gui.domain.findings import CheckResult
from triage_gui.domain.vocabulary import CheckId


class Stage(StrEnum):
    """Derived from status and counters (the API has no stage field)."""

    WAITING_TO_START = "waiting to start"
    DISPATCHING = "dispatching"
    DRAINING = "draining"  # nothing left to dispatch, calls still in flight or scheduled
    PAUSED = "paused"
    FINISHED = "finished"
    UNKNOWN = "unknown"


class FailureClass(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


class Counts(BaseModel):
    """The job's own counters, with the engine's tally from the calls beside them."""

    model_config = ConfigDict(frozen=True)

    expected: int | None = None  # upload rows, when known
    total: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    queued: int = 0
    in_progress: int = 0
    retry_scheduled: int = 0
    dispatched: int = 0
    waiting_for_permit: int = 0
    tally_from_calls: dict[str, int] = Field(default_factory=dict)  # e.g. succeeded/failed
    failed_by_class: dict[str, int] = Field(default_factory=dict)  # transient/permanent/unknown


class Progress(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: Stage = Stage.UNKNOWN
    dispatch_rate_per_min: float | None = None
    eta: datetime | None = None
    eta_earliest: datetime | None = None
    eta_latest: datetime | None = None
    eta_note: str = ""  # why there is no ETA, or how uncertain it is


class RetryCandidate(BaseModel):
    """One recipient considered for the retry, and why it is in or out."""

    model_config = ConfigDict(frozen=True)

    recipient_id: str
    included: bool
    reason: str  # for excluded: the exclusion reason key; for included: "transient failure"
    e164: str | None = None
    last_failure_code: str | None = None
    failure_class: FailureClass | None = None
    attempts: int = 0


class RetryPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    recipient_ids: list[str] = Field(default_factory=list)  # sorted
    sample_ids: list[str] = Field(default_factory=list)  # subset: first N by recipient id
    excluded: dict[str, int] = Field(default_factory=dict)  # reason -> count
    hold: bool = False  # transient failures above the Level 3 threshold: wait for the provider
    hold_reason: str | None = None
    candidates: list[RetryCandidate] = Field(default_factory=list)  # every failed recipient

    @property
    def remainder_ids(self) -> list[str]:
        sample = set(self.sample_ids)
        return [r for r in self.recipient_ids if r not in sample]


class EscalationReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str  # stable key, e.g. "dispatch_blocked_by_permits"
    level: int = Field(ge=1, le=3)
    text: str  # plain words, with the numbers that triggered it


class Escalation(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: int = Field(1, ge=1, le=3)
    title: str = ""
    reasons: list[EscalationReason] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)  # the runbook's actions for the level


class RecoveryOutcome(BaseModel):
    """The runbook's "expected recovery outcomes": counts, the next action and an ETA."""

    model_config = ConfigDict(frozen=True)

    next_action: str = ""
    eta: datetime | None = None
    eta_text: str = ""
    customer_message: str = ""


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    workspace_id: str
    job_id: str
    campaign_id: str | None = None
    upload_id: str | None = None
    checks: list[CheckResult] = Field(default_factory=list)  # in runbook order
    escalation: Escalation = Field(default_factory=Escalation)
    counts: Counts = Field(default_factory=Counts)
    progress: Progress = Field(default_factory=Progress)
    retry_plan: RetryPlan = Field(default_factory=RetryPlan)
    outcome: RecoveryOutcome = Field(default_factory=RecoveryOutcome)

    def check(self, check_id: CheckId | str) -> CheckResult:
        return next(c for c in self.checks if c.id == CheckId(check_id))
