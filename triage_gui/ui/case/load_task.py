"""A case's Load, the part that runs on a worker: fetch, compare the typed IDs, analyse.

Its requests go through an :class:`AbortableTransport`, so a Cancel or a closing window ends a
request in flight at once (a slow server otherwise holds the load, and the window's close, until
its read timeout, for each retry); the retry backoff waits on the cancel event, not a bare sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from triage_gui.domain.case import CaseInputs, IdDisagreement, id_disagreements
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.progress_history import ProgressHistory, progress_history
from triage_gui.domain.report import Report
from triage_gui.ui.tasks.background import TaskContext
from triage_gui.ui.tasks.gc_policy import paused_collection

if TYPE_CHECKING:
    from triage_gui.providers.connection import Connection
    from triage_gui.providers.http.abortable_transport import AbortableTransport
    from triage_gui.services.incident_loading import FetchRequest


def analyse(
    data: IncidentData, settings: AnalysisSettings, progress: Callable[[str, int, int], None] | None = None
) -> Report:
    """The engine's analysis with automatic collection paused (ui/tasks/gc_policy.py): it
    allocates a few hundred thousand small objects (one per recipient) next to the ~1M of a
    100k-recipient incident, and each full collection they would trigger walks all of them. The
    analysis makes no reference cycles."""
    from triage_gui.domain.analysis import analyse as run_analysis

    with paused_collection():
        return run_analysis(data, settings, progress)


def completed_inputs(inputs: CaseInputs, data: IncidentData) -> CaseInputs:
    """``inputs`` with what the loaded job says: its campaign and upload (where the agent typed
    none), its agent and from-number (else its campaign's)."""
    job, campaign = data.job, data.campaign
    return inputs.model_copy(
        update={
            "campaign_id": inputs.campaign_id or job.campaign_id,
            "upload_id": inputs.upload_id or job.upload_id or (campaign.upload_id if campaign else None) or "",
            "agent_id": job.agent_id or (campaign.agent_id if campaign else "") or "",
            "from_number": job.from_number or (campaign.from_number if campaign else "") or "",
        }
    )


@dataclass
class LoadOutcome:
    """What a load brings back: the data and its report, or, when typed IDs disagree with the
    job, the data and the disagreements (no report: nothing is judged before the agent chose)."""

    data: IncidentData
    report: Report | None
    disagreements: list[IdDisagreement] = field(default_factory=list)
    history: ProgressHistory | None = None  # the progress chart's curves rebuilt from the calls


class LoadAborts:
    """The transports of the loads in flight, by task: ``abort`` (from the GUI thread) cancels a
    load and ends its request in flight; a load armed after its abort is aborted as it arms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transports: dict[TaskContext, AbortableTransport] = {}
        self._aborted: set[TaskContext] = set()

    def arm(self, ctx: TaskContext, transport: AbortableTransport) -> None:
        with self._lock:
            aborted = ctx in self._aborted or ctx.cancel.is_set()
            if not aborted:
                self._transports[ctx] = transport
        if aborted:
            transport.abort()

    def disarm(self, ctx: TaskContext) -> None:
        with self._lock:
            self._transports.pop(ctx, None)
            self._aborted.discard(ctx)

    def abort(self, ctx: TaskContext) -> None:
        with self._lock:
            ctx.cancel.set()
            self._aborted.add(ctx)
            transport = self._transports.pop(ctx, None)
        if transport is not None:
            transport.abort()

    def abort_all(self) -> None:
        with self._lock:
            contexts = list(self._transports)
        for ctx in contexts:
            self.abort(ctx)


def fetch_and_analyse(
    connection: Connection,
    settings: AnalysisSettings,
    request: FetchRequest,
    inputs: CaseInputs,
    ctx: TaskContext,
    aborts: LoadAborts,
) -> LoadOutcome:
    """Fetch the incident; analyse it unless a typed ID disagrees with the job (worker thread)."""
    from triage_gui.providers.http.abortable_transport import AbortableTransport
    from triage_gui.providers.http.tls import context_for
    from triage_gui.services.incident_loading import fetch_incident

    def backoff(seconds: float) -> None:
        ctx.cancel.wait(seconds)  # a cancelled load does not sit out its retry backoff

    try:
        transport = AbortableTransport(
            verify=context_for(connection.base_url, connection.verify, trust_env=connection.trust_env),
            trust_env=connection.trust_env,
        )
        aborts.arm(ctx, transport)
        with connection.open_provider(transport=transport, sleep=backoff) as provider:
            data = fetch_incident(provider, request, progress=ctx.progress, cancel=ctx.cancel)
    finally:
        aborts.disarm(ctx)
    disagreements = id_disagreements(inputs, data.job)
    if disagreements:
        return LoadOutcome(data, None, disagreements)
    report = analyse(data, settings, progress=ctx.progress)
    with paused_collection():  # ~0.1-0.3 s at 100k recipients: here, never on the GUI thread
        history = progress_history(data)
    return LoadOutcome(data, report, history=history)
