"""The Batch Outbound API v1 behind the :class:`~triage_gui.providers.base.Provider` protocol."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

from triage_gui.domain.incident import IncidentData
from triage_gui.domain.models import BatchJob, CallAttempt, JobEvent
from triage_gui.domain.retry_jobs import is_retry_of
from triage_gui.providers.base import ClientProvider, IncidentRequest, LaunchResult, ProgressCallback, UploadAuditor
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.batch_v1.incident import fetch_incident

MAX_RETRY_JOBS = 100_000  # jobs of one campaign: a list longer than this is a server paging forever


class BatchV1Provider(ClientProvider[BatchApiClient]):
    """Our own contract: it shows everything the checks need (permits, events, the upload's
    content), and launches retries with an ``Idempotency-Key`` the server honours."""

    kind = "batch_v1"
    launch_is_keyed = True  # the contract's Idempotency-Key: a repeated key answers with the first job
    blind_spots: tuple[str, ...] = ()

    def fetch_incident(
        self,
        request: IncidentRequest,
        *,
        audit_upload: UploadAuditor | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IncidentData:
        return fetch_incident(self.client, request, audit_upload=audit_upload, progress=progress, cancel=cancel)

    def get_job(self, workspace_id: str, job_id: str) -> BatchJob:
        return self.client.get_job(workspace_id, job_id)

    def iter_events(
        self, workspace_id: str, job_id: str, *, after: int | None = None, stop_after: int | None = None
    ) -> Iterator[JobEvent]:
        return self.client.iter_events(workspace_id, job_id, after=after, stop_after=stop_after)

    def iter_calls(self, workspace_id: str, job_id: str, *, max_items: int | None = None) -> Iterator[CallAttempt]:
        return self.client.iter_calls(workspace_id, job_id, max_items=max_items)

    def retry_jobs(
        self, workspace_id: str, parent: BatchJob, *, created_after: datetime | None = None
    ) -> list[BatchJob]:
        jobs = self.client.iter_jobs(
            workspace_id, campaign_id=parent.campaign_id, created_after=created_after, max_items=MAX_RETRY_JOBS
        )
        found = [j for j in jobs if is_retry_of(j, parent)]
        return sorted(found, key=lambda j: j.created_at)

    def launch_retry(
        self, workspace_id: str, job_id: str, recipient_ids: list[str], *, key: str, note: str = ""
    ) -> LaunchResult:
        # The client re-sends this POST on ambiguous failures with the SAME Idempotency-Key only:
        # the contract guarantees the same key never makes a second job.
        result = self.client.create_retry(workspace_id, job_id, recipient_ids, idempotency_key=key, note=note)
        return LaunchResult(job=result.job, created=result.created)
