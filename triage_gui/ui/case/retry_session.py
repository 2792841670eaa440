"""The retries of the open case: its retry ledger, and every launch, resume and look at them.

The ledger is the job's, shared by every case of that job and by ``triage-gui retry`` on this
machine (``services/retry.py``), so whoever opens the job again (after a crash, on the next day,
from the command line) finds a pending intent and resumes it with its own key instead of
launching anew. A case's own ledger from before (``cases/<case_id>/retries``) is adopted into it. Every blocking step (the ledger's fsynced writes, HTTP) runs on
the controller's ``BackgroundRunner``; results come back as signals on the GUI thread. After
each step the ledger's entries are copied into ``case.retries``, so the autosaved case, the
escalation form and the bundle record every retry with its key, cohort, result and verdict.

At most one task of each kind runs at a time: a second click while a launch is on its way is
refused here, and even if it were not, the same cohort has the same key and the server answers
it with the job it already made.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from triage_gui.domain.dispatch_monitor import MonitorVerdict
from triage_gui.domain.report import RetryPlan
from triage_gui.domain.retry_cohort import Cohort, CohortProblem
from triage_gui.domain.retry_intent import RetryIntent
from triage_gui.services.retry import RetryContext, RetryService
from triage_gui.services.retry_launch import LaunchOutcome
from triage_gui.store.paths import AppPaths
from triage_gui.store.retry_ledger import RetryLedger, ledger_dir
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.tasks.background import TaskContext

log = logging.getLogger(__name__)

CASES_DIR = "cases"
OLD_RETRIES_DIR = "retries"  # a case's own ledger, before the ledger was the job's


@dataclass(frozen=True)
class CohortCheck:
    """A cohort and every problem :func:`validate_cohort` (and the sample gate) found in it."""

    cohort: Cohort
    problems: list[CohortProblem]


class RetrySession(QObject):
    context_ready = Signal(object)  # RetryContext
    checked = Signal(object)  # CohortCheck
    launched = Signal(object)  # LaunchOutcome
    resumed = Signal(object)  # list[LaunchOutcome]
    monitored = Signal(object)  # MonitorVerdict
    failed = Signal(str, str)  # (task: context|check|launch|resume|monitor, message)
    progress = Signal(str)
    busy_changed = Signal()

    def __init__(
        self,
        controller: CaseController,
        *,
        paths: AppPaths,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._paths = paths
        self._tasks: set[str] = set()
        self._context_again = False
        self._resumed_cases: set[str] = set()
        controller.load_started.connect(self._on_load_started)

    # -- state -----------------------------------------------------------------------------
    @property
    def _data_dir(self) -> Path:
        return self._paths.data_dir

    @property
    def ledger_dir(self) -> Path:
        """The open job's machine-wide ledger (the command line's too)."""
        return self.ledger_dir_for(self._workspace(), self._job())

    def ledger_dir_for(self, workspace: str, job: str) -> Path:
        return ledger_dir(self._data_dir, self.controller.connection.base_url, workspace, job)

    @property
    def _old_ledger_dir(self) -> Path:
        return self._data_dir / CASES_DIR / self.controller.case.case_id / OLD_RETRIES_DIR

    @property
    def idle(self) -> bool:
        return not self._tasks

    def running(self, task: str) -> bool:
        return task in self._tasks or any(t.startswith(task + ":") for t in self._tasks)

    @property
    def launching(self) -> bool:
        return "launch" in self._tasks or "resume" in self._tasks

    @Slot()
    def _on_load_started(self) -> None:
        self._resumed_cases.clear()  # a (re)load is a case open: pending intents are resumed again

    # -- earlier retries -------------------------------------------------------------------
    def refresh_context(self) -> None:
        """Read the ledger and the job's retry children; a call while one runs queues one more."""
        data = self.controller.data
        if data is None:
            return
        if "context" in self._tasks:
            self._context_again = True
            return
        parent, old_dir = data.job, self._old_ledger_dir

        def op(ctx: TaskContext) -> tuple[RetryContext, list[RetryIntent]]:
            with self._service(ctx) as service:
                service.ledger.adopt(old_dir)
                return service.context(parent), service.ledger.entries()

        self._start("context", op, self._on_context)

    def _on_context(self, result: tuple[RetryContext, list[RetryIntent]]) -> None:
        context, entries = result
        self._sync(entries)
        self.context_ready.emit(context)
        if self._context_again:
            self._context_again = False
            self.refresh_context()
            return
        case_id = self.controller.case.case_id
        if context.pending and case_id not in self._resumed_cases:
            self._resumed_cases.add(case_id)  # once per case open (or Refresh), not in a loop
            self.resume_pending()

    # -- checking and launching ------------------------------------------------------------
    def check(
        self,
        cohort: Cohort,
        plan: RetryPlan,
        context: RetryContext,
        extra_problems: list[CohortProblem] | None = None,
    ) -> bool:
        """Validate the cohort off the GUI thread (it walks every call); emits ``checked``."""
        data = self.controller.data
        if data is None:
            return False
        settings = self.controller.settings
        extra = list(extra_problems or [])

        def op(_ctx: TaskContext) -> CohortCheck:
            return CohortCheck(cohort, RetryService.check(cohort, plan, data, context, settings, extra))

        return self._start("check", op, self.checked.emit)

    def launch(
        self, cohort: Cohort, problems: list[CohortProblem], override_reason: str | None, note: str = ""
    ) -> bool:
        """Launch through :class:`RetryLauncher`; False (and nothing sent) while one is on its way."""
        if self.launching or not cohort.size:
            return False
        # This launch resolves its own intent as far as it can: an unresolved one waits for the
        # next load or Refresh, not for an automatic resume straight after.
        self._resumed_cases.add(self.controller.case.case_id)

        def op(ctx: TaskContext) -> tuple[LaunchOutcome, list[RetryIntent]]:
            with self._service(ctx) as service:
                return service.launch(cohort, problems, override_reason, note), service.ledger.entries()

        return self._start("launch", op, self._on_launched)

    def _on_launched(self, result: tuple[LaunchOutcome, list[RetryIntent]]) -> None:
        outcome, entries = result
        self._sync(entries)
        self.launched.emit(outcome)
        self._after_launch([outcome])

    def resume_pending(self) -> bool:
        """Re-send every pending intent of the case with its own key and body."""
        if self.launching:
            return False
        ws, job = self._workspace(), self._job()

        def op(ctx: TaskContext) -> tuple[list[LaunchOutcome], list[RetryIntent]]:
            with self._service(ctx) as service:
                if not service.ledger.pending(ws, job):
                    return [], service.ledger.entries()
                return service.resume_pending(ws, job), service.ledger.entries()

        return self._start("resume", op, self._on_resumed)

    def _on_resumed(self, result: tuple[list[LaunchOutcome], list[RetryIntent]]) -> None:
        outcomes, entries = result
        self._sync(entries)
        self.resumed.emit(outcomes)
        self._after_launch(outcomes)

    def _after_launch(self, outcomes: list[LaunchOutcome]) -> None:
        if not outcomes or self._controller_closed():
            return
        self.refresh_context()
        data = self.controller.data
        known = {j.id for j in data.related_jobs} if data is not None else set()
        if any(o.ok and o.retry_job_id not in known for o in outcomes):
            # The engine must see the new retry child among the related jobs: a stalled one is
            # the Level 3 "stalled after validated retry path".
            self.controller.refresh()

    # -- the first-dispatches monitor ------------------------------------------------------
    def monitor(self, retry_job_id: str) -> bool:
        """One look at the retry job's first dispatches; False while a look at it is running."""
        ws = self._workspace()
        settings = self.controller.settings

        def op(ctx: TaskContext) -> tuple[MonitorVerdict, list[RetryIntent]]:
            with self._service(ctx) as service:
                return service.monitor(retry_job_id, ws, settings), service.ledger.entries()

        return self._start(f"monitor:{retry_job_id}", op, self._on_monitored)

    def _on_monitored(self, result: tuple[MonitorVerdict, list[RetryIntent]]) -> None:
        verdict, entries = result
        self._sync(entries)
        self.monitored.emit(verdict)

    # -- plumbing --------------------------------------------------------------------------
    def _sync(self, entries: list[RetryIntent]) -> None:
        case = self.controller.case
        if entries != case.retries:
            case.retries = list(entries)
            self.controller.mark_changed()

    def _start(self, name: str, op: Callable[[TaskContext], Any], on_success: Callable[[Any], None]) -> bool:
        if name in self._tasks:
            return False
        self._tasks.add(name)
        self.busy_changed.emit()
        case_id = self.controller.case.case_id

        def succeeded(result: Any) -> None:
            self._finish(name)
            if self.controller.case.case_id != case_id:
                # another case was opened meanwhile: the result is in its own case's ledger
                # (on disk) and comes back when that case is opened; never write it into this one
                log.info("retry %s finished for case %s after it was closed", name, case_id)
                return
            on_success(result)

        def failed(error: BaseException) -> None:
            self._finish(name)
            log.warning("retry %s failed: %s", name, error)
            self.failed.emit(name.split(":", 1)[0], str(error) or type(error).__name__)

        self.controller.runner.run(op, succeeded, failed, on_progress=lambda text, _d, _t: self.progress.emit(text))
        return True

    def _finish(self, name: str) -> None:
        self._tasks.discard(name)
        self.busy_changed.emit()

    @contextlib.contextmanager
    def _service(self, ctx: TaskContext) -> Iterator[RetryService]:
        """The retry service on a worker: this job's ledger and a provider, closed afterwards."""
        ledger = RetryLedger(self.ledger_dir)
        with self.controller.connection.open_provider() as provider:
            yield RetryService(provider, ledger, cancel=ctx.cancel, progress=ctx.progress)

    def _job(self) -> str:
        data = self.controller.data
        return data.job.id if data else self.controller.case.inputs.job_id

    def _workspace(self) -> str:
        data = self.controller.data
        return (data.job.workspace_id if data else "") or self.controller.case.inputs.workspace_id

    def _controller_closed(self) -> bool:
        # a refresh after stop() would start fetching for a window that is gone
        return self.controller.closed
