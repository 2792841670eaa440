"""The runbook's escalation tree as explicit rules over the checks' findings.

One small function per trigger; each returns an :class:`EscalationReason` or None. The highest
triggered level wins and every trigger is listed (issue #3, "Escalation levels"):

* Level 1, operator self-service, is the floor: healthy, configuration or contact-file problems;
* Level 2, support-assisted: dispatch blocked by permits; a stall with no retry path tried
  yet; a permanent failure retried or attempts beyond the maximum; a duplicate job run;
* Level 3, engineering: a retry job (this job when it has a parent, or a retry child of it)
  that is stalled — "stalled after validated retry path"; any duplicate delivery — "duplicate
  processing persists despite dedupe checks"; transient failures above the threshold —
  "provider or dispatch failures exceed expected transient threshold".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from triage_gui.domain import runbook
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import BatchJob
from triage_gui.domain.report import Escalation, EscalationReason, RetryPlan
from triage_gui.domain.stall_detector import StallDetector
from triage_gui.domain.vocabulary import Verdict


@dataclass(frozen=True, slots=True)
class EscalationContext:
    checks: list[CheckResult]
    data: IncidentData
    plan: RetryPlan
    settings: AnalysisSettings

    def problems(self, *finding_ids: str) -> list[Finding]:
        """Findings with these ids that flag something (fail or warn)."""
        return [
            f
            for check in self.checks
            for f in check.findings
            if f.id in finding_ids and f.verdict in (Verdict.FAIL, Verdict.WARN)
        ]


Rule = Callable[[EscalationContext], EscalationReason | None]


def _from_findings(code: str, level: int, *finding_ids: str, prefix: str = "") -> Rule:
    """A rule that fires when any of ``finding_ids`` flags something; its text quotes them."""

    def rule(ctx: EscalationContext) -> EscalationReason | None:
        found = ctx.problems(*finding_ids)
        if not found:
            return None
        return EscalationReason(code=code, level=level, text=prefix + " ".join(f.summary for f in found))

    rule.__name__ = code
    return rule


# Level 1: operator self-service
configuration_mismatch = _from_findings("config_mismatch", 1, "config_mismatch")
contact_file_quality = _from_findings("contact_file_quality", 1, "upload_duplicates", "upload_invalid_rows")
fewer_contacts_than_expected = _from_findings("short_of_expected", 1, "short_of_expected")
job_failed = _from_findings("job_failed", 1, "job_failed")
permanent_failures_dominate = _from_findings("permanent_failures_dominate", 1, "permanent_failures_dominate")

# Level 2: support-assisted recovery
dispatch_blocked_by_permits = _from_findings("dispatch_blocked_by_permits", 2, "dispatch_blocked_by_permits")
retry_policy_violated = _from_findings("retry_policy_violated", 2, "permanent_failure_retried", "attempts_beyond_max")
duplicate_job_run = _from_findings("duplicate_job_run", 2, "duplicate_job_run")


def stalled_before_retry_path(ctx: EscalationContext) -> EscalationReason | None:
    """A stall on an original job: support recommends the retry path first (Level 2)."""
    if ctx.data.job.is_retry:
        return None
    stalled = ctx.problems("stalled")
    if not stalled:
        return None
    return EscalationReason(code="stalled", level=2, text=stalled[0].summary + " No retry path has been tried yet.")


# Level 3: engineering escalation


def retry_job_stalled(ctx: EscalationContext) -> EscalationReason | None:
    """The job remains stalled after the validated retry path: a retry job is stalled."""
    data = ctx.data
    if data.job.is_retry and ctx.problems("stalled"):
        return EscalationReason(
            code="retry_job_stalled",
            level=3,
            text=(
                f"Retry job {data.job.id} (of {data.job.parent_job_id or 'an earlier job'}) is "
                f"stalled: {ctx.problems('stalled')[0].summary}"
            ),
        )
    detector = StallDetector(ctx.settings.stall_threshold_s)
    children: list[tuple[BatchJob, str]] = []
    for child in data.related_jobs:
        if child.parent_job_id != data.job.id:
            continue
        assessment = detector.from_snapshot(child, data.server_now)
        if assessment.stalled:
            children.append((child, assessment.reason))
    if not children:
        return None
    words = "; ".join(f"{child.id}: {reason}" for child, reason in children)
    return EscalationReason(
        code="retry_job_stalled",
        level=3,
        text=f"The retry path was tried and is stalled: retry job {words}.",
    )


duplicate_delivery = _from_findings(
    "duplicate_delivery",
    3,
    "duplicate_delivery",
    "duplicate_recipient_reached",
    prefix="Duplicate processing persists despite dedupe checks: ",
)
transient_above_threshold = _from_findings("transient_above_threshold", 3, "transient_above_threshold")


RULES: tuple[Rule, ...] = (
    configuration_mismatch,
    contact_file_quality,
    fewer_contacts_than_expected,
    job_failed,
    permanent_failures_dominate,
    dispatch_blocked_by_permits,
    stalled_before_retry_path,
    retry_policy_violated,
    duplicate_job_run,
    retry_job_stalled,
    duplicate_delivery,
    transient_above_threshold,
)


def escalate(checks: list[CheckResult], data: IncidentData, plan: RetryPlan, settings: AnalysisSettings) -> Escalation:
    ctx = EscalationContext(checks=checks, data=data, plan=plan, settings=settings)
    reasons = [reason for rule in RULES if (reason := rule(ctx)) is not None]
    if not reasons:
        reasons.append(
            EscalationReason(
                code="no_cause_found",
                level=1,
                text="No check found a cause that needs support: operator self-service.",
            )
        )
    reasons.sort(key=lambda r: -r.level)  # highest first; stable within a level (rule order)
    top = max(r.level for r in reasons)
    level = runbook.level(top)
    actions = list(level.actions)
    if level.lead_in:  # Level 3's criteria read under their lead-in, said once
        actions = [level.lead_in, *actions]
    return Escalation(level=top, title=f"Level {top}: {level.title}", reasons=reasons, actions=actions)
