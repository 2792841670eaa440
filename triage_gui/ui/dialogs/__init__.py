"""The app's dialogs, and the small pieces they share: a per-field error label, grey hints,
and the red used for security warnings.

Dialogs are opened with ``open()`` and report through signals, so tests drive them with
pytest-qt without a blocking ``exec()``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

WARNING_RED = "#c62828"  # the same red as the main window's "INSECURE" status text
WARNING_RED_ON_DARK = "#ff8a80"  # #c62828 is under 3:1 on a dark window; this is over 4.5:1


def warning_red(palette: QPalette | None = None) -> str:
    """The warning red that reads (>= 4.5:1) on ``palette``'s window, light or dark."""
    palette = palette if palette is not None else QGuiApplication.palette()
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return WARNING_RED_ON_DARK if dark else WARNING_RED


class _WarningText(QLabel):
    """A label in the warning red, which follows the theme (light or dark) when it changes."""

    _bold = False

    def _restyle(self) -> None:
        weight = " font-weight: bold;" if self._bold else ""
        sheet = f"color: {warning_red(self.palette())};{weight}"
        if self.styleSheet() != sheet:  # a style sheet change is itself a palette change
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()


class FieldError(_WarningText):
    """The message shown beside one field; hidden while there is nothing to say.

    Messages start with the field's name ("Base URL: ..."), so they read on their own to a
    screen reader and never rely on their red colour alone.
    """

    def __init__(self, field_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._restyle()
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
    box.setFocusProxy(field)  # the form label's mnemonic then focuses the field itself ...
    # WORKAROUND: ... but only if the box itself takes focus: a label's mnemonic does nothing for a
    # buddy with Qt.NoFocus, focus proxy or not (every Alt+letter of the settings dialog did nothing)
    box.setFocusPolicy(field.focusPolicy())
    return box


def hint_label(text: str) -> QLabel:
    """Secondary explanatory text, in the palette's placeholder colour (follows dark themes)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def warning_label(text: str = "") -> QLabel:
    """A security warning in red; its words say what is wrong, the colour only adds to them."""
    label = _WarningText(text)
    label.setWordWrap(True)
    label._bold = True
    label._restyle()
    return label
