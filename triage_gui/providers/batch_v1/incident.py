"""One incident over the Batch API: the job, and everything around it, as ``IncidentData``.

Only the job itself is required: anything else that cannot be fetched (campaign, upload,
calls, events, related jobs) is recorded in ``IncidentData.missing`` with the reason, and the
checks that need it answer ``unknown`` instead of failing the whole run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

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
from triage_gui.providers.batch_v1.paging import PagedItems
from triage_gui.providers.errors import ApiError, InvalidResponse

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

    def step(name: str, fn: Callable[[], T], *, tolerate_contract: bool = False) -> T | None:
        """Fetch one part; what cannot be had is recorded in ``missing``. An answer that breaks
        the contract (cut, repeated forever, about something else) ends the load instead: nothing
        is judged from it (only the upload's content may be unreadable: its audit says why)."""
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        say(f"Fetching {name}…")
        try:
            return fn()
        except InvalidResponse as exc:
            if not tolerate_contract:
                raise
            log.info("could not fetch %s: %s", name, exc)
            missing[name] = str(exc)
            return None
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
        audit = step(
            "upload content", lambda: _audit_upload(client, auditor, ws, upload_id, region), tolerate_contract=True
        )
    # Lists are bounded by what the job's counters make plausible (a server paging forever is
    # stopped, never judged in part); the items a page repeated are counted for a finding.
    lists: dict[str, PagedItems[Any]] = {}

    def listed(what: str, items: PagedItems[T]) -> list[T]:
        lists[what] = items
        return _collect(items, cancel)

    bound = job.plausible_attempts if request.max_calls is None else min(job.plausible_attempts, request.max_calls)
    calls = step("calls", lambda: listed("calls", client.iter_calls(ws, job_id, max_items=bound)))
    events = step(
        "events", lambda: listed("events", client.iter_events(ws, job_id, max_items=4 * job.plausible_attempts))
    )
    # newest first: the latest jobs of the campaign are the ones that can overlap this one
    related = step(
        "related jobs",
        lambda: [
            j
            for j in listed(
                "related jobs", client.iter_jobs(ws, campaign_id=campaign_id, stop_after=request.max_related_jobs)
            )
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
        server_clock_skew_s=client.server_clock_skew_s,
        server_clock_rejected=client.server_clock_rejected,
        repeated_items={what: items.repeated for what, items in lists.items() if items.repeated},
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
