"""Tab reaches every stop of every page, and each stop is visible and named for a screen reader
(its accessible name, or what a screen reader derives: a button's text, a label's buddy)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.wizard_pages import PAGES, page_id_at

MAX_STOPS = 120


@pytest.fixture
def demo(qtbot, app_context, open_window):
    from triage_gui.ui.app.startup import start_demo

    win = open_window(start_demo(app_context), poll_interval_s=0.5)
    win.resize(1180, 780)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
    win.open_scenario("retry_loop")
    qtbot.waitUntil(lambda: win.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(win.wizard.start_page.isComplete, timeout=5_000)
    yield win
    win.close()


def spoken_name(widget: QWidget) -> str:
    if widget.accessibleName():
        return widget.accessibleName()
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName() or spoken_name(widget) or '?'})"


def tab_through(qtbot, start: QWidget) -> tuple[list[QWidget], list[str]]:
    """The stops Tab visits from ``start`` until it comes back (or MAX_STOPS), and problems."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus, timeout=2_000)
    stops: list[QWidget] = []
    problems: list[str] = []
    for _ in range(MAX_STOPS):
        focus = QApplication.focusWidget()
        assert focus is not None, "Tab left the window"
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        assert focus is not None, "Tab left the window"
        if stops and focus is stops[-1]:
            continue  # Tab within one widget (a date's sections): it moves on after them
        if focus is start or focus in stops:
            break
        stops.append(focus)
        if not focus.isVisible():
            problems.append(f"hidden stop: {describe(focus)}")
        elif not spoken_name(focus).strip():
            problems.append(f"unnamed stop: {describe(focus)}")
    else:
        problems.append(f"Tab never came back after {MAX_STOPS} stops: stuck in {describe(stops[-1])}?")
    return stops, problems


@pytest.mark.parametrize("index", PAGES)
def test_tab_visits_visible_named_stops_on_every_page(qtbot, demo, index):
    wizard = demo.wizard
    page_id = page_id_at(wizard, index)
    assert wizard.jump_to(page_id)
    buttons = [wizard.button(b) for b in (wizard.WizardButton.NextButton, wizard.WizardButton.BackButton)]
    first = next(b for b in buttons if b.isVisible() and b.isEnabled())
    stops, problems = tab_through(qtbot, first)
    page = wizard.currentPage()
    assert any(page.isAncestorOf(stop) for stop in stops), "Tab never reaches the page"
    assert any(wizard.verdict_strip.isAncestorOf(stop) for stop in stops), [describe(s) for s in stops]
    assert not problems, problems
