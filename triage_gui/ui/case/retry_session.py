"""The retries of the open case: its retry ledger, and every launch, resume and look at them.

The ledger lives beside the case (``<data dir>/cases/<case_id>/retries``), so whoever opens the
case again (after a crash, on the next day) finds a pending intent and resumes it with its own
key instead of launching anew. Every blocking step (the ledger's fsynced writes, HTTP) runs on
the controller's ``BackgroundRunner``; results come back as signals on the GUI thread. After
each step the ledger's entries are copied into ``case.retries``, so the autosaved case, the
escalation form and the bundle record every retry with its key, cohort, result and verdict.

At most one task of each kind runs at a time: a second click while a launch is on its way is
refused here, and even if it were not, the same cohort has the same key and the server answers
it with the job it already made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from triage_gui.domain.dispatch_monitor import MonitorVerdict
from triage_gui.domain.models import BatchJob
from triage_gui.domain.report import RetryPlan
from triage_gui.domain.retry_cohort import Cohort, CohortProblem, validate_cohort
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.providers.connection import Connection
from triage_gui.services.retry_launch import LaunchOutcome, RetryLauncher
from triage_gui.store.paths import AppPaths
from triage_gui.store.retry_ledger import RetryLedger
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.tasks.background import TaskContext

log = logging.getLogger(__name__)

CASES_DIR = "cases"
RETRIES_DIR = "retries"
MAX_CHILD_CALLS = 200_000


@dataclass(frozen=True)
class RetryContext:
    """What the retries already made for this job mean for the next cohort."""

    workspace: str
    job: str
    retried: dict[str, str] = field(default_factory=dict)  # recipient id -> retry that has it
    entries: list[RetryIntent] = field(default_factory=list)  # this job's intents, oldest first
    retry_children: list[str] = field(default_factory=list)  # its retry jobs on the server

    @property
    def pending(self) -> list[RetryIntent]:
        return [e for e in self.entries if e.state is IntentState.PENDING]

    @property
    def sample(self) -> RetryIntent | None:
        return next((e for e in self.entries if e.phase == "sample" and e.retry_job_id), None)

    @property
    def sample_job_id(self) -> str | None:
        """The sample's retry job; without a ledger entry, the job's first retry child (another
        agent's or the command line's launch), as ``triage-gui retry --remainder`` does."""
        if self.sample is not None:
            return self.sample.retry_job_id
        return self.retry_children[0] if self.retry_children else None

    @property
    def latest_job_id(self) -> str | None:
        launched = [e.retry_job_id for e in self.entries if e.retry_job_id]
        if launched:
            return launched[-1]
        return self.retry_children[-1] if self.retry_children else None


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
        paths: AppPaths | None = None,
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
    def ledger_dir(self) -> Path:
        paths = self._paths or AppPaths()
        return paths.data_dir / CASES_DIR / self.controller.case.case_id / RETRIES_DIR

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
        ws, job = self._workspace(), data.job.id
        children = sorted((j for j in data.related_jobs if j.parent_job_id == job), key=lambda j: j.created_at)
        ledger_dir, connection = self.ledger_dir, self.controller.connection
        self._start(
            "context", lambda ctx: _read_context(ctx, connection, ledger_dir, ws, job, children), self._on_context
        )

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
        retried: dict[str, str],
        extra_problems: list[CohortProblem] | None = None,
    ) -> bool:
        """Validate the cohort off the GUI thread (it walks every call); emits ``checked``."""
        data = self.controller.data
        if data is None:
            return False
        settings = self.controller.settings
        extra = list(extra_problems or [])

        def op(_ctx: TaskContext) -> CohortCheck:
            problems = validate_cohort(cohort, plan, data, already_retried=retried, settings=settings)
            return CohortCheck(cohort, problems + extra)

        return self._start("check", op, self.checked.emit)

    def launch(
        self, cohort: Cohort, problems: list[CohortProblem], override_reason: str | None, note: str = ""
    ) -> bool:
        """Launch through :class:`RetryLauncher`; False (and nothing sent) while one is on its way."""
        if self.launching or not cohort.size:
            return False
        ledger_dir, connection = self.ledger_dir, self.controller.connection
        note = note or default_note(cohort)
        # This launch resolves its own intent as far as it can: an unresolved one waits for the
        # next load or Refresh, not for an automatic resume straight after.
        self._resumed_cases.add(self.controller.case.case_id)

        def op(ctx: TaskContext) -> tuple[LaunchOutcome, list[RetryIntent]]:
            ledger = RetryLedger(ledger_dir)
            with connection.make_client() as client:
                launcher = RetryLauncher(client, ledger, cancel=ctx.cancel, progress=ctx.progress)
                outcome = launcher.launch(
                    cohort.recipient_ids,
                    cohort.workspace_id,
                    cohort.job_id,
                    note,
                    override_reason,
                    problems=problems,
                    phase=cohort.phase.value,
                )
            return outcome, ledger.entries()

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
        ledger_dir, connection = self.ledger_dir, self.controller.connection

        def op(ctx: TaskContext) -> tuple[list[LaunchOutcome], list[RetryIntent]]:
            ledger = RetryLedger(ledger_dir)
            if not ledger.pending():
                return [], ledger.entries()
            with connection.make_client() as client:
                launcher = RetryLauncher(client, ledger, cancel=ctx.cancel, progress=ctx.progress)
                outcomes = launcher.resume_pending()
            return outcomes, ledger.entries()

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
        ledger_dir, connection = self.ledger_dir, self.controller.connection

        def op(_ctx: TaskContext) -> tuple[MonitorVerdict, list[RetryIntent]]:
            ledger = RetryLedger(ledger_dir)
            with connection.make_client() as client:
                verdict = RetryLauncher(client, ledger).monitor(
                    retry_job_id,
                    ws,
                    stall_threshold_s=settings.stall_threshold_s,
                    failure_threshold=settings.transient_threshold,
                )
            return verdict, ledger.entries()

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

    def _workspace(self) -> str:
        data = self.controller.data
        return (data.job.workspace_id if data else "") or self.controller.case.inputs.workspace_id

    def _controller_closed(self) -> bool:
        # a refresh after stop() would start fetching for a window that is gone
        return self.controller.closed


def _read_context(
    ctx: TaskContext, connection: Connection, ledger_dir: Path, ws: str, job: str, children: list[BatchJob]
) -> tuple[RetryContext, list[RetryIntent]]:
    ledger = RetryLedger(ledger_dir)
    retried: dict[str, str] = {}
    if children:  # another agent's or the command line's launches count too
        with connection.make_client() as client:
            for child in children:
                if ctx.cancelled:
                    break
                for call in client.iter_calls(ws, child.id, max_items=MAX_CHILD_CALLS):
                    retried.setdefault(call.recipient_id, child.id)
    retried.update(ledger.retried_recipients(ws, job))
    context = RetryContext(ws, job, retried, ledger.for_job(ws, job), [c.id for c in children])
    return context, ledger.entries()


def default_note(cohort: Cohort) -> str:
    """The same note as ``triage-gui retry``: the same cohort from either face is the same body."""
    return f"Outbound Triage: targeted retry ({cohort.phase.value}) of {cohort.job_id}, {cohort.size} recipients"
