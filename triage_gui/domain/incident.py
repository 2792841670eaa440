"""Everything the analysis engine looks at for one incident, gathered before it runs.

The engine is pure: the API layer (:mod:`triage_gui.services.incident_loading`) fills an
``IncidentData`` over HTTP, tests may build one by hand, and :func:`triage_gui.domain.analysis.
analyse` turns it into a :class:`~triage_gui.domain.report.Report`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.models import BatchJob, CallAttempt, Campaign, JobEvent, Upload, Workspace


class AnalysisSettings(BaseModel):
    """Thresholds that shape verdicts; all configurable in the settings dialog and on the CLI."""

    model_config = ConfigDict(frozen=True)

    stall_threshold_s: float = Field(600.0, gt=0)  # no dispatch for this long = stall
    transient_threshold: float = Field(0.20, ge=0, le=1)  # Level 3 transient-failure share
    default_region: str | None = None  # region for numbers without "+"; None = from-number's
    sample_size: int = Field(10, ge=10, le=20)  # first retry cohort


class JobSnapshot(BaseModel):
    """The job as seen at one moment (server clock), for stall detection and charts."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    job: BatchJob


class SubmittedRecipients(BaseModel):
    """The recipient list a job carries itself, on a platform without uploads (ElevenLabs' batch
    holds its recipients): what was submitted, so the expected contacts."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(ge=0)  # recipients the job holds: the contacts it was submitted with
    source: str  # where ``count`` was read, in plain words (the evidence says it)
    # the platform's own count of them where it gives one whose meaning is not documented
    # (ElevenLabs' ``total_calls_scheduled``): shown beside ``count``, never judged
    declared: int | None = None


class IncidentData(BaseModel):
    # calls and events are msgspec records (``models.Record``): checked as instances, not re-validated
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    job: BatchJob
    server_now: datetime  # the server's clock (HTTP Date) when known, else the workstation's
    workspace: Workspace | None = None
    campaign: Campaign | None = None
    upload: Upload | None = None
    contact_audit: ContactAuditResult | None = None
    calls: list[CallAttempt] = Field(default_factory=list)  # every attempt of the job
    events: list[JobEvent] = Field(default_factory=list)  # oldest first
    related_jobs: list[BatchJob] = Field(default_factory=list)  # same campaign, job excluded
    snapshots: list[JobSnapshot] = Field(default_factory=list)  # oldest first (watch window)
    # The job as fetched together with ``calls`` when ``job`` is a newer live snapshot (the
    # counters are compared with the calls of their own moment); None: ``job`` itself.
    job_at_calls_fetch: BatchJob | None = None
    missing: dict[str, str] = Field(default_factory=dict)  # what could not be fetched -> why
    # What the answers themselves showed: the server's clock against the workstation's (seconds,
    # server minus workstation; None: no Date seen), whether it was too far off to be believed
    # (then ``server_now`` is the workstation's), and items a list repeated (list -> how many;
    # each was kept once).
    server_clock_skew_s: float | None = None
    server_clock_rejected: bool = False
    repeated_items: dict[str, int] = Field(default_factory=dict)
    # What the platform has, set by the provider's mapping. ``platform_has_campaigns`` False: a
    # job belongs to no campaign; its own agent and caller number are its configuration, there
    # is nothing to compare them with. ``submitted_recipients`` set: the platform has no
    # uploads, the job carries its recipient list (``contact_audit`` is then that list's audit).
    platform_has_campaigns: bool = True
    submitted_recipients: SubmittedRecipients | None = None

    @field_serializer("calls", "events", when_used="json")
    def _records_as_json(self, records: list[CallAttempt] | list[JobEvent]) -> Any:
        """The records as JSON values (pydantic does not know msgspec structs)."""
        return msgspec.to_builtins(records)
