"""Render every wizard page of the demo to PNG, for the README and for review.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/tools/make_screenshots.py \
        [--scenario stalled] [--provider batch_v1|elevenlabs] [--theme light|dark] [--size 1240x780] [--out DIR]

Works offscreen too (QT_QPA_PLATFORM=offscreen). Uses the real app: the bundled simulator of the
platform on loopback (as ``--demo``), the theme as File → Settings applies it, the main window,
the poller; it waits for the engine's report before the first grab and walks the pages with the
wizard's own Next. File names: ``[elevenlabs-][dark-][800x600-][SCENARIO-]PAGE.png`` (the
scenario is left out for the default one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

PAGES = ["start", "job-health", "permits-dispatch", "duplicates", "retry-strategy", "escalation", "export"]
DEFAULT_SCENARIO = {"batch_v1": "stalled", "elevenlabs": "transient_storm"}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make_screenshots.py")
    parser.add_argument("--scenario")
    parser.add_argument("--provider", choices=("batch_v1", "elevenlabs"), default="batch_v1")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--size", default="1240x780", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    scenario = args.scenario or DEFAULT_SCENARIO[args.provider]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TRIAGE_HOME", tempfile.mkdtemp(prefix="triage-shots-"))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.app.main_window import MainWindow
    from triage_gui.ui.app.startup import start_demo
    from triage_gui.ui.app.theme import apply_theme

    apply_theme(app, args.theme)
    ctx = AppContext(paths=AppPaths(), settings=AppSettings())
    try:
        ctx.connection = start_demo(ctx, args.provider)
        window = MainWindow(ctx, poll_interval_s=1.0)
        window.build()
        window.resize(width, height)
        window.show()
        window.open_scenario(scenario)
        wait_until(lambda: window.controller.report is not None)
        # a few live polls for the chart (a finished job is not polled on: no more come)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: len(window.controller.case.snapshots) >= 3, 8_000)
        prefix = "".join(
            (
                "elevenlabs-" if args.provider == "elevenlabs" else "",
                "dark-" if args.theme == "dark" else "",
                "" if args.size == "1240x780" else f"{args.size}-",
                "" if scenario == DEFAULT_SCENARIO[args.provider] else f"{scenario}-",
            )
        )
        for index, name in enumerate(PAGES):
            if index:
                window.wizard.next()
            wait_until(lambda: True, 400)
            chart = getattr(window.wizard.currentPage(), "chart", None)
            if chart is not None:  # the chart is built in steps once the page shows
                with contextlib.suppress(TimeoutError):
                    wait_until(lambda chart=chart: chart.built, 10_000)
            app.processEvents()
            path = out / f"{prefix}{name}.png"
            window.grab().save(str(path))
            print(path)
        window.close()
        wait_until(lambda: True, 300)
    finally:
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
