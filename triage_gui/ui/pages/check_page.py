"""One wizard page per runbook check: verdict, why, findings with evidence, guidance, note.

The page presents what the engine decided; the agent may add a note and override the verdict
with a reason (kept in the case and shown as an override). Page 1 adds the live counters and
the progress chart; page 4 adds the retry plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from triage_gui.domain import runbook
from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.findings import CheckResult
from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.progress import progress_caption
from triage_gui.domain.progress_history import ProgressHistory
from triage_gui.domain.report import Report
from triage_gui.domain.vocabulary import CheckId, Symptom, Verdict
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.pages.redraw_when_shown import RedrawWhenShown
from triage_gui.ui.widgets.findings_view import FindingsView
from triage_gui.ui.widgets.guidance_list import GuidanceList
from triage_gui.ui.widgets.note_override import NoteOverrideBox
from triage_gui.ui.widgets.verdict_badge import VerdictBadge

if TYPE_CHECKING:  # the chart (pyqtgraph, numpy) loads when the page is first shown
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.dialogs.recipient_dialog import RecipientDialog
    from triage_gui.ui.tasks.step_runner import StepRunner
    from triage_gui.ui.widgets.progress_chart import ProgressChart


def why_text(result: CheckResult) -> str:
    """One sentence: the worst finding's summary, which is why the check has its verdict."""
    worst = [f for f in result.findings if f.verdict is result.verdict]
    if not worst:
        return "No findings."
    if result.verdict is Verdict.PASS and len(result.findings) > 1:
        return f"All {len(result.findings)} findings pass. {worst[0].summary}"
    others = len(worst) - 1
    more = f" (and {others} more {result.verdict.value} finding{'s' if others > 1 else ''})" if others else ""
    return worst[0].summary + more


class CheckPage(QWizardPage):
    def __init__(self, controller: CaseController, check_id: CheckId) -> None:
        super().__init__()
        self.controller = controller
        self.check_id = check_id
        guidance = runbook.check_guidance(check_id)
        self.setTitle(f"{guidance.number}. {guidance.title}")
        self.setObjectName(f"page_{check_id.value}")

        self.badge = VerdictBadge()
        self.why = QLabel("")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.why.setAccessibleName("Why this verdict")
        self.emphasis = QLabel("")
        self.emphasis.setWordWrap(True)
        self.emphasis.setVisible(False)
        header = QHBoxLayout()
        header.addWidget(self.badge)
        header.addWidget(self.why, 1)

        self.findings = FindingsView()
        self.findings.find_recipient_requested.connect(self.find_recipient)
        self.findings.numbers_shown_changed.connect(self._show_why)
        self.recipient_dialog: RecipientDialog | None = None
        self._why = ""
        self.extra_tabs = QTabWidget()
        self.extra_tabs.addTab(self.findings, "Fin&dings and evidence")

        self.guidance = GuidanceList()
        self.guidance.set_lines("Runbook", list(guidance.lines))
        self.note_box = NoteOverrideBox()
        self.note_box.note_changed.connect(self._note_changed)
        self.note_box.override_changed.connect(self._override_changed)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.guidance)
        side_layout.addWidget(self.note_box, 1)
        # scrolls when the window is short (800 x 600): the runbook, the note and the override
        # stay whole instead of being squeezed until the override's words are cut off
        side_scroll = QScrollArea()
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side)
        # as wide as the column it holds, and room for its scroll bar: never cut at the side
        side_scroll.setMinimumWidth(side.minimumSizeHint().width() + side_scroll.verticalScrollBar().sizeHint().width())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.extra_tabs)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.emphasis)
        layout.addWidget(splitter, 1)

        self.redraw = RedrawWhenShown(self, controller, self._on_report)

    def initializePage(self) -> None:
        case = self.controller.case
        self.note_box.set_state(case.notes.get(self.check_id.value, ""), case.overrides.get(self.check_id))
        self._show_emphasis(set(case.inputs.symptoms))
        if self.controller.report is not None:
            self._on_report(self.controller.report)

    def _show_emphasis(self, symptoms: set[Symptom]) -> None:
        related = [s.text for s in runbook.SYMPTOMS if Symptom(s.id) in symptoms and self.check_id in s.checks]
        self.emphasis.setVisible(bool(related))
        self.emphasis.setText("You reported: " + "; ".join(related) + ". This check looks at it." if related else "")

    def _on_report(self, report: Report) -> None:
        result = report.check(self.check_id)
        self.note_box.set_engine_verdict(result.verdict)
        override = self.controller.case.overrides.get(self.check_id)
        if override is not None:
            self.badge.set_verdict(override.verdict, overridden=True, engine_verdict=result.verdict)
            self._why = f"{why_text(result)}\nOverride: {override.reason}"
        else:
            self.badge.set_verdict(result.verdict)
            self._why = why_text(result)
        self._show_why()
        self.findings.set_findings(result.findings)
        self.update_extras(report)

    def update_extras(self, report: Report) -> None:
        """Page-specific panels (counters and chart, retry plan)."""

    @Slot()
    def _show_why(self) -> None:
        """The summary's phone numbers are masked like the findings' (and shown with them)."""
        self.why.setText(self.findings.summary_text(self._why))

    @Slot(str)
    def find_recipient(self, query: str = "") -> RecipientDialog:
        """The recipient lookup over the open case, searching ``query`` at once when given (a
        table row's "Find this recipient"); one dialog per page, raised again when open."""
        from triage_gui.ui.dialogs.recipient_dialog import RecipientDialog

        if self.recipient_dialog is None:
            self.recipient_dialog = RecipientDialog(self.controller, parent=self)
        dialog = self.recipient_dialog
        dialog.open()
        dialog.raise_()
        if query:
            dialog.look_up(query)
        return dialog

    @Slot(str)
    def _note_changed(self, text: str) -> None:
        self.controller.set_note(self.check_id.value, text)

    @Slot(object)
    def _override_changed(self, override: VerdictOverride | None) -> None:
        self.controller.set_override(self.check_id, override)


