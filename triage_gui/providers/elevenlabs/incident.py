"""One incident on ElevenLabs: a batch and everything around it, as ``IncidentData``.

Only the batch itself is required; what else cannot be read (conversations, the calls before a
retry, the agent's other batches) is recorded in ``missing`` with the reason. A contract error
(an answer about something else, a list that never ends) ends the load, as for every provider.

There are no campaigns and no uploads: the batch's own recipient list is what was submitted (the
expected contacts) and is audited for invalid and repeated numbers as an upload would be.

Related jobs are the agent's other batches (the workspace list, paged with ``last_doc``), narrowed
to what can be a duplicate run: a batch whose lifetime overlaps this one's is kept only when it
calls at least one of the same numbers (its detail is read to know; a few at most), since two
campaigns of one agent at once are normal. This batch's own retry batches and its parent are
always kept (read in detail: their counters judge a stalled retry).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob
from triage_gui.providers.base import FetchCancelled, IncidentRequest, ProgressCallback
from triage_gui.providers.elevenlabs.attempts import BatchAttempts, load_attempts, number_key
from triage_gui.providers.elevenlabs.client import ElevenLabsClient
from triage_gui.providers.elevenlabs.conversations import ConversationCache
from triage_gui.providers.elevenlabs.mapping import audit_recipients, batch_job, check_batch_id, submitted_recipients
from triage_gui.providers.elevenlabs.wire import BatchCallDetail
from triage_gui.providers.errors import ApiError, InvalidResponse

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_DETAILS = 25  # other batches read in full to compare their numbers with this one's


def read_batch(
    client: ElevenLabsClient,
    cache: ConversationCache,
    batch_id: str,
    workspace_id: str,
    *,
    conversations: bool = True,
    earlier: bool = True,
    cancel: threading.Event | None = None,
    say: Callable[[str], None] = lambda _message: None,
) -> tuple[BatchCallDetail, BatchAttempts, BatchJob]:
    """The batch, its attempts and its job. ``conversations`` False: nothing but the batch is read
    (conversations only from the cache: the poller's snapshot)."""
    what = f"GET /v1/convai/batch-calling/{batch_id}"
    batch = client.get_batch(batch_id)
    check_batch_id(batch, what)
    attempts = load_attempts(client if conversations else None, cache, batch, earlier=earlier, cancel=cancel, say=say)
    job = batch_job(batch, workspace_id, client.server_now(), attempts.latest, from_number=attempts.agent_number)
    return batch, attempts, job


def fetch_incident(
    client: ElevenLabsClient,
    cache: ConversationCache,
    request: IncidentRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IncidentData:
    say = progress or (lambda _message: None)
    ws = request.workspace_id
    say("Fetching the batch…")
    batch, attempts, job = read_batch(client, cache, request.job_id, ws, cancel=cancel, say=say)
    snapshot = JobSnapshot(at=client.server_now(), job=job)
    missing = dict(attempts.missing)

    def step(name: str, fn: Callable[[], T]) -> T | None:
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        say(f"Fetching {name}…")
        try:
            return fn()
        except InvalidResponse:
            raise
        except ApiError as exc:
            log.info("could not fetch %s: %s", name, exc)
            missing[name] = str(exc)
            return None

    related = step("related jobs", lambda: _related(client, batch, job, request, cancel))
    if job.parent_job_id and related is not None and not any(j.id == job.parent_job_id for j in related):
        parent_id = job.parent_job_id
        parent = step("parent job", lambda: detail_job(client, parent_id, ws))
        if parent is not None:
            related.append(parent)
    audit = None
    if request.audit_upload:  # the batch's own list stands for the upload (it is what was submitted)
        say("Auditing the batch's recipients…")
        audit = audit_recipients(batch, request.region or _region(job))
    return IncidentData(
        job=job,
        server_now=client.server_now(),
        contact_audit=audit,
        platform_has_campaigns=False,
        submitted_recipients=submitted_recipients(batch),
        calls=attempts.all,
        events=[],
        related_jobs=related or [],
        snapshots=[*request.snapshots, snapshot],
        missing=missing,
        server_clock_skew_s=client.server_clock_skew_s,
        server_clock_rejected=client.server_clock_rejected,
        repeated_items=_repeated(client),
    )


def _region(job: BatchJob) -> str | None:
    """Default region for numbers written without "+": the agent's number's country (issue #3's
    rule for an upload); None when no call showed the agent's number."""
    from triage_gui.domain.phones import region_for_from_number  # phone metadata: on first use

    return region_for_from_number(job.from_number)


LIST_WORDS = {
    "GET /v1/convai/batch-calling/workspace": "related jobs",
    "GET /v1/convai/conversations": "conversations",
}


def _repeated(client: ElevenLabsClient) -> dict[str, int]:
    """Items the lists gave twice (each kept once), by what the list was, for a finding."""
    out: dict[str, int] = {}
    for overlap in client.page_overlaps:
        if overlap.repeated:
            what = LIST_WORDS.get(overlap.request, overlap.request)
            out[what] = out.get(what, 0) + overlap.repeated
    return out


def detail_job(client: ElevenLabsClient, batch_id: str, ws: str) -> BatchJob:
    """A batch read in full, its counters from its recipients' statuses (no conversation read)."""
    detail = client.get_batch(batch_id)
    check_batch_id(detail, f"GET /v1/convai/batch-calling/{batch_id}")
    attempts = load_attempts(None, ConversationCache(0), detail, earlier=False)
    return batch_job(detail, ws, client.server_now(), attempts.latest)


def _lifetime(job: BatchJob, now: datetime) -> tuple[datetime, datetime]:
    return (job.started_at or job.created_at, job.finished_at or now)


def _related(
    client: ElevenLabsClient,
    batch: BatchCallDetail,
    job: BatchJob,
    request: IncidentRequest,
    cancel: threading.Event | None,
) -> list[BatchJob]:
    ws, now = request.workspace_id, client.server_now()
    listed = client.iter_batches(agent_id=batch.agent_id, stop_after=request.max_related_jobs)
    numbers = {number_key(r) for r in batch.recipients}
    start, end = _lifetime(job, now)
    out: list[BatchJob] = []
    details = 0
    for other in listed:
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        if other.id == batch.id:
            continue
        check_batch_id(other, "GET /v1/convai/batch-calling/workspace")
        summary = batch_job(other, ws, now)
        if summary.parent_job_id == batch.id or job.parent_job_id == other.id:
            out.append(detail_job(client, other.id, ws))  # a retry of this batch, or its parent
            continue
        other_start, other_end = _lifetime(summary, now)
        if not (other_start < end and start < other_end):
            out.append(summary)  # not at the same time: no duplicate run, but considered
            continue
        if details >= MAX_DETAILS:
            out.append(summary)  # cannot compare more: kept, so the check says so rather than hides it
            continue
        details += 1
        detail = client.get_batch(other.id)
        check_batch_id(detail, f"GET /v1/convai/batch-calling/{other.id}")
        if numbers & {number_key(r) for r in detail.recipients}:
            shared = load_attempts(None, ConversationCache(0), detail, earlier=False)
            out.append(batch_job(detail, ws, now, shared.latest))
        else:
            log.info("batch %s ran at the same time as %s but calls none of its numbers", other.id, batch.id)
    return out
