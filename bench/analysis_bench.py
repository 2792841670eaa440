"""Analysis of a 100k-recipient job end to end: fetch over loopback, then ``analyse``.

``python -m bench.analysis_bench [--quick]``. The parent runs the simulator with a 100k-recipient
``healthy`` job on a ``ManualClock`` moved on until the job has finished, so the job has its
whole history (~102k call attempts, ~105k events, the 100k-row upload). Each run is a child
process that does what Load does, without Qt: ``fetch_incident`` (job, workspace, campaign,
upload, the upload's content streamed and audited, every call and event, related jobs), then
``domain.analysis.analyse``. Reported: the total, the split, and the child's peak RSS up to
the end of the analysis (``VmHWM``; the fetched data is all in memory, as it is in the app).
Median of 3 runs (1 with --quick). The same children can go on to export the bundle
(``bench.bundle_bench``), so ``python -m bench`` fetches the 100k job once per run for both.

The child runs as the app runs a Load: automatic garbage collection paused for the whole load
and what it made frozen at its end (the controller holds a pause per load, ``ui/tasks/gc_policy.py``),
the GIL switch interval the app sets at start-up (``ui/app/startup.py``, 1 ms), and the modules
a load runs imported first (the app's connection warm-up imports them while the agent types). The fetch's four long parts (the
upload's content, calls, events, related jobs) run side by side
(``providers/batch_v1/fetch_together.py``); the note gives when each was done, from the fetch's
progress messages.

Issue 16's target: fetch + analyse <= 2 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from bench.common import MISS, OK, ChildResult, Row, emit_result, median, print_table, run_child, vm_hwm_mb

SIZE = 100_000
RUN_FOR_S = 7 * 86_400  # simulated time after which the healthy job has long finished
TARGET_S = 2.0  # issue 16: fetch + analyse of a finished 100k-recipient job
APP_GIL_SWITCH_INTERVAL_S = 0.001  # ui/app/startup.py's GIL_SWITCH_INTERVAL_S (importing it loads Qt)
# ui/case/controller.py's load_modules("batch_v1") (importing it loads Qt): the app imports them
# when it connects, while the agent types, so a Load never waits for them
LOAD_MODULES = (
    "triage_gui.providers.batch_v1.provider",
    "triage_gui.services.incident_loading",
    "triage_gui.domain.analysis",
    "triage_gui.domain.progress_history",
)


@contextmanager
def finished_job() -> Iterator[list[str]]:
    """A simulator serving a finished 100k-recipient job; yields the child's arguments."""
    from datetime import timedelta

    from triage_gui.simulator import ManualClock, Simulator
    from triage_gui.simulator.clock import this_minute

    # started a week ago, so that after the week the server's clock is the workstation's again
    # (the client does not believe a clock a day or more away: providers/http/server_clock.py)
    clock = ManualClock(start=this_minute() - timedelta(seconds=RUN_FOR_S))
    with Simulator(scenarios=["healthy"], sizes={"healthy": SIZE}, clock=clock) as sim:
        assert sim.base_url is not None
        info = sim.scenario("healthy")
        sim.clock.advance(RUN_FOR_S)
        yield [sim.base_url, sim.token, info.workspace_id, info.job_id]


def fetch_and_analyse(url: str, token: str, workspace: str, job: str) -> tuple[Any, Any, dict[str, Any]]:
    """In a child: Load's work without Qt; returns the data, the report and the figures."""
    from triage_gui.domain.analysis import analyse
    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.providers.connection import Connection
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident
    from triage_gui.ui.tasks.gc_policy import paused_collection  # as the app's Load does

    # What the app's connection warm-up imports before any load (CaseController.warm_up_connection)
    for module in LOAD_MODULES:
        import_module(module)
    connection = Connection(base_url=url, token=token, label="bench")
    messages: list[tuple[str, float]] = []

    def step(message: str) -> None:  # fetch_incident says each step before it starts
        messages.append((message, time.perf_counter()))

    sys.setswitchinterval(APP_GIL_SWITCH_INTERVAL_S)
    start, start_cpu = time.perf_counter(), time.process_time()
    # as the app's Load: collection paused, and what the load made frozen at its end
    with paused_collection(freeze=True), connection.open_provider() as provider:
        data = fetch_incident(provider, FetchRequest(workspace_id=workspace, job_id=job), progress=step)
        fetched, fetched_cpu = time.perf_counter(), time.process_time()
        fetch_peak = vm_hwm_mb()
        report = analyse(data, AnalysisSettings())
    analysed = time.perf_counter()
    split = step_times(messages, start, fetched)
    counters = data.job.counters
    figures = {
        "fetch_s": fetched - start,
        "fetch_cpu_s": fetched_cpu - start_cpu,  # the child's CPU (every thread) during the fetch
        "analyse_s": analysed - fetched,
        "total_s": analysed - start,
        "fetch_peak_mb": fetch_peak,
        "analyse_peak_mb": vm_hwm_mb(),
        "calls": len(data.calls),
        "events": len(data.events),
        "upload_rows": data.contact_audit.rows if data.contact_audit is not None else 0,
        "fetch_steps_s": split,
        "processed": counters.processed,
        "total": counters.total,
        "missing": dict(data.missing),
        "verdicts": {c.id.value: c.verdict.value for c in report.checks},
        "level": report.escalation.level,
    }
    return data, report, figures


