"""The bundle ``triage-gui check ... --bundle OUT.zip [--screenshot PNG]`` writes.

The same bundle as the app's (same writer, same redaction, same manifest) from the same engine
run, minus what needs a screen: the progress chart. The PDF form needs Qt, which the headless
path does not import; a caller that has it may pass ``pdf_renderer``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from triage_gui.domain.case import Case, CaseInputs
from triage_gui.domain.incident import IncidentData
from triage_gui.domain.report import Report
from triage_gui.providers.http.request_log import REQUEST_LOG
from triage_gui.store.bundle_writer import BundleInputs, BundleResult, ProgressCallback, write_bundle


def case_from_incident(data: IncidentData, report: Report) -> Case:
    """A case for a scripted check: the IDs, timezone and snapshots the engine saw."""
    job = data.job
    campaign = data.campaign
    inputs = CaseInputs(
        workspace_id=job.workspace_id,
        campaign_id=report.campaign_id or job.campaign_id,
        job_id=job.id,
        upload_id=report.upload_id or "",
        timezone=data.workspace.timezone if data.workspace and data.workspace.timezone else "UTC",
        agent_id=job.agent_id or (campaign.agent_id if campaign else None) or "",
        from_number=job.from_number or (campaign.from_number if campaign else None) or "",
    )
    return Case(
        created_at=report.generated_at,
        updated_at=report.generated_at,
        title=f"triage-gui check: job {job.id}",
        inputs=inputs,
        report=report,
        snapshots=list(data.snapshots),
    )


def write_check_bundle(
    out_path: Path | str,
    data: IncidentData,
    report: Report,
    *,
    token: str,
    screenshot_png: bytes | None,
    case: Case | None = None,
    log_text: str = "",
    pdf_renderer: Callable[[str], bytes] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    provider: str = "",
    http_requests: Sequence[Mapping[str, Any]] | None = None,
    overwrite: bool = False,
) -> BundleResult:
    """Write the diagnostics bundle for one ``check`` run; raises ``BundleError`` on bad input
    (e.g. the screenshot is not a PNG). ``http_requests``: None for this process's request log.
    An existing file is not replaced (the bundle goes to ``name-2.zip``) unless ``overwrite``."""
    if case is None:
        case = case_from_incident(data, report)
    inputs = BundleInputs(
        case=case,
        report=report,
        pdf_renderer=pdf_renderer,
        screenshots=[("screenshot.png", screenshot_png)] if screenshot_png else [],
        snapshots=list(data.snapshots) if not case.snapshots else None,
        events=list(data.events),
        contact_audit=data.contact_audit,
        log_text=log_text,
        calls=list(data.calls),
        http_requests=REQUEST_LOG.records() if http_requests is None else list(http_requests),
        provider=provider,
        secrets=[token] if token else [],
        omitted={"chart.png": "headless run: the progress chart is drawn only in the app"},
    )
    return write_bundle(inputs, out_path, progress=progress, cancel=cancel, overwrite=overwrite)
