"""ElevenLabs Agents Platform batch calling behind the :class:`~triage_gui.providers.base.Provider` protocol.

A job is a batch (``btcal_…``); ``workspace_id`` names nothing on the platform (the API key is the
workspace) and is only carried through, so ledgers and reports keep their shape. See
docs/providers/elevenlabs.md for what each check can and cannot see here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

from triage_gui.domain.incident import IncidentData
from triage_gui.domain.models import BatchJob, CallAttempt, JobEvent
from triage_gui.providers.base import ClientProvider, IncidentRequest, LaunchResult, ProgressCallback, UploadAuditor
from triage_gui.providers.elevenlabs import retry_batches
from triage_gui.providers.elevenlabs.client import ElevenLabsClient
from triage_gui.providers.elevenlabs.conversations import ConversationCache
from triage_gui.providers.elevenlabs.incident import detail_job, fetch_incident, read_batch
from triage_gui.providers.errors import PagingLimitExceeded

DEFAULT_WORKSPACE = "default"  # what a workspace is called where the platform has none to name

BLIND_SPOTS: tuple[str, ...] = (
    "Dispatcher permits: ElevenLabs shows no permits in use, no queue and no next dispatch time; calls in "
    "flight stand for permits only when the batch sets target_concurrency_limit, else permits are not judged.",
    "The workspace's and the agent's concurrency limits and the calls other batches or inbound callers hold.",
    "Job events: there is no timeline (no dispatch, permit or retry events); stalls are judged from the "
    "recipients' last status changes.",
    "Campaigns and uploads: there are none; a batch carries its own agent, caller number and recipients, so "
    "there is no campaign to compare its configuration with, and the recipient list itself is audited in place "
    "of an upload (any file it was made from is not on the platform).",
    "Why a batch failed, who cancelled or retried it and when: the batch has no such fields.",
    "Per-call history: a recipient keeps only its latest conversation; after a /retry the earlier calls "
    "are looked up on the agent's conversation list, which has no batch filter (bounded).",
    "Carrier detail: SIP codes only for SIP-trunk numbers that store SIP messages; the vocabulary of "
    "termination reasons and platform error codes is undocumented, so those failures stay 'unknown'.",
    "Answering-machine verdicts and call-initiation failures: webhook-only, not in the REST API.",
    "Retry policy: the platform retries nothing by itself; a /retry re-dials every failed recipient.",
)


class ElevenLabsProvider(ClientProvider[ElevenLabsClient]):
    """Reads batches, recipients and conversations; launches a targeted retry as a new batch."""

    kind = "elevenlabs"
    blind_spots: tuple[str, ...] = BLIND_SPOTS
    launch_is_keyed = False  # a retry batch is found by its name, never by a key: sent once a run

    def __init__(self, client: ElevenLabsClient, cache: ConversationCache | None = None) -> None:
        super().__init__(client)
        self.cache = cache or ConversationCache()

    def fetch_incident(
        self,
        request: IncidentRequest,
        *,
        audit_upload: UploadAuditor | None = None,  # no upload on this platform
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IncidentData:
        return fetch_incident(self.client, self.cache, request, progress=progress, cancel=cancel)

    def get_job(self, workspace_id: str, job_id: str) -> BatchJob:
        """One GET: the batch and its recipients' statuses (conversations only from the cache)."""
        return read_batch(self.client, self.cache, job_id, workspace_id, conversations=False)[2]

    def iter_events(
        self, workspace_id: str, job_id: str, *, after: int | None = None, stop_after: int | None = None
    ) -> Iterator[JobEvent]:
        return iter(())  # ElevenLabs keeps no event timeline for a batch

    def iter_calls(self, workspace_id: str, job_id: str, *, max_items: int | None = None) -> Iterator[CallAttempt]:
        attempts = read_batch(self.client, self.cache, job_id, workspace_id)[1].all
        if max_items is not None and len(attempts) > max_items:
            raise PagingLimitExceeded(
                f"Batch {job_id} has {len(attempts):,} attempts, more than the {max_items:,} expected; "
                "nothing was used.",
                request=f"GET /v1/convai/batch-calling/{job_id}",
            )
        return iter(attempts)

    def retry_jobs(
        self, workspace_id: str, parent: BatchJob, *, created_after: datetime | None = None
    ) -> list[BatchJob]:
        found = retry_batches.retry_batches(self.client, parent.agent_id, parent.id)
        jobs = [detail_job(self.client, b.id, workspace_id) for b in found]
        if created_after is not None:
            jobs = [j for j in jobs if j.created_at >= created_after]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))

    def launch_retry(
        self, workspace_id: str, job_id: str, recipient_ids: list[str], *, key: str, note: str = ""
    ) -> LaunchResult:
        # Never re-sent here: no idempotency key exists. The launcher sends once per run on this
        # platform; the next run (a resume) starts with the name search (retry_batches.launch).
        job, created = retry_batches.launch(self.client, workspace_id, job_id, recipient_ids, key)
        return LaunchResult(job=job, created=created)
