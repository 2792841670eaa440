"""Page 4 of the runbook: the retry strategy, and the targeted retry itself.

The runbook's order, enforced here: "Retry a small sample cohort before full relaunch", then
"monitor first 10-20 dispatches", then the rest. The cohort tab shows the proposed cohort (the
sample, then the remainder, then who is excluded) with the reason each recipient is in or out;
the agent can uncheck recipients or a whole failure code or class, export the cohort for an
operator's own console, and launch it behind :class:`RetryConfirmDialog`. The monitor tab
follows the launched retry job. The remainder unlocks once a sample was launched, and its
dialog refuses it until the sample is healthy, unless the agent writes why.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.csv_safety import neutralise_record
from triage_gui.domain.dispatch_monitor import MonitorVerdict
from triage_gui.domain.report import Report, RetryPlan
from triage_gui.domain.retry_cohort import Cohort, CohortPhase, cohort_csv_rows, propose_cohort, remainder_problems
from triage_gui.domain.vocabulary import CheckId, Verdict
from triage_gui.services.retry import RetryContext
from triage_gui.services.retry_launch import LaunchOutcome, LaunchStatus
from triage_gui.store.paths import AppPaths, atomic_write_text
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.case.retry_session import CohortCheck, RetrySession
from triage_gui.ui.dialogs.retry_confirm_dialog import RetryConfirmDialog
from triage_gui.ui.pages.check_page import CheckPage
from triage_gui.ui.pages.retry_texts import counts_line
from triage_gui.ui.widgets.cohort_model import (
    CohortEdit,
    CohortModel,
    CohortRows,
    apply_edit,
    cohort_rows,
    deselect_choices,
    replay_edits,
)
from triage_gui.ui.widgets.icons import verdict_icon
from triage_gui.ui.widgets.retry_monitor_panel import MonitorPanel
from triage_gui.ui.widgets.table_view import TableMenu, fit_columns_on_reset, read_only_table

__all__ = ["CSV_COLUMNS", "CohortModel", "RetryStrategyPage"]

MIN_COLUMN_PX = 80  # no column squeezed to "t…" at 800 x 600
INLINE_PROPOSAL_MAX = 2_000  # candidates proposed on the GUI thread (a few ms); more on a worker (650 ms at 1M)
CSV_COLUMNS = ("recipient_id", "masked_number", "last_failure", "failure_class")


# cohort, deselect choices, fingerprint, the table's rows
Prepared = tuple[Cohort, list[tuple[str, str]], tuple[Any, ...], CohortRows]


def plan_fingerprint(plan: RetryPlan) -> tuple[Any, ...]:
    """What a proposal is made of, compared by value (pydantic's ``==`` per candidate is slower)."""
    return tuple(plan.sample_ids), tuple(tuple(c.__dict__.values()) for c in plan.candidates)


def cohort_text(cohort: Cohort, size: int | None = None) -> str:
    size = cohort.size if size is None else size
    out = len(cohort.members) - size
    return (
        f"<b>{cohort.phase.value.capitalize()} cohort: {size} recipient{'s' if size != 1 else ''} "
        f"would be called.</b> {out} not in it (see each one's reason)."
    )


class RetryStrategyPage(CheckPage):
    def __init__(self, controller: CaseController, *, paths: AppPaths, monitor_interval_s: float | None = None) -> None:
        super().__init__(controller, CheckId.RETRY_STRATEGY)
        self.session = RetrySession(controller, paths=paths, parent=self)
        self.context: RetryContext | None = None
        self.plan = RetryPlan()
        self.dialog: RetryConfirmDialog | None = None
        self._edits: list[CohortEdit] = []  # the agent's changes, replayed on a new proposal
        self._counted: tuple[Cohort, int] | None = None  # a cohort and its size (see _size)
        self._proposal_key: tuple[Any, ...] | None = None
        self._proposed_plan: RetryPlan | None = None
        self._shown_key: tuple[Any, ...] | None = None  # the fingerprint of the proposal shown
        self._data_key: tuple[Any, ...] | None = None
        self._verdicts: dict[str, MonitorVerdict] = {}
        self._check: CohortCheck | None = None
        self._reloaded = False  # a new load: read the ledger and the retry children again
        self._preparing = 0  # the ticket of the proposal being prepared on a worker, 0 if none
        self._tickets = 0
        controller.load_started.connect(self._on_load_started)
        controller.report_changed.connect(self._follow_case_on_report)

        self.plan_line = QLabel()
        self.plan_line.setWordWrap(True)
        self.cohort_line = QLabel()
        self.cohort_line.setWordWrap(True)
        self.cohort_line.setAccessibleName("Cohort summary")
        self.gate_line = QLabel()
        self.gate_line.setWordWrap(True)
        self.gate_line.setAccessibleName("Sample verdict")
        self.model = CohortModel(self)
        self.model.edited.connect(self._on_edited)
        self.table = read_only_table("Retry cohort: check a recipient to put them in", row_numbers=False)
        self.table.setModel(self.model)
        fit_columns_on_reset(self.table, stretch=CohortModel.REASON)  # not ResizeToContents: 42k rows
        self.table.horizontalHeader().setMinimumSectionSize(MIN_COLUMN_PX)  # the Reason stays readable
        TableMenu(self.table).find_recipient.connect(self.find_recipient)

        self.group_box = QComboBox()
        self.group_box.setAccessibleName("Failure code or class to deselect")
        group_label = QLabel("Failure code or class:")
        group_label.setBuddy(self.group_box)
        self.deselect_button = QPushButton("Deselect all &with it")
        self.deselect_button.clicked.connect(self._deselect_group)
        self.reset_button = QPushButton("Reset to the &proposal")
        self.reset_button.clicked.connect(self._reset)
        edit_row = QHBoxLayout()  # the choice, then its buttons below it: the page fits 800 px
        edit_row.addWidget(group_label)
        edit_row.addWidget(self.group_box, 1)
        edit_buttons = QHBoxLayout()
        edit_buttons.addStretch(1)
        edit_buttons.addWidget(self.deselect_button)
        edit_buttons.addWidget(self.reset_button)

        self.status_icon = QLabel()
        self.status_icon.setFixedSize(QSize(20, 20))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Retry status")
        self.export_button = QPushButton("E&xport cohort CSV…")
        self.export_button.clicked.connect(self._export_clicked)
        self.sample_button = QPushButton("Launch &sample retry…")
        self.sample_button.clicked.connect(self._launch_clicked)
        self.remainder_button = QPushButton("&Launch the remainder…")
        self.remainder_button.clicked.connect(self._launch_clicked)
        for button in (self.export_button, self.sample_button, self.remainder_button):
            button.setAutoDefault(False)
        status_row = QHBoxLayout()  # the status on a row of its own: the page fits 800 px
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        launch_row = QHBoxLayout()
        launch_row.addStretch(1)
        launch_row.addWidget(self.sample_button)
        launch_row.addWidget(self.remainder_button)

        cohort_tab = QWidget()
        layout = QVBoxLayout(cohort_tab)
        layout.addWidget(self.plan_line)
        layout.addWidget(self.cohort_line)
        layout.addWidget(self.gate_line)
        layout.addWidget(self.table, 1)
        layout.addLayout(edit_row)
        layout.addLayout(edit_buttons)
        layout.addLayout(status_row)
        layout.addLayout(launch_row)
        interval = monitor_interval_s if monitor_interval_s is not None else controller.poll_interval_s
        self.monitor = MonitorPanel(self.session, interval_s=interval)
        self.extra_tabs.insertTab(0, cohort_tab, "Retry &cohort")
        self.extra_tabs.insertTab(1, self.monitor, "&Monitor first dispatches")
        self.extra_tabs.setCurrentIndex(0)

        self.session.context_ready.connect(self._on_context)
        self.session.checked.connect(self._on_checked)
        self.session.launched.connect(self._on_launched)
        self.session.resumed.connect(self._on_resumed)
        self.session.monitored.connect(self._on_monitored)
        self.session.failed.connect(self._on_failed)
        self.session.progress.connect(self.status.setText)
        self.session.busy_changed.connect(self._update_controls)
        self._update_controls()

    # -- the proposal ----------------------------------------------------------------------
    @property
    def phase(self) -> CohortPhase:
        return CohortPhase.REMAINDER if self.context and self.context.sample_job_id else CohortPhase.SAMPLE

    @property
    def cohort(self) -> Cohort | None:
        return self.model.cohort

    def _size(self) -> int:
        """The shown cohort's size, counted once per cohort (~15 ms at 1M recipients, and the
        page asks several times per report); a cohort never changes, a new one is another object."""
        cohort = self.cohort
        if cohort is None:
            return 0
        if self._counted is None or self._counted[0] is not cohort:
            self._counted = (cohort, cohort.size)
        return self._counted[1]

    @Slot(object)
    def _follow_case_on_report(self, report: Report) -> None:
        # The retry ledger follows every load even while this page is hidden: pending launches
        # are resumed when a case opens, not when the agent happens to look at page 4. The
        # cohort is proposed now too (on a worker when big), not when the agent turns to it.
        self.plan = report.retry_plan
        self._follow_case()
        if self.context is not None:
            self._propose(report.workspace_id, report.job_id)

    def update_extras(self, report: Report) -> None:
        self.plan = report.retry_plan
        self.plan_line.setText(
            ("ON HOLD: " + (self.plan.hold_reason or "wait for the provider") + " · " if self.plan.hold else "")
            + "Plan: "
            + counts_line(self.plan)
        )
        self._follow_case()
        self._propose(report.workspace_id, report.job_id)

    def _follow_case(self) -> None:
        data = self.controller.data
        case_id = self.controller.case.case_id
        key = (case_id, data.job.id, tuple(sorted(j.id for j in data.related_jobs))) if data else None
        if key is not None and (key != self._data_key or self._reloaded):
            self._reloaded = False
            if self._data_key is not None and self._data_key[:2] != key[:2]:
                self._forget_case()  # another case or job: its retries are not this one's
            self._data_key = key
            self.session.refresh_context()

    @Slot()
    def _on_load_started(self) -> None:
        self._reloaded = True

    def _forget_case(self) -> None:
        self.context = None
        self._edits, self._proposal_key, self._shown_key, self._verdicts = [], None, None, {}
        self._preparing = 0  # a proposal on its way is the other case's
        self.monitor.clear()

    def _propose(self, workspace: str, job: str) -> None:
        retried = self.context.retried if self.context else {}
        key = (workspace, job, sorted(retried.items()), self.phase)
        if key == self._proposal_key and self.plan is self._proposed_plan:
            return  # comparing two 1M-recipient plans' candidates takes ~0.1 s: done on the worker
        if self._proposal_key is not None and self._proposal_key[-1] != self.phase:
            self._edits = []  # a new phase is a new cohort
        self._proposal_key, self._proposed_plan = key, self.plan
        plan, phase, edits, shown = self.plan, self.phase, list(self._edits), self._shown_key

        def prepare() -> Prepared | None:  # pure: runs on a worker for a big plan
            fingerprint = (key, plan_fingerprint(plan))
            if fingerprint == shown:
                return None  # the same proposal: the cohort shown stays, with the agent's edits
            cohort = replay_edits(propose_cohort(plan, workspace, job, phase, already_retried=retried), edits)
            return cohort, deselect_choices(cohort), fingerprint, cohort_rows(cohort, plan)

        if len(plan.candidates) <= INLINE_PROPOSAL_MAX:
            self._tickets += 1  # a proposal still on a worker is for an older plan: dropped
            self._preparing = 0
            self._on_prepared(0, len(edits), prepare())
            return
        self._tickets += 1
        ticket = self._preparing = self._tickets
        if self.cohort is None or shown is None or shown[0] != key:
            self.cohort_line.setText("<b>Preparing the cohort…</b>")
        self._update_controls()
        self.controller.runner.run(
            lambda _ctx: prepare(),
            lambda result: self._on_prepared(ticket, len(edits), result),
            lambda error: self._on_prepared(ticket, len(edits), None, error),
        )

    def _on_prepared(
        self, ticket: int, replayed: int, prepared: Prepared | None, error: BaseException | None = None
    ) -> None:
        if ticket != self._preparing:
            return  # a newer proposal is on its way
        self._preparing = 0
        if error is not None:
            self.cohort_line.setText("")
            self._say(Verdict.FAIL, f"Could not prepare the cohort: {error}")
            self._update_controls()
            return
        if prepared is None:  # unchanged
            if self.cohort is not None:
                self.cohort_line.setText(cohort_text(self.cohort, self._size()))
            self._update_controls()
            return
        cohort, choices, self._shown_key, rows = prepared
        later = self._edits[replayed:]  # the agent's edits made while it was being prepared
        if later:  # then the worker's rows are not this cohort's: the model orders them itself
            cohort = replay_edits(cohort, later)
            self._show_cohort(cohort, deselect_choices(cohort))
            return
        self._show_cohort(cohort, choices, rows)

    def _show_cohort(
        self, cohort: Cohort, choices: list[tuple[str, str]] | None = None, rows: CohortRows | None = None
    ) -> None:
        self.model.set_cohort(cohort, self.plan, rows)
        self.cohort_line.setText(cohort_text(cohort, self._size()))
        self.group_box.clear()
        for label, choice in deselect_choices(cohort) if choices is None else choices:
            self.group_box.addItem(label, choice)
        self._update_controls()

    @Slot(str, bool)
    def _on_edited(self, recipient_id: str, selected: bool) -> None:
        self._edit(("in" if selected else "out", recipient_id))

    def _edit(self, edit: CohortEdit) -> None:
        if self.cohort is None:
            return
        self._edits.append(edit)
        self._show_cohort(apply_edit(self.cohort, edit))

    @Slot()
    def _deselect_group(self) -> None:
        chosen = self.group_box.currentData()
        if chosen:
            kind, value = str(chosen).split(":", 1)
            self._edit((kind, value))

    @Slot()
    def _reset(self) -> None:
        self._edits = []
        self._proposal_key = self._shown_key = None
        if self.controller.report is not None:
            self._propose(self.controller.report.workspace_id, self.controller.report.job_id)

    def export_csv(self, path: Path) -> int:
        """Write the selected recipients (id, masked number, last failure); returns the count."""
        rows = cohort_csv_rows(self.cohort) if self.cohort else []
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        # cells from the server that start like a formula cannot run in a spreadsheet
        writer.writerows(neutralise_record(row, phone_keys={"masked_number"}) for row in rows)
        atomic_write_text(Path(path), buffer.getvalue(), mode=0o644)  # refuses a device or a FIFO
        return len(rows)

    @Slot()
    def _export_clicked(self) -> None:
        default = f"retry-cohort-{self.controller.case.inputs.job_id or 'job'}-{self.phase.value}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export the retry cohort", default, "CSV (*.csv)")
        if not path:
            return
        try:
            count = self.export_csv(Path(path))
        except OSError as exc:
            self._say(Verdict.FAIL, f"Could not write {path}: {exc.strerror or exc}.")
            return
        self._say(Verdict.PASS, f"Exported {count} recipients to {path}.")

    # -- launching -------------------------------------------------------------------------
    def sample_verdict(self) -> MonitorVerdict | None:
        job = self.context.sample_job_id if self.context else None
        if job is None:
            return None
        if job in self._verdicts:
            return self._verdicts[job]
        recorded = self.context.sample.monitor if self.context and self.context.sample else None
        return MonitorVerdict.model_validate(recorded) if recorded else None

    @Slot()
    def _launch_clicked(self) -> None:
        if self.cohort is None or self.context is None or not self.cohort.size:
            return
        extra = []
        if self.phase is CohortPhase.REMAINDER:
            extra = remainder_problems(self.context.sample_job_id, self.sample_verdict())
        if self.session.check(self.cohort, self.plan, self.context, extra):
            self._say(None, "Checking the cohort…")

    @Slot(object)
    def _on_checked(self, check: CohortCheck) -> None:
        self._check = check
        self.dialog = RetryConfirmDialog(check.cohort, check.problems, self)
        self.dialog.launch_requested.connect(self._on_confirmed)
        self.dialog.finished.connect(self._on_dialog_closed)
        self.dialog.open()
        self._update_controls()

    @Slot(str)
    def _on_confirmed(self, override_reason: str) -> None:
        if self._check is not None and self.session.launch(
            self._check.cohort, self._check.problems, override_reason or None
        ):
            self._say(None, f"Launching the retry of {self._check.cohort.size} recipients…")

    @Slot(int)
    def _on_dialog_closed(self, result: int) -> None:
        if result != RetryConfirmDialog.DialogCode.Accepted.value:
            self._say(None, "Launch cancelled: nothing was sent.")
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self._update_controls()

    @Slot(object)
    def _on_launched(self, outcome: LaunchOutcome) -> None:
        self._show_outcome(outcome)

    @Slot(object)
    def _on_resumed(self, outcomes: list[LaunchOutcome]) -> None:
        for outcome in outcomes:
            self._show_outcome(outcome, resumed=True)

    def _show_outcome(self, outcome: LaunchOutcome, *, resumed: bool = False) -> None:
        verb = "Resumed retry" if resumed else "Retry"
        if outcome.ok and outcome.retry_job_id:
            self._say(
                Verdict.PASS,
                f"{verb} {outcome.status.value.replace('_', ' ')}: {outcome.message}. "
                f"Key {outcome.key}. Watch its first dispatches in the Monitor tab.",
            )
            self.monitor.follow(outcome.retry_job_id)
            self.extra_tabs.setCurrentWidget(self.monitor)
        elif outcome.status is LaunchStatus.UNRESOLVED:
            self._say(Verdict.WARN, f"{verb} {outcome.message}. Key {outcome.key}.")
        else:
            self._say(Verdict.FAIL, f"{verb} refused: {outcome.message}")

    @Slot(object)
    def _on_context(self, context: RetryContext) -> None:
        self.context = context
        if self.controller.report is not None:
            self._propose(self.controller.report.workspace_id, self.controller.report.job_id)
        latest = context.latest_job_id
        if latest and self.monitor.retry_job_id is None:
            entry = next((e for e in context.entries if e.retry_job_id == latest), None)
            known = MonitorVerdict.model_validate(entry.monitor) if entry and entry.monitor else None
            self.monitor.follow(latest, known)
        if context.unfinished:
            names = ", ".join(f"{j.id} ({j.status.value})" for j in context.unfinished)
            self._say(
                Verdict.WARN,
                f"An earlier retry of this job is not finished: {names}. Its first dispatches are shown in "
                "the Monitor tab; a new launch before it ends needs a written reason, and never includes "
                "anyone it may still dial.",
            )
            self.monitor.follow(context.unfinished[-1].id)
        if context.pending:
            keys = ", ".join(e.key for e in context.pending)
            self._say(
                Verdict.WARN,
                f"Retry launch pending (key {keys}): do not relaunch. When the case is loaded or "
                "refreshed (F5) it is resumed: re-sent with the same key where the platform honours "
                "one; on a platform without (ElevenLabs) looked up by its name, and sent again only "
                "once a late batch can no longer appear. Nothing new is launched until then.",
            )
        self._update_controls()

    @Slot(object)
    def _on_monitored(self, verdict: MonitorVerdict) -> None:
        self._verdicts[verdict.retry_job_id] = verdict
        self._update_controls()

    @Slot(str, str)
    def _on_failed(self, task: str, message: str) -> None:
        if task != "monitor":
            self._say(Verdict.FAIL, f"Could not {task} the retry: {message}")
        self._update_controls()

    # -- presentation ----------------------------------------------------------------------
    def _say(self, verdict: Verdict | None, text: str) -> None:
        if verdict is None:
            self.status_icon.clear()
        else:
            self.status_icon.setPixmap(verdict_icon(verdict).pixmap(QSize(20, 20), self.devicePixelRatioF()))
        self.status.setText(text)

    @Slot()
    def _update_controls(self) -> None:
        size = self._size()
        busy = (
            self.context is None
            or bool(self._preparing)
            or bool(self.context.pending)
            or self.dialog is not None
            or self.session.launching
            or self.session.running("check")
        )
        self.sample_button.setEnabled(self.phase is CohortPhase.SAMPLE and size > 0 and not busy)
        # on hold (provider incident) a launch is still possible, but only as a written override
        self.sample_button.setText("Launch sample despite the &hold…" if self.plan.hold else "Launch &sample retry…")
        self.sample_button.setToolTip(
            "The plan is on hold: the launch needs a written reason, recorded in the case and the bundle."
            if self.plan.hold
            else "Confirm who will be called, then launch the sample cohort"
        )
        self.remainder_button.setEnabled(self.phase is CohortPhase.REMAINDER and size > 0 and not busy)
        self.export_button.setEnabled(size > 0 and not self._preparing)
        self.deselect_button.setEnabled(self.group_box.count() > 0)
        if self.phase is CohortPhase.REMAINDER and self.context is not None:
            verdict = self.sample_verdict()
            state = verdict.kind.value.replace("_", " ").upper() if verdict else "NOT JUDGED YET"
            gate = (
                f"Sample retry job {self.context.sample_job_id}: {state}. The remainder goes after a healthy "
                "sample; otherwise its launch needs a written reason."
            )
        else:
            gate = (
                "The sample goes first: the remainder unlocks once it is launched, and goes after its "
                "first dispatches are healthy."
            )
        self.gate_line.setText(gate)
        self.remainder_button.setToolTip(gate)
