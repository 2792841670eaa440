"""Start the GUI: build the app's context once (no import-time globals), choose the
connection, run.

Cold start is staged (docs/performance.md, "Cold start"): a first window is shown at once on
every start path, and the slow parts follow its first frame, one per event-loop turn, so the
agent can type while they run:

- first run: the welcome screen (the connect flow loads the profiles, the keyring and the
  profile dialog after its first frame);
- a profile opened without asking (``--profile NAME``, the last-used or only profile): the main
  window, "Connecting to NAME…", from ``profiles.json`` read as plain JSON; then the connect flow
  checks the profile and reads its token on a worker, asking over the window if it must;
- ``--demo``: the main window; then the simulator starts and the first scenario is filled in
  (``--demo --scenario NAME`` starts it first, so an unknown name ends the app before any window);

then the main window's steps (settings and logging, the controller, the other pages).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from triage_gui import __version__
from triage_gui.providers.connection import Connection
from triage_gui.store.paths import AppPaths
from triage_gui.ui.app.context import AppContext
from triage_gui.ui.tasks.gc_policy import freeze_survivors
from triage_gui.ui.tasks.step_runner import StepRunner

if TYPE_CHECKING:
    from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
    from triage_gui.ui.app.main_window import MainWindow

DEMO_SPEED = 5.0  # simulated seconds per wall second: the demo visibly moves
DEMO_FIRST_SCENARIO = "stalled"
SMOKE_TIMEOUT_MS = 60_000
GIL_SWITCH_INTERVAL_S = 0.001


class AfterFirstFrame(QObject):
    """Calls ``callback`` once ``window`` has painted its first frame (or after ``fallback_ms``,
    for a platform that never paints a window it cannot show), from the next event-loop turn."""

    def __init__(self, window: QWidget, callback: Callable[[], None], fallback_ms: int = 1_000) -> None:
        super().__init__(window)
        self._callback: Callable[[], None] | None = callback
        window.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        parent = self.parent()
        if parent is not None:
            parent.removeEventFilter(self)  # the fallback fired first, or the paint did
        if callback is not None:
            callback()


def start_demo(ctx: AppContext, provider: str = "batch_v1") -> Connection:
    """Start the bundled simulator of ``provider``'s platform (the Batch API's, or ElevenLabs')
    on loopback; the demo's connection to it."""
    from triage_gui.simulator import RealClock, Simulator

    simulator: Simulator | ElevenLabsSimulator
    if provider == "elevenlabs":
        from triage_gui.simulator.elevenlabs import ElevenLabsSimulator

        simulator = ElevenLabsSimulator(clock=RealClock(speed=DEMO_SPEED))
    else:
        simulator = Simulator(clock=RealClock(speed=DEMO_SPEED))
    base_url = simulator.start(host="127.0.0.1", port=0)
    ctx.simulator = simulator
    ctx.cleanups.append(simulator.stop)
    # the demo's simulated clock runs faster than the wall clock: no plausibility bound
    return Connection(
        base_url=base_url,
        token=simulator.token,
        label="demo",
        is_demo=True,
        clock_plausibility_s=None,
        provider=provider,
    )


def tune_interpreter_for_gui() -> None:
    """Workers run pure-Python fetching and analysis; a shorter GIL switch interval lets the GUI
    thread take the interpreter back sooner (see docs/performance.md, GUI stall). And a guard
    against a reference-counting bug in PySide6 with pyqtgraph (ui/app/refcount_guard.py)."""
    from triage_gui.ui.app.refcount_guard import make_singletons_immortal

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    make_singletons_immortal()


