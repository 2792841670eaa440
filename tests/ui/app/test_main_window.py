"""Main window habits: geometry and last-used values remembered, About with diagnostics."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from triage_gui.providers.connection import Connection
from triage_gui.ui.app.main_window import MainWindow


@pytest.fixture
def make(open_window, tmp_path):
    """A whole window on a port nothing listens on, its state in ``tmp_path``."""

    def make(**kw) -> MainWindow:
        state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        conn = Connection(base_url="http://127.0.0.1:9", token="secret-token-123", label="test", **kw)
        return open_window(conn, window_state=state)

    return make


def test_geometry_and_last_workspace_are_remembered(qtbot, make):
    first = make()
    first.show()
    first.resize(760, 560)  # the offscreen screen is 800x600: stay inside it
    size = (first.width(), first.height())
    assert size != (1180, 780)
    first.wizard.start_page.fill(workspace="ws_remembered", job="job_1")
    first.wizard.start_page.timezone.setCurrentText("Europe/Berlin")
    first.wizard.start_page.load()  # starts a load (it will fail: nothing listens on port 9)
    qtbot.waitUntil(lambda: not first.controller.loading, timeout=10_000)
    first.close()
    second = make()
    second.show()
    assert (second.width(), second.height()) == size
    assert second.wizard.start_page.workspace.text() == "ws_remembered"
    assert second.wizard.start_page.job.text() == ""  # incident IDs are not carried over
    assert second.wizard.start_page.timezone.currentText() == "Europe/Berlin"
    second.close()


def test_insecure_connection_is_shown_in_the_title_and_status_bar(make):
    win = make(insecure=True)
    assert "INSECURE" in win.windowTitle()
    assert "INSECURE" in win.connection_label.text()
    from triage_gui.ui.dialogs import warning_red

    assert warning_red(win.palette()) in win.connection_label.styleSheet()


def test_the_profiles_default_workspace_is_pre_filled(make):
    win = make(default_workspace="ws_from_profile")
    assert win.wizard.start_page.workspace.text() == "ws_from_profile"


def test_the_status_bar_says_connected_only_while_the_server_answers(qtbot, open_window):
    """ "Server: …" before any answer, "Connected to …" once a poll answered, "Not connected to …"
    when nothing answers any more (never "Connected to refused")."""
    from triage_gui.simulator import ManualClock, Simulator

    sim = Simulator(scenarios=["stalled"], clock=ManualClock())
    sim.start(host="127.0.0.1", port=0)
    try:
        conn = Connection(base_url=sim.base_url, token=sim.token, label="test")
        win = open_window(conn, poll_interval_s=0.2)
        assert win.connection_label.text().startswith("Server: test")
        entry = sim.scenario_entries()[0]
        win.wizard.start_page.fill(workspace=entry.workspace_id, job=entry.job_id)
        win.wizard.start_page.load()
        qtbot.waitUntil(lambda: win.connection_label.text().startswith("Connected to test"), timeout=15_000)
    finally:
        sim.stop()
    qtbot.waitUntil(lambda: win.connection_label.text().startswith("Not connected to test"), timeout=20_000)
    win.close()


def test_about_dialog_copies_diagnostics_without_the_token(make):
    win = make()
    win.about()
    dialog = win.about_dialog
    assert "Outbound Triage" in dialog.diagnostics and "PySide6" in dialog.diagnostics
    assert "## Folders" in dialog.diagnostics
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.diagnostics
    assert "secret-token-123" not in copied
    dialog.close()


def test_saved_settings_apply_to_the_open_case(make, app_context):
    from triage_gui.store.settings import AppSettings

    win = make()
    win.open_settings()
    assert win.settings_dialog.isVisible()
    win.settings_dialog.close()
    win._settings_saved(AppSettings(stall_threshold_min=3, transient_threshold_pct=35, poll_interval_s=2))
    assert win.controller.settings.stall_threshold_s == 180
    assert win.controller.settings.transient_threshold == 0.35
    assert win.controller.poll_interval_s == 2.0
    assert app_context.settings.poll_interval_s == 2  # what the next settings dialog shows


def test_profiles_dialog_opens_from_the_menu(make):
    win = make()
    win.open_profiles()
    assert win.profile_dialog.isVisible()
    win.profile_dialog.close()


def test_a_case_survives_closing_and_is_offered_for_recovery(qtbot, tmp_path, simulator, open_window):
    from triage_gui.domain.vocabulary import CheckId

    def window() -> MainWindow:
        conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
        state = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
        return open_window(conn, poll_interval_s=0.2, window_state=state)

    first = window()
    first.show()
    first.wizard.start_page.fill(workspace="ws_demo", job="job_stalled")
    first.wizard.start_page.load()
    qtbot.waitUntil(lambda: first.controller.report is not None, timeout=20_000)
    first.controller.set_note(CheckId.JOB_HEALTH.value, "Customer paused it at 09:10")
    case_id = first.controller.case.case_id
    first.close()  # flushes the autosave

    second = window()
    second.show()
    with qtbot.waitSignal(second.recovery_checked, timeout=10_000) as checked:
        second.offer_recovery()  # reads the saved cases off the GUI thread
    assert checked.args == [True]
    dialog = second.case_dialog
    assert dialog.isVisible()
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    dialog.open_selected()
    assert second.controller.case.case_id == case_id
    assert second.controller.case.notes[CheckId.JOB_HEALTH.value] == "Customer paused it at 09:10"
    assert second.controller.report is not None
    assert second.wizard.start_page.job.text() == "job_stalled"
    qtbot.waitUntil(lambda: len(second.controller.case.snapshots) >= 2, timeout=20_000)  # live again
    second.close()


def test_with_nothing_to_recover_no_dialog_appears(qtbot, window):
    with qtbot.waitSignal(window.recovery_checked, timeout=10_000) as checked:
        window.offer_recovery()
    assert checked.args == [False]
    assert getattr(window, "case_dialog", None) is None
