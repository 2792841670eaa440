"""Runbook check 1: confirm job health and stage.

Fails on a stall, a failed job, a job configuration that disagrees with its campaign (the
runbook's Level 1 "recheck agent, number, campaign, upload"), and a finished job that fell
short of the expected contacts. Queued and paused jobs are reported (warn), not called stalls.
On a platform without campaigns or uploads (``IncidentData.platform_has_campaigns``,
``submitted_recipients``) there is no configuration to compare, and the expected contacts are
the recipients the job itself was submitted with.
"""

from __future__ import annotations

from typing import Any

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks import server_answers
from triage_gui.domain.checks._common import (
    call_history,
    calls_missing,
    finding,
    iso,
    result,
    upload_unavailable,
)
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData, SubmittedRecipients
from triage_gui.domain.models import EventType, JobStatus
from triage_gui.domain.phones import normalise
from triage_gui.domain.progress import DispatchRate, derive_stage, estimate_progress
from triage_gui.domain.stall_detector import StallDetector, duration_text
from triage_gui.domain.vocabulary import CheckId, Verdict


def run(
    data: IncidentData,
    settings: AnalysisSettings,
    *,
    history: CallHistory | None = None,
    rate: DispatchRate | None = None,
) -> CheckResult:
    history = call_history(data, history)
    findings = [
        *_status(data),
        *_stall(data, settings),
        *_configuration(data),
        *_expected_contacts(data),
        *_counters_vs_calls(data, history),
        _pace(data, rate),
        *server_answers.findings(data),
    ]
    return result(CheckId.JOB_HEALTH, findings)


def _status(data: IncidentData) -> list[Finding]:
    job, now = data.job, data.server_now
    stage = derive_stage(job)
    evidence: dict[str, Any] = {
        "status": job.status.value,
        "stage": stage.value,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "server_now": iso(now),
    }
    if job.status is JobStatus.FAILED:
        reasons = [e.detail for e in data.events if e.type in (EventType.JOB_FAILED, EventType.ERROR)]
        evidence["failure_detail"] = reasons[-1] if reasons else None
        detail = f": {reasons[-1]}" if reasons and reasons[-1] else ""
        return [finding("job_failed", Verdict.FAIL, f"The job failed{detail}.", evidence)]
    if job.status is JobStatus.CANCELLED:
        return [finding("job_cancelled", Verdict.WARN, "The job was cancelled before finishing.", evidence)]
    if job.status is JobStatus.QUEUED:
        waited = (now - job.created_at).total_seconds()
        evidence["queued_for_s"] = round(waited)
        return [
            finding(
                "job_queued",
                Verdict.WARN,
                f"The job is queued and has not started ({duration_text(waited)} since it was created).",
                evidence,
            )
        ]
    if job.status is JobStatus.PAUSED:
        paused = [e.at for e in data.events if e.type is EventType.JOB_PAUSED]
        evidence["paused_at"] = iso(paused[-1]) if paused else None
        return [
            finding(
                "job_paused",
                Verdict.WARN,
                "The job is paused: nothing is dialled until someone resumes it.",
                evidence,
            )
        ]
    if job.status is JobStatus.UNKNOWN:
        return [
            finding(
                "job_status_unknown",
                Verdict.UNKNOWN,
                "The job reports a status this app does not know.",
                evidence,
            )
        ]
    return [finding("job_status", Verdict.PASS, f"The job is {job.status.value} ({stage.value}).", evidence)]


def _stall(data: IncidentData, settings: AnalysisSettings) -> list[Finding]:
    job = data.job
    detector = StallDetector(settings.stall_threshold_s)
    single = detector.from_snapshot(job, data.server_now)
    if not single.can_stall:
        return []  # the status finding already says why the job cannot stall
    window = detector.from_window(data.snapshots)
    dispatch = job.dispatch
    evidence: dict[str, Any] = {
        "basis": single.basis,
        "last_dispatch_at": iso(dispatch.last_dispatch_at),
        "started_at": iso(job.started_at),
        "server_now": iso(data.server_now),
        "idle_s": None if single.idle_s is None else round(single.idle_s),
        "threshold_s": settings.stall_threshold_s,
        "work_left": job.counters.queued + job.counters.in_progress + job.counters.retry_scheduled,
        "permits_in_use": dispatch.permits_in_use,
        "concurrency_limit": dispatch.concurrency_limit,
        "waiting_for_permit": dispatch.waiting_for_permit,
        "watch_snapshots": window.snapshots,
        "watch_window_s": round(window.window_s),
        "counters_moving": window.counters_moving,
        "unchanged_for_s": round(window.unchanged_for_s),
    }
    if single.stalled or window.stalled:
        reasons = [r.reason for r in (single, window) if r.stalled]
        return [
            finding(
                "stalled",
                Verdict.FAIL,
                "The job is stalled with work left: " + "; ".join(reasons) + ".",
                evidence,
            )
        ]
    if single.stalled is None and window.stalled is None:
        return [
            finding(
                "stall_unknown",
                Verdict.UNKNOWN,
                f"Could not judge a stall: {single.reason}.",
                evidence,
            )
        ]
    moving = (
        ""
        if window.counters_moving is None
        else ("; counters moved while watching" if window.counters_moving else "; counters unchanged while watching")
    )
    return [
        finding(
            "not_stalled",
            Verdict.PASS,
            f"The job is dispatching: {single.reason}{moving}.",
            evidence,
        )
    ]


