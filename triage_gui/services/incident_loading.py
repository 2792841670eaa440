"""Load one incident through a provider: the engine's I/O half, for both faces.

The provider maps its platform onto ``IncidentData``; this service adds what is not the
platform's business: the audit of the upload's content (reading CSV is the store's), and the
one place both the wizard and ``triage-gui check`` call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.incident import IncidentData
from triage_gui.providers.base import (
    FetchCancelled,
    IncidentRequest,
    ProgressCallback,
    Provider,
    UploadAuditFailed,
)

# The request's old name, kept: the controller, the CLI and the benches say FetchRequest.
FetchRequest = IncidentRequest

__all__ = ["FetchCancelled", "FetchRequest", "IncidentRequest", "audit_upload_lines", "fetch_incident"]


def fetch_incident(
    provider: Provider,
    request: IncidentRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> IncidentData:
    """Fetch the job (errors propagate) and everything around it (errors recorded)."""
    return provider.fetch_incident(request, audit_upload=audit_upload_lines, progress=progress, cancel=cancel)


def audit_upload_lines(lines: Iterator[str], region: str | None, source: str) -> ContactAuditResult:
    """The upload audit of ``triage-gui audit``, on an upload's streamed content."""
    from triage_gui.store.csv_source import ContactFileError, audit_lines

    try:
        return audit_lines(lines, region, source=source)
    except ContactFileError as exc:
        raise UploadAuditFailed(str(exc)) from exc
