"""Cold start to the first page painted: the app beside a bare PySide6 wizard.

``python -m bench.startup_bench [--quick]``. Each start is a fresh interpreter. The clock starts
in the parent just before the child is spawned and stops in the child when the event loop comes
back after the first ``Paint`` event of the main window (the first frame is then complete);
both read ``time.monotonic()``, which is one system-wide clock on Linux. So a figure holds the
interpreter's start-up, every import, building the window, ``show()`` and the first paint.

- ``app``: the app's own start-up, ``triage_gui.ui.app.startup.run_gui`` (application object, the main
  window's first part: menus, the wizard's start page, remembered geometry; ``show()``), with
  the connection of a simulator that the parent started beforehand, so the demo server's
  start-up is not counted: the child points ``run_gui``'s demo hook at that connection. User
  dirs go to a fresh temporary ``TRIAGE_HOME`` (a first start, as on a new workstation). The
  start is staged (docs/performance.md, "Cold start"): settings, logging, the models, the case
  controller and the other six pages follow the first frame, a step per event-loop turn; the
  note gives when the window was whole ("whole"), and the child ends only then.
- ``bare``: ``QApplication`` + ``QWizard`` with one page holding a label, shown the same way.

Both read compiled bytecode, as an installed app does (the package is byte-compiled first,
which matters where ``PYTHONDONTWRITEBYTECODE`` is set), and one unmeasured start of each warms
the file cache. Runs then alternate (app, bare, app, bare, ...) so a burst of machine load hits
both; the medians are compared. Target: the app at most 1.5x the bare wizard.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, emit_result, median, print_table, run_child, verdict

TARGET_RATIO = 1.5


def run(quick: bool) -> list[dict[str, object]]:
    import compileall

    import triage_gui
    from triage_gui.simulator import ManualClock, Simulator

    compileall.compile_dir(str(Path(triage_gui.__file__).parent), quiet=1)
    repeats = 3 if quick else 5
    times: dict[str, list[float]] = {"app": [], "bare": []}
    peaks: dict[str, list[float]] = {"app": [], "bare": []}
    phases: dict[str, list[dict[str, float]]] = {"app": [], "bare": []}
    with Simulator(scenarios=["healthy"], clock=ManualClock()) as sim:
        assert sim.base_url is not None
        for run_index in range(repeats + 1):
            for mode in ("app", "bare"):
                with tempfile.TemporaryDirectory(prefix="bench-home-") as home:
                    spawned = time.monotonic()
                    child = run_child(
                        "bench.startup_bench",
                        [mode, sim.base_url, sim.token],
                        env={"TRIAGE_HOME": home},
                    )
                if run_index == 0:
                    continue  # the warm-up
                times[mode].append(float(child.output["painted"]) - spawned)
                peaks[mode].append(child.peak_mb)
                phases[mode].append({k: float(v) - spawned for k, v in child.output.items()})
    app_s, bare_s = median(times["app"]), median(times["bare"])
    ratio = app_s / bare_s

    def phase_note(mode: str) -> str:
        imported = median([p["imported"] for p in phases[mode]])
        shown = median([p["shown"] for p in phases[mode]])
        note = f"imports {imported:.2f}s, shown {shown:.2f}s"
        if mode == "app":
            note += f", whole (every page, live) {median([p['ready'] for p in phases[mode]]):.2f}s"
        return note + f" (medians of {repeats})"

    return [
        Row(
            "cold start: app first page painted",
            app_s,
            "s",
            target=f"<= {TARGET_RATIO}x bare",
            ratio=ratio,
            verdict=verdict(ratio <= TARGET_RATIO),
            peak_mb=median(peaks["app"]),
            note=phase_note("app"),
            detail={"runs_s": times["app"], "peaks_mb": peaks["app"]},
        ).as_dict(),
        Row(
            "cold start: bare QWizard painted",
            bare_s,
            "s",
            peak_mb=median(peaks["bare"]),
            note=phase_note("bare"),
            detail={"runs_s": times["bare"], "peaks_mb": peaks["bare"]},
        ).as_dict(),
    ]


# -- the children ----------------------------------------------------------------------------
def _child(mode: str, base_url: str, token: str) -> None:
    marks: dict[str, float] = {}
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    if mode == "app":
        import triage_gui.ui.app.startup as app_module
        from triage_gui.providers.connection import Connection
    marks["imported"] = time.monotonic()

    app = QApplication.instance() or QApplication(sys.argv[:1])

    class FirstFrame(QObject):
        """Notes the first Show and Paint of the window it watches, then ends the run. It
        watches that one window, not the whole application: an application-wide Python filter
        sees every event of every object and costs the app (which makes many more objects) far
        more than the bare wizard."""

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            kind = event.type()
            if kind == QEvent.Type.Show and "shown" not in marks:
                marks["shown"] = time.monotonic()
            elif kind == QEvent.Type.Paint and "first_paint" not in marks:
                marks["first_paint"] = time.monotonic()
                QTimer.singleShot(0, self.frame_done)
            return False

        def frame_done(self) -> None:
            marks["painted"] = time.monotonic()
            self.maybe_end()

        def window_ready(self) -> None:
            marks["ready"] = time.monotonic()
            self.maybe_end()

        def maybe_end(self) -> None:
            """The app's run ends when its first frame is painted and its window is whole."""
            if "painted" not in marks or (mode == "app" and "ready" not in marks):
                return
            for window in QApplication.topLevelWidgets():
                window.close()
            QApplication.quit()

    watcher = FirstFrame()
    if mode == "app":
        from triage_gui.ui.app.main_window import MainWindow

        # The app's start-up as it is, with the bench's simulator in place of the demo's own,
        # and the watcher put on the main window as run_gui shows it.
        app_module.start_demo = lambda _ctx: Connection(base_url=base_url, token=token, label="bench")
        show = MainWindow.show

        def show_watched(window: MainWindow) -> None:
            window.installEventFilter(watcher)
            window.ready.connect(watcher.window_ready)
            show(window)

        MainWindow.show = show_watched  # type: ignore[method-assign]
        args = argparse.Namespace(demo=True, scenario=None, smoke=False, profile=None)
        app_module.run_gui(args)
    else:
        from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizard, QWizardPage

        wizard = QWizard()
        page = QWizardPage()
        page.setTitle("Start")
        QVBoxLayout(page).addWidget(QLabel("A bare wizard page."))
        wizard.addPage(page)
        wizard.resize(1180, 780)
        wizard.installEventFilter(watcher)
        wizard.show()
        app.exec()
    emit_result(marks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, url, token = args.child
        _child(mode, url, token)
        return 0
    print_table(run(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
