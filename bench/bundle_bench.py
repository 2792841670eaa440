"""Bundle export of a 100k-recipient case: time, peak memory and size of the zip.

``python -m bench.bundle_bench [--repeats N]``. Same finished 100k-recipient ``healthy`` job as
the analysis bench, and the same child process: it fetches and analyses the job (timed there,
not here), then writes the diagnostics bundle the way ``triage-gui check --bundle`` does,
``services.bundle_assembly.write_check_bundle`` (every text file through one redactor, the
escalation form, ~105k events and ~102k per-call records as JSON lines, the HTTP request log of
the fetch, the contact audit, the manifest with SHA-256s). Before the export the loaded data is
put out of the garbage collector's sight, as the app does when a Load ends
(``ui/tasks/gc_policy.py``, ``PausesByKey.release(freeze=True)``). Issue 16's target: <= 1.5 s.
The peak is
the child's whole peak RSS (the case's data is in memory, as in the app); the export's own
extra is the rise of ``VmHWM`` across the export. One run by itself (each run must fetch the
100k job again first); under ``python -m bench`` it rides along the analysis runs (median).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ChildResult, Row, median, print_table, verdict, vm_hwm_mb

TARGET_S = 1.5  # issue 16: the bundle of the 100k-recipient case


def export(data: Any, report: Any, *, token: str) -> dict[str, Any]:
    """In the analysis child, after the analysis: write the bundle and measure it."""
    import gc

    from triage_gui.services.bundle_assembly import write_check_bundle

    gc.freeze()  # as the app's Load does with what it loaded
    before = vm_hwm_mb()
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        start = time.perf_counter()
        result = write_check_bundle(
            Path(tmp) / "bundle.zip", data, report, token=token, screenshot_png=None, provider="batch_v1"
        )
        seconds = time.perf_counter() - start
        size = result.path.stat().st_size
    return {
        "bundle_s": seconds,
        "size_bytes": size,
        "files": len(result.files),
        "largest_files": sorted(((f.name, f.size) for f in result.files), key=lambda f: -f[1])[:4],
        "peak_before_mb": before,
        "peak_after_mb": vm_hwm_mb(),
    }


def rows(runs: list[ChildResult]) -> list[dict[str, object]]:
    out = [r.output["bundle"] for r in runs]
    seconds = median([float(o["bundle_s"]) for o in out])
    extra = median([float(o["peak_after_mb"]) - float(o["peak_before_mb"]) for o in out])
    size_mb = float(out[0]["size_bytes"]) / 1e6
    return [
        Row(
            "bundle export, 100k case",
            seconds,
            "s",
            peak_mb=median([r.peak_mb for r in runs]),
            target=f"<= {TARGET_S:g} s",
            verdict=verdict(seconds <= TARGET_S),
            note=f"median of {len(out)}; zip {size_mb:.1f} MB, {out[0]['files']} files; "
            f"the export adds {extra:.0f} MB to the peak",
            detail={"runs": out, "peaks_mb": [r.peak_mb for r in runs]},
        ).as_dict()
    ]


def run(quick: bool, repeats: int = 1) -> list[dict[str, object]]:
    """``quick`` changes nothing: one run is already the least."""
    from bench.analysis_bench import measure

    return rows(measure(repeats, bundle=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bundle_bench")
    parser.add_argument("--quick", action="store_true", help="the same as without (one run)")
    parser.add_argument("--repeats", type=int, default=1, help="runs, median taken (default 1)")
    args = parser.parse_args(argv)
    print_table(run(args.quick, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
