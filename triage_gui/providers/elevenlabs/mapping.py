"""An ElevenLabs batch as the domain's ``BatchJob``, its recipients as ``CallAttempt`` records.

- The job's counters are counted from the recipients (the batch's own ``total_calls_*`` have no
  documented meaning and no failed/succeeded split): ``total`` recipients, ``queued`` pending,
  ``in_progress`` dispatched/initiated/in progress, ``succeeded`` reached, ``failed`` the rest
  that is final. A summary without recipients (the workspace list) keeps the batch's counters.
- ``campaign_id`` is the agent (a batch belongs to no campaign; the agent is what runs it), so
  the duplicate-run check compares batches of one agent (the incident narrows them further).
- A batch this app submitted as a targeted retry carries ``<intent key> retry of <batch id>`` as
  its name: it is a retry (``trigger``) of that batch (``parent_job_id``).
- The dispatcher's permits are not shown: with ``target_concurrency_limit`` set, calls in flight
  count as permits in use and pending recipients as waiting; without it nothing is said.
- The job's retry policy: ElevenLabs retries nothing by itself, so ``retryable_codes`` is empty,
  and ``max_attempts`` is one plus the batch's ``retry_count`` (each ``/retry`` dials again).
- No campaigns and no uploads: the batch carries its own recipient list. Its length is what was
  submitted (the expected contacts; ``total_calls_scheduled`` rides along as the platform's
  own, undocumented, count), and the list is audited as a contact file would be, a recipient's
  position in ``recipients`` (from 1) standing for a row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import SubmittedRecipients
from triage_gui.domain.models import (
    BatchJob,
    CallAttempt,
    CallStatus,
    Counters,
    Dispatch,
    JobStatus,
    RetryPolicy,
    Trigger,
)
from triage_gui.providers.elevenlabs.wire import BatchCall, BatchCallDetail
from triage_gui.providers.errors import InvalidResponse, clean_text
from triage_gui.providers.http.retry_policy import is_valid_id

JOB_STATUS = {
    "pending": JobStatus.QUEUED,  # scheduled, or waiting to start
    "in_progress": JobStatus.RUNNING,
    "completed": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED,
    "cancelled": JobStatus.CANCELLED,
}
NO_AGENT = "no-agent"
RETRY_NAME = re.compile(r"^(triage-[0-9a-f]{40}) retry of ([A-Za-z0-9_-]{1,64})$")


def retry_name(key: str, parent_id: str) -> str:
    """The name of a targeted-retry batch: its intent key, and the batch it retries."""
    return f"{key} retry of {parent_id}"


def parse_retry_name(name: str | None) -> tuple[str, str] | None:
    """(intent key, parent batch id) from a targeted-retry batch's name; None for any other name."""
    match = RETRY_NAME.match(name or "")
    return (match.group(1), match.group(2)) if match else None


def check_batch_id(batch: BatchCall, what: str) -> None:
    if not is_valid_id(batch.id):
        raise InvalidResponse(
            f"The server's answer to {what} breaks the API contract: a batch id "
            f"{clean_text(batch.id, 80)!r} is not 1-64 letters, digits, '_' or '-'.",
            request=what,
            details=[f"id: {clean_text(batch.id, 80)}"],
        )