def _same_number(left: str, right: str) -> bool:
    a, b = normalise(left, None), normalise(right, None)
    if a.e164 and b.e164:
        return a.e164 == b.e164
    return left.strip() == right.strip()


def _configuration(data: IncidentData) -> list[Finding]:
    job, campaign = data.job, data.campaign
    if campaign is None and not data.platform_has_campaigns:
        return [
            finding(
                "config_no_campaign",
                Verdict.PASS,
                "Nothing to compare: jobs on this platform belong to no campaign; the job's own agent "
                "and caller number are the ones used.",
                {"agent_id": job.agent_id, "from_number": job.from_number},
            )
        ]
    if campaign is None:
        why = data.missing.get("campaign", "the campaign was not fetched")
        return [
            finding(
                "config_unknown",
                Verdict.UNKNOWN,
                f"Could not compare the job's configuration with its campaign: {why}.",
                {"campaign_id": job.campaign_id},
            )
        ]
    pairs = {
        "campaign_id": (job.campaign_id, campaign.id),
        "agent_id": (job.agent_id, campaign.agent_id),
        "from_number": (job.from_number, campaign.from_number),
        "upload_id": (job.upload_id, campaign.upload_id),
    }
    mismatches: list[Finding] = []
    compared: dict[str, Any] = {}
    for field, (job_value, campaign_value) in pairs.items():
        if campaign_value is None:
            continue  # the campaign does not pin this field: nothing to disagree with
        compared[field] = job_value
        if job_value is None:
            same = False
        elif field == "from_number":
            same = _same_number(job_value, campaign_value)
        else:
            same = job_value == campaign_value
        if not same:
            mismatches.append(
                finding(
                    "config_mismatch",
                    Verdict.FAIL,
                    f"The job's {field} ({job_value}) differs from its campaign's ({campaign_value}).",
                    {"field": field, "job": job_value, "campaign": campaign_value},
                )
            )
    if mismatches:
        return mismatches
    return [
        finding(
            "config_matches",
            Verdict.PASS,
            "The job's agent, from-number and upload agree with its campaign's.",
            {"compared": compared, "campaign_id": campaign.id},
        )
    ]


def _expected_contacts(data: IncidentData) -> list[Finding]:
    job, counters, audit = data.job, data.job.counters, data.contact_audit
    # no upload on the platform: the job's own recipient list is what was submitted
    submitted = None if data.upload else data.submitted_recipients
    if job.is_retry:
        instead = "the original job's list" if submitted is not None else "the upload"
        return [
            finding(
                "expected_contacts",
                Verdict.PASS,
                f"Retry job: its {counters.total} recipients are the retry cohort, not {instead}.",
                {"total": counters.total, "processed": counters.processed},
            )
        ]
    if submitted is not None:
        return _against_expected(data, submitted.count, submitted)
    expected = data.upload.row_count if data.upload else (audit.rows if audit and not audit.error else None)
    if expected is None:
        why = upload_unavailable(data, "upload", "upload content", otherwise="the upload was not fetched")
        return [
            finding(
                "expected_unknown",
                Verdict.UNKNOWN,
                f"Could not compare expected contacts with the job: {why}.",
                {"total": counters.total, "processed": counters.processed},
            )
        ]
    return _against_expected(data, expected, None)


