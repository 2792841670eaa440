"""The runbook's "expected recovery outcomes": traceable counts, the next action and an ETA.

"Customer receives clear next action and ETA": the next action follows the most serious
escalation reason; the ETA is the job's own when it is progressing, else none with the
reason; the customer message puts both in plain words with the job's counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from triage_gui.domain.incident import IncidentData
from triage_gui.domain.report import Counts, Escalation, Progress, RecoveryOutcome, RetryPlan, Stage

# Reason code -> next action (the most serious reason decides; wording follows the runbook).
_ACTIONS: dict[str, Callable[[IncidentData, RetryPlan], str]] = {
    "retry_job_stalled": lambda d, p: (
        "Escalate to engineering: the job remains stalled after the retry path; attach the required diagnostics."
    ),
    "duplicate_delivery": lambda d, p: (
        "Escalate to engineering: duplicate processing persists despite dedupe checks; pause "
        "further retries until it is fixed."
    ),
    "transient_above_threshold": lambda d, p: (
        "Escalate to engineering (provider or dispatch failures above the transient threshold) "
        f"and hold the targeted retry of {len(p.recipient_ids)} recipient(s) until the provider "
        "incident is resolved."
    ),
    "dispatch_blocked_by_permits": lambda d, p: (
        "Confirm permit/concurrency symptoms with support: find what holds the workspace's "
        "permits (other running jobs), free them, then monitor the first 10-20 dispatches."
    ),
    "stalled": lambda d, p: (
        "Support-assisted recovery: confirm dispatch progression, then launch the corrected "
        f"retry path{_cohort(p)} and monitor the first 10-20 dispatches."
    ),
    "retry_policy_violated": lambda d, p: (
        "Correct the job's retry policy so non-retryable failures stop being retried and no "
        "recipient exceeds max_attempts; collect diagnostics for support."
    ),
    "duplicate_job_run": lambda d, p: (
        "Stop the duplicate job run (keep one job per campaign and upload) and collect diagnostics for support."
    ),
    "config_mismatch": lambda d, p: (
        "Recheck job configuration (agent, number, campaign, upload), correct it, then retry a "
        "small sample cohort before full relaunch."
    ),
    "short_of_expected": lambda d, p: (
        "Compare the upload with the job's recipients (rows dropped?) and recheck the job's "
        "upload before relaunching the missing contacts."
    ),
    "contact_file_quality": lambda d, p: (
        "Fix the contact file (malformed/duplicate numbers: use the cleaned file) before the next launch."
    ),
    "permanent_failures_dominate": lambda d, p: (
        "Do not mass-retry: fix the contact data behind the permanent failures first."
    ),
    "job_failed": lambda d, p: (
        f"Recheck job configuration, then retry a small sample cohort{_cohort(p)} before a full relaunch."
    ),
}


def _cohort(plan: RetryPlan) -> str:
    if not plan.recipient_ids:
        return ""
    rest = len(plan.recipient_ids) - len(plan.sample_ids)
    return f" (sample of {len(plan.sample_ids)}" + (f", then {rest} more)" if rest else ")")


def _targeted_retry(plan: RetryPlan) -> str:
    rest = len(plan.recipient_ids) - len(plan.sample_ids)
    then = f", then the remaining {rest}" if rest else ""
    return f"retry a small sample cohort of {len(plan.sample_ids)} recipient(s) first{then} (targeted retry)"


def _default_action(data: IncidentData, plan: RetryPlan, progress: Progress) -> str:
    finished = progress.stage is Stage.FINISHED
    if plan.recipient_ids:
        if finished:
            text = _targeted_retry(plan)
            return text[0].upper() + text[1:] + "."
        return f"No action needed while the job progresses; once it finishes, {_targeted_retry(plan)}."
    if finished:
        return "No action needed: the job finished and its counts are traceable."
    return "No action needed: the job is progressing; keep monitoring."


def recovery_outcome(
    data: IncidentData,
    escalation: Escalation,
    plan: RetryPlan,
    progress: Progress,
    counts: Counts,
) -> RecoveryOutcome:
    action = None
    for reason in escalation.reasons:  # most serious first
        make = _ACTIONS.get(reason.code)
        if make is not None:
            action = make(data, plan)
            break
    next_action = action or _default_action(data, plan, progress)

    progressing = progress.stage in (Stage.DISPATCHING, Stage.DRAINING) and progress.eta is not None
    if progress.stage is Stage.FINISHED:
        eta, eta_text = progress.eta, progress.eta_note
    elif progressing and progress.eta is not None:
        eta = progress.eta
        window = ""
        if progress.eta_earliest and progress.eta_latest:
            window = f" (between {_hhmm(progress.eta_earliest)} and {_hhmm(progress.eta_latest)} UTC)"
        eta_text = f"the job should finish around {_hhmm(progress.eta)} UTC{window}"
    else:
        eta = None
        eta_text = progress.eta_note
        if escalation.level > 1:
            eta_text = f"no ETA until the Level {escalation.level} cause is resolved" + (
                f" ({progress.eta_note})" if progress.eta_note else ""
            )

    counted = (
        f"{counts.total:,} contacts: {counts.succeeded:,} succeeded, {counts.failed:,} failed, "
        f"{max(counts.total - counts.processed, 0):,} still in progress"
    )
    message = _customer_message(data.job.id, counted, escalation.level, next_action, eta, eta_text)
    return RecoveryOutcome(next_action=next_action, eta=eta, eta_text=eta_text, customer_message=message)


def _customer_message(
    job_id: str, counted: str, level: int, next_action: str, eta: datetime | None, eta_text: str
) -> str:
    """What the customer reads: plain words, no internal levels or rule names."""
    when = f" Expected finish: {_hhmm(eta)} UTC." if eta is not None else ""
    if level >= 3:
        return (
            f"Your batch job {job_id} ({counted}) has been escalated to our engineering team. "
            "Please do not relaunch or retry the campaign in the meantime; we will update you "
            "as soon as they have a fix."
        )
    if level == 2:
        later = when or " We will give you an expected finish time as soon as calls are going out again."
        return (
            f"We are working on your batch job {job_id} ({counted}). Next, we retry the affected "
            f"contacts in a small sample first and watch it closely before the rest.{later}"
        )
    first = next_action[:1].lower() + next_action[1:] if next_action else ""
    step = f" Next step: {first.rstrip('.')}." if first else ""
    return f"Your batch job {job_id}: {counted}.{step}{when}"


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
