"""One incident over the Batch API: the job, and everything around it, as ``IncidentData``.

Only the job itself is required: anything else that cannot be fetched (campaign, upload,
calls, events, related jobs) is recorded in ``IncidentData.missing`` with the reason, and the
checks that need it answer ``unknown`` instead of failing the whole run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, Campaign, Upload, Workspace
from triage_gui.providers.base import (
    FetchCancelled,
    IncidentRequest,
    ProgressCallback,
    UploadAuditFailed,
    UploadAuditor,
)
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.errors import ApiError

log = logging.getLogger(__name__)

T = TypeVar("T")


def fetch_incident(
    client: BatchApiClient,
    request: IncidentRequest,
    *,
    audit_upload: UploadAuditor | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IncidentData:
    """Fetch the job (errors propagate) and everything around it (errors recorded)."""
    say = progress or (lambda _msg: None)
    missing: dict[str, str] = {}

    def step(name: str, fn: Callable[[], T]) -> T | None:
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        say(f"Fetching {name}…")
        try:
            return fn()
        except (ApiError, UploadAuditFailed) as exc:
            log.info("could not fetch %s: %s", name, exc)  # the caller says it, once
            missing[name] = str(exc)
            return None

    ws, job_id = request.workspace_id, request.job_id
    say("Fetching the job…")
    job = client.get_job(ws, job_id)
    snapshot = JobSnapshot(at=client.server_now(), job=job)

    workspace = step("workspace", lambda: client.get_workspace(ws))
    campaign_id = request.campaign_id or job.campaign_id
    campaign = step("campaign", lambda: client.get_campaign(ws, campaign_id))
    upload_id = request.upload_id or job.upload_id or (campaign.upload_id if campaign is not None else None)
    upload = step("upload", lambda: client.get_upload(ws, upload_id)) if upload_id else None
    audit: ContactAuditResult | None = None
    if upload_id and request.audit_upload and audit_upload is not None:
        region = request.region or _campaign_region(campaign, job)
        auditor = audit_upload
        audit = step("upload content", lambda: _audit_upload(client, auditor, ws, upload_id, region))
    calls = step("calls", lambda: _collect(client.iter_calls(ws, job_id, max_items=request.max_calls), cancel))
    events = step("events", lambda: _collect(client.iter_events(ws, job_id), cancel))
    related = step(
        "related jobs",
        lambda: [
            j
            for j in client.iter_jobs(ws, campaign_id=campaign_id, max_items=request.max_related_jobs)
            if j.id != job.id
        ],
    )
    if job.parent_job_id and related is not None and not any(j.id == job.parent_job_id for j in related):
        parent = step("parent job", lambda: client.get_job(ws, job.parent_job_id or ""))
        if parent is not None:
            related.append(parent)

    return IncidentData(
        job=job,
        server_now=client.server_now(),
        workspace=workspace if isinstance(workspace, Workspace) else None,
        campaign=campaign if isinstance(campaign, Campaign) else None,
        upload=upload if isinstance(upload, Upload) else None,
        contact_audit=audit,
        calls=calls or [],
        events=events or [],
        related_jobs=related or [],
        snapshots=[*request.snapshots, snapshot],
        missing=missing,
    )


def _collect(items: Iterable[T], cancel: threading.Event | None) -> list[T]:
    out: list[T] = []
    for i, item in enumerate(items):
        if cancel is not None and i % 500 == 0 and cancel.is_set():
            raise FetchCancelled()
        out.append(item)
    return out


def _campaign_region(campaign: Campaign | None, job: BatchJob) -> str | None:
    from triage_gui.domain.phones import region_for_from_number  # phone metadata: on first use

    from_number = campaign.from_number if campaign is not None else None
    return region_for_from_number(from_number or job.from_number or "")


def _audit_upload(
    client: BatchApiClient, audit: UploadAuditor, ws: str, upload_id: str, region: str | None
) -> ContactAuditResult:
    lines = client.iter_upload_lines(ws, upload_id)
    try:
        return audit(lines, region, f"upload:{upload_id}")
    finally:
        lines.close()  # ends the streamed response
