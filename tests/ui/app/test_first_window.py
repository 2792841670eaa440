"""The first window on every start path comes before the slow parts (issue 16, start-up):

- first run: the welcome screen, before the profile store (pydantic), the keyring and httpx;
- a profile opened without asking: the main window ("Connecting to …"), then the profile's
  checks and its token, read on a worker; a token or profile problem asks over the window;
- ``--demo``: the main window, then the simulator, its scenarios and the first one's IDs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading

import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import triage_gui.ui.app.startup as app_module
from triage_gui.store.credentials import TOKEN_ENV, CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import ProfileStore, make_profile
from triage_gui.ui.app.connect_flow import preview_connection, remember_profile
from triage_gui.ui.app.context import AppContext
from triage_gui.ui.app.main_window import MainWindow
from triage_gui.ui.dialogs.profile_dialog import ProfileDialog
from triage_gui.ui.dialogs.token_prompt import TokenPrompt


def add_profiles(*profiles) -> ProfileStore:
    store = ProfileStore(AppPaths(), CredentialStore(backend=fail.Keyring(), environ={}))
    for profile in profiles:
        store.add(profile)
    return store


def gui_args(**kwargs) -> argparse.Namespace:
    return argparse.Namespace(**{"demo": False, "scenario": None, "smoke": False, "profile": None, **kwargs})


class Shown:
    """Records each main window as ``run_gui`` shows it (its first frame's state), and runs
    ``each_tick`` every 50 ms while the app runs; gives up after ``limit`` ticks."""

    def __init__(self, monkeypatch, each_tick, limit: int = 300) -> None:
        self.first: list[dict[str, object]] = []
        self.windows: list[MainWindow] = []
        show = MainWindow.show

        def recording(window: MainWindow) -> None:
            self.windows.append(window)
            self.first.append(
                {
                    "connecting": window.connecting,
                    "label": window.connection_label.text(),
                    "token": window.connection.token,
                    "job": window.wizard.start_page.job.text(),
                }
            )
            show(window)

        monkeypatch.setattr(MainWindow, "show", recording)
        self.ticks = 0
        self.timer = QTimer()

        def tick() -> None:
            self.ticks += 1
            if self.ticks > limit:
                for top in QApplication.topLevelWidgets():
                    top.close()
                QApplication.exit(99)
                return
            each_tick(self)

        self.timer.timeout.connect(tick)
        self.timer.start(50)


# -- which profile a start opens without asking --------------------------------------------------


def test_the_preview_names_the_profile_a_start_opens_without_asking():
    paths = AppPaths()
    assert preview_connection(paths, None) is None  # first run: no profiles.json
    add_profiles(
        make_profile(name="alpha", base_url="https://alpha.example.com", default_workspace="ws_a"),
        make_profile(name="el", provider="elevenlabs", base_url="https://api.us.elevenlabs.io"),
    )
    assert preview_connection(paths, None) is None  # two, none remembered: the agent chooses
    assert preview_connection(paths, "nope") is None  # the flow says there is no such profile
    remember_profile(paths, "alpha")
    alpha = preview_connection(paths, None)
    assert alpha is not None
    assert (alpha.label, alpha.base_url, alpha.provider, alpha.default_workspace) == (
        "alpha",
        "https://alpha.example.com",
        "batch_v1",
        "ws_a",
    )
    assert alpha.token == "" and not alpha.insecure and not alpha.is_demo
    el = preview_connection(paths, "el")
    assert el is not None and el.provider == "elevenlabs" and el.default_workspace is None
    paths.profiles_file.write_text("{ not json", encoding="utf-8")
    assert preview_connection(paths, "alpha") is None  # the flow sets the file aside and says so


def test_the_preview_of_an_only_profile_allowed_plain_http_is_marked_insecure():
    add_profiles(make_profile(name="lab", base_url="http://10.1.2.3:8080", allow_insecure_http=True))
    lab = preview_connection(AppPaths(), None)
    assert lab is not None and lab.insecure and lab.label == "lab"


# -- first run -----------------------------------------------------------------------------------


def run_in_a_fresh_interpreter(code: str, tmp_path) -> dict:
    """Run ``code`` in a new interpreter (offscreen, its own app home): what it imports and
    builds is its own. Its last line of output, as JSON."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_first_run_shows_the_welcome_before_the_profile_store_the_keyring_and_httpx(tmp_path):
    code = (
        "import json, sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from PySide6.QtTest import QTest\n"
        "app = QApplication([])\n"
        "from triage_gui.store.paths import AppPaths\n"
        "from triage_gui.ui.app.context import AppContext\n"
        "import triage_gui.ui.app.startup\n"
        "from triage_gui.ui.app.connect_flow import ConnectFlow\n"
        "ctx = AppContext(paths=AppPaths())\n"
        "flow = ConnectFlow(ctx)\n"
        "flow.start()\n"
        "heavy = ['pydantic', 'httpx', 'keyring', 'triage_gui.store.profiles', 'triage_gui.ui.dialogs.profile_dialog']\n"
        "before = {m: m in sys.modules for m in heavy}\n"
        "shown = type(flow.dialog).__name__\n"
        "for _ in range(100):\n"
        "    QTest.qWait(50)\n"
        "    if ctx.settings is not None and 'triage_gui.ui.dialogs.token_prompt' in sys.modules:\n"
        "        break\n"
        "after = ctx.settings is not None and 'triage_gui.ui.dialogs.profile_dialog' in sys.modules\n"
        "print(json.dumps({'shown': shown, 'before': before, 'after': after}))\n"
        "flow.dialog.reject()\n"
        "ctx.close()\n"
    )
    seen = run_in_a_fresh_interpreter(code, tmp_path)
    assert seen["shown"] == "WelcomeDialog"
    assert not any(seen["before"].values()), f"loaded before the welcome: {seen['before']}"
    assert seen["after"]  # the settings (logging) and what Connect opens, once it is painted


def test_the_demos_first_frame_does_not_build_the_qt_namespace(tmp_path):
    """PySide6 builds ``Qt`` (every enum, ~14 ms) the first time anything reads it; a QPen, a
    brush or ``fillRect`` read it too. The demo's first frame (the window, its banner as a flat
    tint) must not; the banner's chooser and framed look come with the simulator, and read it."""
    code = (
        "import json\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import PySide6.QtCore as core\n"
        "from triage_gui.store.paths import AppPaths\n"
        "from triage_gui.ui.app.context import AppContext\n"
        "from triage_gui.ui.app.main_window import MainWindow\n"
        "from triage_gui.ui.app.startup import demo_preview\n"
        "ctx = AppContext(paths=AppPaths())\n"
        "ctx.connection = demo_preview('batch_v1')\n"
        "window = MainWindow(ctx, connecting=True)\n"
        "window.show()\n"
        "window.repaint()\n"
        "app.processEvents()\n"
        "first = 'Qt' in vars(core)\n"
        "window.demo_banner.finish_building()\n"
        "app.processEvents()\n"  # a layout shows a widget added to a shown parent at the next turn
        "window.repaint()\n"
        "print(json.dumps({'first_frame': first, 'after': 'Qt' in vars(core), 'chooser': window.demo_banner.scenarios.isVisible()}))\n"
        "window.close()\n"
    )
    seen = run_in_a_fresh_interpreter(code, tmp_path)
    assert seen == {"first_frame": False, "after": True, "chooser": True}


# -- a profile opened without asking: the window first -----------------------------------------


def test_a_profile_start_shows_the_window_first_then_reads_the_token_on_a_worker(qtbot, monkeypatch, simulator):
    add_profiles(make_profile(name="sim", base_url=simulator.base_url, default_workspace="ws_demo"))
    monkeypatch.setenv(TOKEN_ENV, simulator.token)
    reads: list[bool] = []
    resolve = CredentialStore.resolve

    def recording(self, profile):
        reads.append(threading.current_thread() is threading.main_thread())
        return resolve(self, profile)

    monkeypatch.setattr(CredentialStore, "resolve", recording)
    monkeypatch.setattr(MainWindow, "offer_recovery", lambda self: None)
    seen: dict[str, object] = {}

    def check(shown: Shown) -> None:
        window = shown.windows[0] if shown.windows else None
        if window is not None and window.is_ready:
            seen.update(token=window.connection.token, label=window.connection_label.text())
            seen["workspace"] = window.wizard.start_page.workspace.text()
            window.close()

    shown = Shown(monkeypatch, check)
    rc = app_module.run_gui(gui_args(profile="sim"))
    shown.timer.stop()
    assert rc == 0 and len(shown.windows) == 1
    first = shown.first[0]
    assert first["connecting"] and first["token"] == "" and first["label"] == "Connecting to sim…"
    assert seen["token"] == simulator.token and "Connecting" not in str(seen["label"])
    assert seen["workspace"] == "ws_demo"  # the profile's default workspace, from the first frame
    assert reads == [False]  # the token was read once, off the GUI thread


def test_a_profile_start_without_a_token_asks_over_the_window_and_quitting_there_quits(qtbot, monkeypatch):
    add_profiles(make_profile(name="prod", base_url="https://api.example.com"))
    remember_profile(AppPaths(), "prod")
    no_keyring = CredentialStore(backend=fail.Keyring(), environ={})
    monkeypatch.setattr(AppContext, "credentials", property(lambda self: no_keyring))
    seen: list[str] = []

    def answer(shown: Shown) -> None:
        window = shown.windows[0] if shown.windows else None
        if window is None:
            return
        prompts = [w for w in window.findChildren(TokenPrompt) if w.isVisible()]
        profiles = [w for w in window.findChildren(ProfileDialog) if w.isVisible()]
        if prompts and "prompt" not in seen:
            seen.append("prompt")
            assert window.isVisible() and window.connecting and not window.is_ready
            assert "No system keyring is available" in prompts[0].explanation.text()
            prompts[0].reject()  # cancel: the profiles
        elif profiles and "profiles" not in seen:
            seen.append("profiles")
            assert profiles[0].current_profile == "prod"
            profiles[0].reject()  # closed: the app quits

    shown = Shown(monkeypatch, answer)
    rc = app_module.run_gui(gui_args())
    shown.timer.stop()
    assert rc == 0 and seen == ["prompt", "profiles"]
    assert shown.first[0]["connecting"] and not shown.windows[0].isVisible()
    the_event_loop_still_works(qtbot)


def test_building_a_window_that_has_no_connection_yet_is_refused(qtbot, app_context):
    from triage_gui.ui.app.startup import demo_preview

    app_context.connection = demo_preview("batch_v1")
    window = MainWindow(app_context, connecting=True)
    try:
        with pytest.raises(RuntimeError, match="no connection yet"):
            window.build()
    finally:
        window.close()
        window.deleteLater()


def test_a_connection_to_another_platform_than_the_preview_reshapes_the_start_page(qtbot, app_context):
    from triage_gui.providers.connection import Connection

    add_profiles(make_profile(name="el", provider="elevenlabs", base_url="https://api.us.elevenlabs.io"))
    app_context.connection = preview_connection(AppPaths(), "el")
    window = MainWindow(app_context, connecting=True)
    qtbot.addWidget(window)
    assert not window.wizard.start_page.workspace.isEnabled()  # ElevenLabs: no workspace to type
    batch = Connection(base_url="http://127.0.0.1:9", token="t", label="b", default_workspace="ws_b")
    window.set_connection(batch)  # the agent chose a Batch API profile in the dialogs instead
    start = window.wizard.start_page
    assert start.workspace.isEnabled() and start.workspace.text() == "ws_b"
    assert start.job.accessibleName() != "Batch ID"
    assert window.connection_label.text() == "Server: b (http://127.0.0.1:9)"
    window.build()
    assert window.is_ready and window.wizard.start_page is start
    window.close()


# -- the demo: the window first, then its simulator -----------------------------------------------


def test_the_demo_shows_its_window_then_starts_the_simulator_and_fills_the_first_scenario(qtbot, monkeypatch):
    monkeypatch.setattr(MainWindow, "offer_recovery", lambda self: None)
    seen: dict[str, object] = {}

    def check(shown: Shown) -> None:
        window = shown.windows[0] if shown.windows else None
        if window is not None and window.is_ready:
            banner = window.demo_banner
            assert banner is not None
            seen["url"] = window.connection.base_url
            seen["banner"] = banner.accessibleDescription()
            seen["scenarios"] = banner.scenarios.count()
            seen["chosen"] = banner.current_scenario()
            seen["job"] = window.wizard.start_page.job.text()
            chain, widget = [], window.nextInFocusChain()
            while widget is not window and len(chain) < 500:
                chain.append(widget)
                widget = widget.nextInFocusChain()
            # the chooser, made after the first frame, still comes before the wizard for Tab
            seen["tab_order"] = [
                chain.index(w) for w in (banner.scenarios, banner.open, window.wizard.start_page.workspace)
            ]
            window.close()

    shown = Shown(monkeypatch, check)
    rc = app_module.run_gui(gui_args(demo=True))
    shown.timer.stop()
    assert rc == 0
    first = shown.first[0]
    assert first["connecting"] and first["job"] == ""  # the first frame: before the simulator
    assert str(seen["url"]).startswith("http://127.0.0.1:")
    assert str(seen["url"]) in str(seen["banner"])
    assert int(seen["scenarios"]) > 1 and seen["chosen"] == app_module.DEMO_FIRST_SCENARIO
    assert seen["job"] == f"job_{app_module.DEMO_FIRST_SCENARIO}"
    assert seen["tab_order"] == sorted(seen["tab_order"]), seen["tab_order"]


def test_a_demo_whose_simulator_cannot_start_says_so_and_exits(qtbot, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: told.append(text))

    def refuse(_ctx, _provider="batch_v1"):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(app_module, "start_demo", refuse)
    shown = Shown(monkeypatch, lambda _shown: None)
    rc = app_module.run_gui(gui_args(demo=True))
    shown.timer.stop()
    assert rc == 1
    assert told and "Address already in use" in told[0]
    assert "could not start" in capsys.readouterr().err
    assert not shown.windows[0].isVisible()
    the_event_loop_still_works(qtbot)


def the_event_loop_still_works(qtbot) -> None:
    """``run_gui`` ended by its own exit leaves no Quit queued to end the next event loop."""
    qtbot.wait(20)  # what is queued runs
    timer = QTimer()
    timer.setSingleShot(True)
    with qtbot.waitSignal(timer.timeout, timeout=3_000):  # a local event loop, as pytest-qt runs it
        timer.start(20)
