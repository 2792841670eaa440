"""``python -m bench`` works and prints its table; its figures are never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.common import REPO_ROOT, ChildFailed, Row, child_env, format_table, run_child


def test_quick_startup_bench_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "startup", "--json", str(out)],
        cwd=REPO_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("measurement"))
    assert lines[header].split()[:4] == ["measurement", "value", "target", "ratio"]
    assert set(lines[header + 1]) <= {"-", " "}
    names = [line for line in lines[header + 2 :] if line.startswith("start")]
    assert [n.split("  ")[0] for n in names] == [
        "start, first run: welcome painted",
        "start, --profile (keyring): painted",
        "start, --demo: painted",
        "start, bare QWizard: painted",
    ]
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["quick"] is True
    assert document["machine"]["cpus"] >= 1
    rows = document["rows"]
    assert [r["bench"] for r in rows] == ["startup"] * 4
    *paths, bare = rows
    for row in rows:
        assert row["unit"] == "s" and row["value"] > 0 and row["peak_mb"] > 10
        assert len(row["detail"]["runs_s"]) == 3
    for path in paths:  # each start path against the bare wizard of the same run
        assert path["verdict"] in {"ok", "MISS"}
        assert path["ratio"] == pytest.approx(path["value"] / bare["value"])
    assert bare["ratio"] is None


def test_an_unknown_bench_name_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "nope"],
        cwd=REPO_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice: 'nope'" in done.stderr


def test_a_failing_child_reports_its_stderr():
    with pytest.raises(ChildFailed, match="No module named bench.no_such_bench"):
        run_child("bench.no_such_bench", [])


def test_table_aligns_rows_and_shows_an_errored_row_without_a_value():
    rows = [
        Row("stall", 12.34, "ms", target="< 50 ms", ratio=0.25, verdict="ok", peak_mb=210.4).as_dict(),
        Row("  baseline", 1.5, "s", note="beside it").as_dict(),
        Row("broken", float("nan"), "s", verdict="ERROR", note="child failed").as_dict(),
    ]
    lines = format_table(rows).splitlines()
    assert len(lines) == 5
    stall, baseline, broken = lines[2:]
    assert "12.3 ms" in stall and "0.25x" in stall and "210" in stall and "ok" in stall
    assert "1.500 s" in baseline and baseline.endswith("beside it")
    assert "ERROR" in broken and "nan" not in broken.lower()
    # the value column is right-aligned: every value ends at the same column
    value_end = lines[0].index("value") + len("value")
    assert all(line[:value_end].endswith(("ms", " s", "—")) for line in lines[2:])
