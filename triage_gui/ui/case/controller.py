"""One open case: its inputs, the live poller, and the engine's latest report.

The controller owns the background work for a case: the full fetch + analysis (on Load and
Refresh) runs on the ``BackgroundRunner``; the job poller runs on its own thread, and each new
snapshot re-runs the (pure) analysis over the last fetched data plus the collected snapshots,
so verdicts such as a stall over the watch window stay live. Pages only read ``case`` and
``report`` and listen to the signals; they never do I/O.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from triage_gui.domain.case import Case, CaseInputs, VerdictOverride
from triage_gui.domain.incident import AnalysisSettings, IncidentData, JobSnapshot
from triage_gui.domain.progress_history import ProgressHistory
from triage_gui.domain.report import Report
from triage_gui.domain.vocabulary import CheckId
from triage_gui.providers.connection import Connection
from triage_gui.ui.case.load_task import LoadAborts, LoadOutcome, analyse, completed_inputs, fetch_and_analyse
from triage_gui.ui.tasks import thread_registry
from triage_gui.ui.tasks.background import BackgroundRunner, TaskContext
from triage_gui.ui.tasks.gc_policy import PausesByKey, paused_collection

if TYPE_CHECKING:
    from triage_gui.ui.tasks.job_poller import PollerThread

# The HTTP client, the fetcher, the poller and the engine are imported when first used, not
# when the window is built: they are a third of the cold start and the start page needs none.

__all__ = ["CaseController", "analyse", "paused_collection"]  # the analysis and its pause, as before

log = logging.getLogger(__name__)


def load_modules(provider: str) -> tuple[str, ...]:
    """What a load on ``provider``'s platform imports (the connection's warm-up imports them)."""
    return (
        f"triage_gui.providers.{provider}.provider",
        "triage_gui.services.incident_loading",
        "triage_gui.domain.analysis",
        "triage_gui.domain.progress_history",
    )


REANALYSIS_SPACING = 4.0  # a slow analysis waits this many times its duration before the next
LARGE_JOB_CALLS = 20_000  # above this many attempts, verdicts are re-judged at most every ...
LARGE_JOB_REANALYSIS_S = 15.0  # ... this many seconds (each poll still updates counters and chart)


class CaseController(QObject):
    load_started = Signal()
    load_progress = Signal(str)
    load_failed = Signal(str)
    load_cancelled = Signal()  # the agent cancelled the load: nothing of it lands
    ids_disagree = Signal(object)  # list[IdDisagreement]: typed IDs the job does not name; nothing judged
    report_changed = Signal(object)  # Report
    progress_history_changed = Signal(object)  # ProgressHistory | None: the chart's curves rebuilt at the load
    snapshot_added = Signal(object)  # JobSnapshot
    poll_status_changed = Signal(object)  # PollStatus
    case_changed = Signal()  # anything the agent entered (for autosave)

    def __init__(
        self,
        connection: Connection,
        settings: AnalysisSettings,
        *,
        poll_interval_s: float = 5.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.settings = settings
        self.poll_interval_s = poll_interval_s
        now = datetime.now(UTC)
        self.case = Case(created_at=now, updated_at=now)
        self.data: IncidentData | None = None
        self.progress_history: ProgressHistory | None = None  # of ``data``'s calls (load_task.py)
        self.report: Report | None = None
        self.runner = BackgroundRunner(parent=self)
        self._poller: PollerThread | None = None
        self._load_ctx: TaskContext | None = None
        self._load_aborts = LoadAborts()
        self._analysing = False
        self._analysis_dirty = False
        self._analysis_started = 0.0
        self._next_analysis_at = 0.0
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.timeout.connect(self._reanalyse)
        self._closed = False
        # Every load (and every new or reopened case) is a new generation: a result that comes
        # back for an older one is dropped, so it can never land in the case open now.
        self._generation = 0
        self._collection_pauses = PausesByKey()  # one per load generation
        self._abandoned_pollers: list[PollerThread] = []

    # -- loading ---------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """True once ``stop()`` ran: late results are ignored, nothing new starts."""
        return self._closed

    @property
    def loading(self) -> bool:
        return self._load_ctx is not None

    def load(self, inputs: CaseInputs) -> None:
        """Fetch everything for these inputs, analyse, and start watching the job."""
        if self._closed:
            return  # e.g. a Load asked for while starting up, and the window closed meanwhile
        if self._load_ctx is not None:
            self._load_aborts.abort(self._load_ctx)
        from triage_gui.services.incident_loading import FetchRequest

        self._stop_poller()
        self._generation += 1
        generation = self._generation
        if self.case.inputs.job_id and (inputs.workspace_id, inputs.job_id) != (
            self.case.inputs.workspace_id,
            self.case.inputs.job_id,
        ):
            self._replace_case(self._fresh_case())  # another job: another case; the old one stays saved
        elif self.case.inputs.job_id != inputs.job_id:
            self.case.snapshots.clear()
        self.case.inputs = inputs
        self._touch()
        request = FetchRequest(
            workspace_id=inputs.workspace_id,
            job_id=inputs.job_id,
            campaign_id=inputs.campaign_id or None,
            upload_id=inputs.upload_id or None,
            region=self.settings.default_region,
        )
        self.load_started.emit()
        # no full collection while the load allocates (ui/tasks/gc_policy.py); released on its
        # outcome, whichever generation, or on stop()
        self._collection_pauses.hold(generation)
        connection, settings, aborts = self.connection, self.settings, self._load_aborts
        self._load_ctx = self.runner.run(
            lambda ctx: fetch_and_analyse(connection, settings, request, inputs, ctx, aborts),
            lambda result: self._on_loaded(result, generation),
            lambda error: self._on_load_failed(error, generation),
            on_progress=lambda text, _d, _t: self._load_progress(text, generation),
        )

    def _load_progress(self, text: str, generation: int) -> None:
        if generation == self._generation:
            self.load_progress.emit(text)

    def warm_up_connection(self) -> None:
        """Make the connection's TLS context on a worker now, while the agent is still typing,
        not during the first load: parsing the CA bundle holds the GIL 20-60 ms (api/tls.py).
        The modules a load runs are imported there too (the HTTP client, the platform's
        provider, the engine: 0.1-0.3 s that the first load no longer waits for)."""
        from triage_gui.providers.http.tls import context_for

        conn = self.connection

        def warm_up(_ctx: TaskContext) -> object:
            context = context_for(conn.base_url, conn.verify, trust_env=conn.trust_env)  # first: the costlier stall
            for module in load_modules(conn.provider):
                import_module(module)
            return context

        self.runner.run(
            warm_up,
            lambda _context: None,
            lambda error: log.debug("the connection's warm-up failed (the load will say why): %s", error),
        )

    def refresh(self) -> None:
        if self.case.inputs.job_id:
            self.load(self.case.inputs)

    def cancel_load(self) -> None:
        """Stop the load in flight (its request too): nothing of it lands. A refresh of the job
        on screen leaves its last report there, and watching it resumes."""
        if self._load_ctx is None:
            return
        self._load_aborts.abort(self._load_ctx)
        self._load_ctx = None
        self._generation += 1  # its outcome, whatever it is, is dropped
        self._resume_watching()
        self.load_cancelled.emit()

    def _resume_watching(self) -> None:
        """After a load that brought nothing new: the job on screen is watched again."""
        if self.data is not None and self.data.job.id == self.case.inputs.job_id and not self._closed:
            self._start_poller()

    def _on_loaded(self, result: LoadOutcome, generation: int) -> None:
        current = not self._closed and generation == self._generation
        if not current:
            self._collection_pauses.release(generation)
            return  # a newer load, or another case, came since
        self._load_ctx = None
        if result.report is None:  # typed IDs the job does not name: the agent chooses first
            self._collection_pauses.release(generation)
            self._resume_watching()
            self.ids_disagree.emit(result.disagreements)
            return
        try:
            self._take_loaded(result.data, result.report, result.history)
        finally:  # whatever happens above, collection must not stay paused
            self._collection_pauses.release(generation, freeze=True)
        self._start_poller()

    def _take_loaded(self, data: IncidentData, report: Report, history: ProgressHistory | None = None) -> None:
        self.data = data
        self.progress_history = history
        self.case.inputs = completed_inputs(self.case.inputs, data)
        for snap in data.snapshots:
            self.case.add_snapshot(snap)
        self.progress_history_changed.emit(history)
        self._set_report(report)

    def _on_load_failed(self, error: BaseException, generation: int) -> None:
        self._collection_pauses.release(generation)
        if self._closed or generation != self._generation:
            return
        self._load_ctx = None
        from triage_gui.services.incident_loading import FetchCancelled

        if isinstance(error, FetchCancelled):
            return
        log.warning("load failed: %s", error)
        self.load_failed.emit(str(error) or type(error).__name__)

    def _set_report(self, report: Report) -> None:
        self.report = report
        self.case.report = report
        self._touch()
        self.report_changed.emit(report)

    # -- live watching ---------------------------------------------------------------------
    def _start_poller(self) -> None:
        from triage_gui.ui.tasks.job_poller import JobPoller, PollerThread

        self._stop_poller()
        inputs = self.case.inputs
        last_seq = self.data.events[-1].seq if self.data and self.data.events else None
        poller = JobPoller(
            self.connection,
            inputs.workspace_id,
            inputs.job_id,
            interval_s=self.poll_interval_s,
            after_seq=last_seq,
            first_poll_after_s=self.poll_interval_s,  # the load has just fetched the job
        )
        poller.snapshot_ready.connect(self._on_snapshot)
        poller.events_ready.connect(self._on_events)
        poller.status_changed.connect(self._on_poll_status)
        self._poller = PollerThread(poller, parent=self)
        thread_registry.register(self._poller.worker_thread)
        self._poller.start()

    def poll_now(self) -> None:
        if self._poller is not None:
            self._poller.poller.poll_now()

    @Slot(object)
    def _on_snapshot(self, snapshot: JobSnapshot) -> None:
        if self._closed or not self._from_current_poller():
            return
        self.case.add_snapshot(snapshot)
        self.snapshot_added.emit(snapshot)
        self._reanalyse()

    @Slot(object)
    def _on_events(self, events: list) -> None:
        if self.data is not None and self._from_current_poller():
            self.data = self.data.model_copy(update={"events": [*self.data.events, *events]})

    @Slot(object)
    def _on_poll_status(self, status: object) -> None:
        if self._from_current_poller():
            self.poll_status_changed.emit(status)

    def _from_current_poller(self) -> bool:
        """Signals an old poller queued before it was stopped are not this case's."""
        return self._poller is not None and self.sender() is self._poller.poller

    @Slot()
    def _reanalyse(self) -> None:
        """Re-run the pure analysis on the newest snapshot: never more than one at a time, and
        on a large job not more often than every few times its own duration (a 100k-recipient
        analysis takes over a second of CPU, and the GUI thread shares the interpreter)."""
        if self.data is None:
            return
        if self._analysing:
            self._analysis_dirty = True
            return
        wait_ms = int((self._next_analysis_at - time.monotonic()) * 1000)
        if wait_ms > 0:
            if not self._analysis_timer.isActive():
                self._analysis_timer.start(wait_ms)
            return
        latest = self.case.snapshots[-1]
        data = self.data.model_copy(
            update={
                "job": latest.job,
                "job_at_calls_fetch": self.data.job_at_calls_fetch or self.data.job,
                "server_now": latest.at,
                "snapshots": list(self.case.snapshots),
            }
        )
        self._analysing = True
        self._analysis_started = time.monotonic()
        generation = self._generation
        self.runner.run(
            lambda _ctx: analyse(data, self.settings),
            lambda report: self._on_reanalysed(report, generation),
            self._on_reanalyse_failed,
        )

    def _on_reanalysed(self, report: Report, generation: int) -> None:
        self._analysing = False
        if generation != self._generation:
            return
        took = time.monotonic() - self._analysis_started
        spacing = REANALYSIS_SPACING * took if took > 0.2 else 0.0
        if self.data is not None and len(self.data.calls) > LARGE_JOB_CALLS:
            spacing = max(spacing, LARGE_JOB_REANALYSIS_S)  # counters and chart stay live anyway
        self._next_analysis_at = time.monotonic() + spacing
        if self._closed:
            return
        self._set_report(report)
        if self._analysis_dirty:
            self._analysis_dirty = False
            self._reanalyse()

    def _on_reanalyse_failed(self, error: BaseException) -> None:
        self._analysing = False
        log.error("analysis failed: %s", error)
        self.load_failed.emit(f"Analysis failed: {error}")

    # -- the agent's input -----------------------------------------------------------------
    def set_note(self, page_id: str, text: str) -> None:
        if text:
            self.case.notes[page_id] = text
        else:
            self.case.notes.pop(page_id, None)
        self._touch()

    def set_override(self, check_id: CheckId, override: VerdictOverride | None) -> None:
        if override is None:
            self.case.overrides.pop(check_id, None)
        else:
            self.case.overrides[check_id] = override
        self._touch()
        if self.report is not None:
            self.report_changed.emit(self.report)

    # -- cases -----------------------------------------------------------------------------
    @staticmethod
    def _fresh_case() -> Case:
        now = datetime.now(UTC)
        return Case(created_at=now, updated_at=now)

    def _replace_case(self, case: Case) -> None:
        self.case = case
        self.data = None
        self.progress_history = None
        self.report = None

    def new_case(self) -> None:
        """Start an empty case (the current one stays as it was saved)."""
        self._generation += 1
        if self._load_ctx is not None:
            self._load_aborts.abort(self._load_ctx)
            self._load_ctx = None
        self._stop_poller()
        self._replace_case(self._fresh_case())
        self.case_changed.emit()

    def open_case(self, case: Case) -> None:
        """Reopen a saved case: its report, notes and overrides as they were, then live again."""
        self.new_case()
        self._replace_case(case)
        self.case_changed.emit()
        if case.report is not None:
            self.report = case.report
            self.report_changed.emit(case.report)
        if case.inputs.job_id and not case.closed:
            self.load(case.inputs)

    def apply_settings(self, settings: AnalysisSettings, *, poll_interval_s: float) -> None:
        """New thresholds re-judge the case now; the running poller takes the new interval."""
        self.settings = settings
        self.poll_interval_s = poll_interval_s
        if self._poller is not None:
            self._poller.poller.interval_s = poll_interval_s
            self._poller.poller.poll_now()
        self._reanalyse()

    def set_symptoms(self, inputs: CaseInputs) -> None:
        self.case.inputs = inputs
        self._touch()

    def mark_changed(self) -> None:
        """Something in ``case`` changed (form edits, screenshots): stamp it and autosave."""
        self._touch()

    def _touch(self) -> None:
        self.case.updated_at = datetime.now(UTC)
        self.case_changed.emit()

    # -- shutdown --------------------------------------------------------------------------
    def _stop_poller(self) -> None:
        if self._poller is not None:
            if not self._poller.stop():
                # still inside a request: keep the thread object alive until it ends
                log.warning("the poller did not stop in time; it ends after its request")
                self._abandoned_pollers.append(self._poller)
            self._poller = None

    def stop(self) -> None:
        """Stop the poller and every background task; returns when all threads have ended."""
        self._closed = True
        self._analysis_timer.stop()
        self._load_aborts.abort_all()  # requests in flight end now, not at their read timeout
        self._stop_poller()
        for abandoned in self._abandoned_pollers:
            abandoned.worker_thread.wait(30_000)  # its request ends at the read timeout at the latest
        self._abandoned_pollers.clear()
        self.runner.shutdown()
        self._collection_pauses.release_all()  # results no longer come: resume now
