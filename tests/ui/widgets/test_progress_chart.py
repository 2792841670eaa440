from __future__ import annotations

import time
from datetime import datetime, timedelta

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.progress_history import ProgressHistory
from triage_gui.ui.widgets.chart_render import EXPORT_SIZE, render_chart_png
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
    assert (image.width(), image.height()) == EXPORT_SIZE
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


# -- the rebuilt history, the legend, the off-screen picture -------------------------------------
def rebuilt_history(start: datetime, end: datetime, *, points: int = 120, final: int = 60) -> ProgressHistory:
    """A history rising evenly from 0 at ``start`` to ``final`` processed at ``end``."""
    t0, t1 = start.timestamp(), end.timestamp()
    times = tuple(t0 + (t1 - t0) * i / (points - 1) for i in range(points))
    processed = [round(final * i / (points - 1)) for i in range(points)]
    failed = tuple(p // 10 for p in processed)
    succeeded = tuple(p - f for p, f in zip(processed, failed, strict=True))
    return ProgressHistory(times=times, succeeded=succeeded, failed=failed, calls=1234, undated=0, differences=())


def plot_pixels(png: bytes, colour: str, tolerance: int = 60) -> tuple[np.ndarray, np.ndarray, QImage]:
    """(xs, ys) of the pixels about ``colour`` above the legend and right of the left axis."""
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    w, h, per_line = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=h * per_line).reshape(h, per_line)
    rgb = raw[:, : w * 3].reshape(h, w, 3).astype(int)
    target = QColor(colour)
    near = np.abs(rgb - [target.red(), target.green(), target.blue()]).sum(axis=2) <= tolerance
    near[int(h * 0.8) :, :] = False  # the legend's samples and the caption
    near[:, :60] = False  # the left axis
    ys, xs = np.nonzero(near)
    return xs, ys, image


PROCESSED_LIGHT = SERIES[0][3][0]


@pytest.mark.parametrize("layout", ["squashed", "never_shown"])
def test_the_picture_is_full_size_with_the_lines_across_whatever_the_widget(qtbot, make_snapshots, layout):
    chart = ProgressChart(deferred=True)
    qtbot.addWidget(chart)
    chart.set_snapshots(make_snapshots(100))
    if layout == "squashed":  # as the Live tab left it in a small window: an 895x72 sliver
        chart.finish_building()
        chart.resize(895, 72)
        chart.show()
        qtbot.waitExposed(chart)
    size = chart.size()
    xs, _ys, image = plot_pixels(chart.render_png(), PROCESSED_LIGHT)
    assert (image.width(), image.height()) == EXPORT_SIZE
    assert len(xs) > 200, "the processed line is not drawn"
    assert xs.min() < 0.2 * image.width() and xs.max() > 0.85 * image.width(), "the lines are clipped"
    assert chart.size() == size  # the widget on the page is left as it was


def test_the_picture_is_dark_on_white_in_a_dark_theme(chart, make_snapshots):
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#17181a"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    chart.setPalette(dark)
    chart.set_snapshots(make_snapshots(50))
    xs, _ys, image = plot_pixels(chart.render_png(), PROCESSED_LIGHT)
    assert QColor(image.pixel(600, 200)).lightness() > 240 and len(xs) > 100


