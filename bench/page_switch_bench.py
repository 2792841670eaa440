"""How long the GUI thread is held when the agent goes to the next page, on a 100k-recipient job.

``python -m bench.page_switch_bench``. The parent serves a *finished* 100k-recipient
``healthy`` job (``analysis_bench.finished_job``: ~102k call attempts, ~105k events, the 100k-row
upload). A child opens the app's ``MainWindow`` on it, offscreen, loads it, waits until the
load's aftermath has settled (1 s), then presses Next page after page, 0.3 s apart. For each
page it times ``QWizard.next()`` (every page builds or refreshes its tables there) plus the
events that follow at once (the first paint): the time the agent's click holds the GUI thread.

Target: the slowest page under 100 ms, about where a click stops feeling instant. Session 2
found the retry-strategy page at 1.4 s: its 42k-row cohort table had columns in Qt's
ResizeToContents mode, measured again on every layout pass (``ui/widgets/table_view.py``).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.common import Row, emit_result, print_table, run_child, verdict

TARGET_MS = 100.0
PAGES = 6  # after the start page: four checks, escalation, export
SETTLE_S = 1.0
BETWEEN_S = 0.3
LOAD_TIMEOUT_S = 180.0


def run(quick: bool = False) -> list[dict[str, object]]:
    from bench.analysis_bench import finished_job

    del quick  # one pass is short; there is nothing to shorten
    with finished_job() as args:
        child = run_child("bench.page_switch_bench", args, timeout_s=LOAD_TIMEOUT_S + 120)
    pages: list[list[object]] = child.output["pages"]  # [name, ms]
    slowest_name, slowest_ms = max(pages, key=lambda p: float(p[1]))  # type: ignore[arg-type]
    slowest = float(slowest_ms)  # type: ignore[arg-type]
    note = "; ".join(f"{name} {float(ms):.0f}" for name, ms in pages)  # type: ignore[arg-type]
    return [
        Row(
            "page switch, 100k job: slowest Next",
            slowest,
            "ms",
            target=f"< {TARGET_MS:.0f} ms",
            ratio=slowest / TARGET_MS,
            verdict=verdict(slowest < TARGET_MS),
            peak_mb=child.peak_mb,
            note=f"slowest: {slowest_name}; ms per page: {note}",
            detail=child.output,
        ).as_dict()
    ]


# -- the child -------------------------------------------------------------------------------
def _child(url: str, token: str, workspace: str, job: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from triage_gui.providers.connection import Connection
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.app.main_window import MainWindow
    from triage_gui.ui.app.startup import tune_interpreter_for_gui

    def spin(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    tune_interpreter_for_gui()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    connection = Connection(base_url=url, token=token, label="bench")
    ctx = AppContext(paths=AppPaths(), settings=AppSettings(), connection=connection)
    window = MainWindow(ctx, poll_interval_s=60.0)
    window.build()
    window.show()
    loaded = QEventLoop()
    failure: list[str] = []
    window.controller.report_changed.connect(loaded.quit)

    def on_failed(message: str) -> None:
        failure.append(message)
        loaded.quit()

    window.controller.load_failed.connect(on_failed)
    QTimer.singleShot(int(LOAD_TIMEOUT_S * 1000), loaded.quit)
    window.wizard.start_page.fill(workspace=workspace, job=job)
    window.wizard.start_page.load()
    loaded.exec()
    if failure or window.controller.report is None:
        raise SystemExit(f"page switch child: load failed: {failure or 'timed out'}")
    spin(SETTLE_S)
    pages: list[tuple[str, float]] = []
    for _ in range(PAGES):
        started = time.perf_counter()
        window.wizard.next()
        app.processEvents()
        pages.append((window.wizard.currentPage().title(), round((time.perf_counter() - started) * 1000, 1)))
        spin(BETWEEN_S)
    calls = len(window.controller.data.calls) if window.controller.data is not None else 0
    window.close()
    emit_result({"pages": pages, "calls": calls})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_switch_bench")
    parser.add_argument("--quick", action="store_true", help="accepted; the run is the same")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    print_table(run(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
