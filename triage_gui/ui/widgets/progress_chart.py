"""The job's progress over time, drawn from the collected snapshots (pyqtgraph).

Why pyqtgraph: QtCharts is not in PySide6-Essentials, and pyqtgraph draws thousands of points
per curve without stalling the GUI thread. It is imported when the first chart is built, not
at app start. Points arrive one per poll; they are appended to preallocated arrays and the
curves are refreshed at most every ``REDRAW_MS``, so a burst of snapshots costs one redraw.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from triage_gui.domain.incident import JobSnapshot
from triage_gui.ui.widgets.verdict_style import is_dark

if TYPE_CHECKING:
    import pyqtgraph as pg

REDRAW_MS = 100
_INITIAL_CAPACITY = 256

# key, legend label, line style, (colour on light, colour on dark): style AND colour differ.
SERIES: tuple[tuple[str, str, Qt.PenStyle, tuple[str, str]], ...] = (
    ("processed", "Processed", Qt.PenStyle.SolidLine, ("#1f5fbf", "#8ab8ff")),
    ("succeeded", "Succeeded", Qt.PenStyle.DashLine, ("#17692f", "#6fdc8c")),
    ("failed", "Failed", Qt.PenStyle.DotLine, ("#b3261e", "#ff8a80")),
    ("waiting", "Waiting for permit", Qt.PenStyle.DashDotLine, ("#8a5300", "#f4c152")),
)

_pg_configured = False


def _pyqtgraph() -> Any:
    global _pg_configured
    import pyqtgraph as pg

    if not _pg_configured:
        pg.setConfigOptions(antialias=True)
        _pg_configured = True
    return pg


def _values(snapshot: JobSnapshot) -> tuple[float, float, float, float, float]:
    at = snapshot.at if snapshot.at.tzinfo else snapshot.at.replace(tzinfo=UTC)
    job = snapshot.job
    return (
        at.timestamp(),
        float(job.counters.processed),
        float(job.counters.succeeded),
        float(job.counters.failed),
        float(job.dispatch.waiting_for_permit),
    )


MIN_SPAN_S = 300.0  # the time axis always spans at least 5 minutes


class ProgressChart(QWidget):
    """The chart, built in steps: made with ``deferred=True`` it is at first a placeholder line
    and its caption, and :meth:`build_steps` makes the plot (~10 ms), then the legend and curves
    (~6 ms), then draws the data, a step per event-loop turn when a ``StepRunner`` drives them.
    Built in one go, ~17 ms on a quiet GUI thread became 50-80 ms right after a load, with the
    poller and the re-analysis contending for the GIL (bench/poll_stall_bench.py). Snapshots can
    be added at any time; whatever needs the plot (``series``, ``save_png``) finishes it first.
    """

    def __init__(self, parent: QWidget | None = None, *, deferred: bool = False) -> None:
        super().__init__(parent)
        self._pg: Any = None
        self._x = np.empty(_INITIAL_CAPACITY)
        self._y = np.empty((len(SERIES), _INITIAL_CAPACITY))
        self._count = 0
        self._drawn = 0
        self._built = False
        self.plot: pg.PlotWidget | None = None
        self.legend: Any = None
        self._curves: list[Any] = []

        self.placeholder = QLabel("Drawing the progress chart…")
        self.placeholder.setMinimumHeight(180)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setAccessibleName("Dispatch rate and ETA")

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.placeholder, 1)
        self._layout.addWidget(self.caption)

        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self.flush)
        self._steps = self._build()
        self._describe()
        if not deferred:
            self.finish_building()

    @property
    def built(self) -> bool:
        return self._built

    def build_steps(self) -> Iterator[str]:
        """The steps still to run (one generator: steps run here and by finish_building() are
        not run twice)."""
        return self._steps

    def finish_building(self) -> None:
        for _ in self._steps:
            pass

    def _build(self) -> Iterator[str]:
        pg = _pyqtgraph()
        self._pg = pg
        plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})  # local time labels
        plot.setAccessibleName("Progress chart")
        plot.setMinimumHeight(180)
        item = plot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("left", "recipients")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.plot = plot
        yield "plot"
        self.legend = item.addLegend(offset=(8, 8))
        self._curves = [item.plot(name=label) for _key, label, _style, _colours in SERIES]
        yield "curves"
        self._layout.replaceWidget(self.placeholder, plot)
        self.placeholder.hide()
        self.placeholder.deleteLater()
        self.setToolTip("")  # said by the plot from now on (see _describe)
        self.setAccessibleDescription("")
        self._built = True
        self._apply_palette()
        self._drawn = -1  # draw whatever arrived meanwhile
        self.flush()

    # -- API ------------------------------------------------------------------------------
    def set_snapshots(self, snapshots: list[JobSnapshot]) -> None:
        self._count = 0
        ordered = sorted(snapshots, key=lambda s: _values(s)[0])
        self._reserve(len(ordered))
        for snapshot in ordered:
            self._append(snapshot)
        self.flush()

    def add_snapshot(self, snapshot: JobSnapshot) -> None:
        self._append(snapshot)
        if not self._redraw.isActive():
            self._redraw.start()

    def set_rate_text(self, text: str) -> None:
        self.caption.setText(text)

    @property
    def point_count(self) -> int:
        return self._count

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The plotted (x, y) of one series, as drawn (call ``flush()`` first for the latest)."""
        self.finish_building()
        index = [s[0] for s in SERIES].index(key)
        x, y = self._curves[index].getOriginalDataset()
        empty = np.empty(0)
        return (empty if x is None else x, empty if y is None else y)

    def save_png(self, path: Path | str) -> Path:
        """Write the chart with its caption as a PNG (works offscreen); returns the path."""
        self.finish_building()
        self.flush()
        target = Path(path)
        if target.suffix.lower() != ".png":
            target = target.with_suffix(target.suffix + ".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self.isVisible() and (self.width() < 480 or self.height() < 300):
            # WORKAROUND: a chart never shown has no layout yet; give it a readable size first
            self.resize(max(self.width(), 720), max(self.height(), 400))
        if not self.grab().save(str(target), "PNG"):
            raise OSError(f"could not write the chart to {target}")
        return target

    @Slot()
    def flush(self) -> None:
        """Push appended points to the curves now (normally done by the redraw timer; before
        the chart is built, its last step draws them)."""
        self._redraw.stop()
        if not self._built:
            return
        if self._drawn == self._count and self._count != 0:
            return
        n = self._count
        x = self._x[:n]
        for i, curve in enumerate(self._curves):
            curve.setData(x, self._y[i, :n], skipFiniteCheck=True)
        self._drawn = n
        assert self.plot is not None  # built
        item = self.plot.getPlotItem()
        if n and x[n - 1] - x[0] < MIN_SPAN_S:
            # a few seconds of data would get sub-second tick labels: show a readable window
            item.setXRange(x[n - 1] - MIN_SPAN_S, x[n - 1] + MIN_SPAN_S / 20, padding=0)
        else:
            item.enableAutoRange(axis="x")
        self._describe()

    # -- internals ------------------------------------------------------------------------
    def _reserve(self, needed: int) -> None:
        capacity = self._x.shape[0]
        if needed <= capacity:
            return
        while capacity < needed:
            capacity *= 2
        x = np.empty(capacity)
        y = np.empty((len(SERIES), capacity))
        x[: self._count] = self._x[: self._count]
        y[:, : self._count] = self._y[:, : self._count]
        self._x, self._y = x, y

    def _append(self, snapshot: JobSnapshot) -> None:
        self._reserve(self._count + 1)
        values = _values(snapshot)
        self._x[self._count] = values[0]
        self._y[:, self._count] = values[1:]
        self._count += 1

    def _describe(self) -> None:
        # a chart says nothing to a screen reader: the latest values in words do
        if self._count == 0:
            text = "No snapshots collected yet."
        else:
            at = datetime.fromtimestamp(self._x[self._count - 1]).strftime("%H:%M:%S")
            latest = self._y[:, self._count - 1]
            parts = ", ".join(
                f"{label.lower()} {int(v):,}" for (_k, label, _s, _c), v in zip(SERIES, latest, strict=False)
            )
            text = f"{self._count:,} snapshots; at {at}: {parts}."
        target = self.plot if self.plot is not None else self
        target.setAccessibleDescription(text)
        target.setToolTip(text)

    def _apply_palette(self) -> None:
        palette = self.palette()
        dark = is_dark(palette)
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.WindowText)
        assert self.plot is not None  # called once built
        self.plot.setBackground(background)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        self.legend.setLabelTextColor(foreground)
        for _sample, label in self.legend.items:
            # WORKAROUND: pyqtgraph 0.14 stores the new colour but keeps the rendered text
            label.setText(label.text, color=foreground)
        legend_fill = QColor(background)
        legend_fill.setAlpha(210)
        self.legend.setBrush(legend_fill)
        self.legend.setPen(foreground)
        for curve, (_key, _label, style, colours) in zip(self._curves, SERIES, strict=False):
            pen = self._pg.mkPen(color=colours[1] if dark else colours[0], width=2, style=style)
            curve.setPen(pen)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and getattr(
            self, "_built", False
        ):
            self._apply_palette()
        super().changeEvent(event)
