"""Worst GUI-thread stall while the app loads and polls a 100k-recipient job.

``python -m bench.poll_stall_bench [--quick] [--attribute]``. The parent runs the simulator
with a 100k-recipient ``healthy`` job on ``RealClock(speed=30)`` (the job moves while we watch).
A child process opens the app's ``MainWindow`` on it, offscreen, fills the start page and
presses Load (the full fetch + analysis runs on the background runner), then goes to the first
check's page (the progress chart) and keeps polling every 0.5 s for 20 s (10 s with --quick):
each snapshot redraws the page and re-runs the analysis in the background.

All along, a 5 ms ``QTimer`` (``PreciseTimer``) on the GUI thread notes the time between its
ticks. A gap far above 5 ms is time the GUI thread could not serve events: a slot that ran long,
or the GIL held by a worker thread in one long C call. Reported: the worst gap and the p99, over
the whole run and split into the load and polling phases. Target: worst gap < 50 ms.

``--attribute`` also profiles the GUI thread (``sys.setprofile``, that thread only) and lists
the Python callbacks that the event loop ran for longest, with the module and function: this
slows Python on the GUI thread, so its times are upper bounds; run it to find a culprit, not to
record a figure. A long gap with no long callback points at the GIL held by another thread.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench.common import REPO_ROOT, Row, emit_result, print_table, run_child, verdict

TARGET_MS = 50.0
TICK_MS = 5
FIRST_VIEW_S = 1.0  # page 1 is first shown (chart built and painted) when the load ends
POLL_INTERVAL_S = 0.5
SPEED = 30.0
SIZE = 100_000
LOAD_TIMEOUT_S = 180.0


def run(quick: bool, attribute: bool = False) -> list[dict[str, object]]:
    from triage_gui.simulator import RealClock, Simulator

    seconds = 10 if quick else 20
    with Simulator(scenarios=["healthy"], sizes={"healthy": SIZE}, clock=RealClock(speed=SPEED)) as sim:
        assert sim.base_url is not None
        info = sim.scenario("healthy")  # generated here, before the child's clock starts
        args = [sim.base_url, sim.token, info.workspace_id, info.job_id, str(seconds)]
        child = run_child("bench.poll_stall_bench", [*args, *(["--attribute"] if attribute else [])])
    out = child.output
    worst = float(out["worst_ms"])
    note = (
        f"load {out['load_s']:.1f}s: worst {out['load_worst_ms']:.0f} ms; polling {seconds}s: worst "
        f"{out['poll_worst_ms']:.0f} ms, {out['snapshots']} polls, {out['reports']} analyses"
    )
    rows = [
        Row(
            "GUI stall, 100k job: worst gap",
            worst,
            "ms",
            target=f"< {TARGET_MS:.0f} ms",
            ratio=worst / TARGET_MS,
            verdict=verdict(worst < TARGET_MS),
            peak_mb=child.peak_mb,
            note=note,
            detail=out,
        ).as_dict(),
        Row(
            "GUI stall, 100k job: p99 gap",
            float(out["p99_ms"]),
            "ms",
            note=(
                f"{out['ticks']} ticks of a {TICK_MS} ms timer; p99 while polling {out['poll_p99_ms']:.1f} ms; "
                f"worst after page 1's first second {out['steady_worst_ms']:.0f} ms"
            ),
        ).as_dict(),
    ]
    if attribute:
        print("longest single calls on the GUI thread (profiled, so slower than unprofiled; x = calls over 2 ms):")
        for entry in out.get("callbacks", []):
            print(f"  {entry['ms']:8.1f} ms  depth {entry['depth']:<3} x{entry['count']:<5} {entry['where']}")
    return rows


# -- the child -------------------------------------------------------------------------------
class CallbackTimer:
    """Times every Python call on this thread (``sys.setprofile``) and keeps, per function, its
    longest single call: read from the top, the first function deep in the app's code whose
    time is near its caller's is where a stall comes from."""

    def __init__(self, floor_ms: float = 2.0) -> None:
        self.floor_ms = floor_ms
        self.stack: list[tuple[Any, float]] = []
        self.worst: dict[Any, tuple[float, int, int]] = {}  # code -> (ms, calls over floor, depth)

    def __call__(self, frame: Any, event: str, _arg: object) -> None:
        if event == "call":
            self.stack.append((frame.f_code, time.perf_counter()))
        elif event == "return" and self.stack:
            code, started = self.stack.pop()
            ms = (time.perf_counter() - started) * 1000
            if ms >= self.floor_ms:
                best, count, depth = self.worst.get(code, (0.0, 0, len(self.stack)))
                self.worst[code] = (max(best, ms), count + 1, min(depth, len(self.stack)))

    def top(self, n: int = 30) -> list[dict[str, object]]:
        ranked = sorted(self.worst.items(), key=lambda kv: kv[1][0], reverse=True)[:n]
        return [
            {
                "where": f"{code.co_filename.split('site-packages/')[-1].replace(str(REPO_ROOT) + '/', '')}"
                f":{code.co_firstlineno} {code.co_qualname}",
                "ms": round(ms, 1),
                "count": count,
                "depth": depth,
            }
            for code, (ms, count, depth) in ranked
        ]


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _child(url: str, token: str, workspace: str, job: str, seconds: float, attribute: bool) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from triage_gui.providers.connection import Connection
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.app.main_window import MainWindow
    from triage_gui.ui.app.startup import tune_interpreter_for_gui

    tune_interpreter_for_gui()  # as run_gui does for the app
    app = QApplication.instance() or QApplication(sys.argv[:1])
    connection = Connection(base_url=url, token=token, label="bench")
    ctx = AppContext(paths=AppPaths(), settings=AppSettings(), connection=connection)
    window = MainWindow(ctx, poll_interval_s=POLL_INTERVAL_S)
    window.build()
    window.show()
    state: dict[str, Any] = {"last": None, "loaded_at": None, "snapshots": 0, "reports": 0, "error": None}
    load_gaps: list[float] = []
    poll_gaps: list[float] = []
    steady_gaps: list[float] = []  # polling, after the first second on page 1 (its first paint)
    profiler = CallbackTimer() if attribute else None

    long_gaps: list[tuple[float, float]] = []  # (gap ms, when it ended: s after Load)

    def tick() -> None:
        now = time.perf_counter()
        if state["last"] is not None:
            gap = (now - state["last"]) * 1000
            if gap > 20:
                long_gaps.append((round(gap, 1), round(now - state["load_started"], 2)))
            (load_gaps if state["loaded_at"] is None else poll_gaps).append(gap)
            if state["loaded_at"] is not None and now - state["loaded_at"] > FIRST_VIEW_S:
                steady_gaps.append(gap)
        state["last"] = now

    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)

    def finish(error: str | None = None) -> None:
        if state.get("done"):
            return
        state["done"] = True
        state["error"] = error
        ticker.stop()
        if profiler is not None:
            sys.setprofile(None)
        window.close()  # stops the poller and the background runner
        app.quit()

    def on_report(_report: object) -> None:
        state["reports"] += 1
        if state["loaded_at"] is None:
            state["loaded_at"] = time.perf_counter()
            # the agent goes to the first check's page (counters, progress chart): a click of
            # its own, so a turn of the event loop after the report arrived
            QTimer.singleShot(0, window.wizard.next)
            QTimer.singleShot(int(seconds * 1000), finish)

    def on_snapshot(_snapshot: object) -> None:
        state["snapshots"] += 1

    def start() -> None:
        start_page = window.wizard.start_page
        start_page.fill(workspace=workspace, job=job)
        state["load_started"] = time.perf_counter()
        state["last"] = None
        ticker.start()
        if profiler is not None:
            sys.setprofile(profiler)
        start_page.load()

    window.controller.report_changed.connect(on_report)
    window.controller.snapshot_added.connect(on_snapshot)
    window.controller.load_failed.connect(lambda message: finish(f"load failed: {message}"))
    QTimer.singleShot(0, start)
    QTimer.singleShot(int(LOAD_TIMEOUT_S * 1000), lambda: finish("timed out loading"))
    app.exec()
    if state["error"]:
        raise SystemExit(f"poll stall child: {state['error']}")
    gaps = load_gaps + poll_gaps
    emit_result(
        {
            "worst_ms": max(gaps),
            "p99_ms": _percentile(gaps, 0.99),
            "load_worst_ms": max(load_gaps, default=0.0),
            "poll_worst_ms": max(poll_gaps, default=0.0),
            "poll_p99_ms": _percentile(poll_gaps, 0.99),
            "steady_worst_ms": max(steady_gaps, default=0.0),
            "load_s": state["loaded_at"] - state["load_started"],
            "ticks": len(gaps),
            "snapshots": state["snapshots"],
            "reports": state["reports"],
            "worst_gaps_ms": sorted(gaps, reverse=True)[:10],
            "long_gaps_when": sorted(long_gaps, reverse=True)[:10],  # (ms, s after Load)
            "loaded_after_s": state["loaded_at"] - state["load_started"],
            "callbacks": profiler.top() if profiler is not None else [],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.poll_stall_bench")
    parser.add_argument("--quick", action="store_true", help="poll for 10 s instead of 20 s")
    parser.add_argument("--attribute", action="store_true", help="profile the GUI thread's callbacks")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        url, token, workspace, job, seconds = args.child
        _child(url, token, workspace, job, float(seconds), args.attribute)
        return 0
    print_table(run(args.quick, args.attribute))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
