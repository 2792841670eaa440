"""The audit with worker processes (store/audit_pool.py) gives what one process gives, row for row.

Chunks are made small here (``CHUNK_ROWS``) so a few thousand rows cross many chunks and both
workers; the workers are real forked processes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
import threading
from pathlib import Path

import pytest

from triage_gui.domain.contact_auditor import RowOutcome
from triage_gui.store import audit_pool
from triage_gui.store.csv_source import ContactFileDecodeError, audit_file, audit_rows, open_contact_file

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")

CHUNK = 97  # rows per chunk in these tests: many chunks, a short last one


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_pool, "CHUNK_ROWS", CHUNK)


class WorkerCount:
    def __init__(self) -> None:
        self.started = 0


@pytest.fixture
def workers_started(monkeypatch: pytest.MonkeyPatch) -> WorkerCount:
    count = WorkerCount()
    original = audit_pool._Worker.__init__

    def counting(self: audit_pool._Worker, *args: object) -> None:
        count.started += 1
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_pool._Worker, "__init__", counting)
    return count


def _contacts(path: Path, rows: int = 3000, *, bad_byte_at: int | None = None) -> Path:
    """A semicolon file of national and international numbers, junk, rows without a phone cell,
    blank spreadsheet rows, and repeats far apart (so across chunks)."""
    rnd = random.Random(11)
    lines = [b"id;phone;city"]
    for i in range(rows):
        phone = rnd.choice(
            [
                f"07400 1{rnd.randint(0, 900):05d}",
                f"+44 7400 1{rnd.randint(0, 900):05d}",
                f"0044 161 234 {rnd.randint(0, 400):04d}",
                f"+1 415 555 {rnd.randint(0, 300):04d}",
                "n/a",
                "",
                "4.47400100123E+11",
                "07700 900123",
                "=1+1",
            ]
        )
        line = f"r{i};{phone};Leeds, West Yorkshire".encode() if i % 41 else f"r{i}".encode()
        if bad_byte_at is not None and i == bad_byte_at:
            line += b"\xff"
        lines.append(line)
        if i % 103 == 0:
            lines.append(b";;")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _per_row(path: Path, workers: int) -> tuple[list[RowOutcome], dict[str, object]]:
    outcomes: list[RowOutcome] = []
    with open_contact_file(path) as rows:
        result = audit_rows(rows, "GB", on_row=lambda outcome, row: outcomes.append(outcome), workers=workers)
    return outcomes, result.model_dump()


def test_workers_give_the_same_audit_as_one_process(tmp_path: Path, workers_started: WorkerCount) -> None:
    path = _contacts(tmp_path / "contacts.csv")
    alone = audit_file(path, "GB", workers=1)
    assert workers_started.started == 0
    together = audit_file(path, "GB", workers=2)
    assert workers_started.started == 2
    assert together.model_dump() == alone.model_dump()
    assert together.duplicate_groups_total > 50 and together.invalid > 100 and together.ragged_rows > 0


def test_workers_give_the_same_outcome_for_every_row(tmp_path: Path, workers_started: WorkerCount) -> None:
    path = _contacts(tmp_path / "contacts.csv")
    alone = _per_row(path, workers=1)
    together = _per_row(path, workers=2)
    assert workers_started.started == 2
    assert together == alone
    assert len(together[0]) == 3000


def test_a_number_is_a_duplicate_in_any_later_chunk(tmp_path: Path) -> None:
    lines = ["phone"] + [f"+4474001{i:05d}" for i in range(CHUNK * 5)] + ["07400 100003"]
    path = tmp_path / "far.csv"
    path.write_text("\n".join(lines) + "\n")
    outcomes, result = _per_row(path, workers=2)
    last_row = len(lines)
    assert outcomes[-1].duplicate_of == 5 and outcomes[-1].reason == "duplicate of row 5"
    assert [g["rows"] for g in result["duplicate_groups"]] == [[5, last_row]]  # type: ignore[index]


def test_a_read_error_comes_after_the_rows_before_it(tmp_path: Path, workers_started: WorkerCount) -> None:
    path = _contacts(tmp_path / "broken.csv", bad_byte_at=2900)  # past the 64 KB sample
    seen: dict[int, list[RowOutcome]] = {}
    errors: dict[int, str] = {}
    for workers in (1, 2):
        outcomes: list[RowOutcome] = []
        with open_contact_file(path) as rows, pytest.raises(ContactFileDecodeError) as caught:
            audit_rows(rows, "GB", on_row=lambda outcome, row, out=outcomes: out.append(outcome), workers=workers)
        seen[workers], errors[workers] = outcomes, str(caught.value)
    assert workers_started.started == 2
    assert seen[2] == seen[1] and len(seen[1]) > 2000
    assert errors[2] == errors[1]
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_done_without(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed part-way (the OOM killer, say): its chunks are parsed here, same result."""
    path = _contacts(tmp_path / "contacts.csv")
    alone = audit_file(path, "GB", workers=1)
    parent = os.getpid()
    original = audit_pool.normalise_cells
    calls = {"n": 0}

    def dies_in_the_worker(cells: list[str | None], region: str | None) -> list:
        calls["n"] += 1
        if os.getpid() != parent and calls["n"] == 3:
            os._exit(9)
        return original(cells, region)

    monkeypatch.setattr(audit_pool, "normalise_cells", dies_in_the_worker)
    assert audit_file(path, "GB", workers=2).model_dump() == alone.model_dump()
    assert not multiprocessing.active_children()


def test_no_worker_outlives_a_consumer_that_stops(tmp_path: Path) -> None:
    path = _contacts(tmp_path / "contacts.csv")

    def stop_at_row_500(outcome: RowOutcome, row: list[str]) -> None:
        if outcome.row >= 500:
            raise KeyboardInterrupt  # what Ctrl-C or a signal does in the caller

    with open_contact_file(path) as rows, pytest.raises(KeyboardInterrupt):
        audit_rows(rows, "GB", on_row=stop_at_row_500, workers=2)
    assert not multiprocessing.active_children()


def test_a_file_of_one_chunk_stays_in_this_process(tmp_path: Path, workers_started: WorkerCount) -> None:
    path = _contacts(tmp_path / "small.csv", rows=CHUNK - 10)
    assert audit_file(path, "GB", workers=2).model_dump() == audit_file(path, "GB", workers=1).model_dump()
    assert workers_started.started == 0


def test_workers_only_where_forking_is_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    assert audit_pool.worker_count(1) == 0
    assert audit_pool.worker_count(3) == 3
    monkeypatch.setattr(audit_pool.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert audit_pool.worker_count() == 0  # one CPU: nothing to gain
    monkeypatch.setattr(audit_pool.os, "sched_getaffinity", lambda pid: set(range(32)), raising=False)
    assert audit_pool.worker_count() == audit_pool.MAX_WORKERS
    # Another thread running: a fork could copy a lock it holds (the app audits on a worker thread).
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert audit_pool.worker_count(2) == 0
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(audit_pool.sys, "platform", "darwin")
    assert audit_pool.worker_count(2) == 0
