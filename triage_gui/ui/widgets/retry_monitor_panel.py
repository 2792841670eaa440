"""The first-dispatches monitor: the retry job's first 10–20 dispatches, live, and the verdict.

The runbook's Level 2 says "monitor first 10-20 dispatches"; this is that, for the retry job
just launched. The panel never does I/O: while it is visible a ``QTimer`` asks the
:class:`RetrySession` for a look every few seconds (on the runner), and the session's
``monitored`` signal brings the verdict back. Hidden or closed, it stops asking; once the first
dispatches have all finished and the verdict says go or stop, it stops too (Check again still
works); "still failing transiently" and "stalled" keep being watched.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from triage_gui.domain.dispatch_monitor import DispatchRow, MonitorKind, MonitorVerdict
from triage_gui.domain.models import CallStatus
from triage_gui.domain.report import FailureClass
from triage_gui.domain.retry_cohort import mask_number
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.case.retry_session import RetrySession
from triage_gui.ui.pages.retry_texts import MASKED_NUMBER_TIP
from triage_gui.ui.widgets.icons import verdict_icon
from triage_gui.ui.widgets.table_model import RowTableModel
from triage_gui.ui.widgets.table_view import fit_columns_on_reset, read_only_table

# The monitor's five answers on the app's verdict scale: the icon and the word carry the meaning.
VERDICT_OF = {
    MonitorKind.WAITING: Verdict.UNKNOWN,
    MonitorKind.HEALTHY: Verdict.PASS,
    MonitorKind.FAILING_TRANSIENTLY: Verdict.WARN,
    MonitorKind.FAILING_PERMANENTLY: Verdict.FAIL,
    MonitorKind.STALLED: Verdict.FAIL,
}
HEADLINE = {
    MonitorKind.WAITING: "WAITING — too few dispatches have finished to judge",
    MonitorKind.HEALTHY: "HEALTHY — go ahead with the remainder",
    MonitorKind.FAILING_TRANSIENTLY: "STILL FAILING TRANSIENTLY — wait; escalate if it persists",
    MonitorKind.FAILING_PERMANENTLY: "FAILING PERMANENTLY — stop, launch nothing more",
    MonitorKind.STALLED: "STALLED — escalate to engineering (Level 3)",
}

NOTHING_FOLLOWED = "No retry launched yet: launch a sample retry to watch its first dispatches here."


def row_result(row: DispatchRow) -> tuple[str, Verdict | None]:
    """What became of one dispatch, in words, and the icon's verdict (none while in flight)."""
    if row.status is CallStatus.SUCCEEDED:
        return "succeeded", Verdict.PASS
    if row.status is CallStatus.FAILED:
        cls = row.failure_class or FailureClass.UNKNOWN
        verdict = Verdict.WARN if cls is FailureClass.TRANSIENT else Verdict.FAIL
        return f"failed ({cls.value})", verdict
    return f"dispatched, {row.status.value.replace('_', ' ')}", None


def is_settled(verdict: MonitorVerdict) -> bool:
    """Nothing more to learn: every one of the first dispatches finished, and the verdict says
    go (healthy) or stop (failing permanently). "Still failing transiently" means wait, and a
    stall may come or go: those keep being watched."""
    if verdict.kind not in (MonitorKind.HEALTHY, MonitorKind.FAILING_PERMANENTLY):
        return False
    c = verdict.counts
    expected = min(c.get("window", 20), c.get("job_total") or c.get("window", 20))
    return c.get("in_flight", 0) == 0 and c.get("dispatched", 0) >= expected