def batch_job(
    batch: BatchCall,
    workspace_id: str,
    now: datetime,
    attempts: Sequence[CallAttempt] | None = None,
    *,
    from_number: str | None = None,
) -> BatchJob:
    """The domain's job for a batch. ``attempts``: each recipient's latest attempt (a detail's);
    None for a summary. ``now`` stands in for a missing creation time."""
    status = JOB_STATUS.get(batch.status or "", JobStatus.UNKNOWN)
    parent = parse_retry_name(batch.name)
    counters = _counters(batch, attempts)
    dispatched = [a.dispatched_at for a in attempts or () if a.dispatched_at is not None]
    ended = [a.ended_at for a in attempts or () if a.ended_at is not None]
    created = batch.created_at or batch.scheduled_at or batch.last_updated_at or now
    started: datetime | None = None
    if status is not JobStatus.QUEUED and status is not JobStatus.UNKNOWN:
        started = min(dispatched) if dispatched else (batch.scheduled_at or created)
    finished: datetime | None = None
    if status.is_finished:
        finished = max([*ended, *([batch.last_updated_at] if batch.last_updated_at else [])], default=None)
    limit = batch.target_concurrency_limit or 0
    in_flight = counters.in_progress if limit else 0
    waiting = counters.queued if limit and status is JobStatus.RUNNING else 0
    last_dispatch = max(dispatched) if dispatched else (batch.last_updated_at if attempts is None else None)
    return BatchJob(
        id=batch.id,
        workspace_id=workspace_id,
        campaign_id=batch.agent_id or NO_AGENT,
        agent_id=batch.agent_id,
        from_number=from_number,
        parent_job_id=parent[1] if parent else None,
        trigger=Trigger.RETRY if parent else Trigger.UNKNOWN,
        status=status,
        created_at=created,
        started_at=started,
        updated_at=batch.last_updated_at,
        finished_at=finished,
        counters=counters,
        dispatch=Dispatch(
            concurrency_limit=limit,
            permits_in_use=in_flight,
            waiting_for_permit=waiting,
            last_dispatch_at=last_dispatch,
        ),
        retry_policy=RetryPolicy(max_attempts=1 + (batch.retry_count or 0), retryable_codes=[]),
    )


def _counters(batch: BatchCall, attempts: Sequence[CallAttempt] | None) -> Counters:
    if attempts is None:
        total = batch.total_calls_scheduled or 0
        dispatched = min(batch.total_calls_dispatched or 0, total) if total else batch.total_calls_dispatched or 0
        finished = min(batch.total_calls_finished or 0, dispatched)
        return Counters(
            total=total,
            queued=max(total - dispatched, 0),
            dispatched=dispatched,
            in_progress=max(dispatched - finished, 0),
        )
    count = {status: 0 for status in CallStatus}
    for attempt in attempts:
        count[attempt.status] += 1
    return Counters(
        total=len(attempts),
        queued=count[CallStatus.QUEUED],
        dispatched=sum(1 for a in attempts if a.dispatched_at is not None),
        in_progress=count[CallStatus.DIALING] + count[CallStatus.IN_PROGRESS],
        succeeded=count[CallStatus.SUCCEEDED],
        failed=count[CallStatus.FAILED],
    )


def recipient_key(batch: BatchCallDetail) -> dict[str, str]:
    """Recipient id on the platform -> the id the app knows it by. A retry batch's recipients
    carry their original recipient's id (``triage_recipient_id``), so a retry and its parent
    speak of the same people; any other recipient is known by its own id."""
    out: dict[str, str] = {}
    for recipient in batch.recipients:
        original = recipient.variable(RECIPIENT_VARIABLE)
        out[recipient.id] = original if original and is_valid_id(original) else recipient.id
    return out


RECIPIENT_VARIABLE = "triage_recipient_id"
INTENT_VARIABLE = "triage_intent_key"


def submitted_recipients(batch: BatchCallDetail) -> SubmittedRecipients:
    """What the batch was submitted with: its recipients, as the batch's detail lists them."""
    count = len(batch.recipients)
    return SubmittedRecipients(
        count=count,
        source=f"the batch's own recipient list ({count} in GET /v1/convai/batch-calling/{batch.id})",
        declared=batch.total_calls_scheduled,
    )


def audit_recipients(batch: BatchCallDetail, region: str | None) -> ContactAuditResult:
    """The batch's recipient list audited as a contact file would be: invalid numbers and numbers
    that repeat (after E.164 normalisation), by position in the list (from 1). A batch calling
    WhatsApp users has no phone numbers to audit: the result says so as its error."""
    from triage_gui.domain.contact_auditor import ContactAuditor  # phone metadata: on first use

    auditor = ContactAuditor(region)
    source = f"batch:{batch.id} recipients"
    whatsapp = sum(1 for r in batch.recipients if not r.phone_number and r.whatsapp_user_id)
    if whatsapp:
        return auditor.result(
            source,
            error=f"{whatsapp} of its {len(batch.recipients)} recipients are WhatsApp users, not phone numbers",
        )
    auditor.add_rows((i, r.phone_number or "", None) for i, r in enumerate(batch.recipients, 1))
    return auditor.result(source, "phone_number")
