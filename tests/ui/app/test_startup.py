"""The staged cold start: the first frame is the real start page; the rest follows it.

``run_gui`` shows the main window's first part (menus, the wizard's start page) before the
settings, the models, the controller and the other pages load (docs/performance.md, "Cold
start"). These tests hold the promises that make that safe: the first part is usable, a Load
asked for early is carried out, nothing acts on a case that is not there yet, and the first
frame's code stays free of the heavy imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QWizard

from triage_gui.providers.connection import Connection
from triage_gui.ui.app.main_window import STARTING_TEXT, MainWindow
from triage_gui.ui.app.startup import AfterFirstFrame
from triage_gui.ui.case import controller as controller_module
from triage_gui.ui.tasks import thread_registry
from triage_gui.ui.tasks.step_runner import StepRunner


@pytest.fixture
def staged(open_window, simulator):
    """A main window as ``run_gui`` shows it first: its first part only, no step run yet."""
    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    win = open_window(conn, build=False, poll_interval_s=0.2)
    win.show()
    yield win
    win.close()


def test_the_first_part_is_the_start_page_and_waits_for_the_rest(staged):
    wizard = staged.wizard
    assert not staged.is_ready
    with pytest.raises(RuntimeError, match="not made yet"):
        staged.controller  # noqa: B018
    assert wizard.currentPage() is wizard.start_page and not wizard.check_pages
    assert len(wizard.pageIds()) == 7  # stand-ins for the pages to come, so Next shows, not Done
    assert wizard.button(QWizard.WizardButton.NextButton).isVisible()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    assert not wizard.isWindow()  # embedded by the layout, no window flags needed
    assert staged.statusBar().currentMessage() == STARTING_TEXT
    disabled = [a for a in staged.menuBar().actions()[0].menu().actions() if not a.isEnabled()]
    assert {"&New case", "&Cases…", "&Refresh (fetch again)", "&Settings…"} <= {a.text() for a in disabled}
    # the actions on the case are the way to it: disabled, they do nothing until it exists
    for action in disabled:
        action.trigger()
    assert not staged.is_ready and wizard.currentPage() is wizard.start_page


def test_the_steps_add_each_page_as_its_own_step_and_enable_the_case_actions(qtbot, staged):
    steps = list(staged.build_steps())
    # the settings, the controller, one step per page after the start page (4 checks, escalation, export)
    assert len(steps) == 8 and steps[:2] == ["settings", "controller"] and steps[-1] == "page export"
    wizard = staged.wizard
    assert staged.is_ready and wizard.pageIds() == list(range(7))
    expected = [wizard.start_page, *wizard.check_pages.values(), wizard.escalation_page, wizard.export_page]
    assert [wizard.page(i) for i in wizard.pageIds()] == expected
    assert wizard.button(QWizard.WizardButton.NextButton).isVisible()
    assert all(a.isEnabled() for a in staged.menuBar().actions()[0].menu().actions())
    assert staged.new_case_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    assert wizard.start_page.load_button.shortcut() == QKeySequence("Ctrl+L")
    assert staged.statusBar().currentMessage() == ""
    assert staged.connection_status is not None


def test_a_load_asked_for_while_starting_runs_once_the_window_is_whole(qtbot, staged, simulator):
    info = simulator.scenario("permit_starved")
    start = staged.wizard.start_page
    qtbot.keyClicks(start.workspace, info.workspace_id)  # typing works in the first frame
    qtbot.keyClicks(start.job, info.job_id)
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)
    assert not start.load_button.isEnabled() and start.load_progress.isVisibleTo(start)
    assert not staged.is_ready
    with qtbot.waitSignal(staged.ready, timeout=10_000):
        StepRunner(staged.build_steps(), parent=staged).start()
    qtbot.waitUntil(lambda: staged.controller.report is not None, timeout=20_000)
    assert staged.controller.report.job_id == info.job_id
    qtbot.waitUntil(start.isComplete, timeout=5_000)
    staged.wizard.next()
    assert staged.wizard.currentId() == 1  # the checks are there to go to


def test_closing_while_starting_loses_nothing_and_leaves_no_thread(open_window, simulator):
    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    win = open_window(conn, build=False)
    win.show()
    win.close()  # no controller, no autosaver yet: nothing to flush or stop
    assert not thread_registry.running()


def test_a_failing_step_is_reported_and_stops_the_run(qtbot):
    ran: list[str] = []

    def steps():
        ran.append("one")
        yield "one"
        raise RuntimeError("settings unreadable")
        yield "never"  # pragma: no cover

    runner = StepRunner(steps())
    with qtbot.waitSignal(runner.failed, timeout=2_000) as failed:
        runner.start()
    assert failed.args == ["RuntimeError: settings unreadable"]
    assert ran == ["one"]


def test_the_rest_starts_after_the_first_frame(qtbot):
    widget = QWizard()
    qtbot.addWidget(widget)
    fired: list[bool] = []
    AfterFirstFrame(widget, lambda: fired.append(widget.isVisible()), fallback_ms=60_000)
    assert not fired
    widget.show()
    qtbot.waitUntil(lambda: bool(fired), timeout=5_000)
    assert fired == [True]
    qtbot.wait(50)
    assert fired == [True]  # once


def test_the_first_frame_loads_no_models_http_or_phone_library():
    """What the first frame needs stays light: a heavy import creeping into it costs every
    cold start (bench/startup_bench.py measures the time)."""
    code = (
        "import json, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from triage_gui.providers.connection import Connection\n"
        "from triage_gui.store.paths import AppPaths\n"
        "from triage_gui.ui.app.context import AppContext\n"
        "from triage_gui.ui.app.main_window import MainWindow\n"
        "import triage_gui.ui.app.startup\n"
        "ctx = AppContext(paths=AppPaths(), connection=Connection(base_url='http://127.0.0.1:9', token='t'))\n"
        "w = MainWindow(ctx)\n"
        "w.show(); app.processEvents()\n"
        "heavy = ['pydantic', 'httpx', 'phonenumbers', 'keyring', 'pyqtgraph',\n"
        "         'triage_gui.ui.case.controller', 'triage_gui.ui.pages.check_page']\n"
        "print(json.dumps({m: m in sys.modules for m in heavy}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not any(loaded.values()), f"loaded before the first frame: {[m for m, v in loaded.items() if v]}"


def test_run_gui_puts_the_settings_warning_in_the_status_bar(qtbot, isolated_home, monkeypatch):
    """Unusable settings are set aside at start; the agent is told, once, in the window."""
    import argparse

    import triage_gui.ui.app.startup as app_module
    from triage_gui.store.paths import AppPaths

    config = AppPaths().config_dir
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text("{ not json", encoding="utf-8")
    seen: dict[str, str] = {}

    class Watch(QObject):
        def check(self) -> None:
            from PySide6.QtWidgets import QApplication

            for top in QApplication.topLevelWidgets():
                if not isinstance(top, MainWindow):
                    continue
                message = top.statusBar().currentMessage()
                if "settings" in message.lower() or self.ticks > 200:  # told, or 10 s: give up
                    seen["message"] = message
                    seen["ready"] = str(top.is_ready)
                    seen["ring"] = QApplication.instance().styleSheet()
                    top.close()
            self.ticks += 1

        ticks = 0

    watch = Watch()
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(watch.check)
    timer.start(50)
    monkeypatch.setattr(
        app_module,
        "start_demo",
        lambda _ctx, _provider="batch_v1": Connection(base_url="http://127.0.0.1:9", token="t"),
    )
    monkeypatch.setattr(MainWindow, "offer_recovery", lambda self: None)
    rc = app_module.run_gui(argparse.Namespace(demo=True, scenario=None, smoke=False, profile=None))
    timer.stop()
    assert rc == 0
    assert "settings" in seen.get("message", "").lower() and seen["ready"] == "True"
    from triage_gui.ui.app.theme import FOCUS_STYLE

    assert seen["ring"] == FOCUS_STYLE  # the focus ring, set after the first frame


def test_the_window_makes_the_tls_context_on_a_worker_before_any_load(qtbot, monkeypatch, open_window):
    import threading

    import triage_gui.providers.http.tls as tls

    calls: list[tuple[str, bool]] = []
    real = tls.context_for

    def recording(base_url, verify, *, trust_env=True):
        calls.append((base_url, threading.current_thread() is threading.main_thread()))
        return real(base_url, verify, trust_env=trust_env)

    monkeypatch.setattr(tls, "context_for", recording)
    imported: list[tuple[str, bool]] = []
    real_import = controller_module.import_module

    def recording_import(name):
        imported.append((name, threading.current_thread() is threading.main_thread()))
        return real_import(name)

    monkeypatch.setattr(controller_module, "import_module", recording_import)
    conn = Connection(base_url="https://api.example.invalid", token="t", label="test")
    win = open_window(conn)
    wanted = controller_module.load_modules("batch_v1")
    qtbot.waitUntil(lambda: bool(calls) and len(imported) == len(wanted), timeout=5_000)
    assert calls == [("https://api.example.invalid", False)]  # made off the GUI thread
    # and what a load imports, imported there first (the first load does not wait for it)
    assert imported == [(name, False) for name in wanted]
    assert "triage_gui.providers.batch_v1.provider" in {name for name, _ in imported}
    win.close()


@pytest.mark.parametrize("provider", ["batch_v1", "elevenlabs"])
def test_the_modules_a_load_imports_exist_for_each_platform(provider):
    import importlib.util

    for name in controller_module.load_modules(provider):
        assert importlib.util.find_spec(name) is not None, name


def test_the_analysis_bench_imports_what_the_apps_warm_up_imports():
    from bench.analysis_bench import LOAD_MODULES  # the bench cannot import the controller (Qt)

    assert controller_module.load_modules("batch_v1") == LOAD_MODULES


def test_closing_between_steps_builds_and_loads_nothing_more(qtbot, simulator, open_window):
    import gc

    from triage_gui.ui.tasks import gc_policy as collector_pacing

    info = simulator.scenario("healthy")
    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    win = open_window(conn, build=False)
    win.show()
    win.wizard.start_page.fill(workspace=info.workspace_id, job=info.job_id)
    win.wizard.start_page.load()  # asked for while starting up
    finished: list[bool] = []

    def steps():
        inner = win.build_steps()
        yield next(inner)  # the settings
        yield next(inner)  # the controller
        win.close()
        yield "closed"
        yield from inner
        finished.append(True)

    runner = StepRunner(steps(), parent=win)
    win.closing.connect(runner.stop)
    runner.start()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=5_000)
    qtbot.wait(200)
    assert not finished  # no step ran after the close
    assert not win.is_ready and win.controller.closed and not win.controller.loading
    assert gc.isenabled() and not collector_pacing.paused()
    assert not thread_registry.running()


def test_a_pending_load_whose_fields_were_made_invalid_says_so_and_can_be_retried(qtbot, staged):
    start = staged.wizard.start_page
    start.fill(workspace="ws_demo", job="job_stalled")
    start.load()
    assert not start.load_button.isEnabled()
    start.job.setText("")  # the agent edits on while the window is being finished
    staged.build()
    assert start.load_button.isEnabled() and not start.load_progress.isVisibleTo(start)
    assert "Please fix" in start.load_status.text()
    assert not staged.controller.loading


def test_building_twice_changes_nothing(qtbot, staged):
    staged.build()
    controller, pages = staged.controller, staged.wizard.pageIds()
    staged.build()
    assert staged.controller is controller and staged.wizard.pageIds() == pages


def test_the_window_polls_at_the_settings_interval_unless_told_otherwise(open_window, app_context):
    app_context.settings = app_context.settings.with_changes(poll_interval_s=7)
    win = open_window(Connection(base_url="http://127.0.0.1:9", token="t"))
    assert win.controller.poll_interval_s == 7.0
    faster = open_window(Connection(base_url="http://127.0.0.1:9", token="t"), poll_interval_s=0.2)
    assert faster.controller.poll_interval_s == 0.2


def test_a_token_read_before_logging_is_set_up_is_still_scrubbed_from_the_logs():
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.app.context import AppContext

    ctx = AppContext(paths=AppPaths())
    try:
        ctx._note_secret("tok-early-5f3a9c")  # what the credential store calls for each token
        ctx.load_settings()
        assert "tok-early-5f3a9c" not in ctx.logging_setup.scrub.redact("Bearer tok-early-5f3a9c")
        ctx._note_secret("tok-later-77d0e1")
        assert "tok-later-77d0e1" not in ctx.logging_setup.scrub.redact("token=tok-later-77d0e1")
    finally:
        ctx.close()


def test_copying_rich_text_then_quitting_offscreen_exits_cleanly(tmp_path):
    """Without the guard the process ends in a segmentation fault (exit 139) after Copy form."""
    import subprocess
    import sys

    script = tmp_path / "copy_then_quit.py"
    script.write_text(
        "import sys\n"
        "from PySide6.QtCore import QMimeData, QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from triage_gui.ui.app.startup import guard_offscreen_clipboard\n"
        "app = QApplication(sys.argv[:1])\n"
        "guard_offscreen_clipboard(app)\n"
        "def copy():\n"
        "    mime = QMimeData(); mime.setText('form'); mime.setHtml('<b>form</b>')\n"
        "    app.clipboard().setMimeData(mime)\n"
        "    app.quit()\n"
        "QTimer.singleShot(0, copy)\n"
        "app.exec()\n",
        encoding="utf-8",
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr[-500:]