class DispatchRowsModel(RowTableModel[DispatchRow]):
    HEADERS = ("#", "Recipient", "Number", "Attempt", "Dispatched at", "Result", "Failure code")
    ORDER, RECIPIENT, NUMBER, ATTEMPT, DISPATCHED, RESULT, FAILURE = range(7)
    RIGHT_ALIGNED = frozenset({ORDER, ATTEMPT})
    COLUMN_TIPS = {NUMBER: MASKED_NUMBER_TIP}
    NUMBERED_ROWS = False  # the "#" column numbers them

    def row(self, index: int) -> DispatchRow:
        return self.row_at(index)

    def texts(self, item: DispatchRow, row: int) -> tuple[str, ...]:
        at = item.dispatched_at
        return (
            str(row + 1),
            item.recipient_id,
            mask_number(item.phone_number),
            str(item.attempt),
            f"{at.astimezone(UTC):%H:%M:%S} UTC" if at else "—",
            row_result(item)[0],
            item.failure_code or "—",
        )

    def cell(self, item: DispatchRow, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and column == self.RESULT:
            verdict = row_result(item)[1]
            return verdict_icon(verdict) if verdict is not None else None
        return super().cell(item, row, column, role)


class MonitorPanel(QWidget):
    verdict_changed = Signal(object)  # MonitorVerdict of the followed job

    def __init__(self, session: RetrySession, *, interval_s: float = 5.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.retry_job_id: str | None = None
        self.verdict: MonitorVerdict | None = None
        self.error: str = ""

        self.title = QLabel(NOTHING_FOLLOWED)
        self.title.setWordWrap(True)
        self.verdict_icon = QLabel()
        self.verdict_icon.setFixedSize(QSize(32, 32))
        self.headline = QLabel("")
        self.headline.setWordWrap(True)
        self.headline.setAccessibleName("Monitor verdict")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_action = QLabel("")
        self.next_action.setWordWrap(True)
        self.next_action.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_action.setAccessibleName("Next action")
        verdict_text = QVBoxLayout()
        verdict_text.addWidget(self.headline)
        verdict_text.addWidget(self.summary)
        verdict_text.addWidget(self.next_action)
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(self.verdict_icon, 0, Qt.AlignmentFlag.AlignTop)
        verdict_row.addLayout(verdict_text, 1)

        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        self.counts.setAccessibleName("First dispatches counts")
        self.model = DispatchRowsModel(self)
        self.table = read_only_table("First dispatches of the retry job", row_numbers=False)
        self.table.setModel(self.model)
        fit_columns_on_reset(self.table)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.check_button = QPushButton("Check a&gain")
        self.check_button.setToolTip("Look at the retry job's first dispatches now")
        self.check_button.clicked.connect(self.poll_now)
        self.check_button.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.check_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(verdict_row)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setInterval(max(100, int(interval_s * 1000)))
        self.timer.timeout.connect(self.poll_now)
        session.monitored.connect(self._on_verdict)
        session.failed.connect(self._on_failed)

    # -- following a retry job -------------------------------------------------------------
    def follow(self, retry_job_id: str, verdict: MonitorVerdict | None = None) -> None:
        """Watch this retry job (a known earlier verdict shows until the first fresh look)."""
        if retry_job_id == self.retry_job_id:
            return
        self.retry_job_id = retry_job_id
        self.verdict = None
        self.title.setText(f"Retry job <b>{retry_job_id}</b>: its first 10–20 dispatches, live.")
        self.check_button.setEnabled(True)
        self.model.set_rows([])
        if verdict is not None and verdict.retry_job_id == retry_job_id:
            self._show(verdict)
        else:
            self._show_waiting()
        self.poll_now()
        self._update_timer()

    def clear(self) -> None:
        """Follow nothing (another case was opened)."""
        self.timer.stop()
        self.retry_job_id, self.verdict, self.error = None, None, ""
        self.title.setText(NOTHING_FOLLOWED)
        self.check_button.setEnabled(False)
        self.model.set_rows([])
        self.verdict_icon.clear()
        for label in (self.headline, self.summary, self.next_action, self.counts, self.status):
            label.setText("")

    @property
    def polling(self) -> bool:
        return self.timer.isActive()

    @Slot()
    def poll_now(self) -> None:
        if self.retry_job_id is None:
            return
        if self.session.monitor(self.retry_job_id):
            self.status.setText("Looking at the first dispatches…")

    def stop(self) -> None:
        self.timer.stop()

    # -- results ---------------------------------------------------------------------------
    @Slot(object)
    def _on_verdict(self, verdict: MonitorVerdict) -> None:
        if verdict.retry_job_id != self.retry_job_id:
            return
        self.error = ""
        self._show(verdict)
        self._update_timer()
        self.verdict_changed.emit(verdict)

    @Slot(str, str)
    def _on_failed(self, task: str, message: str) -> None:
        if task != "monitor" or self.retry_job_id is None:
            return
        self.error = message
        self.status.setText(f"Could not look at the retry job: {message} (trying again)")

    def _show_waiting(self) -> None:
        self.verdict_icon.setPixmap(verdict_icon(Verdict.UNKNOWN).pixmap(QSize(32, 32), self.devicePixelRatioF()))
        self.headline.setText("WAITING — no look at the retry job yet")
        self.summary.setText("")
        self.next_action.setText("")
        self.counts.setText("")

    def _show(self, verdict: MonitorVerdict) -> None:
        self.verdict = verdict
        shown = VERDICT_OF[verdict.kind]
        self.verdict_icon.setPixmap(verdict_icon(shown).pixmap(QSize(32, 32), self.devicePixelRatioF()))
        self.verdict_icon.setToolTip(verdict.kind.value.replace("_", " "))
        self.headline.setText(HEADLINE[verdict.kind])
        self.summary.setText(verdict.summary)
        self.next_action.setText(f"Next: {verdict.next_action}" if verdict.next_action else "")
        self.counts.setText(counts_text(verdict))
        self.model.set_rows(verdict.rows)
        when = f" at {verdict.judged_at.astimezone(UTC):%H:%M:%S} UTC (server clock)" if verdict.judged_at else ""
        settled = " The first dispatches have all finished: no more automatic looks." if is_settled(verdict) else ""
        self.status.setText(f"Last look{when}.{settled}")

    def _update_timer(self) -> None:
        want = self.retry_job_id is not None and self.isVisible() and not (self.verdict and is_settled(self.verdict))
        if want and not self.timer.isActive():
            self.timer.start()
        elif not want and self.timer.isActive():
            self.timer.stop()

    # -- visibility ------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_timer()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        super().closeEvent(event)


def counts_text(verdict: MonitorVerdict) -> str:
    c = verdict.counts
    parts = [
        f"{c.get('dispatched', 0)} dispatched of the first {c.get('window', 20)}",
        f"{c.get('succeeded', 0)} succeeded",
        f"{c.get('failed_transient', 0)} failed transiently",
        f"{c.get('failed_permanent', 0)} failed permanently",
    ]
    if c.get("failed_unknown"):
        parts.append(f"{c['failed_unknown']} failed (unclassified)")
    parts.append(f"{c.get('in_flight', 0)} in flight")
    total = c.get("job_total")
    if total:
        parts.append(f"retry job: {total} recipients, {c.get('job_dispatched', 0)} dialled so far")
    return " · ".join(parts)
