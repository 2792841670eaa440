"""Runbook check 2: validate permit and dispatch behavior.

Fails when dispatch is blocked by permits (all permits in use AND recipients waiting AND
either no dispatch within the stall threshold or ``permit_denied`` events dominating the
recent events), when a permanent-class failure was retried, and when anyone got more attempts
than ``max_attempts``. A stall with free permits is not this check's: job health reports it.
Warns when transient failures were left without a retry although attempts remained.

When the permits are held by this job's own calls that never end (dialling or in progress for
longer than the stall threshold), the blocked finding names those calls with their ages, in its
summary and its table: "other running jobs" would send the agent to look in the wrong place.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from triage_gui.domain.call_history import CallHistory, RecipientHistory
from triage_gui.domain.checks._common import (
    TABLE_LIMIT,
    call_history,
    calls_missing,
    finding,
    iso,
    plural,
    result,
    sample,
    table,
)
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import CallAttempt, CallStatus, EventType
from triage_gui.domain.report import FailureClass
from triage_gui.domain.stall_detector import duration_text
from triage_gui.domain.vocabulary import CheckId, Verdict

# Attempts that hold a permit while they last (queued ones wait for one; unknown ones may).
_HOLDING = (CallStatus.DIALING, CallStatus.IN_PROGRESS)
_NAMED_CALLS = 3  # call ids named in a summary; the table lists them all


class StuckCall(NamedTuple):
    """One of the job's own calls holding a permit for longer than the stall threshold."""

    call: CallAttempt
    age_s: float  # since it was dispatched


def stuck_own_calls(data: IncidentData, settings: AnalysisSettings) -> list[StuckCall]:
    """The job's calls dialling or in progress, unended, for at least the stall threshold (oldest first)."""
    now, threshold = data.server_now, settings.stall_threshold_s
    stuck = [
        StuckCall(c, (now - c.dispatched_at).total_seconds())
        for c in data.calls
        if c.status in _HOLDING and c.ended_at is None and c.dispatched_at is not None
    ]
    return sorted((s for s in stuck if s.age_s >= threshold), key=lambda s: (-s.age_s, s.call.id))


def ages_text(stuck: list[StuckCall]) -> str:
    """ "24 min", "18-24 min" or "90 s to 3 min" (youngest to oldest)."""
    oldest, youngest = duration_text(stuck[0].age_s), duration_text(stuck[-1].age_s)
    if oldest == youngest:
        return oldest
    low, _, low_unit = youngest.partition(" ")
    high, _, high_unit = oldest.partition(" ")
    return f"{low}-{oldest}" if low_unit == high_unit and " " not in high_unit else f"{youngest} to {oldest}"


def stuck_calls_text(stuck: list[StuckCall]) -> str:
    """ "this job's own 10 calls, open for 24 min without ending (call_1, call_2, call_3 and 7 more)"."""
    n = len(stuck)
    named = ", ".join(s.call.id for s in stuck[:_NAMED_CALLS])
    more = f" and {n - _NAMED_CALLS} more" if n > _NAMED_CALLS else ""
    return f"this job's own {n} call{'s' if n != 1 else ''}, open for {ages_text(stuck)} without ending ({named}{more})"


def _stuck_row(stuck: StuckCall) -> list[Any]:
    c = stuck.call
    return [c.id, c.recipient_id, c.status.value, iso(c.dispatched_at), duration_text(stuck.age_s)]


def run(data: IncidentData, settings: AnalysisSettings, *, history: CallHistory | None = None) -> CheckResult:
    history = call_history(data, history)
    findings = [*_permits(data, settings)]
    missing = calls_missing(data)
    if missing:
        findings.append(
            finding(
                "retries_unknown",
                Verdict.UNKNOWN,
                f"Could not check retry behaviour: {missing}.",
                {},
            )
        )
    else:
        findings += _permanent_retried(history)
        findings += _beyond_max(data, history)
        findings += _transient_retries(data, settings, history)
    return result(CheckId.PERMITS_DISPATCH, findings)


def dispatch_blocked_text(data: IncidentData, settings: AnalysisSettings) -> str | None:
    """Why a retry must not go now, when dispatch is blocked by permits (else None): the
    retry would wait behind the same permits."""
    if not any(f.id == "dispatch_blocked_by_permits" for f in _permits(data, settings)):
        return None
    stuck = stuck_own_calls(data, settings)
    if stuck:
        held = f"the permits are held by {stuck_calls_text(stuck)}"
    else:
        d = data.job.dispatch
        held = f"every permit is in use ({d.permits_in_use} held, {d.waiting_for_permit:,} recipients waiting)"
    return f"Dispatch is blocked: {held}. A retry launched now would wait behind them: free the permits first."


