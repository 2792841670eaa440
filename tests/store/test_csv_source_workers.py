"""The audit with worker processes (store/audit_pool.py) gives what one process gives, row for row.

Chunks are made small here (``CHUNK_ROWS``) so a few thousand rows cross many chunks and both
workers; the workers are real processes: forked, or interpreters of their own when other
threads run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import sys
import threading
from collections.abc import Iterator
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
    # Another thread running: a fork could copy a lock it holds (the app audits on a worker
    # thread): the workers are interpreters of their own instead, unless the build is frozen.
    with another_thread():
        assert audit_pool.start_method() == "interpreter"
        assert audit_pool.worker_count(2) == 2
        monkeypatch.setattr(audit_pool.sys, "frozen", True, raising=False)
        assert audit_pool.start_method() is None and audit_pool.worker_count(2) == 0
        monkeypatch.delattr(audit_pool.sys, "frozen")
    assert audit_pool.start_method() == "fork"
    monkeypatch.setattr(audit_pool.sys, "platform", "darwin")
    assert audit_pool.worker_count(2) == 0


@contextlib.contextmanager
def another_thread() -> Iterator[None]:
    """Another thread runs meanwhile, as the fetch's threads do in the app and in ``check``."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        yield
    finally:
        release.set()
        other.join()


class Interpreters:
    def __init__(self) -> None:
        self.started: list[audit_pool._Interpreter] = []


@pytest.fixture
def interpreters(monkeypatch: pytest.MonkeyPatch) -> Interpreters:
    made = Interpreters()
    original = audit_pool._Interpreter.__init__

    def recording(self: audit_pool._Interpreter, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        made.started.append(self)

    monkeypatch.setattr(audit_pool._Interpreter, "__init__", recording)
    return made


def test_with_threads_running_interpreter_workers_give_the_same_audit(
    tmp_path: Path, interpreters: Interpreters, workers_started: WorkerCount
) -> None:
    path = _contacts(tmp_path / "contacts.csv")
    alone = audit_file(path, "GB", workers=1)
    with another_thread():
        together = audit_file(path, "GB", workers=2)
    assert together.model_dump() == alone.model_dump()
    assert len(interpreters.started) == 2 and workers_started.started == 0  # none forked
    assert all(w._process.poll() == 0 for w in interpreters.started)  # each told to stop, and stopped


def test_an_interpreter_worker_that_dies_is_done_without(tmp_path: Path, interpreters: Interpreters) -> None:
    path = _contacts(tmp_path / "contacts.csv")
    alone = audit_file(path, "GB", workers=1)
    original = audit_pool._Interpreter.send
    sent = {"n": 0}

    def killed_after_two(self: audit_pool._Interpreter, chunk: list) -> None:  # type: ignore[type-arg]
        sent["n"] += 1
        if sent["n"] == 3:
            self._process.kill()  # the OOM killer, say
            self._process.wait()
        original(self, chunk)

    audit_pool._Interpreter.send = killed_after_two  # type: ignore[method-assign]
    try:
        with another_thread():
            assert audit_file(path, "GB", workers=2).model_dump() == alone.model_dump()
    finally:
        audit_pool._Interpreter.send = original  # type: ignore[method-assign]
    assert len(interpreters.started) == 2


def test_no_interpreter_worker_outlives_a_consumer_that_stops(tmp_path: Path, interpreters: Interpreters) -> None:
    path = _contacts(tmp_path / "contacts.csv")

    def stop_at_row_500(outcome: RowOutcome, row: list[str]) -> None:
        if outcome.row >= 500:
            raise KeyboardInterrupt

    with another_thread(), open_contact_file(path) as rows, pytest.raises(KeyboardInterrupt):
        audit_rows(rows, "GB", on_row=stop_at_row_500, workers=2)
    assert interpreters.started and all(w._process.poll() is not None for w in interpreters.started)


def test_interpreter_workers_that_cannot_start_are_done_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No such interpreter (a broken install, no more processes): the chunks are parsed here,
    the same audit, and the load does not fail for it."""
    path = _contacts(tmp_path / "contacts.csv")
    alone = audit_file(path, "GB", workers=1)
    monkeypatch.setattr(audit_pool.sys, "executable", str(tmp_path / "no-such-python"))
    with another_thread():
        assert audit_pool.start_method() == "interpreter"
        assert audit_file(path, "GB", workers=2).model_dump() == alone.model_dump()


def test_interpreter_workers_never_import_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interpreters: Interpreters
) -> None:
    """A folder named triage_gui (or a phonenumbers.py) where the app was started is not what
    the workers run: they are started with ``-P``, without the working directory on the path."""
    path = _contacts(tmp_path / "contacts.csv")
    stray = tmp_path / "cwd"
    for name in ("triage_gui/__init__.py", "phonenumbers.py"):
        planted = stray / name
        planted.parent.mkdir(parents=True, exist_ok=True)
        planted.write_text(f"open({str(stray / 'ran')!r}, 'a').write({name!r})\n")
    monkeypatch.chdir(stray)
    alone = audit_file(path, "GB", workers=1)
    with another_thread():
        assert audit_file(path, "GB", workers=2).model_dump() == alone.model_dump()
    assert len(interpreters.started) == 2
    assert not (stray / "ran").exists(), (stray / "ran").read_text()


def test_a_workers_record_is_read_whole_and_a_cut_or_absurd_one_is_refused() -> None:
    import io
    import marshal
    import struct

    from triage_gui.store.audit_pool import MAX_RECORD_BYTES, _frame

    cells = [("+14155550100", "valid", None), None]
    record = marshal.dumps(cells)
    framed = struct.pack("<Q", len(record)) + record
    stream = io.BytesIO(framed + framed)
    assert marshal.loads(_frame(stream)) == cells
    assert marshal.loads(_frame(stream)) == cells  # the next record starts where the last ended
    with pytest.raises(EOFError):
        _frame(stream)  # nothing more
    with pytest.raises(EOFError):
        _frame(io.BytesIO(framed[:-1]))  # the worker died inside its record
    with pytest.raises(EOFError):
        _frame(io.BytesIO(framed[:5]))  # inside its length
    with pytest.raises(ValueError):
        _frame(io.BytesIO(struct.pack("<Q", MAX_RECORD_BYTES + 1)))  # read nothing of that
