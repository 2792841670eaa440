"""Usable at 800×600: on every page of the demo window (verdict strip included) nothing makes the
window wider than the screen or changes its width, and no table column is squeezed to "t…"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from tests.ui.wizard_pages import PAGES, page_id_at

SCREEN = (800, 600)
MIN_COLUMN = 60  # or the header's text, whichever is less


@pytest.fixture
def small_demo(qtbot, app_context, open_window):
    from triage_gui.ui.app.startup import start_demo

    win = open_window(start_demo(app_context), poll_interval_s=0.5)
    win.resize(*SCREEN)
    win.show()
    win.open_scenario("retry_loop")
    qtbot.waitUntil(lambda: win.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(win.wizard.start_page.isComplete, timeout=5_000)
    yield win
    win.close()


def squeezed_columns(page: QWidget) -> list[str]:
    """Visible columns narrower than their header's text needs (up to MIN_COLUMN)."""
    found = []
    for view in page.findChildren(QAbstractItemView):
        header = getattr(view, "horizontalHeader", lambda: None)() or getattr(view, "header", lambda: None)()
        if not isinstance(header, QHeaderView) or not view.isVisible() or header.isHidden():
            continue
        model = view.model()
        if model is None:
            continue
        metrics = header.fontMetrics()
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
            needed = min(metrics.horizontalAdvance(text) + 12, MIN_COLUMN)
            if header.sectionSize(section) < needed:
                found.append(
                    f"{view.accessibleName() or type(view).__name__}: {text!r} {header.sectionSize(section)} px"
                )
    return found


@pytest.mark.parametrize("index", PAGES)
def test_every_page_fits_800_by_600(qtbot, small_demo, index):
    window = small_demo
    wizard = window.wizard
    page_id = page_id_at(wizard, index)
    assert wizard.jump_to(page_id)
    qtbot.wait(50)  # let the layouts settle
    page = wizard.currentPage()
    problems = []
    if window.minimumSizeHint().width() > SCREEN[0] or wizard.minimumWidth() > SCREEN[0] - 12:
        problems.append(f"needs {max(window.minimumSizeHint().width(), wizard.minimumWidth())} px")
    if window.width() != SCREEN[0]:
        problems.append(f"the window grew to {window.width()} px")
    if window.minimumSizeHint().height() > SCREEN[1]:
        problems.append(f"needs {window.minimumSizeHint().height()} px of height")
    problems += squeezed_columns(page)
    assert not problems, problems


def test_the_window_width_does_not_change_across_the_pages_that_fit(qtbot, small_demo):
    window = small_demo
    wizard = window.wizard
    widths = {}
    for page_id in [wizard.startId(), *wizard.pageIds()[1:4], wizard.startId()]:  # (the others: above)
        assert wizard.jump_to(page_id)
        qtbot.wait(50)
        widths[wizard.currentPage().objectName() or "start"] = window.width()
    assert set(widths.values()) == {SCREEN[0]}, widths


def test_the_verdict_strip_stays_narrow(small_demo):
    strip = small_demo.wizard.verdict_strip
    assert strip is not None and strip.minimumSizeHint().width() <= 120


def test_the_check_pages_note_and_override_are_never_squeezed(qtbot, small_demo):
    """At 800×600 the side column (runbook, note, override) scrolls rather than squeezing the
    override box until its last words are cut off ("The engine's verdict stands.")."""
    window = small_demo
    wizard = window.wizard
    squeezed = []
    for check_id, page in wizard.check_pages.items():
        assert wizard.jump_to(page_id_of(wizard, page))
        qtbot.wait(50)
        box = page.note_box
        for widget in (box.group, box.state, box.apply, box.reason):
            need = widget.minimumSizeHint().height()
            if widget.hasHeightForWidth():
                need = max(need, widget.heightForWidth(widget.width()))
            if widget.isVisible() and widget.height() < need:
                squeezed.append(f"{check_id.value}: {type(widget).__name__} {widget.height()} < {need} px")
    assert not squeezed, squeezed


def page_id_of(wizard, page) -> int:
    return next(i for i in wizard.pageIds() if wizard.page(i) is page)