def _permits(data: IncidentData, settings: AnalysisSettings) -> list[Finding]:
    job, now = data.job, data.server_now
    dispatch = job.dispatch
    limit = dispatch.concurrency_limit or (data.workspace.concurrency_limit if data.workspace else 0)
    window_start = now - timedelta(seconds=settings.stall_threshold_s)
    recent = [e for e in data.events if e.at >= window_start]
    denied = sum(1 for e in recent if e.type is EventType.PERMIT_DENIED)
    dispatched_events = sum(1 for e in recent if e.type is EventType.DISPATCHED)
    denied_total = sum(1 for e in data.events if e.type is EventType.PERMIT_DENIED)
    since = dispatch.last_dispatch_at or job.started_at
    idle_s = (now - since).total_seconds() if since is not None else None
    evidence: dict[str, Any] = {
        "concurrency_limit": limit,
        "permits_in_use": dispatch.permits_in_use,
        "waiting_for_permit": dispatch.waiting_for_permit,
        "last_dispatch_at": iso(dispatch.last_dispatch_at),
        "idle_s": None if idle_s is None else round(idle_s),
        "threshold_s": settings.stall_threshold_s,
        "recent_window_s": settings.stall_threshold_s,
        "recent_permit_denied": denied,
        "recent_dispatched_events": dispatched_events,
        "permit_denied_total": denied_total,
        "events_fetched": "events" not in data.missing,
    }
    if job.status.is_finished:
        return [
            finding(
                "permits_not_applicable",
                Verdict.PASS,
                f"The job is {job.status.value}: it holds no permits.",
                evidence,
            )
        ]
    if limit <= 0:
        return [
            finding(
                "permits_unknown",
                Verdict.UNKNOWN,
                "Could not judge permits: no concurrency limit reported for the job or workspace.",
                evidence,
            )
        ]
    saturated = dispatch.permits_in_use >= limit
    waiting = dispatch.waiting_for_permit > 0
    idle = idle_s is not None and idle_s >= settings.stall_threshold_s
    denied_dominate = denied > 0 and denied > dispatched_events
    usage = f"{dispatch.permits_in_use}/{limit} permits in use, {dispatch.waiting_for_permit} waiting"
    if saturated and waiting and (idle or denied_dominate):
        why = []
        if idle and idle_s is not None:
            why.append(f"no dispatch for {duration_text(idle_s)}")
        if denied_dominate:
            window = duration_text(settings.stall_threshold_s)
            why.append(f"{denied} permit refusals vs {dispatched_events} dispatches in the last {window}")
        summary = f"Dispatch is blocked by permit/concurrency limits: {usage}; {', '.join(why)}."
        stuck = stuck_own_calls(data, settings)
        rows = None
        if stuck:
            summary += f" The permits are held by {stuck_calls_text(stuck)}."
            rows = table(
                ["call_id", "recipient_id", "status", "dispatched_at", "open for"],
                [_stuck_row(s) for s in stuck[:TABLE_LIMIT]],
                len(stuck),
            )
        return [finding("dispatch_blocked_by_permits", Verdict.FAIL, summary, evidence, rows)]
    if saturated and waiting:
        return [
            finding(
                "permits_saturated",
                Verdict.WARN,
                f"All permits are in use and recipients wait ({usage}), but dispatch continues.",
                evidence,
            )
        ]
    return [
        finding(
            "permits_available",
            Verdict.PASS,
            f"Dispatch is not blocked by permits ({usage}).",
            evidence,
        )
    ]


def _history_row(history: RecipientHistory) -> list[Any]:
    codes = [c.failure.code if c.failure else (c.status.value) for c in history.attempts]
    return [history.recipient_id, len(history.attempts), history.max_attempt, " → ".join(codes)]


_ROW_COLUMNS = ["recipient_id", "attempts", "highest attempt", "outcomes in order"]


def _permanent_retried(history: CallHistory) -> list[Finding]:
    offenders: list[tuple[RecipientHistory, str]] = []
    permanent_failures = 0
    for recipient in history.recipients.values():
        if not recipient.ever_failed:
            continue
        if FailureClass.PERMANENT in recipient.classes:
            permanent_failures += 1
        retried = recipient.retried_after_permanent()
        if retried is not None:
            offenders.append((recipient, retried.failure.code if retried.failure else "unknown"))
    if offenders:
        codes: dict[str, int] = {}
        for _, code in offenders:
            codes[code] = codes.get(code, 0) + 1
        offenders.sort(key=lambda item: item[0].recipient_id)
        return [
            finding(
                "permanent_failure_retried",
                Verdict.FAIL,
                f"{plural(len(offenders), 'recipient')} were dialled again after a permanent failure "
                f"({', '.join(f'{c}: {n}' for c, n in sorted(codes.items()))}).",
                {
                    "recipients": len(offenders),
                    "by_code": codes,
                    "sample_ids": sample(r.recipient_id for r, _ in offenders),
                },
                table(
                    _ROW_COLUMNS,
                    [_history_row(r) for r, _ in offenders[:TABLE_LIMIT]],
                    len(offenders),
                ),
            )
        ]
    return [
        finding(
            "permanent_not_retried",
            Verdict.PASS,
            f"No permanent failure was retried ({plural(permanent_failures, 'recipient')} with a permanent failure).",
            {"recipients_with_permanent_failure": permanent_failures},
        )
    ]


