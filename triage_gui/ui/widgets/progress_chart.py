"""The job's progress over time: its whole life rebuilt from the calls, continued by the live
snapshots (pyqtgraph).

Why pyqtgraph: QtCharts is not in PySide6-Essentials, and pyqtgraph draws thousands of points
per curve without stalling the GUI thread. It is imported when the first chart is built, not
at app start. Points arrive one per poll; they are appended to preallocated arrays and the
curves are refreshed at most every ``REDRAW_MS``, so a burst of snapshots costs one redraw.

The rebuilt part (:mod:`triage_gui.domain.progress_history`, derived on a worker) is drawn where
no live snapshot was taken; a dashed line marks where the live snapshots start, and the caption
says what was rebuilt. The legend sits below the time axis, never over the lines.

Pictures of it (the bundle's ``chart.png``, "Save chart") are drawn off-screen at a fixed size by
:mod:`triage_gui.ui.widgets.chart_render`, whatever the window's size or whether it was ever shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.progress_history import REBUILT, ProgressHistory, describe_sources, rebuilt_points_to_keep
from triage_gui.ui.widgets.verdict_style import is_dark

if TYPE_CHECKING:
    import pyqtgraph as pg

REDRAW_MS = 100
MIN_HEIGHT_PX = 150  # the chart keeps this much; a short window scrolls the Live progress tab
_INITIAL_CAPACITY = 256

# key, legend label, line style, (colour on light, colour on dark): style AND colour differ.
SERIES: tuple[tuple[str, str, Qt.PenStyle, tuple[str, str]], ...] = (
    ("processed", "Processed", Qt.PenStyle.SolidLine, ("#1f5fbf", "#8ab8ff")),
    ("succeeded", "Succeeded", Qt.PenStyle.DashLine, ("#17692f", "#6fdc8c")),
    ("failed", "Failed", Qt.PenStyle.DotLine, ("#b3261e", "#ff8a80")),
    ("waiting", "Waiting for permit", Qt.PenStyle.DashDotLine, ("#8a5300", "#f4c152")),
)
_LEGEND_SPACING = 24
_LEFT_AXIS_ALLOWANCE = 80  # the left axis and margins, beside the legend
_REBUILT_ROWS = [i for i, s in enumerate(SERIES) if s[0] in REBUILT]
LIVE_ONLY_SUFFIX = " (live only)"  # a series not rebuilt, when the rest is

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


def _text_label(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    return label


MIN_SPAN_S = 300.0  # the time axis always spans at least 5 minutes


class ProgressChart(QWidget):
    """The chart, built in steps: made with ``deferred=True`` it is at first a placeholder line
    and its caption, and :meth:`build_steps` makes the plot (~10 ms), then the legend and curves
    (~6 ms), then draws the data, a step per event-loop turn when a ``StepRunner`` drives them.
    Built in one go, ~17 ms on a quiet GUI thread became 50-80 ms right after a load, with the
    poller and the re-analysis contending for the GIL (bench/poll_stall_bench.py). Snapshots and
    the rebuilt history can be set at any time; whatever needs the plot (``series``,
    ``render_png``) finishes it first.
    """

    def __init__(self, parent: QWidget | None = None, *, deferred: bool = False) -> None:
        super().__init__(parent)
        self._pg: Any = None
        self._x = np.empty(_INITIAL_CAPACITY)
        self._y = np.empty((len(SERIES), _INITIAL_CAPACITY))
        self._count = 0
        self._drawn = 0
        self._history: ProgressHistory | None = None
        self._hx = np.empty(0)
        self._hy = np.empty((len(_REBUILT_ROWS), 0))
        self._kept: np.ndarray = np.empty(0, dtype=bool)  # rebuilt points drawn (see _keep_rebuilt)
        self._kept_for = -1  # the snapshot count ``_kept`` was worked out for
        self._built = False
        self.plot: pg.PlotWidget | None = None
        self.legend: Any = None
        self.live_marker: Any = None  # where the live snapshots start (when a history is drawn)
        self._curves: list[Any] = []

        self.placeholder = QLabel("Drawing the progress chart…")
        self.placeholder.setMinimumHeight(MIN_HEIGHT_PX)
        self.caption = _text_label("Dispatch rate and ETA")
        self.source_note = _text_label("Where the curves come from")

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.placeholder, 1)
        self._layout.addWidget(self.caption)
        self._layout.addWidget(self.source_note)

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
        plot.setMinimumHeight(MIN_HEIGHT_PX)
        item = plot.getPlotItem()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("left", "recipients")
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self.plot = plot
        yield "plot"
        # the legend below the time axis (row 4 of the plot's grid), never over the lines
        self.legend = pg.LegendItem(colCount=len(SERIES), offset=None, horSpacing=_LEGEND_SPACING)
        item.layout.addItem(self.legend, 4, 1)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # as wide as its labels
        item.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignLeft)
        for _key, label, _style, _colours in SERIES:
            curve = item.plot()
            self.legend.addItem(curve, label)
            self._curves.append(curve)
        # unlabelled (a label would sit on the curves, which end there): the caption names it
        self.live_marker = pg.InfiniteLine(angle=90, movable=False)
        self.live_marker.hide()
        item.addItem(self.live_marker, ignoreBounds=True)
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
        self._drawn = -1
        self.flush()

    def add_snapshot(self, snapshot: JobSnapshot) -> None:
        self._append(snapshot)
        if not self._redraw.isActive():
            self._redraw.start()

    def set_history(self, history: ProgressHistory | None) -> None:
        """The curves rebuilt from the job's calls (None: live snapshots only)."""
        self._history = history
        if history is None:
            self._hx = np.empty(0)
            self._hy = np.empty((len(_REBUILT_ROWS), 0))
        else:
            self._hx = np.asarray(history.times, dtype=float)
            self._hy = np.array([history.series(SERIES[i][0]) for i in _REBUILT_ROWS], dtype=float)
        self._kept_for = -1
        self._drawn = -1
        if self._built:
            self._label_legend()
        self.flush()

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

    def render_png(self, size: tuple[int, int] | None = None) -> bytes:
        """This chart's data drawn off-screen at ``size`` (default ``chart_render.EXPORT_SIZE``):
        the same picture whether this widget is shown, squashed or was never laid out."""
        from triage_gui.ui.widgets.chart_render import EXPORT_SIZE, render_offscreen

        self.flush()
        n = self._count
        return render_offscreen(
            lambda chart: chart._load(self._x[:n], self._y[:, :n], self._history, self.caption.text()),
            size or EXPORT_SIZE,
        )

    def save_png(self, path: Path | str, size: tuple[int, int] | None = None) -> Path:
        """Write :meth:`render_png` to ``path`` (".png" added if missing); returns the path."""
        target = Path(path)
        if target.suffix.lower() != ".png":
            target = target.with_suffix(target.suffix + ".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.render_png(size))
        return target

    @Slot()
    def flush(self) -> None:
        """Push appended points to the curves now (normally done by the redraw timer; before
        the chart is built, its last step draws them)."""
        self._redraw.stop()
        if not self._built:
            self._describe()
            return
        n = self._count
        if self._drawn == n:
            return
        x, keep = self._x[:n], self._keep_rebuilt()
        hx = self._hx[keep]
        shown = np.concatenate([hx, x])
        order = np.argsort(shown, kind="stable")
        for i, curve in enumerate(self._curves):
            if i in _REBUILT_ROWS and len(hx):  # the rebuilt points and the live ones, in time order
                rebuilt = self._hy[_REBUILT_ROWS.index(i)][keep]
                curve.setData(shown[order], np.concatenate([rebuilt, self._y[i, :n]])[order], skipFiniteCheck=True)
            else:
                curve.setData(x, self._y[i, :n], skipFiniteCheck=True)
        self._drawn = n
        before_live = bool(n and len(hx) and hx[0] < x[0])  # the dashed line: where the live part starts
        self.live_marker.setVisible(before_live)
        if before_live:
            self.live_marker.setValue(float(x[0]))
        assert self.plot is not None  # built
        item = self.plot.getPlotItem()
        first, last = (shown.min(), shown.max()) if len(shown) else (0.0, 0.0)
        if len(shown) and last - first < MIN_SPAN_S:
            # a few seconds of data would get sub-second tick labels: show a readable window
            item.setXRange(last - MIN_SPAN_S, last + MIN_SPAN_S / 20, padding=0)
        else:
            item.enableAutoRange(axis="x")
        self._describe()

    # -- internals ------------------------------------------------------------------------
    def _load(self, x: np.ndarray, y: np.ndarray, history: ProgressHistory | None, caption: str) -> None:
        self._count = 0
        self._reserve(len(x))
        self._x[: len(x)] = x
        self._y[:, : len(x)] = y
        self._count = len(x)
        self.set_rate_text(caption)
        self.set_history(history)  # redraws

    def _keep_rebuilt(self) -> np.ndarray:
        """Which rebuilt points to draw: worked out again only when the snapshots changed."""
        if self._kept_for != self._count:
            snapshot_times = self._x[: self._count].tolist() if len(self._hx) else []  # no history: nothing to keep
            self._kept = np.array(rebuilt_points_to_keep(self._hx.tolist(), snapshot_times), dtype=bool)
            self._kept_for = self._count
        return self._kept

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
        history = self._history
        if history is not None and history.times:
            since = datetime.fromtimestamp(history.times[0]).strftime("%H:%M")
            text += f" Rebuilt from {history.calls:,} call attempts since {since}."
        target = self.plot if self.plot is not None else self
        target.setAccessibleDescription(text)
        target.setToolTip(text)
        self.source_note.setText(self._source_text())

    def _source_text(self) -> str:
        since = datetime.fromtimestamp(self._x[0]).strftime("%H:%M") if self._count else ""
        kept_times = self._hx[self._keep_rebuilt()]
        first = self._x[0] if self._count else np.inf
        return describe_sources(
            self._history,
            live_since=since,
            before_live=bool((kept_times < first).any()),
            in_gaps=bool((kept_times > first).any()),
        )

    def _label_legend(self, colour: QColor | None = None) -> None:
        """The legend's labels: a series the history does not rebuild says it is live only."""
        rebuilt = self._history is not None
        for (key, label, _s, _c), (_sample, item) in zip(SERIES, self.legend.items, strict=False):
            text = label + (LIVE_ONLY_SUFFIX if rebuilt and key not in REBUILT else "")
            if colour is None:
                item.setText(text)
            else:  # WORKAROUND: pyqtgraph 0.14 stores a new colour but keeps the rendered text: set both
                item.setText(text, color=colour)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """One row of legend entries when they fit beside the axis, else two, else one column:
        the legend never makes the plot wider than the widget (it would be cut off)."""
        widths = [
            sample.width() + label.itemRect().width() + _LEGEND_SPACING + 3 for sample, label in self.legend.items
        ]
        available = self.width() - _LEFT_AXIS_ALLOWANCE
        pairs = max(sum(widths[i : i + 2]) for i in range(0, len(widths), 2))
        self.legend.setColumnCount(len(widths) if sum(widths) <= available else 2 if pairs <= available else 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._built:
            self._fit_legend()
        super().resizeEvent(event)

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
        self._label_legend(foreground)
        self.legend.setBrush(None)
        self.legend.setPen(None)  # outside the plot: no box needed
        for curve, (_key, _label, style, colours) in zip(self._curves, SERIES, strict=False):
            pen = self._pg.mkPen(color=colours[1] if dark else colours[0], width=2, style=style)
            curve.setPen(pen)
        muted = QColor(foreground)
        muted.setAlpha(150)
        self.live_marker.setPen(self._pg.mkPen(color=muted, width=1, style=Qt.PenStyle.DashLine))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and getattr(
            self, "_built", False
        ):
            self._apply_palette()
        super().changeEvent(event)
