"""The escalation form's fields the agent edits: the required diagnostics and the message.

Each required diagnostic is a row that shows its state with an icon and a word (never colour
alone): Missing, Waived, Filled or Not needed. A waiver needs a written reason; a filled field
offers no waiver. The message to the customer is the engine's, editable. These widgets only
report what the agent typed (to a :class:`FieldEditsOwner`, the export page); the form decides.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from triage_gui.domain.escalation_form import MIN_WAIVER_REASON, EscalationForm, FormField
from triage_gui.ui.widgets.icons import icon

MULTILINE = {"symptom_summary"}
FROM_SCREENSHOTS = {"screenshot"}  # filled by attaching one, not by typing


class FieldEditsOwner(Protocol):
    def value_edited(self, key: str, text: str) -> None: ...
    def waive_toggled(self, key: str, on: bool) -> None: ...
    def waiver_edited(self, key: str, reason: str) -> None: ...


class FieldRow:
    """One required diagnostic: status (icon + word), label, value, and its waiver."""

    def __init__(self, owner: FieldEditsOwner, grid: QGridLayout, row: int, item: FormField) -> None:
        self.key = item.key
        self.icon = QLabel()
        self.word = QLabel()
        self.label = QLabel(item.label + ":")
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(150)
        self.label.setMaximumWidth(210)
        self.editor: QLineEdit | QPlainTextEdit
        if item.key in MULTILINE:
            self.editor = QPlainTextEdit()
            self.editor.setTabChangesFocus(True)
            self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * 3 + 12)
            self.editor.textChanged.connect(lambda: owner.value_edited(self.key, self.text()))
        else:
            self.editor = QLineEdit()
            self.editor.textEdited.connect(lambda text: owner.value_edited(self.key, text))
            if item.key in FROM_SCREENSHOTS:
                self.editor.setReadOnly(True)
                self.editor.setPlaceholderText("attach one under Screenshots")
        self.editor.setAccessibleName(item.label)
        self.label.setBuddy(self.editor)
        self.waive = QToolButton()
        self.waive.setText("Waive…")
        self.waive.setCheckable(True)
        self.waive.setToolTip(f"Leave {item.label} empty on purpose (a reason is required)")
        self.waive.setAccessibleName(f"Waive {item.label}")
        self.waive.toggled.connect(lambda on: owner.waive_toggled(self.key, on))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(f"Why can it stay empty? (required, at least {MIN_WAIVER_REASON} characters)")
        self.reason.setAccessibleName(f"Reason {item.label} is waived")
        self.reason.textEdited.connect(lambda text: owner.waiver_edited(self.key, text))
        self.reason.setVisible(False)
        top = Qt.AlignmentFlag.AlignTop if item.key in MULTILINE else Qt.AlignmentFlag.AlignVCenter
        grid.addWidget(self.icon, 2 * row, 0, top)
        grid.addWidget(self.word, 2 * row, 1, top)
        grid.addWidget(self.label, 2 * row, 2, top)
        grid.addWidget(self.editor, 2 * row, 3)
        grid.addWidget(self.waive, 2 * row, 4, top)
        grid.addWidget(self.reason, 2 * row + 1, 3)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.icon, self.word, self.label, self.editor, self.waive, self.reason)

    def text(self) -> str:
        return self.editor.toPlainText() if isinstance(self.editor, QPlainTextEdit) else self.editor.text()

    def show(self, item: FormField) -> None:
        if self.text() != item.value:
            with QSignalBlocker(self.editor):
                if isinstance(self.editor, QPlainTextEdit):
                    self.editor.setPlainText(item.value)
                else:
                    self.editor.setText(item.value)
                    self.editor.setCursorPosition(0)
        self.editor.setToolTip(item.source or "")
        if item.missing:
            name, word = "verdict-fail", "<b>Missing</b>"
        elif item.waived_reason and not item.value.strip():
            name, word = "verdict-warn", "Waived"
        elif item.value.strip():
            name, word = "verdict-pass", "Filled"
        else:
            name, word = "verdict-unknown", "Not needed"
        self.icon.setPixmap(icon(name).pixmap(18, 18))
        self.word.setText(word)
        self.word.setAccessibleName(f"{item.label}: {word.replace('<b>', '').replace('</b>', '')}")
        waiving = item.waived_reason is not None or self.waive.isChecked()
        with QSignalBlocker(self.waive):
            self.waive.setChecked(waiving)
        self.reason.setVisible(waiving)
        if item.waived_reason is not None and self.reason.text().strip() != item.waived_reason:
            self.reason.setText(item.waived_reason)
        # a filled field needs no waiver: offer it only where it could matter
        self.waive.setVisible(item.required and (not item.value.strip() or waiving))


class RequiredDiagnosticsBox(QGroupBox):
    """The runbook's "Required diagnostics for support escalation", one :class:`FieldRow` each."""

    def __init__(self, owner: FieldEditsOwner, parent: QWidget | None = None) -> None:
        super().__init__("Required diagnostics", parent)
        self.owner = owner
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(3, 1)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnMinimumWidth(2, 200)
        self.rows: dict[str, FieldRow] = {}

    def show_fields(self, fields: list[FormField]) -> None:
        """Show the form's fields; the rows are made again only when the set of fields changed."""
        if set(self.rows) != {f.key for f in fields}:
            self._make_rows(fields)
        for item in fields:
            self.rows[item.key].show(item)

    def _make_rows(self, fields: list[FormField]) -> None:
        for row in self.rows.values():
            for widget in row.widgets():
                widget.deleteLater()
        self.rows = {item.key: FieldRow(self.owner, self.grid, i, item) for i, item in enumerate(fields)}


class CustomerMessageBox(QGroupBox):
    """The engine's next action and ETA, and the message to the customer the agent may reword."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Message to the customer", parent)
        self.next_action = QLabel("—")
        self.eta = QLabel("—")
        for label in (self.next_action, self.eta):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QPlainTextEdit()
        self.message.setAccessibleName("Message to the customer")
        self.message.setTabChangesFocus(True)
        self.message.setFixedHeight(self.message.fontMetrics().lineSpacing() * 4 + 12)
        self.reset_message = QPushButton("Engine's &wording")
        self.reset_message.setToolTip("Replace your edits with the message the engine wrote")
        self.reset_message.setEnabled(False)
        layout = QGridLayout(self)
        layout.addWidget(QLabel("Next action:"), 0, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.next_action, 0, 1)
        layout.addWidget(QLabel("ETA:"), 1, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.eta, 1, 1)
        layout.addWidget(self.reset_message, 0, 2, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.message, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)

    def show_form(self, form: EscalationForm) -> None:
        self.next_action.setText(form.next_action or "—")
        self.eta.setText(form.eta_text or "—")
        if self.message.toPlainText() != form.customer_message:
            with QSignalBlocker(self.message):
                self.message.setPlainText(form.customer_message)
        self.reset_message.setEnabled(form.customer_message_edited)
