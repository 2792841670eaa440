"""A 1M-recipient job (issue 16, scale): Load, memory, GUI stalls, Next, and ``check --json``.

``python -m bench.million_bench [--quick]``. The parent runs the simulator with a 1M-recipient
``healthy`` job (~1M call attempts, ~1M events, a 1M-row upload; built before any timing,
~20 s and ~1.3 GB in the parent; then each settled item's JSON text written once, as the
simulator keeps it, so the first child does not pay the server's share: ``write_wire_text``), on a ``ManualClock`` set so that the job is in its last
minutes when the clock is the workstation's (the client does not believe a server clock a day
away). While the children run, a parent thread moves the clock on 30 s a second (the job ends
as we watch, like the poll-stall bench's ``RealClock(speed=30)``).

Child 1, the app (``MainWindow``, offscreen, as the page-switch and poll-stall benches): fill the
start page, press Load, and time it until the report arrives (the progress messages counted);
a 5 ms ``PreciseTimer`` on the GUI thread records its gaps all along; then page 1, polling every
0.5 s for 10 s; then Next through the pages, each timed (``QWizard.next()`` and the events that
follow at once). Peak = the child's ``VmHWM``.
Then the bundle export as the agent does it on the last page (the dialog, Write), timed to
"written and verified", the GUI thread's gaps meanwhile.
Child 2: the real ``triage-gui check --json`` in-process (``cli.main``), timed from the call.

Targets (issue 16): load <= 20 s with progress, peak < 2 GB, worst GUI gap < 50 ms while it loads
and polls, every Next < 100 ms; ``check --json`` <= 20 s; the bundle <= 10 s, never blocking the GUI thread.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bench.common import Row, emit_result, print_table, run_child, verdict
from bench.million_bundle import bundle_row, export_bundle

SIZE = 1_000_000
QUICK_SIZE = 200_000
LOAD_TARGET_S = 20.0
PEAK_TARGET_MB = 2048.0
STALL_TARGET_MS = 50.0
NEXT_TARGET_MS = 100.0
CHECK_TARGET_S = 20.0
TICK_MS = 5
POLL_INTERVAL_S = 0.5
POLL_FOR_S = 10.0
PAGES = 6
BETWEEN_S = 0.3
SPEED = 30.0  # simulated seconds per wall second while the children run
LEFT_S = 180.0  # simulated seconds of the job left when the children start
CHILD_TIMEOUT_S = 900.0


@contextmanager
def million_job(size: int) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """A simulator serving a ``size``-recipient job in its last minutes; yields the children's
    arguments and the parent's figures (build time)."""
    from triage_gui.simulator import ManualClock, Simulator
    from triage_gui.simulator.clock import this_minute

    # The healthy job's length grows with its size (~0.855 h per 1000 recipients at 50 permits):
    # measured on a small build, scaled, so that its end is within minutes of the wall clock.
    probe = Simulator(scenarios=["healthy"], sizes={"healthy": 20_000})._state.library.built("healthy").jobs[0]
    assert probe.finished_at is not None
    per_recipient = (probe.finished_at - probe.meta.created_at) / 20_000
    guess = per_recipient * size
    clock = ManualClock(start=this_minute() - timedelta(seconds=guess))
    built_at = time.perf_counter()
    with Simulator(scenarios=["healthy"], sizes={"healthy": size}, clock=clock) as sim:
        info = sim.scenario("healthy")  # builds it
        build_s = time.perf_counter() - built_at
        job = sim._state.library.built("healthy").jobs[0]
        assert job.finished_at is not None and sim.base_url is not None
        clock.advance(max(0.0, job.finished_at - LEFT_S - clock.now_ts()))
        written_s = write_wire_text(job, clock.now_ts())
        stop = threading.Event()

        def run_clock() -> None:
            while not stop.wait(0.1):
                clock.advance(SPEED * 0.1)

        mover = threading.Thread(target=run_clock, name="million-bench-clock", daemon=True)
        mover.start()
        try:
            figures = {
                "build_s": round(build_s, 1),
                "wire_text_s": round(written_s, 1),
                "attempts": len(job.attempts),
                "events": len(job.events),
                "skew_h": round((clock.now_ts() - time.time()) / 3600, 2),
            }
            yield [sim.base_url, sim.token, info.workspace_id, info.job_id], figures
        finally:
            stop.set()
            mover.join()


def write_wire_text(job: Any, now: float) -> float:
    """The simulator writes each settled call's and each event's JSON once and keeps it
    (``simulator/page_text.py``); written here, before the children run, so the first child to
    fetch does not pay for it (~10 s of the server's Python on the two cores the client uses:
    a real server has machines of its own). Returns the time it took (not counted)."""
    from triage_gui.simulator.page_text import call_text, event_text

    began = time.perf_counter()
    for attempt in job.attempts:
        if attempt.queued_at <= now:
            call_text(job, attempt, now)
    for event in job.events:
        if event.at <= now:
            event_text(job, event)
    return time.perf_counter() - began


