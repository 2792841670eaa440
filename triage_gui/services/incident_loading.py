"""Gather everything the engine needs for one incident over the API (the engine's I/O half).

Only the job itself is required: anything else that cannot be fetched (campaign, upload,
calls, events, related jobs) is recorded in ``IncidentData.missing`` with the reason, and the
checks that need it answer ``unknown`` instead of failing the whole run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, CallAttempt, Campaign, JobEvent, Upload, Workspace
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.errors import ApiError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str], None]


class FetchCancelled(Exception):
    """The caller asked to stop (window closed, new case loaded)."""


@dataclass
class FetchRequest:
    workspace_id: str
    job_id: str
    campaign_id: str | None = None  # default: the job's own
    upload_id: str | None = None  # default: the job's, else the campaign's
    region: str | None = None  # default region for numbers without "+" (None: from-number's)
    audit_upload: bool = True
    snapshots: list[JobSnapshot] = field(default_factory=list)  # earlier snapshots (watch window)
    max_calls: int | None = 2_000_000
    max_related_jobs: int = 1_000


def fetch_incident(
    client: BatchApiClient,
    request: FetchRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IncidentData:
    """Fetch the job (errors propagate) and everything around it (errors recorded)."""
    say = progress or (lambda _msg: None)
    missing: dict[str, str] = {}

    def step(name: str, fn: Callable[[], object], tolerate: tuple[type[Exception], ...] = ()) -> object | None:
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()
        say(f"Fetching {name}…")
        try:
            return fn()
        except (ApiError, *tolerate) as exc:
            log.warning("could not fetch %s: %s", name, exc)
            missing[name] = str(exc)
            return None

    ws, job_id = request.workspace_id, request.job_id
    say("Fetching the job…")
    job = client.get_job(ws, job_id)
    snapshot = JobSnapshot(at=client.server_now(), job=job)

    workspace = step("workspace", lambda: client.get_workspace(ws))
    campaign_id = request.campaign_id or job.campaign_id
    campaign = step("campaign", lambda: client.get_campaign(ws, campaign_id))
    upload_id = request.upload_id or job.upload_id or (campaign.upload_id if isinstance(campaign, Campaign) else None)
    upload = step("upload", lambda: client.get_upload(ws, upload_id)) if upload_id else None
    audit = None
    if upload_id and request.audit_upload:
        region = request.region or _campaign_region(campaign, job)
        from triage_gui.store.csv_source import ContactFileError

        audit = step(
            "upload content",
            lambda: _audit_upload(client, ws, upload_id, region),
            tolerate=(ContactFileError,),
        )
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
    if job.parent_job_id and isinstance(related, list) and not any(j.id == job.parent_job_id for j in related):
        parent = step("parent job", lambda: client.get_job(ws, job.parent_job_id or ""))
        if isinstance(parent, BatchJob):
            related.append(parent)

    return IncidentData(
        job=job,
        server_now=client.server_now(),
        workspace=workspace if isinstance(workspace, Workspace) else None,
        campaign=campaign if isinstance(campaign, Campaign) else None,
        upload=upload if isinstance(upload, Upload) else None,
        contact_audit=audit if isinstance(audit, ContactAuditResult) else None,
        calls=calls if isinstance(calls, list) else [],
        events=events if isinstance(events, list) else [],
        related_jobs=related if isinstance(related, list) else [],
        snapshots=[*request.snapshots, snapshot],
        missing=missing,
    )


def _collect(items: object, cancel: threading.Event | None) -> list[CallAttempt] | list[JobEvent]:
    out: list = []
    for i, item in enumerate(items):  # type: ignore[call-overload]
        if cancel is not None and i % 500 == 0 and cancel.is_set():
            raise FetchCancelled()
        out.append(item)
    return out


def _campaign_region(campaign: object, job: BatchJob) -> str | None:
    from triage_gui.domain.phones import region_for_from_number

    from_number = campaign.from_number if isinstance(campaign, Campaign) else None
    return region_for_from_number(from_number or job.from_number or "")


def _audit_upload(
    client: BatchApiClient,
    ws: str,
    upload_id: str,
    region: str | None,
) -> ContactAuditResult:
    from triage_gui.store.csv_source import audit_lines

    lines = client.iter_upload_lines(ws, upload_id)
    try:
        return audit_lines(lines, region, source=f"upload:{upload_id}")
    finally:
        lines.close()  # ends the streamed response
