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

There is no target in the issues for this row; it is the time an agent waits after Load.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import ChildResult, Row, emit_result, median, print_table, run_child, vm_hwm_mb

SIZE = 100_000
RUN_FOR_S = 7 * 86_400  # simulated time after which the healthy job has long finished


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

    connection = Connection(base_url=url, token=token, label="bench")
    steps: list[tuple[str, float]] = []

    def step(message: str) -> None:  # fetch_incident says each step before it starts
        steps.append((message.removeprefix("Fetching ").rstrip("…."), time.perf_counter()))

    start = time.perf_counter()
    with connection.open_provider() as provider:
        data = fetch_incident(provider, FetchRequest(workspace_id=workspace, job_id=job), progress=step)
    fetched = time.perf_counter()
    ends = [t for _, t in steps[1:]] + [fetched]
    split = {name: round(end - began, 3) for (name, began), end in zip(steps, ends, strict=True)}
    fetch_peak = vm_hwm_mb()
    with paused_collection():
        report = analyse(data, AnalysisSettings())
    analysed = time.perf_counter()
    counters = data.job.counters
    figures = {
        "fetch_s": fetched - start,
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


def measure(repeats: int, *, bundle: bool) -> list[ChildResult]:
    """``repeats`` children on one simulator; with ``bundle`` each also exports the bundle."""
    with finished_job() as args:
        return [run_child("bench.analysis_bench", [*args, *(["--bundle"] if bundle else [])]) for _ in range(repeats)]


def rows(runs: list[ChildResult]) -> list[dict[str, object]]:
    out = [r.output for r in runs]
    first = out[0]
    if first["missing"]:
        raise RuntimeError(f"the analysis bench could not fetch everything: {first['missing']}")
    total = median([float(o["total_s"]) for o in out])
    fetch = median([float(o["fetch_s"]) for o in out])
    analyse_s = median([float(o["analyse_s"]) for o in out])
    steps = first["fetch_steps_s"]
    slowest = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])[:3])
    data_note = f"{first['calls']} calls, {first['events']} events, {first['upload_rows']} upload rows"
    return [
        Row(
            "analysis 100k job: fetch + analyse",
            total,
            "s",
            peak_mb=median([float(o["analyse_peak_mb"]) for o in out]),
            note=f"median of {len(out)}; {data_note}; level {first['level']}",
            detail={"runs": [{k: v for k, v in o.items() if k != "bundle"} for o in out]},
        ).as_dict(),
        Row(
            "  of which fetch (loopback)",
            fetch,
            "s",
            peak_mb=median([float(o["fetch_peak_mb"]) for o in out]),
            note=f"slowest steps (1st run): {slowest}",
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
