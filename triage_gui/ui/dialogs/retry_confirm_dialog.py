"""The explicit confirmation before a retry is launched: who will be called, how many, under
which ``Idempotency-Key``, what is wrong with the cohort and, to launch anyway, why.

Dialling people cannot be undone, so nothing here launches by accident: "Launch" is never the
default button (Enter does nothing), it needs a click or Alt+L, it is disabled while problems
stand without a written override, and it works once (the dialog closes on the first click).
Escape cancels.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.retry_cohort import (
    MIN_OVERRIDE_REASON,
    Cohort,
    CohortProblem,
    blocking_problems,
    confirmation_text,
)
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.icons import icon, verdict_icon


class RetryConfirmDialog(QDialog):
    launch_requested = Signal(str)  # the override reason ("" when nothing was overridden)

    def __init__(self, cohort: Cohort, problems: list[CohortProblem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cohort = cohort
        self.problems = list(problems)
        self._sent = False
        n = cohort.size
        self.setWindowTitle("Confirm the retry launch")
        self.setWindowIcon(icon("retry"))
        self.setObjectName("retryConfirmDialog")

        self.headline = QLabel(
            f"<b>{n} recipient{'s' if n != 1 else ''} will be called again</b> "
            f"({cohort.phase.value} of job {cohort.job_id}, workspace {cohort.workspace_id})."
        )
        self.headline.setWordWrap(True)
        self.headline.setAccessibleName("Who will be called")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.headline.setFont(font)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.setAccessibleName("Recipients to call, with masked numbers")
        self.details.setTabChangesFocus(True)

        self.key = QLineEdit(cohort.key)
        self.key.setReadOnly(True)
        self.key.setAccessibleName("Idempotency key")
        self.key.setToolTip("Derived from the job and the cohort: a repeat of this launch never creates a second job")
        key_row = QHBoxLayout()
        key_label = QLabel("Idempotency &key:")
        key_label.setBuddy(self.key)
        key_row.addWidget(key_label)
        key_row.addWidget(self.key, 1)

        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Problems found in the cohort")
        self.problem_list.setWordWrap(True)
        self.problem_list.setIconSize(QSize(20, 20))
        self.problem_list.setTabKeyNavigation(False)
        for problem in self.problems:
            verdict = Verdict.WARN if problem.overridable else Verdict.FAIL
            lifted = "" if problem.overridable else " (cannot be overridden)"
            item = QListWidgetItem(verdict_icon(verdict), problem.message + lifted)
            item.setToolTip(", ".join(problem.recipient_ids[:20]) or problem.kind.value)
            self.problem_list.addItem(item)
        if not self.problems:
            self.problem_list.addItem(
                QListWidgetItem(
                    verdict_icon(Verdict.PASS),
                    "No problems: every recipient failed transiently, and none was reached or retried already.",
                )
            )
        self.problem_list.setMaximumHeight(self.problem_list.sizeHintForRow(0) * max(2, len(self.problems)) + 12)

        self.reason = QLineEdit()
        self.reason.setPlaceholderText(f"Why launch despite the problems? At least {MIN_OVERRIDE_REASON} characters.")
        self.reason.setAccessibleName("Override reason")
        self.reason.setClearButtonEnabled(True)
        self.reason.textChanged.connect(self._update)
        self.reason_label = QLabel("&Why launch anyway (recorded in the case and the bundle):")
        self.reason_label.setBuddy(self.reason)
        self.reason_hint = QLabel()
        self.reason_hint.setWordWrap(True)
        problems_box = QGroupBox("Problems found" if self.problems else "Checks")
        problems_layout = QVBoxLayout(problems_box)
        problems_layout.addWidget(self.problem_list)
        problems_layout.addWidget(self.reason_label)
        problems_layout.addWidget(self.reason)
        problems_layout.addWidget(self.reason_hint)
        for w in (self.reason_label, self.reason, self.reason_hint):
            w.setVisible(bool(self.problems))

        self.launch_button = QPushButton(icon("retry"), "&Launch")
        self.launch_button.setAutoDefault(False)
        self.launch_button.setDefault(False)
        self.launch_button.setToolTip("Launch this retry now (Alt+L). Nothing else launches it.")
        self.launch_button.clicked.connect(self._launch)
        # WORKAROUND: not a QDialogButtonBox: it makes its first accept button the default when
        # shown, and Enter would then launch.
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Close without launching (Esc)")
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addWidget(self.launch_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.details, 1)
        layout.addLayout(key_row)
        layout.addWidget(problems_box)
        layout.addLayout(self.buttons)
        self.resize(780, 520)
        self._update()
        # Focus on something harmless: a stray Space or Enter must not launch.
        (self.reason if self.problems else self.details).setFocus()

    @property
    def override_reason(self) -> str:
        return self.reason.text().strip() if self.problems else ""

    @property
    def blocking(self) -> list[CohortProblem]:
        return blocking_problems(self.problems, self.override_reason or None)

    @Slot()
    def _update(self) -> None:
        reason = self.override_reason
        self.details.setPlainText(confirmation_text(self.cohort, override_reason=reason or None))
        blocking = self.blocking
        self.launch_button.setEnabled(not blocking and not self._sent and self.cohort.size > 0)
        if not self.problems:
            return
        if any(not p.overridable for p in blocking):
            self.reason_hint.setText("Refused: some problems cannot be overridden. Change the cohort.")
        elif blocking:
            missing = MIN_OVERRIDE_REASON - len(reason)
            self.reason_hint.setText(
                f"Refused unless you say why: {missing} more character{'s' if missing != 1 else ''} needed."
            )
        else:
            self.reason_hint.setText("Overridden: the reason is recorded with the launch.")

    @Slot()
    def _launch(self) -> None:
        if self._sent or self.blocking:
            return
        self._sent = True  # a double click lands here twice: the second one is ignored
        self.launch_button.setEnabled(False)
        self.launch_requested.emit(self.override_reason)
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # QDialog presses the default (or auto-default) button on Enter; there is none here,
        # and Enter must never launch: swallow it so it cannot reach a focused Launch button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)