class JobHealthPage(CheckPage):
    """Page 1 adds the live counters and the progress chart over the collected snapshots.

    The chart (pyqtgraph, numpy) is built the first time the page is shown, not at start-up:
    it is most of the app's cold-start cost and nobody sees it before a case is loaded.
    """

    def __init__(self, controller: CaseController) -> None:
        super().__init__(controller, CheckId.JOB_HEALTH)
        from triage_gui.ui.widgets.counters_panel import CountersPanel

        self.counters = CountersPanel()
        self.chart: ProgressChart | None = None  # once the page is first shown
        self.save_chart = QPushButton("&Save chart as PNG…")
        self.save_chart.setToolTip("Save the progress chart (it also goes into the bundle)")
        self.save_chart.clicked.connect(self._save_chart)
        self._live = QWidget()
        self._live_layout = QVBoxLayout(self._live)
        self._live_layout.addWidget(self.counters)
        self._live_layout.addStretch(1)
        self._live_layout.addWidget(self.save_chart, 0, Qt.AlignmentFlag.AlignRight)
        # scrolls when the window is short (800 x 600): the counters, the bar and the chart stay whole
        live_scroll = QScrollArea()
        live_scroll.setWidgetResizable(True)
        live_scroll.setFrameShape(QFrame.Shape.NoFrame)
        live_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        live_scroll.setWidget(self._live)
        self.extra_tabs.insertTab(0, live_scroll, "&Live progress")
        self.extra_tabs.setCurrentIndex(0)
        self._rate_text = ""
        self._warmed = False
        self._chart_steps: StepRunner | None = None  # building the chart, once started
        self._type_steps: StepRunner | None = None  # the Qt types pyqtgraph touches, before its import
        controller.snapshot_added.connect(self._on_snapshot)
        controller.load_started.connect(self._warm_up_chart)
        controller.progress_history_changed.connect(self._on_history)

    @Slot()
    def _warm_up_chart(self) -> None:
        """Import pyqtgraph and numpy on a worker while the case loads (the fetch waits on the
        network anyway), so showing this page does not stall the GUI thread ~0.3 s on imports.
        The Qt types pyqtgraph's import touches are created on the GUI thread first, in short
        steps: PySide6 cannot create them from two threads at once (ui/tasks/qt_types.py)."""
        if self._warmed or self.chart is not None:
            return
        self._warmed = True
        from triage_gui.ui.tasks.qt_types import incarnate_steps
        from triage_gui.ui.tasks.step_runner import StepRunner

        def import_chart_modules(_ctx: object) -> None:
            import numpy  # noqa: F401
            import pyqtgraph  # noqa: F401

        def types_ready() -> None:
            self.controller.runner.run(import_chart_modules, lambda _r: None, lambda _e: None)

        self._type_steps = StepRunner(incarnate_steps(), parent=self)
        self._type_steps.finished.connect(types_ready)
        self._type_steps.start()

    def ensure_chart(self, *, in_steps: bool = False) -> ProgressChart:
        """The page's chart, made on first use. ``in_steps``: its plot is built a step per
        event-loop turn (the page shows at once, the plot follows); otherwise it is whole."""
        if self.chart is None:
            from triage_gui.ui.widgets.progress_chart import ProgressChart

            chart = self.chart = ProgressChart(deferred=True)
            stretch = self._live_layout.itemAt(1)
            if stretch is not None:
                self._live_layout.removeItem(stretch)
            self._live_layout.insertWidget(1, chart, 1)
            chart.set_snapshots(list(self.controller.case.snapshots))
            chart.set_history(self.controller.progress_history)
            chart.set_rate_text(self._rate_text)
        chart = self.chart
        if not chart.built:
            if in_steps:
                if self._chart_steps is None:
                    from triage_gui.ui.tasks.step_runner import StepRunner

                    self._chart_steps = StepRunner(chart.build_steps(), parent=chart)
                    self._chart_steps.start()
            else:
                chart.finish_building()
        return chart

    def initializePage(self) -> None:
        super().initializePage()
        self.ensure_chart(in_steps=True).set_snapshots(list(self.controller.case.snapshots))

    @Slot(object)
    def _on_snapshot(self, snapshot: JobSnapshot) -> None:
        if self.chart is not None:
            self.chart.add_snapshot(snapshot)
        expected = self.controller.report.counts.expected if self.controller.report else None
        self.counters.set_job(snapshot.job, expected=expected, server_now=snapshot.at)

    @Slot(object)
    def _on_history(self, history: ProgressHistory | None) -> None:
        if self.chart is not None:
            self.chart.set_history(history)

    def update_extras(self, report: Report) -> None:
        data = self.controller.data
        if data is not None:
            latest = self.controller.case.snapshots[-1] if self.controller.case.snapshots else None
            job = latest.job if latest else data.job
            now = latest.at if latest else data.server_now
            self.counters.set_job(job, expected=report.counts.expected, server_now=now)
        self._rate_text = progress_caption(report.progress)  # the bundle's chart.png says the same
        if self.chart is not None:
            self.chart.set_rate_text(self._rate_text)

    @Slot()
    def _save_chart(self) -> None:
        default = f"progress-{self.controller.case.inputs.job_id or 'job'}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Save chart", default, "PNG image (*.png)")
        if path:
            self.ensure_chart().save_png(Path(path))


def page_for(controller: CaseController, check_id: CheckId, paths: AppPaths) -> CheckPage:
    if check_id is CheckId.JOB_HEALTH:
        return JobHealthPage(controller)
    if check_id is CheckId.RETRY_STRATEGY:
        from triage_gui.ui.pages.retry_page import RetryStrategyPage

        return RetryStrategyPage(controller, paths=paths)
    return CheckPage(controller, check_id)