def run(quick: bool = False, attribute: bool = False) -> list[dict[str, object]]:
    size = QUICK_SIZE if quick else SIZE
    label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
    with million_job(size) as (args, built):
        app = run_child(
            "bench.million_bench", ["app", *args, *(["--attribute"] if attribute else [])], timeout_s=CHILD_TIMEOUT_S
        )
        check = run_child("bench.million_bench", ["check", *args], timeout_s=CHILD_TIMEOUT_S)
    a, c = app.output, check.output
    for entry in a.get("callbacks", []):
        print(f"  {entry['ms']:8.1f} ms  depth {entry['depth']:<3} x{entry['count']:<5} {entry['where']}")
    data = f"{a['calls']} calls, {a['events']} events, {a['upload_rows']} upload rows"
    slowest_name, slowest_ms = max(a["pages"], key=lambda p: float(p[1]))
    pages = "; ".join(f"{name} {float(ms):.0f}" for name, ms in a["pages"])
    peak = app.peak_mb
    return [
        Row(
            f"{label} job: Load (fetch + analyse)",
            a["load_s"],
            "s",
            target=f"<= {LOAD_TARGET_S:g} s, progress",
            ratio=a["load_s"] / LOAD_TARGET_S,
            verdict=verdict(a["load_s"] <= LOAD_TARGET_S and a["progress_messages"] > 0),
            peak_mb=peak,
            note=f"{data}; {a['progress_messages']} progress messages, longest silence {a['quiet_s']:.1f}s; "
            f"simulator built in {built['build_s']}s, its pages' text written in {built['wire_text_s']}s (neither counted)",
            detail={"app": a, "simulator": built},
        ).as_dict(),
        Row(
            f"{label} job: app peak RSS",
            peak,
            "MB",
            target=f"< {PEAK_TARGET_MB:.0f} MB",
            ratio=peak / PEAK_TARGET_MB,
            verdict=verdict(peak < PEAK_TARGET_MB),
            peak_mb=peak,
            note=f"VmHWM of the app's process after load, {POLL_FOR_S:g}s of polling and every page",
        ).as_dict(),
        Row(
            f"{label} job: GUI worst gap",
            a["worst_ms"],
            "ms",
            target=f"< {STALL_TARGET_MS:.0f} ms",
            ratio=a["worst_ms"] / STALL_TARGET_MS,
            verdict=verdict(a["worst_ms"] < STALL_TARGET_MS),
            note=f"load: worst {a['load_worst_ms']:.0f} ms; polling {POLL_FOR_S:g}s: worst {a['poll_worst_ms']:.0f} ms, "
            f"{a['snapshots']} polls, {a['reports']} analyses; p99 {a['p99_ms']:.1f} ms",
        ).as_dict(),
        Row(
            f"{label} job: slowest Next",
            float(slowest_ms),
            "ms",
            target=f"< {NEXT_TARGET_MS:.0f} ms",
            ratio=float(slowest_ms) / NEXT_TARGET_MS,
            verdict=verdict(float(slowest_ms) < NEXT_TARGET_MS),
            note=f"slowest: {slowest_name}; ms per page: {pages}",
        ).as_dict(),
        bundle_row(label, a["bundle"], stall_target_ms=STALL_TARGET_MS),
        Row(
            f"{label} job: check --json",
            c["seconds"],
            "s",
            target=f"<= {CHECK_TARGET_S:g} s",
            ratio=c["seconds"] / CHECK_TARGET_S,
            verdict=verdict(c["seconds"] <= CHECK_TARGET_S and c["report"]),
            peak_mb=check.peak_mb,
            note=f"exit code {c['exit_code']}, level {c['level']}; the whole command in-process (cli.main)",
            detail=c,
        ).as_dict(),
    ]


