from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from triage_gui.domain.incident import JobSnapshot
from triage_gui.ui.widgets.progress_chart import SERIES, ProgressChart


@pytest.fixture
def chart(qtbot):
    widget = ProgressChart()
    qtbot.addWidget(widget)
    return widget


def distinct_colours(image: QImage, step: int = 3) -> int:
    colours = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(colours)


@pytest.mark.parametrize("points", [100, 2_000])
def test_saves_a_non_empty_png_offscreen(chart, make_snapshots, tmp_path, points):
    chart.set_snapshots(make_snapshots(points))
    chart.set_rate_text("dispatch rate 36.0/min · ETA 13:05")
    path = chart.save_png(tmp_path / "chart.png")
    assert path == tmp_path / "chart.png"
    assert path.stat().st_size > 5_000
    image = QImage(str(path))
    assert image.width() >= 480 and image.height() >= 300
    assert distinct_colours(image) > 20  # axes, text and four curves, not a blank rectangle


def test_save_png_adds_the_suffix_and_creates_folders(chart, make_snapshots, tmp_path):
    chart.set_snapshots(make_snapshots(10))
    path = chart.save_png(tmp_path / "bundle" / "progress")
    assert path.name == "progress.png" and path.is_file()


def test_series_follow_the_snapshots(chart, make_snapshots):
    snapshots = make_snapshots(50)
    chart.set_snapshots(list(reversed(snapshots)))  # order does not matter: time does
    x, processed = chart.series("processed")
    assert len(x) == 50
    assert np.all(np.diff(x) > 0)
    assert x[0] == snapshots[0].at.timestamp()
    last = snapshots[-1].job
    assert processed[-1] == last.counters.processed
    assert chart.series("succeeded")[1][-1] == last.counters.succeeded
    assert chart.series("failed")[1][-1] == last.counters.failed
    assert chart.series("waiting")[1][-1] == last.dispatch.waiting_for_permit
    assert "50 snapshots" in chart.plot.accessibleDescription()


def test_add_snapshot_keeps_up_with_2000_points(chart, qtbot, make_snapshots):
    snapshots = make_snapshots(2_000)
    chart.set_snapshots(snapshots[:1])
    started = time.perf_counter()
    for snapshot in snapshots[1:]:
        chart.add_snapshot(snapshot)
    appended = time.perf_counter() - started
    assert appended < 1.0, f"2,000 appends took {appended:.2f} s"
    assert chart.point_count == 2_000
    # the curves catch up on the next redraw tick, once for the whole burst
    qtbot.waitUntil(lambda: len(chart.series("processed")[0]) == 2_000, timeout=2_000)
    # and one more point later is still cheap
    more = JobSnapshot(at=snapshots[-1].at + timedelta(seconds=5), job=snapshots[-1].job)
    started = time.perf_counter()
    chart.add_snapshot(more)
    chart.flush()
    assert time.perf_counter() - started < 0.1
    assert len(chart.series("processed")[0]) == 2_001


def test_line_styles_and_colours_all_differ(chart):
    pens = [curve.opts["pen"] for curve in chart._curves]
    assert len({p.style() for p in pens}) == len(SERIES)
    assert len({p.color().name() for p in pens}) == len(SERIES)
    assert [item[1].text for item in chart.legend.items] == [s[1] for s in SERIES]


def test_follows_a_dark_palette(chart):
    light_bg = chart.plot.backgroundBrush().color()
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    chart.setPalette(dark)
    assert chart.plot.backgroundBrush().color() == QColor("#17181a")
    assert chart.plot.backgroundBrush().color() != light_bg
    axis = chart.plot.getPlotItem().getAxis("left")
    assert axis.textPen().color() == QColor("#e8eaed")
    assert all(curve.opts["pen"].color().lightness() > 128 for curve in chart._curves)


def test_rate_caption(chart):
    chart.set_rate_text("Stage: dispatching · ETA 13:05")
    assert chart.caption.text() == "Stage: dispatching · ETA 13:05"


def test_empty_chart_saves_too(chart, tmp_path):
    chart.set_snapshots([])
    assert chart.save_png(tmp_path / "empty.png").stat().st_size > 0
    assert "No snapshots" in chart.plot.accessibleDescription()
