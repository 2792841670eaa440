"""Start the GUI: build the app's context in one place (no import-time globals) and run."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from triage_gui import __version__
from triage_gui.api.connection import Connection
from triage_gui.store.log_setup import LoggingSetup, setup_logging
from triage_gui.store.paths import AppPaths
from triage_gui.store.settings import AppSettings, SettingsStore

if TYPE_CHECKING:
    from triage_gui.store.credentials import CredentialStore

log = logging.getLogger(__name__)

DEMO_SPEED = 5.0  # simulated seconds per wall second: the demo visibly moves
DEMO_FIRST_SCENARIO = "stalled"
SMOKE_TIMEOUT_MS = 60_000
GIL_SWITCH_INTERVAL_S = 0.001


@dataclass
class AppContext:
    paths: AppPaths
    settings: AppSettings
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

            on_secret = self.logging_setup.add_secret if self.logging_setup is not None else None
            self._credentials = CredentialStore(on_secret=on_secret)
        return self._credentials
    settings_warning: str | None = None  # shown once in the window when settings were unusable
    cleanups: list = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - shutdown goes on whatever one step does
                log.exception("cleanup failed")
        self.cleanups.clear()


def build_context(args: argparse.Namespace) -> AppContext:
    paths = AppPaths()
    loaded = SettingsStore(paths).load()
    logging_setup = setup_logging(paths, loaded.settings.log_level, mask_phones=loaded.settings.redact_phone_numbers)
    if loaded.warning:
        log.warning("%s", loaded.warning)
    return AppContext(
        paths=paths,
        settings=loaded.settings,
        settings_warning=loaded.warning,
        logging_setup=logging_setup,
    )


def start_demo(ctx: AppContext) -> Connection:
    from triage_gui.api.simulator import RealClock, Simulator

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
    from triage_gui.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    ctx = build_context(args)
    if ctx.logging_setup is not None:
        ctx.cleanups.append(ctx.logging_setup.close)
    try:
        if args.demo:
            ctx.connection = start_demo(ctx)
            known = [s.name for s in ctx.simulator.scenarios()] if ctx.simulator is not None else []  # type: ignore[attr-defined]
            if args.scenario and known and args.scenario not in known:
                print(f"triage-gui: no demo scenario {args.scenario!r}; choose one of: {', '.join(known)}", file=sys.stderr)
                return 2
        else:
            from triage_gui.ui.connect_flow import choose_connection

            ctx.connection = choose_connection(ctx, args.profile)
            if ctx.connection is None:
                return 0 if not args.smoke else 1
        window = _make_window(ctx)
        window.show()
        if not args.smoke:
            QTimer.singleShot(0, window.offer_recovery)
        exit_code = {"value": 0}
        if ctx.connection.is_demo:
            scenario = args.scenario or DEMO_FIRST_SCENARIO
            QTimer.singleShot(0, lambda: window.open_scenario(scenario))
        if args.smoke:
            _arm_smoke(app, window, exit_code)
        rc = app.exec()
        return exit_code["value"] if args.smoke else rc
    finally:
        ctx.close()


def _make_window(ctx: AppContext):  # noqa: ANN202
    from triage_gui.ui.main_window import MainWindow

    sim = ctx.simulator
    scenarios = None
    scenario_ids = None
    if sim is not None:
        scenarios = [(s.name, s.title, s.description) for s in sim.scenarios()]

        def scenario_ids(name: str) -> dict[str, str]:
            info = sim.scenario(name)
            return {
                "workspace_id": info.workspace_id,
                "job_id": info.job_id,
                "campaign_id": info.campaign_id,
                "upload_id": info.upload_id or "",
            }

    window_state = QSettings(str(ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    assert ctx.connection is not None
    return MainWindow(
        ctx.connection,
        ctx.settings.to_analysis_settings(),
        app_context=ctx,
        poll_interval_s=ctx.settings.poll_interval_s,
        window_state=window_state,
        log_dir=str(ctx.paths.log_dir),
        scenarios=scenarios,
        scenario_ids=scenario_ids,
    )


def _arm_smoke(app: QApplication, window, exit_code: dict) -> None:  # noqa: ANN001
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
