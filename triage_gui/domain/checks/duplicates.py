"""Runbook check 3: check duplicate prevention behavior.

Fails on a duplicate job run (another job of the same campaign, and upload when both have one,
whose lifetime overlaps this one's and that is not a retry child of it nor its parent) and on a
duplicate delivery inside this job (one ``dispatch_key`` dispatched twice, or one recipient
dispatched twice for the same attempt, or reached twice). Recipients reached by two jobs are the
duplicate run's evidence, not a dedupe leak. Warns on duplicate or malformed upload rows
(contact-file quality: the runbook's Level 1); on a platform without uploads, on those of the
recipient list the job carries itself (``IncidentData.submitted_recipients``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks._common import (
    call_history,
    calls_missing,
    finding,
    iso,
    plural,
    result,
    sample,
    table,
    upload_unavailable,
)
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import BatchJob, CallAttempt, CallStatus, EventType
from triage_gui.domain.vocabulary import CheckId, Verdict


def run(data: IncidentData, settings: AnalysisSettings, *, history: CallHistory | None = None) -> CheckResult:
    history = call_history(data, history)
    findings = [
        *_job_runs(data),
        *_deliveries(data, history),
        *_upload(data),
    ]
    return result(CheckId.DUPLICATES, findings)


def _lifetime(job: BatchJob, now: datetime) -> tuple[datetime, datetime]:
    return (job.started_at or job.created_at, job.finished_at or now)


def overlapping_runs(data: IncidentData) -> list[BatchJob]:
    """Other jobs that ran the same campaign (and upload) at the same time, retries aside."""
    job, now = data.job, data.server_now
    start, end = _lifetime(job, now)
    found = []
    for other in data.related_jobs:
        if other.id == job.id or other.campaign_id != job.campaign_id:
            continue
        if job.upload_id and other.upload_id and job.upload_id != other.upload_id:
            continue
        if other.parent_job_id == job.id or job.parent_job_id == other.id:
            continue  # a retry child, or our parent: the recovery path, not a duplicate
        other_start, other_end = _lifetime(other, now)
        if other_start < end and start < other_end:
            found.append(other)
    return sorted(found, key=lambda j: (j.created_at, j.id))


def _group(data: IncidentData) -> str:
    """What the job's related jobs share: its campaign, or (no campaigns on the platform, where
    ``campaign_id`` names what runs the job) its agent."""
    if data.platform_has_campaigns:
        return f"campaign {data.job.campaign_id}"
    return f"agent {data.job.agent_id or data.job.campaign_id}"


def _job_runs(data: IncidentData) -> list[Finding]:
    if "related jobs" in data.missing:
        return [
            finding(
                "job_runs_unknown",
                Verdict.UNKNOWN,
                f"Could not look for duplicate job runs: the campaign's other jobs could not be "
                f"fetched: {data.missing['related jobs']}.",
                {},
            )
        ]
    duplicates = overlapping_runs(data)
    considered = len([j for j in data.related_jobs if j.id != data.job.id])
    group = _group(data)
    if not duplicates:
        return [
            finding(
                "no_duplicate_job_run",
                Verdict.PASS,
                f"No other job of {group} overlaps this one "
                f"({plural(considered, 'other job')} considered; retry children excluded).",
                {"related_jobs_considered": considered},
            )
        ]
    rows = [
        [
            j.id,
            j.trigger.value,
            j.status.value,
            iso(j.created_at),
            iso(j.started_at),
            iso(j.finished_at),
            j.upload_id,
            j.counters.total,
        ]
        for j in duplicates
    ]
    start, end = _lifetime(data.job, data.server_now)
    ran = f"ran {group}" if data.platform_has_campaigns else f"of {group} ran"
    return [
        finding(
            "duplicate_job_run",
            Verdict.FAIL,
            f"{plural(len(duplicates), 'other job')} {ran} at the same time: "
            f"{', '.join(j.id for j in duplicates)} (not retry jobs of this one).",
            {
                "job_ids": [j.id for j in duplicates],
                "campaign_id": data.job.campaign_id,
                "upload_id": data.job.upload_id,
                "this_job": {"id": data.job.id, "from": iso(start), "until": iso(end)},
                "related_jobs_considered": considered,
            },
            table(
                [
                    "job_id",
                    "trigger",
                    "status",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "upload_id",
                    "total",
                ],
                rows,
            ),
        )
    ]


def _deliveries(data: IncidentData, history: CallHistory) -> list[Finding]:
    missing = calls_missing(data)
    if missing:
        return [
            finding(
                "deliveries_unknown",
                Verdict.UNKNOWN,
                f"Could not check deliveries for duplicates: {missing}.",
                {},
            )
        ]
    # Two passes over plain sets: a list per key would allocate 150k lists for nothing.
    seen: set[str] = set()
    repeated: set[str] = set()
    for call in data.calls:
        if call.dispatched_at is not None and call.dispatch_key:
            if call.dispatch_key in seen:
                repeated.add(call.dispatch_key)
            else:
                seen.add(call.dispatch_key)
    leaked_keys: dict[str, list[CallAttempt]] = defaultdict(list)
    if repeated:
        for call in data.calls:
            if call.dispatch_key in repeated and call.dispatched_at is not None:
                leaked_keys[call.dispatch_key].append(call)

    twice_same_attempt: list[str] = []
    reached_twice: list[str] = []
    for recipient in history.recipients.values():
        if len(recipient.attempts) < 2:
            continue
        dispatched = [c.attempt for c in recipient.attempts if c.dispatched_at is not None]
        if len(dispatched) != len(set(dispatched)):
            twice_same_attempt.append(recipient.recipient_id)
        if sum(1 for c in recipient.attempts if c.status is CallStatus.SUCCEEDED) > 1:
            reached_twice.append(recipient.recipient_id)
    dropped = sum(1 for e in data.events if e.type is EventType.DEDUPE_DROPPED)

    findings: list[Finding] = []
    if leaked_keys:
        rows = [
            [
                key,
                calls[0].recipient_id,
                calls[0].attempt,
                len(calls),
                ", ".join(str(iso(c.dispatched_at)) for c in calls),
            ]
            for key, calls in sorted(leaked_keys.items())
        ]
        findings.append(
            finding(
                "duplicate_delivery",
                Verdict.FAIL,
                f"{plural(len(leaked_keys), 'dispatch key')} dispatched more than once: the dispatch layer's "
                f"dedupe let repeats through ({dropped} other repeats were caught).",
                {
                    "dispatch_keys": len(leaked_keys),
                    "sample_keys": sample(leaked_keys),
                    "recipients": len({calls[0].recipient_id for calls in leaked_keys.values()}),
                    "dedupe_dropped_events": dropped,
                },
                table(["dispatch_key", "recipient_id", "attempt", "dispatches", "dispatched_at"], rows),
            )
        )
    recipients = sorted(set(twice_same_attempt) | set(reached_twice))
    if recipients:
        findings.append(
            finding(
                "duplicate_recipient_reached",
                Verdict.FAIL,
                f"{plural(len(recipients), 'recipient')} of this job were dialled twice for one attempt or "
                "reached more than once.",
                {
                    "recipients": len(recipients),
                    "same_attempt_dispatched_twice": len(twice_same_attempt),
                    "succeeded_more_than_once": len(reached_twice),
                    "sample_ids": sample(recipients),
                },
            )
        )
    if not findings:
        caught = f"; the dedupe layer dropped {plural(dropped, 'repeat')}" if dropped else ""
        findings.append(
            finding(
                "no_duplicate_delivery",
                Verdict.PASS,
                f"No dispatch key was dispatched twice and no recipient was reached twice{caught}.",
                {
                    "dispatch_keys_checked": len(seen),
                    "recipients_checked": len(history),
                    "dedupe_dropped_events": dropped,
                },
            )
        )
    return findings


class _Words:
    """How the upload findings name what they audited: the upload's rows, or the recipient list
    a job carries itself where the platform has no uploads (``IncidentData.submitted_recipients``)."""

    def __init__(self, own_list: bool) -> None:
        self.own_list = own_list
        self.what = "the job's recipient list" if own_list else "the upload"
        self.row = "recipient" if own_list else "row"
        self.listed = "positions in the list" if own_list else "rows listed"


def _upload(data: IncidentData) -> list[Finding]:
    audit = data.contact_audit
    words = _Words(data.upload is None and data.submitted_recipients is not None)
    if audit is None or audit.error:
        if audit is not None:
            what = "it" if words.own_list else "the upload"
            why = f"{what} could not be read: {audit.error}"
        elif words.own_list:
            why = data.missing.get("recipient audit") or "the job's recipients were not audited"
        else:
            why = upload_unavailable(
                data, "upload content", "upload", otherwise="the upload's contacts were not audited"
            )
        return [
            finding(
                "upload_not_audited",
                Verdict.UNKNOWN,
                f"Could not check {words.what} for duplicate recipients: {why}.",
                {},
            )
        ]
    base: dict[str, Any] = {
        "source": audit.source,
        "rows": audit.rows,
        "valid": audit.valid,
        "invalid": audit.invalid,
        "unique_valid": audit.unique_valid,
        "region": audit.region,
    }
    findings: list[Finding] = []
    if audit.duplicate_rows:
        rows = [[g.e164, len(g.rows), ", ".join(str(r) for r in g.rows)] for g in audit.duplicate_groups]
        where = "positions" if words.own_list else "row numbers"
        findings.append(
            finding(
                "upload_duplicates",
                Verdict.WARN,
                f"{words.what[0].upper()}{words.what[1:]} repeats numbers: "
                f"{plural(audit.duplicate_rows, 'extra ' + words.row)} in "
                f"{plural(max(audit.duplicate_groups_total, len(audit.duplicate_groups)), 'group')} (after E.164 normalisation).",
                {
                    **base,
                    "duplicate_rows": audit.duplicate_rows,
                    "duplicate_groups": audit.duplicate_groups_total,
                },
                table(["e164", f"{words.row}s", where], rows, audit.duplicate_groups_total),
            )
        )
    if audit.invalid:
        rows = [[r.row, r.raw, r.reason] for r in audit.invalid_rows]
        findings.append(
            finding(
                "upload_invalid_rows",
                Verdict.WARN,
                f"{words.what[0].upper()}{words.what[1:]} has "
                f"{plural(audit.invalid, 'malformed or invalid number')} ({words.listed}).",
                {**base, "invalid_rows": audit.invalid_rows_total or audit.invalid},
                table(["position" if words.own_list else "row", "value", "reason"], rows, audit.invalid_rows_total),
            )
        )
    if not findings:
        findings.append(
            finding(
                "upload_clean",
                Verdict.PASS,
                f"{'The job' if words.own_list else 'The upload'}'s {plural(audit.rows, words.row)} "
                "hold valid, distinct numbers.",
                base,
            )
        )
    return findings