def make_window(ctx: AppContext, *, connecting: bool = False) -> MainWindow:
    """The main window's first part on ``ctx.connection``, its geometry kept in the config dir;
    the caller runs its steps (``build_steps``, or ``build`` at once). ``connecting``: the
    connection only says where (no token yet); ``MainWindow.set_connection`` gives the real one."""
    from triage_gui.ui.app.main_window import MainWindow

    window_state = QSettings(str(ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    return MainWindow(ctx, window_state=window_state, connecting=connecting)


def guard_offscreen_clipboard(app: QApplication) -> None:
    """Qt's offscreen clipboard frees a QMimeData set from Python (Copy form) a second time at
    exit: a segmentation fault (exit 139). Nobody can paste from an offscreen session anyway, so
    there the clipboard is emptied on quit."""
    if QApplication.platformName() == "offscreen" and not app.property("clipboard_guarded"):
        app.setProperty("clipboard_guarded", True)
        app.aboutToQuit.connect(lambda: QApplication.clipboard().clear())


def run_gui(args: argparse.Namespace) -> int:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # the rest of tune_interpreter_for_gui after the first frame
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Outbound Triage")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("outbound-triage")
    app.setDesktopFileName("outbound-triage")
    guard_offscreen_clipboard(app)
    from triage_gui.ui.widgets.icons import app_icon

    app.setWindowIcon(app_icon())
    ctx = AppContext(paths=AppPaths())
    from triage_gui.ui.app.theme import apply_theme, saved_theme

    # System, Light or Dark (File → Settings); the focus ring follows the first frame
    apply_theme(app, saved_theme(ctx.paths.settings_file), focus_ring=False)
    from triage_gui.ui.app.crash_reporting import CrashReporter

    shown: list[QWidget] = []
    reporter = CrashReporter(lambda: shown[0] if shown else None, ctx.redact)
    reporter.install(ctx.paths.log_dir)
    ctx.cleanups.append(reporter.uninstall)
    try:
        pending = _first_connection(ctx, args)
        if isinstance(pending, int):
            return pending
        window = make_window(ctx, connecting=pending is not None)
        shown.append(window)
        exit_code = {"value": 0}
        if ctx.connection is not None and ctx.connection.is_demo and pending is None:
            # filled in before the first frame; the load itself starts when the window is whole
            window.open_scenario(args.scenario or DEMO_FIRST_SCENARIO)
        window.show()

        def start_failed(message: str) -> None:
            print(f"triage-gui: could not start: {message}", file=sys.stderr)
            exit_code["value"] = 1
            if not args.smoke:  # the agent may have no terminal: told in the window too
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.critical(window, "Outbound Triage could not start", message)
            window.close()
            app.exit(1)

        def finish_start() -> None:
            runner = StepRunner(_finish_start(app, window, args, exit_code), parent=window)
            runner.failed.connect(start_failed)
            window.closing.connect(runner.stop)  # closed while starting: build nothing more
            runner.start()

        after_frame = finish_start
        if pending == "profile":  # the profile's checks and its token (keyring, on a worker)
            after_frame = lambda: _connect_then(ctx, window, args, exit_code, app, finish_start)  # noqa: E731
        elif pending == "demo":
            after_frame = lambda: _start_demo_then(ctx, window, start_failed, finish_start)  # noqa: E731

        def after_first_frame() -> None:
            from triage_gui.ui.app.theme import apply_focus_ring

            tune_interpreter_for_gui()  # its guard is for the charts, which come later
            apply_focus_ring(app)  # before anyone can Tab: the first frame is up
            after_frame()

        # as each step: a turn of its own, after what the first frame's turn queued
        AfterFirstFrame(window, lambda: QTimer.singleShot(0, window, after_first_frame))
        rc = app.exec()
        # closing the last window posted a Quit too, when the app exited by its own call: left
        # queued, it would end the next event loop of this process (a test's, a script's)
        QApplication.removePostedEvents(app, QEvent.Type.Quit)
        return exit_code["value"] if (args.smoke or exit_code["value"]) else rc
    finally:
        ctx.close()


def _first_connection(ctx: AppContext, args: argparse.Namespace) -> str | int | None:
    """Sets ``ctx.connection`` for the main window's first frame. Returns None when it is the
    real one; "demo" or "profile" when it only shows where the window will connect (the
    simulator starts, or the profile's token is read, after the first frame); an exit code when
    the app ends here (the agent quit the dialogs; an unknown demo scenario)."""
    if args.demo:
        provider = getattr(args, "provider", None) or "batch_v1"
        if not args.scenario:
            ctx.connection = demo_preview(provider)
            return "demo"
        ctx.connection = start_demo(ctx, provider)  # a scenario asked for by name is checked first
        known = ctx.simulator.scenario_names if ctx.simulator is not None else []
        if known and args.scenario not in known:
            print(f"triage-gui: no demo scenario {args.scenario!r}; choose one of: {', '.join(known)}", file=sys.stderr)
            return 2
        return None
    from triage_gui.ui.app.connect_flow import choose_connection, preview_connection

    ctx.connection = preview_connection(ctx.paths, args.profile)
    if ctx.connection is not None:
        return "profile"
    ctx.connection = choose_connection(ctx, args.profile)  # first run, or the agent chooses first
    if ctx.connection is None:
        return 0 if not args.smoke else 1
    return None


def demo_preview(provider: str) -> Connection:
    """The demo's connection as the first frame shows it, before its simulator runs."""
    return Connection(base_url="", token="", label="demo", is_demo=True, clock_plausibility_s=None, provider=provider)


def _start_demo_then(
    ctx: AppContext, window: MainWindow, failed: Callable[[str], None], then: Callable[[], None]
) -> None:
    """The demo's simulator, its first scenario filled in, then the window's steps."""
    try:
        connection = start_demo(ctx, window.connection.provider)
    except Exception as error:
        failed(f"the demo's simulator did not start: {error}")
        return
    window.set_connection(connection)
    window.open_scenario(DEMO_FIRST_SCENARIO)
    then()


def _connect_then(
    ctx: AppContext,
    window: MainWindow,
    args: argparse.Namespace,
    exit_code: dict[str, int],
    app: QApplication,
    then: Callable[[], None],
) -> None:
    """The connect flow for the profile the window shows (its dialogs over the window, if the
    token or the profile need the agent), then the window's steps; quitting the dialogs quits."""
    from triage_gui.ui.app.connect_flow import ConnectFlow

    flow = ConnectFlow(ctx, window.connection.label, parent=window, dialog_parent=window, background=True)

    def finished(connection: Connection | None) -> None:
        if connection is None:
            exit_code["value"] = 0 if not args.smoke else 1
            window.close()
            app.exit(exit_code["value"])
            return
        ctx.connection = connection
        window.set_connection(connection)
        then()

    flow.finished.connect(finished)
    flow.start()


def _finish_start(
    app: QApplication, window: MainWindow, args: argparse.Namespace, exit_code: dict[str, int]
) -> Iterator[str]:
    """After the first frame: the window's steps, then what needs the whole window."""
    for step in window.build_steps():
        yield step
        if step == "controller" and args.smoke:
            _arm_smoke(app, window, exit_code)
    freeze_survivors()  # modules, classes, widgets: out of the garbage collector's sight
    if not args.smoke:
        window.offer_recovery()


def _arm_smoke(app: QApplication, window: MainWindow, exit_code: dict[str, int]) -> None:
    """--smoke: exit 0 once a report and a live snapshot arrived; 1 on error or timeout."""
    seen = {"report": False, "snapshot": False}

    def finish(code: int, message: str) -> None:
        exit_code["value"] = code
        print(message, flush=True)
        window.close()
        app.quit()

    def check_done() -> None:
        report = window.controller.report
        if all(seen.values()) and report is not None:
            verdicts = ", ".join(f"{c.id.value}={c.verdict.value}" for c in report.checks)
            finish(0, f"smoke ok: job {report.job_id}: {verdicts}; level {report.escalation.level}")

    def on_report(_r: object) -> None:
        seen["report"] = True
        check_done()

    def on_snapshot(_s: object) -> None:
        seen["snapshot"] = True
        check_done()

    window.controller.report_changed.connect(on_report)
    window.controller.snapshot_added.connect(on_snapshot)
    window.controller.load_failed.connect(lambda msg: finish(1, f"smoke failed: {msg}"))
    QTimer.singleShot(SMOKE_TIMEOUT_MS, lambda: finish(1, "smoke failed: timed out"))