# -- the children ----------------------------------------------------------------------------
def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _app_child(url: str, token: str, workspace: str, job: str, attribute: bool = False) -> None:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from triage_gui.providers.connection import Connection
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.app.main_window import MainWindow
    from triage_gui.ui.app.startup import tune_interpreter_for_gui

    tune_interpreter_for_gui()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx = AppContext(
        paths=AppPaths(), settings=AppSettings(), connection=Connection(base_url=url, token=token, label="bench")
    )
    window = MainWindow(ctx, poll_interval_s=POLL_INTERVAL_S)
    window.build()
    window.show()
    state: dict[str, Any] = {"last": None, "phase": "load", "snapshots": 0, "reports": 0, "failure": None}
    gaps: dict[str, list[float]] = {"load": [], "poll": [], "pages": [], "export": []}
    progress: list[float] = []

    def tick() -> None:
        now = time.perf_counter()
        if state["last"] is not None:
            gap = (now - state["last"]) * 1000
            gaps[state["phase"]].append(gap)
            if state["phase"] == "export" and gap > 20:
                state.setdefault("export_gaps", []).append((state["last"], gap))
            if state["phase"] == "export" and gap > state.get("export_worst", (0.0, 0.0))[0]:
                state["export_worst"] = (gap, state["last"])
        state["last"] = now

    def spin(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)
    loaded = QEventLoop()
    controller = window.controller
    controller.load_progress.connect(lambda _m: progress.append(time.perf_counter()))
    controller.snapshot_added.connect(lambda _s: state.__setitem__("snapshots", state["snapshots"] + 1))

    def on_report(_report: object) -> None:
        state["reports"] += 1
        if state["phase"] == "load":
            state["loaded_at"] = time.perf_counter()
            state["phase"] = "poll"
            loaded.quit()

    controller.report_changed.connect(on_report)

    def on_failed(message: str) -> None:
        state["failure"] = message
        loaded.quit()

    controller.load_failed.connect(on_failed)
    QTimer.singleShot(int(CHILD_TIMEOUT_S * 1000), loaded.quit)
    window.wizard.start_page.fill(workspace=workspace, job=job)
    started = time.perf_counter()
    ticker.start()
    profiler = None
    if attribute:  # the GUI thread's longest Python calls (slows it: for finding a culprit only)
        from bench.poll_stall_bench import CallbackTimer

        profiler = CallbackTimer()
        sys.setprofile(profiler)
    window.wizard.start_page.load()
    loaded.exec()
    if state["failure"] or controller.report is None:
        raise SystemExit(f"million bench: load failed: {state['failure'] or 'timed out'}")
    QTimer.singleShot(0, window.wizard.next)  # page 1 (counters, chart): the agent's click
    spin(POLL_FOR_S)
    state["phase"] = "pages"
    pages: list[tuple[str, float]] = []
    for _ in range(PAGES - 1):
        began = time.perf_counter()
        window.wizard.next()
        app.processEvents()
        pages.append((window.wizard.currentPage().title(), round((time.perf_counter() - began) * 1000, 1)))
        spin(BETWEEN_S)
    bundle = export_bundle(window, state, gaps, read_s=BETWEEN_S, timeout_s=CHILD_TIMEOUT_S)
    ticker.stop()
    sys.setprofile(None)
    data = controller.data
    audit = data.contact_audit if data is not None else None
    marks = [started, *progress, state["loaded_at"]]
    watched = gaps["load"] + gaps["poll"]
    result = {
        "load_s": state["loaded_at"] - started,
        "progress_messages": len(progress),
        "quiet_s": max(b - a for a, b in zip(marks, marks[1:], strict=False)),
        "calls": len(data.calls) if data is not None else 0,
        "events": len(data.events) if data is not None else 0,
        "upload_rows": audit.rows if audit is not None else 0,
        "worst_ms": max(watched),
        "p99_ms": _percentile(watched, 0.99),
        "load_worst_ms": max(gaps["load"], default=0.0),
        "poll_worst_ms": max(gaps["poll"], default=0.0),
        "pages_worst_gap_ms": max(gaps["pages"], default=0.0),
        "worst_gaps_ms": sorted(watched, reverse=True)[:10],
        "snapshots": state["snapshots"],
        "reports": state["reports"],
        "pages": pages,
        "missing": dict(data.missing) if data is not None else {},
        "callbacks": profiler.top() if profiler is not None else [],
        "bundle": bundle,
    }
    window.close()
    emit_result(result)


def _check_child(url: str, token: str, workspace: str, job: str) -> None:
    import contextlib
    import io
    import json
    import os

    from triage_gui.cli.main import main

    os.environ["TRIAGE_API_TOKEN"] = token
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--base-url", url, "--workspace", workspace, "--job", job, "--json"])
    seconds = time.perf_counter() - started
    report = json.loads(out.getvalue()) if out.getvalue().strip() else None
    emit_result(
        {
            "seconds": seconds,
            "exit_code": code,
            "report": report is not None,
            "level": report["escalation"]["level"] if report else None,
            "stderr_tail": err.getvalue()[-300:],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.million_bench")
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_SIZE:,}-recipient job instead of 1M")
    parser.add_argument("--attribute", action="store_true", help="profile the app's GUI thread (slower)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, url, token, workspace, job = args.child
        if kind == "app":
            _app_child(url, token, workspace, job, attribute=args.attribute)
        else:
            _check_child(url, token, workspace, job)
        return 0
    print_table(run(args.quick, args.attribute))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