def step_times(messages: list[tuple[str, float]], start: float, end: float) -> dict[str, float]:
    """When each step of the fetch was done, in seconds from its start, read from its progress
    messages: "Fetching X…" (one step: done when the next message comes), "Fetching X, Y and Z…"
    (parts side by side), then "Fetching Y… (done: X, Z)" as parts end (the last at the end); a
    long fetch also says "Fetching Y and Z… (done: X; so far 120,000 calls)" (nothing ends there)."""
    done: dict[str, float] = {}
    named: list[str] = []
    for i, (message, at) in enumerate(messages):
        waiting, _, said = message.removeprefix("Fetching ").partition("… (")
        finished = said.removesuffix(")").split(";")[0].removeprefix("done: ") if said.startswith("done: ") else ""
        names = _named(waiting.removesuffix("…"))
        named.extend(names)
        for name in _named(finished):
            done.setdefault(name, at)
        if not finished and len(names) == 1:
            done.setdefault(names[0], messages[i + 1][1] if i + 1 < len(messages) else end)
    return {name: round(done.get(name, end) - start, 3) for name in dict.fromkeys(named)}


def _named(text: str) -> list[str]:
    """ "a, b and c" or "a, b" -> [a, b, c]"""
    names = [part for piece in text.split(",") for part in piece.split(" and ")]
    return [name.strip() for name in names if name.strip()]


def measure(repeats: int, *, bundle: bool) -> list[ChildResult]:
    """``repeats`` children on one simulator; with ``bundle`` each also exports the bundle."""
    with finished_job() as args:
        return [run_child("bench.analysis_bench", [*args, *(["--bundle"] if bundle else [])]) for _ in range(repeats)]


def rows(runs: list[ChildResult]) -> list[dict[str, object]]:
    out = [r.output for r in runs]
    first = out[0]
    if first["missing"]:
        raise RuntimeError(f"the analysis bench could not fetch everything: {first['missing']}")
    totals = [float(o["total_s"]) for o in out]
    total = median(totals)
    fetch = median([float(o["fetch_s"]) for o in out])
    fetch_cpu = median([float(o["fetch_cpu_s"]) for o in out])
    analyse_s = median([float(o["analyse_s"]) for o in out])
    steps = first["fetch_steps_s"]
    last = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(steps.items(), key=lambda kv: kv[1])[-4:])
    data_note = f"{first['calls']} calls, {first['events']} events, {first['upload_rows']} upload rows"
    return [
        Row(
            "analysis 100k job: fetch + analyse",
            total,
            "s",
            target=f"<= {TARGET_S:g} s",
            ratio=total / TARGET_S,
            verdict=OK if total <= TARGET_S else MISS,
            peak_mb=median([float(o["analyse_peak_mb"]) for o in out]),
            note=f"median of {len(out)} (spread {min(totals):.2f}-{max(totals):.2f}s; 1st run, simulator's pages "
            f"not cached yet: {totals[0]:.2f}s); {data_note}; level {first['level']}",
            detail={"runs": [{k: v for k, v in o.items() if k != "bundle"} for o in out]},
        ).as_dict(),
        Row(
            "  of which fetch (loopback)",
            fetch,
            "s",
            peak_mb=median([float(o["fetch_peak_mb"]) for o in out]),
            note=f"client CPU {fetch_cpu:.2f}s (all threads, median); done at (1st run; side by side): {last}",
        ).as_dict(),
        Row(
            "  of which analyse",
            analyse_s,
            "s",
            note="domain.analysis.analyse: the four checks, escalation, retry plan",
        ).as_dict(),
    ]


def run(quick: bool) -> list[dict[str, object]]:
    return rows(measure(1 if quick else 3, bundle=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analysis_bench")
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--bundle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data, report, figures = fetch_and_analyse(*args.child)
        if args.bundle:
            from bench.bundle_bench import export

            figures["bundle"] = export(data, report, token=args.child[1])
        emit_result(figures)
        return 0
    print_table(run(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