def _beyond_max(data: IncidentData, history: CallHistory) -> list[Finding]:
    max_attempts = data.job.retry_policy.max_attempts
    offenders = sorted(
        (r for r in history.recipients.values() if r.max_attempt > max_attempts),
        key=lambda r: r.recipient_id,
    )
    evidence: dict[str, Any] = {"max_attempts": max_attempts}
    if offenders:
        highest = max(r.max_attempt for r in offenders)
        evidence.update(
            recipients=len(offenders),
            highest_attempt=highest,
            sample_ids=sample(r.recipient_id for r in offenders),
        )
        return [
            finding(
                "attempts_beyond_max",
                Verdict.FAIL,
                f"{plural(len(offenders), 'recipient')} got more than max_attempts={max_attempts} attempts "
                f"(up to {highest}).",
                evidence,
                table(_ROW_COLUMNS, [_history_row(r) for r in offenders[:TABLE_LIMIT]], len(offenders)),
            )
        ]
    highest = max((r.max_attempt for r in history.recipients.values()), default=0)
    evidence["highest_attempt"] = highest
    return [
        finding(
            "attempts_within_max",
            Verdict.PASS,
            f"No recipient exceeded max_attempts={max_attempts} (highest attempt {highest}).",
            evidence,
        )
    ]


def _transient_retries(data: IncidentData, settings: AnalysisSettings, history: CallHistory) -> list[Finding]:
    job, now = data.job, data.server_now
    max_attempts = job.retry_policy.max_attempts
    policy_codes = {c.strip().lower() for c in job.retry_policy.retryable_codes}
    grace = timedelta(seconds=settings.stall_threshold_s)
    retried = 0
    not_retried: list[RecipientHistory] = []
    for recipient in history.recipients.values():
        if not recipient.ever_failed:
            continue
        transient_indexes = [i for i, c in enumerate(recipient.classes) if c is FailureClass.TRANSIENT]
        if not transient_indexes:
            continue
        if transient_indexes[0] < len(recipient.attempts) - 1:
            retried += 1  # a later attempt followed a transient failure
        if recipient.latest_class is not FailureClass.TRANSIENT or recipient.max_attempt >= max_attempts:
            continue
        if not job.status.is_finished:
            # A running job may still schedule the retry: only a failure older than the stall
            # threshold without a retry_scheduled event counts as left behind.
            ended = recipient.latest.ended_at or recipient.latest.dispatched_at
            if history.retry_pending(recipient) or ended is None or now - ended < grace:
                continue
        not_retried.append(recipient)
    if not_retried:
        not_retried.sort(key=lambda r: r.recipient_id)
        codes: dict[str, int] = {}
        for recipient in not_retried:
            code = recipient.latest.failure.code if recipient.latest.failure else "unknown"
            codes[code] = codes.get(code, 0) + 1
        outside_policy = sorted(c for c in codes if c.lower() not in policy_codes)
        hint = f"; the retry policy does not list {', '.join(outside_policy)}" if outside_policy else ""
        return [
            finding(
                "transient_not_retried",
                Verdict.WARN,
                f"{plural(len(not_retried), 'recipient')} failed transiently with attempts left "
                f"(max {max_attempts}) and got no retry{hint}.",
                {
                    "recipients": len(not_retried),
                    "by_code": codes,
                    "max_attempts": max_attempts,
                    "codes_outside_policy": outside_policy,
                    "sample_ids": sample(r.recipient_id for r in not_retried),
                },
                table(
                    _ROW_COLUMNS,
                    [_history_row(r) for r in not_retried[:TABLE_LIMIT]],
                    len(not_retried),
                ),
            )
        ]
    return [
        finding(
            "transient_retried",
            Verdict.PASS,
            f"Transient failures are being retried ({plural(retried, 'recipient')} retried after a "
            "transient failure; none left behind with attempts remaining).",
            {"recipients_retried": retried, "max_attempts": max_attempts},
        )
    ]
