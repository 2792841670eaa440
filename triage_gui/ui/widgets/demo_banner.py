"""The demo's banner: unmistakably not production (colour, icon AND the word DEMO)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from triage_gui.ui.widgets.icons import icon
from triage_gui.ui.widgets.verdict_style import is_dark

ICON_SIZE = 24
# Violet: no verdict uses it, so the banner is never mistaken for a pass/warn/fail.
_ACCENT = ("#6a2fb8", "#c39bff")


class DemoBanner(QWidget):
    scenario_chosen = Signal(str)

    def __init__(self, base_url: str = "", parent: QWidget | None = None, *, platform: str = "") -> None:
        super().__init__(parent)
        self._platform = platform  # the platform the simulator plays, when not the Batch API
        self._icon = QLabel()
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._word = QLabel("DEMO")
        font = self._word.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._word.setFont(font)
        self._where = QLabel()
        self._where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.scenarios = QComboBox()
        self.scenarios.setAccessibleName("Demo scenario")
        self.scenarios.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scenarios.currentIndexChanged.connect(self._scenario_changed)
        # Mnemonics avoid the wizard's N/B/F/H and the note box's T/O/V/R/A.
        scenario_label = QLabel("Scenar&io")
        scenario_label.setBuddy(self.scenarios)
        self.open = QPushButton("Op&en scenario")
        self.open.setAccessibleName("Open the chosen demo scenario")
        self.open.clicked.connect(self._open)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(8)
        layout.addWidget(self._icon)
        layout.addWidget(self._word)
        layout.addWidget(self._where, 1)
        layout.addWidget(scenario_label)
        layout.addWidget(self.scenarios)
        layout.addWidget(self.open)
        self.setAccessibleName("Demo mode")
        self.set_url(base_url)
        self.set_scenarios([])
        self._restyle()

    # -- API ------------------------------------------------------------------------------
    def set_url(self, base_url: str) -> None:
        simulator = f"bundled {self._platform} simulator" if self._platform else "bundled simulator"
        where = f"— {simulator} at {base_url}" if base_url else f"— {simulator}"
        self._where.setText(where)
        self.setAccessibleDescription(f"Demo mode {where}: data is simulated, not a real workspace.")
        self.setToolTip(f"Demo mode: the data comes from the {simulator}, not a real API.")

    def set_scenarios(self, scenarios: list[tuple[str, str, str]]) -> None:
        """``(name, title, description)`` per scenario; the tooltip is the description."""
        self.scenarios.blockSignals(True)
        self.scenarios.clear()
        for name, title, description in scenarios:
            self.scenarios.addItem(title or name, name)
            self.scenarios.setItemData(self.scenarios.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.scenarios.blockSignals(False)
        self._scenario_changed(self.scenarios.currentIndex())

    def current_scenario(self) -> str | None:
        name = self.scenarios.currentData()
        return None if name is None else str(name)

    def select_scenario(self, name: str) -> bool:
        index = self.scenarios.findData(name)
        if index >= 0:
            self.scenarios.setCurrentIndex(index)
        return index >= 0

    # -- internals ------------------------------------------------------------------------
    @Slot(int)
    def _scenario_changed(self, index: int) -> None:
        has = index >= 0
        self.open.setEnabled(has)
        self.scenarios.setEnabled(self.scenarios.count() > 0)
        tip = self.scenarios.itemData(index, Qt.ItemDataRole.ToolTipRole) if has else None
        self.scenarios.setToolTip(str(tip) if tip else "")
        self.scenarios.setAccessibleDescription(str(tip) if tip else "")

    @Slot()
    def _open(self) -> None:
        name = self.current_scenario()
        if name:
            self.scenario_chosen.emit(name)

    def _accent(self) -> QColor:
        return QColor(_ACCENT[1] if is_dark(self.palette()) else _ACCENT[0])

    def _restyle(self) -> None:
        ratio = self.devicePixelRatioF()
        self._icon.setPixmap(icon("demo").pixmap(QSize(ICON_SIZE, ICON_SIZE), ratio))
        palette = self._word.palette()
        palette.setColor(self._word.foregroundRole(), self._accent())
        self._word.setPalette(palette)
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = self._accent()
        fill = QColor(accent)
        fill.setAlpha(40)
        painter.setPen(QPen(accent, 2))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        # stripes at the left edge: recognisable in a grey-scale screenshot too
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawRoundedRect(QRectF(1, 1, 6, self.height() - 2), 3, 3)
        painter.end()
