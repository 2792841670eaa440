"""``python -m bench [--quick] [--only NAME ...] [--json OUT]``: every benchmark, one table.

How to read each row, the targets and the figures measured: ``docs/performance.md``. Speed and
memory targets live here, as numbers and verdicts, never as timing asserts in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from bench.common import MISS, OK, Row, print_table

ERROR = "ERROR"
AUDIT_TARGET_SPEEDUP = 6.0  # issue 16: >= 6x the naive loop
AUDIT_TARGET_1M_S = 6.0  # issue 16: 1M rows in 6 s
AUDIT_TARGET_PEAK_MB = 500.0


def _startup(quick: bool) -> list[dict[str, object]]:
    from bench import startup_bench

    return startup_bench.run(quick)


def _poll_stall(quick: bool) -> list[dict[str, object]]:
    from bench import poll_stall_bench

    return poll_stall_bench.run(quick)


def _page_switch(quick: bool) -> list[dict[str, object]]:
    from bench import page_switch_bench

    return page_switch_bench.run(quick)


def _analysis(quick: bool) -> list[dict[str, object]]:
    from bench import analysis_bench

    return analysis_bench.run(quick)


def _analysis_and_bundle(quick: bool) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Both from the same children: each fetches the 100k job once, analyses, exports."""
    from bench import analysis_bench, bundle_bench

    runs = analysis_bench.measure(1 if quick else 3, bundle=True)
    return analysis_bench.rows(runs), bundle_bench.rows(runs)


def _audit(quick: bool) -> list[dict[str, object]]:
    """``bench.audit_bench``'s rows (its own shape) put into the table's."""
    from bench import audit_bench

    rows = []
    for raw in audit_bench.run(quick):
        detail = raw["detail"]
        assert isinstance(detail, dict)
        name = str(raw["name"])
        size = name.split()[1]  # "audit 100k rows" -> "100k"
        counts = f"{detail['rows']} rows, {detail['valid']} valid, {detail['unique']} unique"
        peak = float(raw["peak_mb"])  # type: ignore[arg-type]
        if name.startswith("audit"):
            speedup = float(raw["ratio"])  # type: ignore[arg-type]
            seconds = float(raw["seconds"])  # type: ignore[arg-type]
            ok = speedup >= AUDIT_TARGET_SPEEDUP and (
                size != "1M" or (peak < AUDIT_TARGET_PEAK_MB and seconds <= AUDIT_TARGET_1M_S)
            )
            target = f">= {AUDIT_TARGET_SPEEDUP:.0f}x naive" + (
                f", <= {AUDIT_TARGET_1M_S:.0f} s, < {AUDIT_TARGET_PEAK_MB:.0f} MB" if size == "1M" else ""
            )
            rows.append(
                Row(
                    f"upload audit {size} rows",
                    float(raw["seconds"]),  # type: ignore[arg-type]
                    "s",
                    target=target,
                    ratio=speedup,
                    verdict=OK if ok else MISS,
                    peak_mb=peak,
                    note=f"speed-up over the naive loop; {counts}",
                    detail=detail,
                ).as_dict()
            )
        else:
            rows.append(
                Row(
                    f"  naive phonenumbers loop {size}",
                    float(raw["seconds"]),  # type: ignore[arg-type]
                    "s",
                    peak_mb=peak,
                    note=counts,
                    detail=detail,
                ).as_dict()
            )
    return rows


def _bundle(quick: bool) -> list[dict[str, object]]:
    from bench import bundle_bench

    return bundle_bench.run(quick)


def _hostile(quick: bool) -> list[dict[str, object]]:
    from bench import hostile_bench

    return hostile_bench.run(quick)


def _million(quick: bool) -> list[dict[str, object]]:
    from bench import million_bench

    return million_bench.run(quick)


def _elevenlabs_stall(quick: bool) -> list[dict[str, object]]:
    from bench import elevenlabs_stall_bench

    return elevenlabs_stall_bench.run(quick)


def _launch_loop(quick: bool) -> list[dict[str, object]]:
    from bench import launch_loop_bench

    return launch_loop_bench.run(quick)


# The table's order: the issues' list.
BENCHES: dict[str, Callable[[bool], list[dict[str, object]]]] = {
    "startup": _startup,
    "poll_stall": _poll_stall,
    "page_switch": _page_switch,
    "analysis": _analysis,
    "audit": _audit,
    "bundle": _bundle,
    "hostile": _hostile,
    "million": _million,
    "elevenlabs_stall": _elevenlabs_stall,
    "launch_loop": _launch_loop,
}


def machine() -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "absent"

    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    return {
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_mb": round(memory_mb),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyside6": version("PySide6-Essentials"),
        "phonenumbers": version("phonenumbers"),
        "httpx": version("httpx"),
        "pydantic": version("pydantic"),
    }


def _without_nan(value: Any) -> Any:
    """NaN (an errored row's value) is not JSON: write null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the benchmarks (each measurement in its own child process) and print one table.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes (about a minute)")
    parser.add_argument(
        "--only", nargs="+", choices=list(BENCHES), metavar="NAME", help=f"run only these: {', '.join(BENCHES)}"
    )
    parser.add_argument("--json", metavar="OUT", help="also write the rows (and the machine) as JSON")
    args = parser.parse_args(argv)

    chosen = [name for name in BENCHES if not args.only or name in args.only]
    about = machine()
    print(
        f"bench{' --quick' if args.quick else ''}: {about['cpus']} CPUs, {about['memory_mb']} MB, "
        f"Python {about['python']}, PySide6 {about['pyside6']}, phonenumbers {about['phonenumbers']}; "
        f"load average {about['load_average_before'][0]}",
        flush=True,
    )
    rows: list[dict[str, object]] = []
    started = time.perf_counter()
    failed = False
    ready: dict[str, list[dict[str, object]]] = {}  # rows made early by a shared run
    for name in chosen:
        print(f"running {name}…", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            if name in ready:
                produced = ready.pop(name)
            elif name == "analysis" and "bundle" in chosen:
                produced, ready["bundle"] = _analysis_and_bundle(args.quick)
            else:
                produced = BENCHES[name](args.quick)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            produced = [Row(name, float("nan"), "s", verdict=ERROR, note=first_line[:120]).as_dict()]
        for row in produced:
            row["bench"] = name
        rows.extend(produced)
        print(f"  {name} took {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    print()
    print_table(rows)
    about["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nran in {total:.0f} s; load average after {about['load_average_after'][0]}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            document = {"machine": about, "quick": args.quick, "seconds": total, "rows": rows}
            json.dump(_without_nan(document), out, indent=2, default=str)
            out.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
