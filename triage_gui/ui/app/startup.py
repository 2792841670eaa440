"""Start the GUI: build the app's context in one place (no import-time globals) and run.

Cold start is staged (docs/performance.md, "Cold start"): the window's first part (menus, the
start page) is shown before the settings, the logging, the models and the other pages load;
those follow a step per event-loop turn, so the agent can type while they do.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from triage_gui import __version__
from triage_gui.providers.connection import Connection
from triage_gui.store.paths import AppPaths
from triage_gui.ui.tasks.gc_policy import freeze_survivors
from triage_gui.ui.tasks.step_runner import StepRunner

if TYPE_CHECKING:
    from triage_gui.store.credentials import CredentialStore
    from triage_gui.store.log_setup import LoggingSetup
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.main_window import MainWindow

log = logging.getLogger(__name__)

DEMO_SPEED = 5.0  # simulated seconds per wall second: the demo visibly moves
DEMO_FIRST_SCENARIO = "stalled"
SMOKE_TIMEOUT_MS = 60_000
GIL_SWITCH_INTERVAL_S = 0.001


@dataclass
class AppContext:
    paths: AppPaths
    settings: AppSettings | None = None  # None until load_settings() (after the first frame)
    connection: Connection | None = None
    simulator: object | None = None  # the demo's Simulator, stopped on exit
    logging_setup: LoggingSetup | None = None
    _credentials: CredentialStore | None = None

    @property
    def credentials(self) -> CredentialStore:
        """Built on first use (keyring costs a tenth of the cold start and the demo needs none);
        every token it hands out is registered with the log scrubber."""
        if self._credentials is None:
            from triage_gui.store.credentials import CredentialStore

            self._credentials = CredentialStore(on_secret=self._note_secret)
        return self._credentials

    def _note_secret(self, secret: str) -> None:
        """Every token handed out is scrubbed from the logs, also one read before logging was
        set up (the profiles dialog can be opened while the window is still being finished)."""
        if self.logging_setup is not None:
            self.logging_setup.add_secret(secret)
        else:
            self._early_secrets.append(secret)

    settings_warning: str | None = None  # shown once in the window when settings were unusable
    cleanups: list = field(default_factory=list)
    _early_secrets: list[str] = field(default_factory=list, repr=False)

    def load_settings(self) -> AppSettings:
        """Read the settings and set up logging by them (once; later calls return the same)."""
        if self.settings is not None:
            return self.settings
        from triage_gui.store.log_setup import setup_logging
        from triage_gui.store.settings import SettingsStore

        loaded = SettingsStore(self.paths).load()
        self.logging_setup = setup_logging(
            self.paths, loaded.settings.log_level, mask_phones=loaded.settings.redact_phone_numbers
        )
        self.cleanups.append(self.logging_setup.close)
        for secret in self._early_secrets:
            self.logging_setup.add_secret(secret)
        self._early_secrets.clear()
        if loaded.warning:
            log.warning("%s", loaded.warning)
        self.settings = loaded.settings
        self.settings_warning = loaded.warning
        return self.settings

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception:
                log.exception("cleanup failed")
        self.cleanups.clear()


def build_context(args: argparse.Namespace) -> AppContext:
    """A context with its settings read and logging set up (what scripts and tests want)."""
    ctx = AppContext(paths=AppPaths())
    ctx.load_settings()
    return ctx


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


def start_demo(ctx: AppContext) -> Connection:
    from triage_gui.simulator import RealClock, Simulator

    simulator = Simulator(clock=RealClock(speed=DEMO_SPEED))
    base_url = simulator.start(host="127.0.0.1", port=0)
    ctx.simulator = simulator
    ctx.cleanups.append(simulator.stop)
    return Connection(base_url=base_url, token=simulator.token, label="demo", is_demo=True)


def tune_interpreter_for_gui() -> None:
    """Workers run pure-Python fetching and analysis; a shorter GIL switch interval lets the GUI
    thread take the interpreter back sooner (see docs/performance.md, GUI stall)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def run_gui(args: argparse.Namespace) -> int:
    tune_interpreter_for_gui()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Outbound Triage")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("outbound-triage")
    app.setDesktopFileName("outbound-triage")
    from triage_gui.ui.widgets.icons import app_icon

    app.setWindowIcon(app_icon())
    ctx = AppContext(paths=AppPaths())
    try:
        if args.demo:
            ctx.connection = start_demo(ctx)
            known = ctx.simulator.scenario_names if ctx.simulator is not None else []  # type: ignore[attr-defined]
            if args.scenario and known and args.scenario not in known:
                print(
                    f"triage-gui: no demo scenario {args.scenario!r}; choose one of: {', '.join(known)}",
                    file=sys.stderr,
                )
                return 2
        else:
            from triage_gui.ui.app.connect_flow import choose_connection

            ctx.load_settings()  # profiles and the connect dialog log, and may need the keyring
            ctx.connection = choose_connection(ctx, args.profile)
            if ctx.connection is None:
                return 0 if not args.smoke else 1
        window = _make_window(ctx, staged=True)
        exit_code = {"value": 0}
        if ctx.connection.is_demo:
            # filled in before the first frame; the load itself starts when the window is whole
            window.open_scenario(args.scenario or DEMO_FIRST_SCENARIO)
        window.show()
        runner = StepRunner(_finish_start(app, ctx, window, args, exit_code), parent=window)

        def start_failed(message: str) -> None:
            print(f"triage-gui: could not start: {message}", file=sys.stderr)
            exit_code["value"] = 1
            window.close()
            app.exit(1)

        runner.failed.connect(start_failed)
        window.closing.connect(runner.stop)  # closed while starting: build nothing more
        AfterFirstFrame(window, runner.start)
        rc = app.exec()
        return exit_code["value"] if (args.smoke or exit_code["value"]) else rc
    finally:
        ctx.close()


