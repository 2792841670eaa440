"""The app's dialogs, and the small pieces they share: a per-field error label, grey hints,
and the red used for security warnings.

Dialogs are opened with ``open()`` and report through signals, so tests drive them with
pytest-qt without a blocking ``exec()``.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

WARNING_RED = "#c62828"  # the same red as the main window's "INSECURE" status text


class FieldError(QLabel):
    """The message shown beside one field; hidden while there is nothing to say.

    Messages start with the field's name ("Base URL: ..."), so they read on their own to a
    screen reader and never rely on their red colour alone.
    """

    def __init__(self, field_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {WARNING_RED};")
        self.setAccessibleName(f"{field_label}: problem")
        self.setVisible(False)

    def show_error(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))


def with_error(field: QWidget, error: FieldError, hint: str | None = None) -> QWidget:
    """``field`` with its error message right below it (then an optional grey hint), as one
    form row; the row's label mnemonic focuses ``field``."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(error)
    if hint:
        layout.addWidget(hint_label(hint))
    box.setFocusProxy(field)  # the form label's mnemonic then focuses the field itself
    return box


def hint_label(text: str) -> QLabel:
    """Secondary explanatory text, in the palette's placeholder colour (follows dark themes)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def warning_label(text: str = "") -> QLabel:
    """A security warning in red; its words say what is wrong, the colour only adds to them."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {WARNING_RED}; font-weight: bold;")
    return label
