"""Findings and check results: what every runbook check returns.

The verdicts and check IDs themselves live in :mod:`triage_gui.domain.vocabulary` (what they
mean is written there), and are imported from there only.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage_gui.domain.vocabulary import CheckId, Verdict

__all__ = ["CheckResult", "EvidenceTable", "Finding"]


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
    def from_findings(check_id: CheckId, title: str, findings: list[Finding], guidance: list[str]) -> CheckResult:
        """The check's verdict is the worst of its findings' verdicts."""
        return CheckResult(
            id=check_id,
            title=title,
            verdict=Verdict.worst([f.verdict for f in findings]) if findings else Verdict.UNKNOWN,
            findings=findings,
            guidance=guidance,
        )
