"""The runbook's lines for a step: a title and a bulleted, word-wrapped, selectable list."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

EMPHASIS_MARK = "▶ "  # emphasis shows in the text too, not by weight alone


def _clean(line: str) -> str:
    line = line.strip()
    return line[2:].strip() if line.startswith(("- ", "• ", "* ")) else line


class GuidanceList(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: list[str] = []
        self._emphasis: set[int] = set()

        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)

        self.body = QLabel()
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.body.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keyboard users can copy lines

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addStretch(1)

    def set_lines(self, title: str, lines: Iterable[str], emphasis: Iterable[int] = ()) -> None:
        self._lines = [_clean(line) for line in lines if line.strip()]
        self._emphasis = {i for i in emphasis if 0 <= i < len(self._lines)}
        self.title.setText(title)
        self.title.setVisible(bool(title))
        items = []
        for i, line in enumerate(self._lines):
            text = escape(line)
            if i in self._emphasis:
                text = f"<b>{escape(EMPHASIS_MARK)}{text}</b>"
            items.append(f"<li style='margin-bottom:4px'>{text}</li>")
        self.body.setText(
            f"<ul style='margin-left:0px; -qt-list-indent:1'>{''.join(items)}</ul>"
            if items
            else "<i>No guidance for this step.</i>"
        )
        spoken = "; ".join(("Emphasised: " if i in self._emphasis else "") + line for i, line in enumerate(self._lines))
        self.body.setAccessibleName(title or "Guidance")
        self.body.setAccessibleDescription(spoken)

    def lines(self) -> list[str]:
        return list(self._lines)

    def emphasised(self) -> list[str]:
        return [self._lines[i] for i in sorted(self._emphasis)]
