"""Render every wizard page of the demo to PNG (docs/screenshots/), for the README and review.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python docs/tools/make_screenshots.py [SCENARIO] [OUT_DIR]

Works offscreen too (QT_QPA_PLATFORM=offscreen). TRIAGE_SHOTS_DARK=1 renders a dark palette. Uses the real app: the bundled simulator on
loopback, the main window, the poller; waits for the engine's report before each grab.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication


def wait_until(predicate, timeout_ms: int = 30_000) -> None:
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: loop.quit() if predicate() else None)
    QTimer.singleShot(timeout_ms, loop.quit)
    timer.start()
    loop.exec()
    timer.stop()
    if not predicate():
        raise TimeoutError("condition not met")


def main() -> int:
    scenario = sys.argv[1] if len(sys.argv) > 1 else "stalled"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    import os

    os.environ.setdefault("TRIAGE_HOME", tempfile.mkdtemp(prefix="triage-shots-"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if os.environ.get("TRIAGE_SHOTS_DARK"):
        from PySide6.QtGui import QColor, QPalette

        app.setStyle("Fusion")
        dark = QPalette()
        for role, colour in (
            (QPalette.ColorRole.Window, "#2b2b2b"),
            (QPalette.ColorRole.WindowText, "#e6e6e6"),
            (QPalette.ColorRole.Base, "#1f1f1f"),
            (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
            (QPalette.ColorRole.Text, "#e6e6e6"),
            (QPalette.ColorRole.Button, "#353535"),
            (QPalette.ColorRole.ButtonText, "#e6e6e6"),
            (QPalette.ColorRole.Highlight, "#2f65ca"),
            (QPalette.ColorRole.HighlightedText, "#ffffff"),
            (QPalette.ColorRole.ToolTipBase, "#353535"),
            (QPalette.ColorRole.ToolTipText, "#e6e6e6"),
            (QPalette.ColorRole.PlaceholderText, "#8a8a8a"),
        ):
            dark.setColor(role, QColor(colour))
        app.setPalette(dark)
    from triage_gui.providers.connection import Connection
    from triage_gui.simulator import RealClock, Simulator
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.app.main_window import MainWindow

    with Simulator(clock=RealClock(speed=5.0)) as sim:
        conn = Connection(base_url=sim.base_url, token=sim.token, label="demo", is_demo=True)
        ctx = AppContext(paths=AppPaths(), settings=AppSettings(), connection=conn, simulator=sim)
        window = MainWindow(ctx, poll_interval_s=1.0)
        window.build()
        window.resize(1240, 780)
        window.show()
        window.open_scenario(scenario)
        wait_until(lambda: window.controller.report is not None and len(window.controller.case.snapshots) >= 3)
        names = ["start", "job-health", "permits-dispatch", "duplicates", "retry-strategy", "escalation", "export"]
        for index, name in enumerate(names):
            if index:
                window.wizard.next()
            wait_until(lambda: True, 300)
            app.processEvents()
            prefix = ("dark-" if os.environ.get("TRIAGE_SHOTS_DARK") else "") + (
                "" if scenario == "stalled" else f"{scenario}-"
            )
            path = out / f"{prefix}{name}.png"
            window.grab().save(str(path))
            print(path)
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
