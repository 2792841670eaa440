"""The demo's banner: unmistakably not production (colour, icon AND the word DEMO)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from triage_gui.ui.widgets.icons import icon
from triage_gui.ui.widgets.verdict_style import is_dark

ICON_SIZE = 24
# Violet: no verdict uses it, so the banner is never mistaken for a pass/warn/fail.
_ACCENT = ("#6a2fb8", "#c39bff")


class DemoBanner(QWidget):
    scenario_chosen = Signal(str)

    def __init__(
        self, base_url: str = "", parent: QWidget | None = None, *, platform: str = "", deferred: bool = False
    ) -> None:
        """``deferred``: the scenario chooser is built on first use or by :meth:`finish_building`
        (the demo's first frame shows the banner before its simulator runs and has scenarios)."""
        super().__init__(parent)
        self._platform = platform  # the platform the simulator plays, when not the Batch API
        self._icon = QLabel()
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._word = QLabel("DEMO")
        font = self._word.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._word.setFont(font)
        self._where = QLabel()  # selectable once the chooser is built
        self._chooser: tuple[QComboBox, QPushButton] | None = None
        self._pending: list[tuple[str, str, str]] = []

        layout = self._layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(8)
        layout.addWidget(self._icon)
        layout.addWidget(self._word)
        layout.addWidget(self._where, 1)
        self.setAccessibleName("Demo mode")
        self.set_url(base_url)
        self._decorated = False  # the rounded, striped frame (paintEvent) once built
        if deferred:  # as tall as it will be, so nothing moves when the chooser comes
            self.setMinimumHeight(max(ICON_SIZE, self.fontMetrics().height() + 12) + 12)
            self._flat_tint()
        else:
            self.finish_building()
        self._restyle()

    def finish_building(self) -> None:
        """The scenario chooser (a combo box and its Open button); once."""
        if self._chooser is not None:
            return
        # ``Qt`` (~14 ms the first time anything reads it: every enum is built; a QPen, a brush
        # or fillRect read it too) is used from here on only, so that the demo's first frame,
        # a flat tint, does not wait for it
        from PySide6.QtCore import Qt

        if self.autoFillBackground():
            self.setAutoFillBackground(False)
            self.setPalette(QPalette())  # the app's again: the frame is painted from now on
        self._decorated = True
        self.update()

        self._where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scenarios = QComboBox()
        scenarios.setAccessibleName("Demo scenario")
        scenarios.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        scenarios.currentIndexChanged.connect(self._scenario_changed)
        # Mnemonics avoid the wizard's N/B/F/H and the note box's T/O/V/R/A.
        scenario_label = QLabel("Scenar&io")
        scenario_label.setBuddy(scenarios)
        open_button = QPushButton("Op&en scenario")
        open_button.setAccessibleName("Open the chosen demo scenario")
        open_button.clicked.connect(self._open)
        self._chooser = (scenarios, open_button)
        self._layout.addWidget(scenario_label)
        self._layout.addWidget(scenarios)
        self._layout.addWidget(open_button)
        # made after the window's other widgets when deferred: Tab would reach them last; they
        # come right after the banner's own, before the wizard, as when built at once
        QWidget.setTabOrder(self._where, scenarios)
        QWidget.setTabOrder(scenarios, open_button)
        self.set_scenarios(self._pending)

    @property
    def scenarios(self) -> QComboBox:
        self.finish_building()
        assert self._chooser is not None
        return self._chooser[0]

    @property
    def open(self) -> QPushButton:
        self.finish_building()
        assert self._chooser is not None
        return self._chooser[1]

    # -- API ------------------------------------------------------------------------------
    def set_url(self, base_url: str) -> None:
        simulator = f"bundled {self._platform} simulator" if self._platform else "bundled simulator"
        where = f"— {simulator} at {base_url}" if base_url else f"— {simulator}"
        self._where.setText(where)
        self.setAccessibleDescription(f"Demo mode {where}: data is simulated, not a real workspace.")
        self.setToolTip(f"Demo mode: the data comes from the {simulator}, not a real API.")

    def set_scenarios(self, scenarios: list[tuple[str, str, str]]) -> None:
        """``(name, title, description)`` per scenario; the tooltip is the description."""
        if self._chooser is None:  # kept until the chooser is built
            self._pending = list(scenarios)
            return
        from PySide6.QtCore import Qt

        self.scenarios.blockSignals(True)
        self.scenarios.clear()
        for name, title, description in scenarios:
            self.scenarios.addItem(title or name, name)
            self.scenarios.setItemData(self.scenarios.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.scenarios.blockSignals(False)
        self._scenario_changed(self.scenarios.currentIndex())

    def current_scenario(self) -> str | None:
        if self._chooser is None:
            return None
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
        from PySide6.QtCore import Qt

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

    def _flat_tint(self) -> None:
        """The first frame's look: the frame's tint as a flat background (no painter)."""
        window = self.palette().color(QPalette.ColorRole.Window)
        accent, share = self._accent(), 40 / 255
        tint = QColor(
            round(window.red() * (1 - share) + accent.red() * share),
            round(window.green() * (1 - share) + accent.green() * share),
            round(window.blue() * (1 - share) + accent.blue() * share),
        )
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, tint)
        self.setPalette(palette)
        self.setAutoFillBackground(True)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._decorated:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = self._accent()
        fill = QColor(accent)
        fill.setAlpha(40)
        painter.setPen(QPen(accent, 2))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        # stripes at the left edge: recognisable in a grey-scale screenshot too
        painter.setPen(QPen(QColor(0, 0, 0, 0), 0))  # none (Qt.PenStyle would build every Qt enum)
        painter.setBrush(accent)
        painter.drawRoundedRect(QRectF(1, 1, 6, self.height() - 2), 3, 3)
        painter.end()
