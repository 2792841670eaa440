"""One incident over the Batch API: the job, and everything around it, as ``IncidentData``.

Only the job itself is required: anything else that cannot be fetched (campaign, upload,
calls, events, related jobs) is recorded in ``IncidentData.missing`` with the reason, and the
checks that need it answer ``unknown`` instead of failing the whole run.

The job and its small neighbours come one after another; the four long parts (the upload's
content, the calls, the events, the related jobs) are independent, so they are fetched at the
same time, each on a thread with a client and connection of its own (``fetch_together``). What
comes of them is decided as if they had been fetched one after another, in that order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from itertools import islice
from typing import Any, TypeVar

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, Campaign, Upload, Workspace
from triage_gui.providers.base import FetchCancelled, IncidentRequest, ProgressCallback, UploadAuditor
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.batch_v1.fetch_together import Part, ends_the_load, fetch_together
from triage_gui.providers.batch_v1.paging import PagedItems

log = logging.getLogger(__name__)

T = TypeVar("T")

_LISTS = ("calls", "events", "related jobs")


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
        except BaseException as exc:
            if ends_the_load(exc, tolerate_contract=tolerate_contract):
                raise
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

    # Lists are bounded by what the job's counters make plausible (a server paging forever is
    # stopped, never judged in part); the items a page repeated are counted for a finding.
    lists: dict[str, PagedItems[Any]] = {}

    def listed(what: str, items: PagedItems[T], check: Callable[[], None]) -> list[T]:
        lists[what] = items
        return items.collect(check)

    def read_so_far(what: str, unit: str) -> Callable[[], str | None]:
        def text() -> str | None:
            items = lists.get(what)
            return f"{items.items:,} {unit}" if items is not None and items.items else None

        return text

    bound = job.plausible_attempts if request.max_calls is None else min(job.plausible_attempts, request.max_calls)
    parts: list[Part] = []
    if upload_id and request.audit_upload and audit_upload is not None:
        region = request.region or _campaign_region(campaign, job)
        auditor = audit_upload
        lines_read = [0]
        parts.append(
            Part(
                "upload content",
                lambda c, check: _audit_upload(c, auditor, ws, upload_id, region, check, lines_read),
                tolerate_contract=True,
                so_far=lambda: f"{lines_read[0]:,} upload lines" if lines_read[0] else None,
            )
        )
    parts.append(
        Part(
            "calls",
            lambda c, check: listed("calls", c.iter_calls(ws, job_id, max_items=bound), check),
            so_far=read_so_far("calls", "calls"),
        )
    )
    parts.append(
        Part(
            "events",
            lambda c, check: listed("events", c.iter_events(ws, job_id, max_items=4 * job.plausible_attempts), check),
            so_far=read_so_far("events", "events"),
        )
    )
    # newest first: the latest jobs of the campaign are the ones that can overlap this one
    parts.append(
        Part(
            "related jobs",
            lambda c, check: [
                j
                for j in listed(
                    "related jobs", c.iter_jobs(ws, campaign_id=campaign_id, stop_after=request.max_related_jobs), check
                )
                if j.id != job.id
            ],
        )
    )
    got = fetch_together(client, parts, say=say, cancel=cancel, missing=missing)
    audit: ContactAuditResult | None = got.get("upload content")
    related: list[BatchJob] | None = got.get("related jobs")
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
        calls=got.get("calls") or [],
        events=got.get("events") or [],
        related_jobs=related or [],
        snapshots=[*request.snapshots, snapshot],
        missing=missing,
        server_clock_skew_s=client.server_clock_skew_s,
        server_clock_rejected=client.server_clock_rejected,
        # in the parts' order (they were fetched side by side)
        repeated_items={what: lists[what].repeated for what in _LISTS if what in lists and lists[what].repeated},
    )


def _campaign_region(campaign: Campaign | None, job: BatchJob) -> str | None:
    from triage_gui.domain.phones import region_for_from_number  # phone metadata: on first use

    from_number = campaign.from_number if campaign is not None else None
    return region_for_from_number(from_number or job.from_number or "")


def _audit_upload(
    client: BatchApiClient,
    audit: UploadAuditor,
    ws: str,
    upload_id: str,
    region: str | None,
    check: Callable[[], None],
    lines_read: list[int] | None = None,
) -> ContactAuditResult:
    lines = client.iter_upload_lines(ws, upload_id)
    try:
        return audit(_checked(lines, check, read=lines_read), region, f"upload:{upload_id}")
    finally:
        lines.close()  # ends the streamed response


def _checked(lines: Any, check: Callable[[], None], every: int = 2_000, read: list[int] | None = None) -> Any:
    """The lines, with ``check`` (a cancel, a stop) before every ``every`` lines; ``read[0]`` is
    kept at the lines handed out so far, for progress. Taken ``every`` at a time (a generator
    step per line, not an ``enumerate`` and a modulo as well)."""
    source = iter(lines)
    handed = 0
    while True:
        check()
        if read is not None:
            read[0] = handed
        chunk = list(islice(source, every))
        if not chunk:
            return
        yield from chunk
        handed += len(chunk)
