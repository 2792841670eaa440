"""The runbook's "expected recovery outcomes": traceable counts, the next action and an ETA.

"Customer receives clear next action and ETA": the next action follows the most serious
escalation reason; the ETA is the job's own when it is progressing, else none with the
reason; the customer message puts both in plain words with the job's counts.

The customer message follows the most serious reason too (issue #13): a duplicate run or
blocked dispatch is not answered with "we retry the affected contacts", and the counts say
what the job's counters say (calls in progress, contacts not yet dialled, retries scheduled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from triage_gui.domain.checks.duplicates import overlapping_runs
from triage_gui.domain.checks.permits_dispatch import stuck_calls_text, stuck_own_calls
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.report import Counts, Escalation, Progress, RecoveryOutcome, RetryPlan, Stage


def _free_permits(data: IncidentData, settings: AnalysisSettings) -> str:
    stuck = stuck_own_calls(data, settings)
    if stuck:
        return (
            f"Confirm permit/concurrency symptoms with support: the permits are held by "
            f"{stuck_calls_text(stuck)}. Have those calls ended so their permits are freed (no retry "
            "before that), then monitor the first 10-20 dispatches."
        )
    return (
        "Confirm permit/concurrency symptoms with support: find what holds the workspace's "
        "permits (other running jobs), free them, then monitor the first 10-20 dispatches."
    )


# Reason code -> next action (the most serious reason decides; wording follows the runbook).
_ACTIONS: dict[str, Callable[[IncidentData, RetryPlan, AnalysisSettings], str]] = {
    "retry_job_stalled": lambda d, p, s: (
        "Escalate to engineering: the job remains stalled after the retry path; attach the required diagnostics."
    ),
    "duplicate_delivery": lambda d, p, s: (
        "Escalate to engineering: duplicate processing persists despite dedupe checks; pause "
        "further retries until it is fixed."
    ),
    "transient_above_threshold": lambda d, p, s: (
        "Escalate to engineering (provider or dispatch failures above the transient threshold) "
        f"and hold the targeted retry of {len(p.recipient_ids)} recipient(s) until the provider "
        "incident is resolved."
    ),
    "dispatch_blocked_by_permits": lambda d, p, s: _free_permits(d, s),
    "stalled": lambda d, p, s: (
        "Support-assisted recovery: confirm dispatch progression, then launch the corrected "
        f"retry path{_cohort(p)} and monitor the first 10-20 dispatches."
    ),
    "retry_policy_violated": lambda d, p, s: (
        "Correct the job's retry policy so non-retryable failures stop being retried and no "
        "recipient exceeds max_attempts; collect diagnostics for support."
    ),
    "duplicate_job_run": lambda d, p, s: (
        "Stop the duplicate job run (keep one job per campaign and upload) and collect diagnostics for support."
    ),
    "config_mismatch": lambda d, p, s: (
        "Recheck job configuration (agent, number, campaign, upload), correct it, then retry a "
        "small sample cohort before full relaunch."
    ),
    "short_of_expected": lambda d, p, s: (
        "Compare the upload with the job's recipients (rows dropped?) and recheck the job's "
        "upload before relaunching the missing contacts."
    ),
    "contact_file_quality": lambda d, p, s: (
        "Fix the contact file (malformed/duplicate numbers: use the cleaned file) before the next launch."
    ),
    "permanent_failures_dominate": lambda d, p, s: (
        "Do not mass-retry: fix the contact data behind the permanent failures first."
    ),
    "job_failed": lambda d, p, s: (
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
    settings: AnalysisSettings | None = None,
) -> RecoveryOutcome:
    settings = settings or AnalysisSettings()
    action = None
    top = None
    for reason in escalation.reasons:  # most serious first
        make = _ACTIONS.get(reason.code)
        if make is not None:
            action, top = make(data, plan, settings), reason.code
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

    facts = _Facts(data, plan, settings, counted_text(counts), progress.stage is Stage.FINISHED, eta)
    message = _customer_message(facts, top, escalation.level, next_action)
    return RecoveryOutcome(next_action=next_action, eta=eta, eta_text=eta_text, customer_message=message)


def counted_text(counts: Counts) -> str:
    """The job's counters in a customer's words: "1,500 contacts: 238 succeeded, 10 failed,
    1,249 not yet dialed, 3 waiting for a retry". Only what the counters say: a counter at 0 is
    left out, and when the unfinished ones do not add up, they are "not finished yet" in all."""
    text = f"{counts.total:,} contacts: {counts.succeeded:,} succeeded, {counts.failed:,} failed"
    left = max(counts.total - counts.processed, 0)
    parts = (
        (counts.in_progress, "in progress"),
        (counts.queued, "not yet dialed"),
        (counts.retry_scheduled, "waiting for a retry"),
    )
    if sum(n for n, _ in parts) == left:
        return text + "".join(f", {n:,} {words}" for n, words in parts if n)
    return text + f", {left:,} not finished yet"


class _Facts(NamedTuple):
    data: IncidentData
    plan: RetryPlan
    settings: AnalysisSettings
    counted: str
    finished: bool
    eta: datetime | None

    @property
    def job(self) -> str:
        return f"your batch job {self.data.job.id} ({self.counted})"

    @property
    def when(self) -> str:
        if self.eta is None:
            return ""
        return f" {'Finished' if self.finished else 'Expected finish'}: {_hhmm(self.eta)} UTC."

    @property
    def later(self) -> str:
        return self.when or " We will give you an expected finish time as soon as calls are going out again."

    @property
    def sample_retry(self) -> str:
        n = len(self.plan.recipient_ids)
        if not n:
            return ""
        who = "contact" if n == 1 else "contacts"
        return f"we retry the {n:,} {who} whose calls failed for a temporary reason, a small sample first"


_HANDS_OFF = "Please do not relaunch or retry the campaign in the meantime"


def _permits_message(f: _Facts) -> str:
    stuck = stuck_own_calls(f.data, f.settings)
    held = " by calls of this job that have not ended" if stuck else ""
    return (
        f"Calls of {f.job} are not going out: every calling slot is taken{held}. We are freeing those "
        f"slots with our support team, and calls resume on their own once they are free. {_HANDS_OFF}.{f.later}"
    )


def _duplicate_run_message(f: _Facts) -> str:
    others = [j.id for j in overlapping_runs(f.data)]
    named = f" (job {', '.join(others)})" if others else ""
    return (
        f"The same campaign and contact list is running twice: {f.job} and a second run{named} dial the same "
        f"contacts. We are stopping the duplicate run so nobody is called twice; no contact is retried "
        f"until then. {_HANDS_OFF}.{f.when}"
    )


def _stalled_message(f: _Facts) -> str:
    then = f", then {f.sample_retry}" if f.sample_retry else ""
    return f"{f.job[0].upper()}{f.job[1:]} has stopped placing calls. We are getting it moving again{then}.{f.later}"


def _policy_message(f: _Facts) -> str:
    return (
        f"{f.job[0].upper()}{f.job[1:]} calls some contacts again that a retry cannot reach (for example invalid "
        "numbers), or more often than allowed. We are correcting the job's retry settings and retry nobody "
        f"until that is done.{f.when}"
    )


def _engineering(cause: str) -> Callable[[_Facts], str]:
    def message(f: _Facts) -> str:
        return (
            f"{f.job[0].upper()}{f.job[1:]} has been escalated to our engineering team: {cause}. "
            f"{_HANDS_OFF}; we will update you as soon as they have a fix."
        )

    return message


# Top reason code -> the customer's message (Levels 2 and 3; Level 1 says the next step).
_MESSAGES: dict[str, Callable[[_Facts], str]] = {
    "retry_job_stalled": _engineering("the retry of the failed contacts has stopped placing calls"),
    "duplicate_delivery": _engineering("some contacts were called more than once"),
    "transient_above_threshold": _engineering(
        "many calls fail for a temporary reason on the carrier's or the network's side, so we hold "
        "the retry of the failed contacts until that is resolved"
    ),
    "dispatch_blocked_by_permits": _permits_message,
    "duplicate_job_run": _duplicate_run_message,
    "stalled": _stalled_message,
    "retry_policy_violated": _policy_message,
}


def _customer_message(f: _Facts, top: str | None, level: int, next_action: str) -> str:
    """What the customer reads: plain words, no internal levels or rule names."""
    make = _MESSAGES.get(top or "")
    if make is not None and level >= 2:
        return make(f)
    if level >= 3:
        return _engineering("we found a fault we cannot fix from here")(f)
    if level == 2:
        then = f" Next, {f.sample_retry}, watched closely before the rest." if f.sample_retry else ""
        return f"We are working on {f.job} with our support team.{then}{f.later}"
    first = next_action[:1].lower() + next_action[1:] if next_action else ""
    step = f" Next step: {first.rstrip('.')}." if first else ""
    return f"Your batch job {f.data.job.id}: {f.counted}.{step}{f.when}"


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
