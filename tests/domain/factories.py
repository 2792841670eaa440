"""Small builders of API resources and ``IncidentData`` for the engine's unit tests.

Every builder has realistic defaults (a running job in ``ws_1`` that dispatched 30 s ago, a UK
campaign) and takes keyword overrides, so a test states only what it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from triage_gui.domain.contact_audit import ContactAuditResult, DuplicateGroup, InvalidRow
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import (
    BatchJob,
    CallAttempt,
    CallStatus,
    Campaign,
    Counters,
    Dispatch,
    EventType,
    Failure,
    JobEvent,
    RetryPolicy,
    Upload,
    Workspace,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FROM_NUMBER = "+442071838750"
TRANSIENT_POLICY = [
    "provider_timeout",
    "temporarily_unavailable",
    "rate_limited",
    "network_error",
    "busy",
    "no_answer",
]

# Typical SIP statuses for each failure code (what a provider would send).
SIP_FOR_CODE: dict[str, int | None] = {
    "provider_timeout": 408,
    "temporarily_unavailable": 503,
    "rate_limited": 503,
    "network_error": 500,
    "busy": 486,
    "no_answer": 480,
    "invalid_number": 404,
    "number_not_in_service": 404,
    "do_not_call": 603,
    "payload_invalid": 400,
    "declined": 603,
    "carrier_blocked": 403,
}


def ago(seconds: float, now: datetime = NOW) -> datetime:
    return now - timedelta(seconds=seconds)


def phone(n: int) -> str:
    """A valid UK mobile number in E.164, distinct per ``n``."""
    return f"+447911{n:06d}"


def rid(n: int) -> str:
    """Recipient ids that sort like their numbers."""
    return f"rcp_{n:05d}"


def job(**overrides: Any) -> BatchJob:
    """A running job; ``counters``, ``dispatch`` and ``retry_policy`` may be dicts of overrides."""
    counters = overrides.pop("counters", {})
    dispatch = overrides.pop("dispatch", {})
    policy = overrides.pop("retry_policy", {})
    if isinstance(counters, dict):
        counters = Counters(**counters)
    if isinstance(dispatch, dict):
        dispatch = Dispatch(
            **{
                "concurrency_limit": 10,
                "permits_in_use": 2,
                "last_dispatch_at": ago(30),
                **dispatch,
            }
        )
    if isinstance(policy, dict):
        policy = RetryPolicy(**{"max_attempts": 3, "retryable_codes": TRANSIENT_POLICY, **policy})
    fields: dict[str, Any] = dict(
        id="job_1",
        workspace_id="ws_1",
        campaign_id="cmp_1",
        upload_id="upl_1",
        agent_id="agt_1",
        from_number=FROM_NUMBER,
        trigger="manual",
        status="running",
        created_at=ago(3600),
        started_at=ago(3590),
        updated_at=ago(5),
        counters=counters,
        dispatch=dispatch,
        retry_policy=policy,
    )
    fields.update(overrides)
    return BatchJob(**fields)


def campaign(**overrides: Any) -> Campaign:
    fields: dict[str, Any] = dict(
        id="cmp_1",
        name="Renewals",
        agent_id="agt_1",
        from_number=FROM_NUMBER,
        upload_id="upl_1",
        created_at=ago(86400),
    )
    fields.update(overrides)
    return Campaign(**fields)


def upload(row_count: int, **overrides: Any) -> Upload:
    fields: dict[str, Any] = dict(
        id="upl_1",
        filename="contacts.csv",
        row_count=row_count,
        columns=["recipient_id", "phone_number"],
        created_at=ago(86400),
    )
    fields.update(overrides)
    return Upload(**fields)


def audit(
    rows: int,
    *,
    invalid: Iterable[tuple[int, str, str]] = (),
    duplicates: Iterable[tuple[str, list[int]]] = (),
    **overrides: Any,
) -> ContactAuditResult:
    invalid_rows = [InvalidRow(row=r, raw=raw, reason=why) for r, raw, why in invalid]
    groups = [DuplicateGroup(e164=e164, rows=rows_) for e164, rows_ in duplicates]
    duplicate_rows = sum(len(g.rows) - 1 for g in groups)
    valid = rows - len(invalid_rows)
    fields: dict[str, Any] = dict(
        source="upload:upl_1",
        column="phone_number",
        region="GB",
        rows=rows,
        valid=valid,
        invalid=len(invalid_rows),
        unique_valid=valid - duplicate_rows,
        invalid_rows=invalid_rows,
        invalid_rows_total=len(invalid_rows),
        duplicate_groups=groups,
        duplicate_groups_total=len(groups),
        duplicate_rows=duplicate_rows,
    )
    fields.update(overrides)
    return ContactAuditResult(**fields)


def call(
    recipient: int | str,
    *,
    attempt: int = 1,
    status: str = "succeeded",
    code: str | None = None,
    sip: int | None | str = "default",
    retryable: bool | None = None,
    message: str = "",
    number: str | None = None,
    dispatched_at: datetime | None | str = "default",
    ended_at: datetime | None | str = "default",
    dispatch_key: str | None = None,
    at: float = 600.0,
    call_id: str | None = None,
) -> CallAttempt:
    """One attempt; ``at`` = seconds before NOW it was dispatched (ended 60 s later if finished)."""
    recipient_id = rid(recipient) if isinstance(recipient, int) else recipient
    n = recipient if isinstance(recipient, int) else abs(hash(recipient)) % 1_000_000
    dispatched = ago(at) if dispatched_at == "default" else dispatched_at
    if status == "queued" and dispatched_at == "default":
        dispatched = None
    finished = status in ("succeeded", "failed")
    ended = (
        (dispatched + timedelta(seconds=60) if dispatched and finished else None) if ended_at == "default" else ended_at
    )
    failure = None
    if status == "failed":
        code = code or "provider_timeout"
        failure = Failure(
            code=code,
            sip_status=SIP_FOR_CODE.get(code) if sip == "default" else sip,
            message=message,
            retryable=retryable,
        )
    return CallAttempt(
        id=call_id or f"call_{recipient_id}_{attempt}_{int(at)}",
        recipient_id=recipient_id,
        phone_number=number if number is not None else phone(n),
        attempt=attempt,
        dispatch_key=dispatch_key or f"job_1:{recipient_id}:{attempt}",
        status=CallStatus(status),
        failure=failure,
        queued_at=ago(at + 30),
        dispatched_at=dispatched,
        ended_at=ended,
    )


def failed(recipient: int | str, code: str = "provider_timeout", **kw: Any) -> CallAttempt:
    return call(recipient, status="failed", code=code, **kw)


def event(
    type_: str | EventType,
    at: float = 60.0,
    recipient: int | str | None = None,
    seq: int = 1,
    detail: str = "",
) -> JobEvent:
    recipient_id = rid(recipient) if isinstance(recipient, int) else recipient
    return JobEvent(seq=seq, at=ago(at), type=EventType(type_), recipient_id=recipient_id, detail=detail)


def counters_for(calls: list[CallAttempt], *, final: bool = True) -> Counters:
    """Counters consistent with ``calls``: a latest failure is final when ``final``."""
    latest: dict[str, CallAttempt] = {}
    succeeded: set[str] = set()
    dispatched: set[str] = set()
    for c in sorted(calls, key=lambda c: c.attempt):
        latest[c.recipient_id] = c
        if c.status is CallStatus.SUCCEEDED:
            succeeded.add(c.recipient_id)
        if c.dispatched_at is not None:
            dispatched.add(c.recipient_id)
    queued = in_progress = failed_ = retry = 0
    for r, c in latest.items():
        if r in succeeded:
            continue
        if c.status is CallStatus.QUEUED:
            queued += 1
        elif c.status in (CallStatus.DIALING, CallStatus.IN_PROGRESS):
            in_progress += 1
        elif final:
            failed_ += 1
        else:
            retry += 1
    return Counters(
        total=len(latest),
        queued=queued,
        dispatched=len(dispatched),
        in_progress=in_progress,
        succeeded=len(succeeded),
        failed=failed_,
        retry_scheduled=retry,
    )


def incident(
    the_job: BatchJob | None = None,
    calls: Iterable[CallAttempt] = (),
    *,
    now: datetime = NOW,
    **overrides: Any,
) -> IncidentData:
    """An incident around ``the_job`` (default: a running job) with a matching campaign."""
    the_job = the_job or job()
    fields: dict[str, Any] = dict(
        job=the_job,
        server_now=now,
        workspace=Workspace(id=the_job.workspace_id, name="Demo", concurrency_limit=10),
        campaign=campaign(),
        calls=list(calls),
        snapshots=[JobSnapshot(at=now, job=the_job)],
    )
    fields.update(overrides)
    return IncidentData(**fields)


def snapshot(the_job: BatchJob, at: float) -> JobSnapshot:
    return JobSnapshot(at=ago(at), job=the_job)
