"""The verdict of a check at a glance: icon, bold word and a coloured frame (never colour alone)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.icons import icon, verdict_icon
from triage_gui.ui.widgets.verdict_style import verdict_colour, verdict_meaning, verdict_word

ICON_SIZE = 24
_FRAME_WIDTH = 2.0
_RADIUS = 6.0


class VerdictBadge(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verdict: Verdict | None = None
        self._overridden = False
        self._engine_verdict: Verdict | None = None

        self._icon = QLabel()
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._override_icon = QLabel()
        self._override_icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._override_icon.setToolTip("Overridden by the agent")
        self._text = QLabel()
        font = self._text.font()
        font.setBold(True)
        self._text.setFont(font)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 12, 6)
        layout.setSpacing(6)
        layout.addWidget(self._icon)
        layout.addWidget(self._override_icon)
        layout.addWidget(self._text)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # screen readers can land on the verdict
        self.set_verdict(None)

    # -- API ------------------------------------------------------------------------------
    def set_verdict(
        self,
        verdict: Verdict | None,
        *,
        overridden: bool = False,
        engine_verdict: Verdict | None = None,
    ) -> None:
        self._verdict = None if verdict is None else Verdict(verdict)
        self._overridden = overridden and verdict is not None
        self._engine_verdict = None if engine_verdict is None else Verdict(engine_verdict)
        self._refresh()

    @property
    def verdict(self) -> Verdict | None:
        return self._verdict

    @property
    def overridden(self) -> bool:
        return self._overridden

    def text(self) -> str:
        return self._text.text()

    # -- internals ------------------------------------------------------------------------
    def _refresh(self) -> None:
        word = verdict_word(self._verdict)
        text = word
        meaning = verdict_meaning(self._verdict)
        if self._overridden:
            engine = (
                f"engine said {verdict_word(self._engine_verdict)}"
                if self._engine_verdict is not None
                else "by the agent"
            )
            text = f"{word} (overridden; {engine})"
            meaning = f"{meaning}. Overridden by the agent" + (
                f"; the engine's verdict was {verdict_word(self._engine_verdict)}"
                if self._engine_verdict is not None
                else ""
            )
        self._text.setText(text)
        ratio = self.devicePixelRatioF()
        size = QSize(ICON_SIZE, ICON_SIZE)
        self._icon.setPixmap(verdict_icon(self._verdict).pixmap(size, ratio))
        self._icon.setVisible(self._verdict is not None)
        self._override_icon.setPixmap(icon("override").pixmap(size, ratio))
        self._override_icon.setVisible(self._overridden)

        palette = self._text.palette()
        palette.setColor(QPalette.ColorRole.WindowText, self._colour())
        self._text.setPalette(palette)

        self.setToolTip(meaning)
        self.setAccessibleName(f"Verdict: {text}")
        self.setAccessibleDescription(meaning)
        self.update()

    def _colour(self) -> QColor:
        return verdict_colour(self._verdict, self.palette())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._refresh()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self._colour()
        fill = QColor(colour)
        fill.setAlpha(36)
        pen = QPen(colour, _FRAME_WIDTH)
        if self._overridden:
            pen.setStyle(Qt.PenStyle.DashLine)  # an override reads differently, not just by hue
        painter.setPen(pen)
        painter.setBrush(fill)
        inset = _FRAME_WIDTH / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), _RADIUS, _RADIUS)
        if self.hasFocus():
            focus = QPen(self.palette().color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine)
            painter.setPen(focus)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(3, 3, -3, -3), _RADIUS, _RADIUS)
        painter.end()
