"""A case survives SIGKILL at any moment of a save: the last good version always loads.

A child process saves the same case over and over (each version numbered in its title and a
note, so a half-old half-new file would show); the test kills it at random moments, 30 times,
and after each kill opens the case in a fresh store. The version must be the last one the child
reported saved, or the one it was saving; never an error, never a mixture, never set aside.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triage_gui.domain.case import Case, CaseInputs
from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import BatchJob, Counters
from triage_gui.store.case_store import CaseStore
from triage_gui.store.paths import AppPaths

KILLS = 30

CHILD = """
import sys
from triage_gui.store.case_store import CaseStore
from triage_gui.store.paths import AppPaths

store = CaseStore(AppPaths.under(sys.argv[1]))
case = store.load(sys.argv[2]).case
n = int(case.title)
print("ready", flush=True)
while True:
    n += 1
    case.title = str(n)
    case.notes["version"] = f"note of version {n}"
    store.save(case)
    print(n, flush=True)
"""


def _big_case() -> Case:
    """About half a megabyte, so a save takes long enough to be interrupted in the middle."""
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    case = Case(created_at=start, updated_at=start, title="0", inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    case.notes["version"] = "note of version 0"
    for i in range(800):
        job = BatchJob(
            id="job_1",
            workspace_id="ws_1",
            campaign_id="cmp_1",
            status="running",
            created_at=start,
            counters=Counters(total=5000, succeeded=i * 5, failed=i, queued=5000 - i * 6, dispatched=i * 6),
        )
        case.add_snapshot(JobSnapshot(at=start + timedelta(seconds=5 * i), job=job))
    return case


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_the_last_good_version(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    root = tmp_path / "home"
    case = _big_case()
    CaseStore(AppPaths.under(root)).save(case)
    last_saved = 0
    landed_mid_save = 0
    for kill in range(KILLS):
        stderr_path = tmp_path / f"child-{kill}.err"
        with (
            open(stderr_path, "wb") as stderr,
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(root), case.case_id],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            ) as child,
        ):
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready", stderr_path.read_text()
            for _ in range(rng.randint(0, 3)):
                line = child.stdout.readline().strip()
                assert line, f"child died: {stderr_path.read_text()}"
                last_saved = int(line)
            # Not synchronisation: a random extra delay spreads the kills over a save's phases.
            threading.Event().wait(rng.uniform(0, 0.02))
            os.kill(child.pid, signal.SIGKILL)
            for line in child.stdout:  # saves acknowledged before the kill landed
                if line.strip():
                    last_saved = int(line)
            assert child.wait() == -signal.SIGKILL
        loaded = CaseStore(AppPaths.under(root)).load(case.case_id)
        version = int(loaded.case.title)
        context = (
            f"kill {kill} (seed {seed}): last saved {last_saved}, loaded {version} ({loaded.message or 'current'})"
        )
        assert last_saved <= version <= last_saved + 1, context
        assert loaded.case.notes["version"] == f"note of version {version}", context
        assert len(loaded.case.snapshots) == 800, context
        landed_mid_save += version == last_saved + 1 or loaded.from_backup
        last_saved = version
    cases_dir = root / "data" / "cases"
    assert not [p.name for p in cases_dir.iterdir() if ".bad-" in p.name], "a save left a corrupt file"
    print(f"seed {seed}: {landed_mid_save} of {KILLS} kills landed inside a save")
