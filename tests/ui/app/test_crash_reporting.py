"""An error nobody caught goes to the scrubbed log and one plain dialog, never raw to stderr only."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from triage_gui.domain.redaction import Redactor
from triage_gui.ui.app.crash_reporting import FAULTS_FILE, CrashReporter

TOKEN = "tok_live_CRASHSECRET"


@pytest.fixture
def reporter(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    redactor = Redactor()
    redactor.add_secret(TOKEN)
    crash = CrashReporter(lambda: parent, redactor.redact)
    crash.install(tmp_path)
    yield crash
    crash.uninstall()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown_once(qtbot, reporter, caplog, tmp_path):
    def slot() -> None:
        raise RuntimeError(f"boom with {TOKEN}")

    with caplog.at_level(logging.CRITICAL, logger="triage_gui.crash"):
        QTimer.singleShot(0, slot)
        QTimer.singleShot(0, slot)  # a second one while the dialog shows: logged, not shown again
        qtbot.waitUntil(lambda: reporter.reported == 2, timeout=5_000)
        qtbot.waitUntil(lambda: getattr(reporter, "dialog", None) is not None, timeout=5_000)
    box: QMessageBox = reporter.dialog
    assert "RuntimeError" in box.informativeText() and TOKEN not in box.informativeText()
    assert box.accessibleName() == "Unexpected error"
    records = [r for r in caplog.records if r.name == "triage_gui.crash"]
    assert len(records) == 2 and records[0].exc_info is not None
    assert (tmp_path / FAULTS_FILE).exists()
    box.accept()
    qtbot.waitUntil(lambda: not reporter._showing, timeout=2_000)


def test_an_exception_on_a_worker_thread_is_logged(reporter, caplog):
    def work() -> None:
        raise ValueError("worker failed")

    with caplog.at_level(logging.CRITICAL, logger="triage_gui.crash"):
        thread = threading.Thread(target=work, name="worker-x")
        thread.start()
        thread.join(5)
    (record,) = [r for r in caplog.records if r.name == "triage_gui.crash"]
    assert "worker-x" in record.getMessage() and record.exc_info[0] is ValueError


def test_uninstall_puts_the_previous_hooks_back(qtbot, tmp_path):
    import sys

    before, thread_before = sys.excepthook, threading.excepthook
    crash = CrashReporter(lambda: None, lambda text: text)
    crash.install(tmp_path)
    assert sys.excepthook != before
    crash.uninstall()
    assert sys.excepthook == before and threading.excepthook == thread_before


def test_uninstall_leaves_faulthandler_on_when_it_was_on(tmp_path):
    """A test runner's (or python -X faulthandler's) fatal-signal dump survives the app's own."""
    import faulthandler

    from triage_gui.ui.app.crash_reporting import CrashReporter

    was_on = faulthandler.is_enabled()
    faulthandler.enable()
    try:
        reporter = CrashReporter(lambda: None, lambda text: text)
        reporter.install(tmp_path)
        reporter.uninstall()
        assert faulthandler.is_enabled()
    finally:
        if not was_on:
            faulthandler.disable()
