"""Verdicts, findings and check results: what every runbook check returns.

Verdict meanings are fixed so verdicts are predictable (issue #3, "Decisions"):
``fail`` = this check found a cause of the incident that needs action; ``warn`` = a risk or
data-quality problem that needs a look but does not by itself explain the incident;
``pass`` = checked and fine; ``unknown`` = could not be checked (the finding says what was missing).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """Order for "worst of": fail > warn > unknown > pass."""
        return {"pass": 0, "unknown": 1, "warn": 2, "fail": 3}[self.value]

    @staticmethod
    def worst(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
        return max(verdicts, key=lambda v: v.severity, default=Verdict.PASS)


class CheckId(StrEnum):
    """The runbook's four operational checks, in the runbook's order."""

    JOB_HEALTH = "job_health"
    PERMITS_DISPATCH = "permits_dispatch"
    DUPLICATES = "duplicates"
    RETRY_STRATEGY = "retry_strategy"


class EvidenceTable(BaseModel):
    """Rows behind a finding (e.g. duplicate groups with row numbers), shown as a sortable table."""

    model_config = ConfigDict(frozen=True)

    columns: list[str]
    rows: list[list[Any]] = Field(default_factory=list)
    total_rows: int | None = None  # when ``rows`` is truncated, how many there were in all


class Finding(BaseModel):
    """One observation of a check, with the evidence that supports it.

    ``evidence`` holds JSON-able key/values (counts, timestamps, IDs side by side);
    ``table`` optionally holds the rows behind it.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    verdict: Verdict
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    table: EvidenceTable | None = None


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: CheckId
    title: str
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    guidance: list[str] = Field(default_factory=list)  # the runbook's lines for this step

    @staticmethod
    def from_findings(
        check_id: CheckId, title: str, findings: list[Finding], guidance: list[str]
    ) -> CheckResult:
        """The check's verdict is the worst of its findings' verdicts."""
        return CheckResult(
            id=check_id,
            title=title,
            verdict=Verdict.worst([f.verdict for f in findings]) if findings else Verdict.UNKNOWN,
            findings=findings,
            guidance=guidance,
        )