def _finish_start(
    app: QApplication, ctx: AppContext, window: MainWindow, args: argparse.Namespace, exit_code: dict
) -> Iterator[str]:
    """After the first frame: settings and logging, then the window's second part."""
    settings = ctx.load_settings()
    yield "settings"
    steps = window.completion_steps(settings.to_analysis_settings(), poll_interval_s=settings.poll_interval_s)
    yield next(steps, "controller")  # the controller exists from here on
    if args.smoke:
        _arm_smoke(app, window, exit_code)
    yield from steps
    freeze_survivors()  # modules, classes, widgets: out of the garbage collector's sight
    if ctx.settings_warning:
        window.statusBar().showMessage(ctx.settings_warning, 30_000)
    if not args.smoke:
        window.offer_recovery()


def _make_window(ctx: AppContext, *, staged: bool = False) -> MainWindow:
    """The main window for ``ctx``; ``staged``: just its first part (see ``MainWindow``), the
    caller runs ``completion_steps`` with the settings once they are read."""
    from triage_gui.ui.app.main_window import MainWindow

    sim = ctx.simulator
    scenarios = None
    scenario_ids = None
    if sim is not None:
        entries = {e.name: e for e in sim.scenario_entries()}  # nothing built until a load asks
        scenarios = [(e.name, e.title, e.description) for e in entries.values()]

        def scenario_ids(name: str) -> dict[str, str]:
            info = entries[name]
            return {
                "workspace_id": info.workspace_id,
                "job_id": info.job_id,
                "campaign_id": info.campaign_id,
                "upload_id": info.upload_id or "",
            }

    window_state = QSettings(str(ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    assert ctx.connection is not None
    settings = None if staged else ctx.load_settings()
    return MainWindow(
        ctx.connection,
        settings.to_analysis_settings() if settings is not None else None,
        app_context=ctx,
        poll_interval_s=settings.poll_interval_s if settings is not None else 5.0,
        window_state=window_state,
        log_dir=str(ctx.paths.log_dir),
        scenarios=scenarios,
        scenario_ids=scenario_ids,
    )


def _arm_smoke(app: QApplication, window, exit_code: dict) -> None:
    """--smoke: exit 0 once a report and a live snapshot arrived; 1 on error or timeout."""
    seen = {"report": False, "snapshot": False}

    def finish(code: int, message: str) -> None:
        exit_code["value"] = code
        print(message, flush=True)
        window.close()
        app.quit()

    def check_done() -> None:
        if all(seen.values()):
            report = window.controller.report
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
