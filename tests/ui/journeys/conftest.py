"""Journeys: the app driven as an agent drives it, with real key and mouse events (pytest-qt),
the live poller running against the real simulator."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget, QWizard

from triage_gui.ui.app.main_window import MainWindow


class Agent:
    """What a person does: click, select, type, paste, press keys."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot

    def activate(self, window: MainWindow) -> None:
        window.show()
        window.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)

    def click(self, widget: QWidget) -> None:
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def key(self, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(widget, key, modifier)

    def retype(self, field: QWidget, text: str) -> None:
        """Click into the field, select what it holds, type ``text`` over it."""
        self.click(field)
        self.key(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        if text:
            self.qtbot.keyClicks(field, text)
        else:
            self.key(field, Qt.Key.Key_Delete)

    def paste(self, field: QWidget, text: str, *, over: bool = True) -> None:
        QApplication.clipboard().setText(text)
        self.click(field)
        if over:
            self.key(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.key(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    def type_slowly(self, text: str, *, pause_ms: int = 30) -> None:
        """Type into whatever has the focus, a key at a time, the event loop running between
        keys (so polls and reports land while the agent types)."""
        for char in text:
            focus = QApplication.focusWidget()
            assert focus is not None, "nothing has the focus"
            self.qtbot.keyClicks(focus, char)
            self.qtbot.wait(pause_ms)

    def next_page(self, window: MainWindow) -> None:
        self.click(window.wizard.button(QWizard.WizardButton.NextButton))

    def load(self, window: MainWindow, workspace: str, job: str) -> None:
        """Type the IDs, press Load, wait for the report of that job."""
        start = window.wizard.start_page
        self.retype(start.workspace, workspace)
        self.retype(start.job, job)
        self.click(start.load_button)
        self.qtbot.waitUntil(
            lambda: window.controller.report is not None and window.controller.report.job_id == job, timeout=20_000
        )
        self.qtbot.waitUntil(start.isComplete, timeout=5_000)

    def open_scenario(self, window: MainWindow, name: str) -> None:
        """Demo: pick the scenario in the banner, press Open, wait for its report."""
        banner = window.demo_banner
        assert banner is not None
        self.key(window, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # "Scenar&io": the picker
        assert QApplication.focusWidget() is banner.scenarios
        self.key(banner.scenarios, Qt.Key.Key_Home)  # a closed list steps with the arrow keys
        for _ in range(banner.scenarios.count()):
            if banner.current_scenario() == name:
                break
            self.key(banner.scenarios, Qt.Key.Key_Down)
        assert banner.current_scenario() == name, banner.current_scenario()
        self.click(banner.open)
        job = f"job_{name}"
        self.qtbot.waitUntil(
            lambda: window.controller.report is not None and window.controller.report.job_id == job, timeout=20_000
        )
        self.qtbot.waitUntil(window.wizard.start_page.isComplete, timeout=5_000)


@pytest.fixture
def agent(qtbot) -> Agent:
    return Agent(qtbot)


@pytest.fixture
def demo_window(qtbot, app_context, open_window, agent):
    """The demo as ``triage-gui --demo`` opens it (the bundled simulator, the scenario picker),
    polling every 0.2 s; active, so the focus is real."""
    from triage_gui.ui.app.startup import start_demo

    connection = start_demo(app_context)  # stopped by app_context's close()
    win = open_window(connection, poll_interval_s=0.2)
    agent.activate(win)
    yield win
    win.close()