def test_the_rebuilt_history_comes_first_and_the_live_snapshots_continue_it(chart, make_snapshots, base_time):
    snapshots = make_snapshots(20)  # 5 s apart from base_time
    history = rebuilt_history(base_time - timedelta(minutes=30), base_time + timedelta(seconds=60))
    chart.set_snapshots(snapshots)
    chart.set_history(history)
    x, processed = chart.series("processed")
    before = [t for t in history.times if t < base_time.timestamp()]
    assert len(x) == len(before) + 20 and np.all(np.diff(x) >= 0)
    assert x[0] == history.times[0] and processed[0] == 0
    assert list(x[-20:]) == [s.at.timestamp() for s in snapshots]  # no rebuilt point among the live ones
    assert len(chart.series("succeeded")[0]) == len(x) and len(chart.series("failed")[0]) == len(x)
    assert len(chart.series("waiting")[0]) == 20  # not rebuilt: live only, and the legend says so
    assert [item[1].text for item in chart.legend.items][-1] == "Waiting for permit (live only)"
    assert chart.live_marker.isVisible() and chart.live_marker.value() == base_time.timestamp()
    note = chart.source_note.text()
    assert note.startswith("Before ") and "(dashed line)" in note
    assert "rebuilt from the job's 1,234 call attempts" in note and "Waiting for permit: live snapshots only" in note

    # a new live snapshot continues the curve; the rebuilt part stays as it was
    later = snapshots[-1].model_copy(update={"at": snapshots[-1].at + timedelta(seconds=5)})
    chart.add_snapshot(later)
    chart.flush()
    assert len(chart.series("processed")[0]) == len(before) + 21

    chart.set_history(None)
    assert len(chart.series("processed")[0]) == 21 and not chart.live_marker.isVisible()
    assert [item[1].text for item in chart.legend.items][-1] == "Waiting for permit"
    assert "the curves start when the case was opened" in chart.source_note.text()


def test_the_rebuilt_history_fills_a_gap_between_two_sessions_of_snapshots(chart, make_snapshots, base_time):
    first = make_snapshots(3)
    second = [s.model_copy(update={"at": s.at + timedelta(hours=2)}) for s in make_snapshots(3)]
    history = rebuilt_history(base_time - timedelta(hours=1), base_time + timedelta(hours=3), points=400)
    chart.set_snapshots([*first, *second])
    chart.set_history(history)
    x, _y = chart.series("processed")
    gap = (first[-1].at.timestamp(), second[0].at.timestamp())
    assert any(gap[0] < t < gap[1] for t in x)  # the hours the app was closed
    assert x[-1] == second[-1].at.timestamp()  # nothing rebuilt after the newest live snapshot
    assert "where the live snapshots have gaps" in chart.source_note.text()


def test_a_history_alone_is_drawn_without_a_live_marker(chart, base_time):
    chart.set_history(rebuilt_history(base_time - timedelta(minutes=30), base_time))
    assert len(chart.series("processed")[0]) == 120 and len(chart.series("waiting")[0]) == 0
    assert not chart.live_marker.isVisible()
    assert "no live snapshot yet" in chart.source_note.text()


def test_the_legend_sits_below_the_plot_never_over_the_lines(chart, qtbot, make_snapshots):
    chart.set_snapshots(make_snapshots(100))
    chart.resize(900, 420)
    chart.show()
    qtbot.waitExposed(chart)
    view_box = chart.plot.getPlotItem().getViewBox().sceneBoundingRect()
    legend = chart.legend.sceneBoundingRect()
    assert not legend.intersects(view_box) and legend.top() >= view_box.bottom()
    assert chart.legend.columnCount == len(SERIES)  # one row when it fits


def test_a_narrow_chart_wraps_its_legend_instead_of_cutting_the_plot(chart, qtbot, make_snapshots):
    chart.set_snapshots(make_snapshots(100))
    chart.resize(480, 320)
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.legend.columnCount < len(SERIES)
    plot_item = chart.plot.getPlotItem().sceneBoundingRect()
    assert plot_item.right() <= chart.plot.viewport().width() + 1


def test_render_chart_png_draws_snapshots_and_history_off_screen(qapp, make_snapshots, base_time):
    history = rebuilt_history(base_time - timedelta(minutes=30), base_time)
    png = render_chart_png(make_snapshots(30), history, "Stage: dispatching", size=(1300, 650))
    xs, _ys, image = plot_pixels(png, PROCESSED_LIGHT)
    assert (image.width(), image.height()) == (1300, 650)
    assert xs.min() < 0.2 * image.width() and xs.max() > 0.85 * image.width()
