"""Upload-audit benchmark: ``python -m bench.audit_bench [--quick]``.

Generates contact CSVs of 100k and 1M rows in a temporary directory and, for each, runs in
separate child processes (so each run's peak RSS is its own: the child's ``VmHWM``, which
it reports itself; ``wait4``'s ``ru_maxrss`` would start at this parent's high-water mark):

- ``audit``: the product's path, ``store.csv_source.audit_file`` (detection, streaming read,
  clean-up, normalisation with its cache, duplicate detection; the phone cells parsed by one
  forked worker per CPU when the file has more than one chunk of rows, ``store/audit_pool.py``);
- ``naive``: the same file read with the same C ``csv`` reader, and on every row
  ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(E164)`` + ``number_type``,
  no cache, duplicates counted with a set.

The data is meant to look like a real campaign's file for a GB from-number: mostly distinct
numbers, national and international formats, some US and DE numbers, ~5% rows repeating an
earlier number in another format, ~2% malformed cells. Times are measured inside the child,
after interpreter start-up, around the read-and-audit loop only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGION = "GB"
DUPLICATE_SHARE = 0.05
MALFORMED_SHARE = 0.02
MALFORMED = ["", "n/a", "12345", "1.2E+10", "07400 12", "+44 7400 123456 789 012", "call me", "0"]
US_AREAS = ["212", "312", "415", "617", "206", "305", "404", "713", "214", "702"]


def _render(rnd: random.Random, country: str, national: str) -> str:
    """One number written the way people write it (national part without trunk prefix)."""
    style = rnd.random()
    if country == "44":
        if style < 0.45:
            return f"0{national[:4]} {national[4:]}"
        if style < 0.75:
            return f"+44 {national[:4]} {national[4:]}"
        if style < 0.9:
            return f"+44{national}"
        if style < 0.95:
            return f"0044 {national[:4]} {national[4:7]} {national[7:]}"
        return f"(0{national[:4]}) {national[4:7]}-{national[7:]}"
    if country == "1":
        if style < 0.6:
            return f"+1 ({national[:3]}) {national[3:6]}-{national[6:]}"
        return f"+1{national}"
    if style < 0.5:
        return f"+49 {national[:3]} {national[3:]}"
    return f"0049{national}"


def _new_number(rnd: random.Random) -> tuple[str, str]:
    kind = rnd.random()
    if kind < 0.6:  # GB mobile
        return "44", f"7{rnd.randint(4, 9)}{rnd.randint(0, 99_999_999):08d}"
    if kind < 0.8:  # GB landline (Manchester, Birmingham, Glasgow)
        area = rnd.choice(["161", "121", "141"])
        return "44", f"{area}{rnd.randint(2_000_000, 9_999_999)}"
    if kind < 0.9:
        return "1", f"{rnd.choice(US_AREAS)}{rnd.randint(200, 999)}{rnd.randint(0, 9999):04d}"
    return "49", f"15{rnd.choice('12579')}{rnd.randint(0, 99_999_999):08d}"


def generate(path: Path, rows: int, seed: int = 3) -> None:
    rnd = random.Random(seed)
    seen: list[tuple[str, str]] = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["recipient_id", "name", "phone_number", "city"])
        for index in range(rows):
            roll = rnd.random()
            if roll < MALFORMED_SHARE:
                phone = rnd.choice(MALFORMED)
            elif roll < MALFORMED_SHARE + DUPLICATE_SHARE and seen:
                phone = _render(rnd, *rnd.choice(seen))
            else:
                number = _new_number(rnd)
                seen.append(number)
                phone = _render(rnd, *number)
            writer.writerow([f"r{index:07d}", f"Contact {index}", phone, "Leeds"])


def _child_audit(path: str) -> dict[str, object]:
    import resource

    from triage_gui.store.audit_pool import worker_count
    from triage_gui.store.csv_source import audit_file

    start = time.perf_counter()
    result = audit_file(path, REGION)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": result.rows,
        "valid": result.valid,
        "unique": result.unique_valid,
        "duplicate_rows": result.duplicate_rows,
        # The workers (store/audit_pool.py, forked for a file of more than one chunk) are
        # not in this process's VmHWM: the largest one's peak RSS, pages shared with this
        # process included (so an upper bound of what each adds).
        "workers": worker_count(),
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _child_naive(path: str) -> dict[str, object]:
    import phonenumbers

    start = time.perf_counter()
    rows = valid = 0
    unique: set[str] = set()
    types: dict[int, int] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        column = next(reader).index("phone_number")
        for row in reader:
            rows += 1
            try:
                number = phonenumbers.parse(row[column], REGION)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(number):
                continue
            valid += 1
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            kind = phonenumbers.number_type(number)
            if e164 not in unique:
                unique.add(e164)
                types[kind] = types.get(kind, 0) + 1
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": rows,
        "valid": valid,
        "unique": len(unique),
        "duplicate_rows": valid - len(unique),
    }


def _run_child(mode: str, path: Path) -> tuple[dict[str, object], float]:
    """Run one measurement in a fresh interpreter; its own peak RSS (VmHWM) comes back with it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.audit_bench", "--child", mode, str(path)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    if proc.wait() != 0:
        raise RuntimeError(f"{mode} child failed with exit code {proc.returncode}")
    result = json.loads(output)
    return result, float(result.pop("peak_mb"))


def run(quick: bool) -> list[dict[str, object]]:
    sizes = [100_000] if quick else [100_000, 1_000_000]
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"contacts_{size}.csv"
            generate(path, size)
            audit, audit_mb = _run_child("audit", path)
            naive, naive_mb = _run_child("naive", path)
            ratio = float(naive["seconds"]) / float(audit["seconds"])  # type: ignore[arg-type]
            label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
            results.append(
                {
                    "name": f"audit {label} rows",
                    "seconds": audit["seconds"],
                    "peak_mb": audit_mb,
                    "ratio": ratio,
                    "detail": audit,
                }
            )
            results.append(
                {
                    "name": f"naive {label} rows",
                    "seconds": naive["seconds"],
                    "peak_mb": naive_mb,
                    "ratio": 1.0,
                    "detail": naive,
                }
            )
    return results


def _print_table(rows: list[dict[str, object]]) -> None:
    print(f"{'name':<20} {'seconds':>9} {'peak MB':>9} {'speed-up':>9}  rows/valid/unique")
    for row in rows:
        detail = row["detail"]
        assert isinstance(detail, dict)
        workers = (
            f"  {detail['workers']} workers, each <= {detail['worker_peak_mb']:.0f} MB" if "workers" in detail else ""
        )
        print(
            f"{row['name']:<20} {float(row['seconds']):>9.2f} {float(row['peak_mb']):>9.1f} "  # type: ignore[arg-type]
            f"{float(row['ratio']):>8.2f}x  "  # type: ignore[arg-type]
            f"{detail['rows']}/{detail['valid']}/{detail['unique']}{workers}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_bench")
    parser.add_argument("--quick", action="store_true", help="100k rows only")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, path = args.child
        from bench.common import vm_hwm_mb

        measure = _child_audit if mode == "audit" else _child_naive
        print(json.dumps({**measure(path), "peak_mb": vm_hwm_mb()}))
        return 0
    _print_table(run(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
