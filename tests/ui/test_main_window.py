"""Main window habits: geometry and last-used values remembered, About with diagnostics."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from triage_gui.api.connection import Connection
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.ui.main_window import MainWindow


def make(qtbot, tmp_path, **kw) -> MainWindow:
    state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    conn = Connection(base_url="http://127.0.0.1:9", token="secret-token-123", label="test", **kw)
    win = MainWindow(conn, AnalysisSettings(), window_state=state)
    qtbot.addWidget(win)
    return win


def test_geometry_and_last_workspace_are_remembered(qtbot, tmp_path):
    first = make(qtbot, tmp_path)
    first.show()
    first.resize(760, 560)  # the offscreen screen is 800x600: stay inside it
    size = (first.width(), first.height())
    assert size != (1180, 780)
    first.wizard.start_page.fill(workspace="ws_remembered", job="job_1")
    first.wizard.start_page.timezone.setCurrentText("Europe/Berlin")
    first.wizard.start_page.load()  # starts a load (it will fail: nothing listens on port 9)
    qtbot.waitUntil(lambda: not first.controller.loading, timeout=10_000)
    first.close()
    second = make(qtbot, tmp_path)
    second.show()
    assert (second.width(), second.height()) == size
    assert second.wizard.start_page.workspace.text() == "ws_remembered"
    assert second.wizard.start_page.job.text() == ""  # incident IDs are not carried over
    assert second.wizard.start_page.timezone.currentText() == "Europe/Berlin"
    second.close()


def test_insecure_connection_is_shown_in_the_title_and_status_bar(qtbot, tmp_path):
    win = make(qtbot, tmp_path, insecure=True)
    assert "INSECURE" in win.windowTitle()
    assert "INSECURE" in win.connection_label.text()
    assert "c62828" in win.connection_label.styleSheet()


def test_about_dialog_copies_diagnostics_without_the_token(qtbot, tmp_path):
    win = make(qtbot, tmp_path)
    win.about()
    dialog = win.about_dialog
    assert "Outbound Triage" in dialog.diagnostics and "PySide6" in dialog.diagnostics
    assert "## Folders" in dialog.diagnostics
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.diagnostics
    assert "secret-token-123" not in copied
    dialog.close()
