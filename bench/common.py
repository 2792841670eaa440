"""What every benchmark shares: one measurement per child process, medians, the table.

Each measurement runs in a fresh interpreter (``python -m bench.<module> --child ...``) so its
start-up, imports and peak memory are its own. The peak is the child's own ``VmHWM`` (from
``/proc/self/status``, sent with its result), not ``ru_maxrss``: on Linux a child's
``ru_maxrss``, from ``wait4`` or ``RUSAGE_CHILDREN``, starts at the *parent's* high-water mark
(``exec`` carries it over), so a child of a bench that holds a 100k-recipient simulator would
never read below it. A child prints one ``BENCH-RESULT {json}`` line; what else it prints (Qt's
warnings, logs) is kept aside and shown only if it fails.

Rows are plain dicts so ``--json`` can write them as they are:
``name, value, unit, target, ratio, verdict, peak_mb, note, detail``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "
PEAK_KEY = "_vm_hwm_mb"
CHILD_TIMEOUT_S = 240.0

OK = "ok"
MISS = "MISS"
INFO = ""  # a row with no target of its own (the baseline beside a measured row)


class ChildFailed(RuntimeError):
    """A measurement's child process failed; the message carries the end of its stderr."""


@dataclass(frozen=True)
class ChildResult:
    output: dict[str, Any]
    wall_s: float  # parent's view: spawn to exit, interpreter start-up included
    peak_mb: float  # the child's own peak RSS (VmHWM)


@dataclass
class Row:
    name: str
    value: float
    unit: str  # "s", "ms", "x", "MB"
    target: str = ""
    ratio: float | None = None
    verdict: str = INFO
    peak_mb: float | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The children's environment: offscreen Qt, unbuffered output, the repo importable."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra or {})
    return env


def run_child(
    module: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = CHILD_TIMEOUT_S,
) -> ChildResult:
    """Run ``python -m module --child *args``; return its result line, wall time and peak RSS."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", module, "--child", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=REPO_ROOT,
            env=child_env(env),
        )
        killer = threading.Timer(timeout_s, proc.kill)
        killer.start()
        try:
            assert proc.stdout is not None
            out = proc.stdout.read()
            proc.stdout.close()
            status = proc.wait()
        finally:
            killer.cancel()
            killer.join()
        wall = time.perf_counter() - start
        stderr.seek(0)
        err = stderr.read().decode("utf-8", "replace")
    result = _result_line(out.decode("utf-8", "replace"))
    if status != 0 or result is None:
        tail = "\n".join(err.strip().splitlines()[-25:])
        why = "timed out" if status == -9 else f"exit code {status}"
        raise ChildFailed(f"{module} {' '.join(args)}: {why}\n{tail}")
    peak = float(result.pop(PEAK_KEY))
    return ChildResult(result, wall, peak)


def _result_line(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    return None


def emit_result(result: Mapping[str, Any]) -> None:
    """In a child, at its end: hand the measurement and the child's peak RSS to the parent."""
    sys.stdout.write(RESULT_PREFIX + json.dumps({**result, PEAK_KEY: vm_hwm_mb()}) + "\n")
    sys.stdout.flush()


def vm_hwm_mb() -> float:
    """In a child: its peak RSS so far (``VmHWM``), to split one process's phases."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def verdict(ok: bool) -> str:
    return OK if ok else MISS


# -- the table ------------------------------------------------------------------------------
def _fmt_value(row: Mapping[str, Any]) -> str:
    value, unit = float(row["value"]), str(row["unit"])
    if value != value:  # NaN: the bench errored
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit not in ("s", ""):  # a count: "0 launches"
        return f"{value:.0f} {unit}"
    return f"{value:.3f} s" if value < 10 else f"{value:.2f} s"


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    header = ("measurement", "value", "target", "ratio", "verdict", "peak MB", "note")
    cells = [header]
    for row in rows:
        ratio = row.get("ratio")
        peak = row.get("peak_mb")
        cells.append(
            (
                str(row["name"]),
                _fmt_value(row),
                str(row.get("target") or "—"),
                f"{float(ratio):.2f}x" if ratio is not None else "—",
                str(row.get("verdict") or "—"),
                f"{float(peak):.0f}" if peak is not None else "—",
                str(row.get("note") or ""),
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    right = {1, 3, 5}

    def render(line: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(cells[0]), rule, *(render(line) for line in cells[1:])])


def print_table(rows: Sequence[Mapping[str, Any]]) -> None:
    print(format_table(rows), flush=True)
