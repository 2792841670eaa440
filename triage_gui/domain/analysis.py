"""``analyse(data, settings) -> Report``: the engine both faces (wizard and ``check``) run.

Pure: the attempts are grouped by recipient once, the dispatch rate and the retry plan are
computed once, and the four runbook checks, the escalation tree and the recovery outcome read
them. A 100k-recipient job (~150k attempts) analyses in about a second.

``progress`` (a plain callable, e.g. the load task's) hears each step as ``(text, done, total)``:
a 1M-recipient job takes seconds, and the agent is told what it is doing meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks import duplicates, job_health, permits_dispatch, retry_strategy
from triage_gui.domain.escalation import escalate
from triage_gui.domain.findings import CheckResult
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.outcome import recovery_outcome
from triage_gui.domain.progress import estimate_progress, measure_rate
from triage_gui.domain.report import Counts, Report
from triage_gui.domain.retry_planning import plan_retry

StepListener = Callable[[str, int, int], None]

STEPS = (
    "Analysing: grouping the calls by recipient…",
    "Analysing: planning the retry…",
    "Analysing: job health…",
    "Analysing: permits and dispatch…",
    "Analysing: duplicate prevention…",
    "Analysing: retry strategy…",
    "Analysing: escalation…",
)


def _no_progress(_text: str, _done: int, _total: int) -> None:
    pass


def analyse(
    data: IncidentData, settings: AnalysisSettings | None = None, progress: StepListener | None = None
) -> Report:
    return _analyse(data, settings or AnalysisSettings(), progress or _no_progress)


def _analyse(data: IncidentData, settings: AnalysisSettings, on_step: StepListener) -> Report:
    steps = iter(enumerate(STEPS))

    def step() -> None:
        done, text = next(steps)
        on_step(text, done, len(STEPS))

    step()
    history = CallHistory.build(data.calls, data.events)
    rate = measure_rate(data)
    step()
    plan = plan_retry(data, settings, history=history)
    step()
    checks: list[CheckResult] = [job_health.run(data, settings, history=history, rate=rate)]
    step()
    checks.append(permits_dispatch.run(data, settings, history=history))
    step()
    checks.append(duplicates.run(data, settings, history=history))
    step()
    checks.append(retry_strategy.run(data, settings, history=history, plan=plan))
    step()
    escalation = escalate(checks, data, plan, settings)
    counts = count(data, history)
    progress = estimate_progress(data, rate)
    job = data.job
    return Report(
        generated_at=data.server_now,
        workspace_id=job.workspace_id,
        job_id=job.id,
        campaign_id=data.campaign.id if data.campaign else job.campaign_id,
        upload_id=(
            data.upload.id if data.upload else (job.upload_id or (data.campaign.upload_id if data.campaign else None))
        ),
        checks=checks,
        escalation=escalation,
        counts=counts,
        progress=progress,
        retry_plan=plan,
        outcome=recovery_outcome(data, escalation, plan, progress, counts, settings),
    )


def count(data: IncidentData, history: CallHistory) -> Counts:
    """The job's own counters, with the engine's tally from the calls beside them."""
    counters, audit = data.job.counters, data.contact_audit
    if data.upload:
        expected: int | None = data.upload.row_count
    elif data.submitted_recipients:  # a platform whose job carries its own recipient list
        expected = data.submitted_recipients.count
    else:
        expected = audit.rows if audit and not audit.error else None
    return Counts(
        expected=None if data.job.is_retry else expected,
        total=counters.total,
        processed=counters.processed,
        succeeded=counters.succeeded,
        failed=counters.failed,
        queued=counters.queued,
        in_progress=counters.in_progress,
        retry_scheduled=counters.retry_scheduled,
        dispatched=counters.dispatched,
        waiting_for_permit=data.job.dispatch.waiting_for_permit,
        tally_from_calls=history.tally() if data.calls else {},
        failed_by_class=history.latest_failure_classes() if data.calls else {},
    )
