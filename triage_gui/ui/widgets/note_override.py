"""The agent's note for a page and a deliberate verdict override, which needs a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.icons import icon, verdict_icon
from triage_gui.ui.widgets.verdict_style import verdict_colour, verdict_word

MIN_REASON_CHARS = 3


def reason_problem(reason: str) -> str | None:
    """Why a reason is not acceptable yet, in words for the agent; ``None`` when it is."""
    length = len(reason.strip())
    if length == 0:
        return "A reason is required to override the verdict."
    if length < MIN_REASON_CHARS:
        return f"The reason is too short: at least {MIN_REASON_CHARS} characters."
    return None


class NoteOverrideBox(QWidget):
    note_changed = Signal(str)
    override_changed = Signal(object)  # VerdictOverride | None

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._applied: VerdictOverride | None = None

        # Mnemonics avoid the wizard's own (&Next, &Back, &Finish, &Help): Alt+N stays "Next".
        self.note_label = QLabel("No&te for this step")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What you saw, what you told the customer…")
        self.note.setAccessibleName("Note for this step")
        self.note.setTabChangesFocus(True)
        self.note_label.setBuddy(self.note)
        self.note.textChanged.connect(self._note_edited)

        self.enable = QCheckBox("&Override verdict")
        self.enable.setAccessibleName("Override the engine's verdict")
        self.enable.toggled.connect(self._enable_toggled)
        self.verdict = QComboBox()
        for v in Verdict:
            self.verdict.addItem(verdict_icon(v), verdict_word(v), v)
        self.verdict.setAccessibleName("Overriding verdict")
        self.verdict.currentIndexChanged.connect(self._validate)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(f"Why? (required, at least {MIN_REASON_CHARS} characters)")
        self.reason.setAccessibleName("Reason for the override")
        self.reason.setClearButtonEnabled(True)
        self.reason.textChanged.connect(self._validate)
        self.reason.returnPressed.connect(self._apply)
        self.reason_hint = QLabel()
        self.reason_hint.setWordWrap(True)
        self.reason_hint.setAccessibleName("Reason check")
        self.apply = QPushButton(icon("override"), "&Apply override")
        self.apply.setAccessibleName("Apply the override")
        self.apply.clicked.connect(self._apply)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state.setAccessibleName("Override state")

        verdict_label = QLabel("&Verdict")
        verdict_label.setBuddy(self.verdict)
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow(verdict_label, self.verdict)
        form.addRow(reason_label, self.reason)
        form.addRow("", self.reason_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.apply, 0, Qt.AlignmentFlag.AlignTop)
        self.group = QGroupBox()
        group_layout = QVBoxLayout(self.group)
        group_layout.addWidget(self.enable)
        group_layout.addLayout(form)
        group_layout.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note_label)
        layout.addWidget(self.note, 1)
        layout.addWidget(self.group)
        self.setTabOrder(self.note, self.enable)
        self.setTabOrder(self.enable, self.verdict)
        self.setTabOrder(self.verdict, self.reason)
        self.setTabOrder(self.reason, self.apply)
        self._enable_toggled(False)

    # -- API ------------------------------------------------------------------------------
    def set_state(self, note: str, override: VerdictOverride | None) -> None:
        """Show a saved note and override without emitting change signals."""
        with (
            QSignalBlocker(self.note),
            QSignalBlocker(self.enable),
            QSignalBlocker(self.reason),
            QSignalBlocker(self.verdict),
        ):
            self.note.setPlainText(note)
            self._applied = override
            self.enable.setChecked(override is not None)
            self.reason.setText(override.reason if override else "")
            index = self.verdict.findData(override.verdict if override else Verdict.UNKNOWN)
            self.verdict.setCurrentIndex(max(index, 0))
        self._enable_toggled(override is not None)

    def set_engine_verdict(self, verdict: Verdict | None) -> None:
        """Preselect a verdict other than the engine's when the agent starts an override."""
        if self._applied is None and verdict is not None and not self.enable.isChecked():
            others = [v for v in (Verdict.FAIL, Verdict.WARN, Verdict.PASS) if v != verdict]
            with QSignalBlocker(self.verdict):
                self.verdict.setCurrentIndex(self.verdict.findData(others[0]))

    @property
    def override(self) -> VerdictOverride | None:
        return self._applied

    def note_text(self) -> str:
        return self.note.toPlainText()

    # -- internals ------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and hasattr(self, "state"):
            self._validate()
        super().changeEvent(event)

    @Slot()
    def _note_edited(self) -> None:
        self.note_changed.emit(self.note.toPlainText())

    @Slot(bool)
    def _enable_toggled(self, on: bool) -> None:
        self.verdict.setEnabled(on)
        self.reason.setEnabled(on)
        if not on and self._applied is not None:
            self._applied = None
            self.override_changed.emit(None)
        self._validate()

    @Slot()
    def _validate(self) -> None:
        on = self.enable.isChecked()
        problem = reason_problem(self.reason.text()) if on else None
        self.reason_hint.setText(f"⚠ {problem}" if problem else "")
        hint_palette = self.reason_hint.palette()
        hint_palette.setColor(QPalette.ColorRole.WindowText, verdict_colour(Verdict.WARN, self.palette()))
        self.reason_hint.setPalette(hint_palette)
        self.reason_hint.setVisible(problem is not None)
        self.reason.setToolTip(problem or "")
        self.reason.setAccessibleDescription(problem or "Reason given")
        pending = self._pending()
        self.apply.setEnabled(on and problem is None and pending != self._applied_key())
        if self._applied is not None:
            self.state.setText(f"Override applied: {verdict_word(self._applied.verdict)}: {self._applied.reason}")
        elif on:
            self.state.setText("Not applied yet.")
        else:
            self.state.setText("The engine's verdict stands.")

    def _pending(self) -> tuple[Verdict, str]:
        return (Verdict(self.verdict.currentData()), self.reason.text().strip())

    def _applied_key(self) -> tuple[Verdict, str] | None:
        return None if self._applied is None else (self._applied.verdict, self._applied.reason)

    @Slot()
    def _apply(self) -> None:
        if not self.apply.isEnabled():
            return
        verdict, reason = self._pending()
        self._applied = VerdictOverride(verdict=verdict, reason=reason, at=self._clock())
        self._validate()
        self.override_changed.emit(self._applied)