def _against_expected(data: IncidentData, expected: int, submitted: SubmittedRecipients | None) -> list[Finding]:
    """The job's recipients and progress against ``expected`` contacts: the upload's rows, or
    (``submitted``) the recipient list the job was submitted with, where the platform has no upload."""
    job, counters, audit = data.job, data.job.counters, data.contact_audit
    dialable = audit.unique_valid if audit is not None and audit.error is None else None
    evidence: dict[str, Any] = {
        "expected": expected,
        "dialable_after_audit": dialable,
        "total": counters.total,
        "processed": counters.processed,
        "short_total": max(expected - counters.total, 0),
        "short_processed": max(expected - counters.processed, 0),
        "status": job.status.value,
    }
    floor = expected if dialable is None else min(expected, dialable)
    rows, contacts, note = "upload rows", "expected contacts", ""
    if submitted is not None:
        evidence["expected_from"] = submitted.source
        evidence["declared_by_platform"] = submitted.declared
        rows, contacts = "recipients", "submitted recipients"
        if submitted.declared is not None and submitted.declared != expected:
            note = f"; the platform's own count says {submitted.declared} (its meaning is not documented)"
    explained = (
        ""
        if floor == expected
        else (f" ({expected - floor} {rows} are invalid or repeat a number: see the duplicates check)")
    )
    if job.status.is_finished:
        if counters.total < floor or counters.processed < floor:
            return [
                finding(
                    "short_of_expected",
                    Verdict.FAIL,
                    f"The finished job processed {counters.processed} of {counters.total} recipients "
                    f"against {expected} {contacts}{explained}{note}.",
                    evidence,
                )
            ]
        return [
            finding(
                "expected_matches",
                Verdict.PASS,
                f"Processed {counters.processed} of {expected} {contacts}{explained}{note}.",
                evidence,
            )
        ]
    if counters.total < floor:
        return [
            finding(
                "short_of_expected",
                Verdict.WARN,
                f"The job holds {counters.total} recipients against {expected} {contacts}"
                f"{explained}{note}; it has not finished yet.",
                evidence,
            )
        ]
    return [
        finding(
            "expected_matches",
            Verdict.PASS,
            f"The job holds {counters.total} recipients for {expected} {contacts}; "
            f"{counters.processed} processed so far{explained}{note}.",
            evidence,
        )
    ]


def _counters_vs_calls(data: IncidentData, history: CallHistory) -> list[Finding]:
    missing = calls_missing(data)
    # the calls are compared with the job as it was when they were fetched: a live snapshot's
    # counters have moved on since, which is progress, not a disagreement
    job_with_calls = data.job_at_calls_fetch or data.job
    counters = job_with_calls.counters
    if missing:
        return [
            finding(
                "counters_tally_unknown",
                Verdict.UNKNOWN,
                f"Could not tally the counters from calls: {missing}.",
                {"counters": counters.model_dump()},
            )
        ]
    tally = history.tally()
    pairs: dict[str, tuple[int, int]] = {
        "succeeded": (counters.succeeded, tally["succeeded"]),
        "dispatched": (counters.dispatched, tally["dispatched"]),
    }
    if job_with_calls.status.is_finished:
        # Only a finished job splits "failed" from "waiting for a scheduled retry" exactly.
        pairs["failed"] = (counters.failed + counters.retry_scheduled, tally["failed"])
    side_by_side = {name: {"job": job_value, "calls": calls_value} for name, (job_value, calls_value) in pairs.items()}
    differing = [name for name, (job_value, calls_value) in pairs.items() if job_value != calls_value]
    if tally["recipients"] > counters.total:
        side_by_side["recipients"] = {"job": counters.total, "calls": tally["recipients"]}
        differing.append("recipients")
    evidence = {"compared": side_by_side, "tally_from_calls": tally}
    if differing:
        words = ", ".join(
            f"{name} {side_by_side[name]['job']} (job) vs {side_by_side[name]['calls']} (calls)" for name in differing
        )
        return [
            finding(
                "counters_disagree",
                Verdict.WARN,
                f"The job's counters disagree with its call records: {words}.",
                evidence,
            )
        ]
    return [
        finding(
            "counters_agree",
            Verdict.PASS,
            "The job's counters agree with its call records.",
            evidence,
        )
    ]


def _pace(data: IncidentData, rate: DispatchRate | None) -> Finding:
    progress = estimate_progress(data, rate)
    evidence: dict[str, Any] = {
        "stage": progress.stage.value,
        "dispatch_rate_per_min": progress.dispatch_rate_per_min,
        "eta": iso(progress.eta),
        "eta_earliest": iso(progress.eta_earliest),
        "eta_latest": iso(progress.eta_latest),
        "note": progress.eta_note,
    }
    rate_text = (
        "" if progress.dispatch_rate_per_min is None else f"{progress.dispatch_rate_per_min:.1f} dispatches/min; "
    )
    return finding(
        "dispatch_progress",
        Verdict.PASS,
        f"Stage {progress.stage.value}: {rate_text}{progress.eta_note}.",
        evidence,
    )
