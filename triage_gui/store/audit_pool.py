"""The contact audit's phone parsing on every core: chunks of cells to worker processes.

Parsing one phone number costs several microseconds of Python (``phonenumbers``); a
million-row file is most of ten seconds of it on one core. So a big file's phone cells go, a
chunk at a time, to worker processes, and come back normalised (``contact_auditor.Cell``
tuples, cheap to send) in the order they were sent. Everything else stays in the calling
process and in row order: reading the CSV, the duplicate bookkeeping (one set of E.164
numbers, so a number seen in one chunk is a duplicate in any later one), the per-row outcomes
and the cleaned and rejects files. The result is the one a single process gives, row for row:
the same function normalises each cell, wherever it runs.

Workers are started only when that is safe and worth it (:func:`worker_count`): on Linux, with
more than one CPU to use, and once the file has shown more than one chunk of rows. From a
process running one thread (``triage-gui audit``) they are forked; where other threads run (the
app's loads and ``check``, whose fetch runs on threads: a fork copies only the calling thread,
and any lock another thread held stays held in the child) each is an interpreter of its own
(:mod:`triage_gui.store.audit_worker`, ~0.2 s to start), and in a frozen build there are none.
The workers ignore Ctrl-C and die on SIGTERM and SIGHUP (or at the end of their input), so the
caller alone decides what a signal means (``triage-gui audit`` removes its temporary files);
leaving the pipeline in any way ends them. At most ``2 × workers`` chunks are in flight, so
memory stays bounded however big the file.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import marshal
import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Generic, TypeVar

from triage_gui.domain.contact_auditor import Cell, normalise_cells

log = logging.getLogger(__name__)

CHUNK_ROWS = 10_000  # rows per chunk: ~10 ms of work for a worker, a few hundred KB to send
MAX_WORKERS = 8  # past this the calling process (reading, bookkeeping) is the bound

R = TypeVar("R", bound=tuple[int, str | None, object])
MAX_RECORD_BYTES = 64 * 1024 * 1024  # a worker's answer for one chunk is a few hundred KB


def worker_count(requested: int | None = None) -> int:
    """How many worker processes to use: ``requested`` (1: none), else as many as CPUs, when
    workers can be started safely here (:func:`start_method`); 0 or 1 means the audit stays
    in this process."""
    if requested is not None and requested <= 1:
        return 0
    if start_method() is None:
        return 0
    if requested is not None:
        return requested
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - Linux has it
        cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS) if cpus > 1 else 0


def start_method() -> str | None:
    """How workers start, or None for no workers (not Linux). ``fork`` from a process running
    one thread (the CLI's audit): the worker is ready at once. ``interpreter`` when other threads
    run (the app's loads and ``check`` fetch on threads; a fork would copy only the calling
    thread, and a lock another one held would stay held in the child): a fresh interpreter
    running :mod:`triage_gui.store.audit_worker`, ~0.2 s to start, so worth it from a chunk on.
    Not in a frozen build, whose executable is the app, not an interpreter."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.active_count() == 1:
        return "fork"
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    return "interpreter"


@dataclass
class Work(Generic[R]):
    """How the rows get parsed: ``chunks`` by workers (each chunk with its cells, in order), or
    ``rows`` here, one at a time (a small file, or no workers)."""

    chunks: Generator[tuple[list[R], list[Cell]], None, None] | None = None
    rows: Iterator[R] | None = None


def plan(
    rows: Iterable[R], region: str | None, *, workers: int | None = None, chunk_rows: int | None = None
) -> Work[R]:
    """Workers for ``rows`` (``(row_number, raw_phone, row)``) when allowed (:func:`worker_count`)
    and the file has more than one chunk of rows; else the rows, to parse here as before.
    Either way an error of the row source comes after every row read before it."""
    source = iter(rows)
    count = worker_count(workers)
    chunk_rows = chunk_rows or CHUNK_ROWS
    if count < 2:
        return Work(rows=source)
    head, error = _take(source, chunk_rows)
    if error is None and len(head) == chunk_rows:
        return Work(chunks=_in_workers(source, head, region, count, chunk_rows))
    return Work(rows=itertools.chain(head, _raising(error)))


def _raising(error: BaseException | None) -> Iterator[R]:
    if error is not None:
        raise error
    yield from ()


def _in_workers(
    source: Iterator[R], chunk: list[R], region: str | None, count: int, chunk_rows: int
) -> Generator[tuple[list[R], list[Cell]], None, None]:
    """Each worker has one chunk at a time; the next chunk is read while they parse, and handed
    to the worker whose result is taken, before that result is counted."""
    # A forked child flushes the standard streams as it exits: what is buffered now would be
    # written twice.
    sys.stdout.flush()
    sys.stderr.flush()
    workers: list[_Worker | _Interpreter] = []
    error: BaseException | None = None
    forked = start_method() == "fork"
    # The rows in flight outlive a few collections and get promoted; every full collection then
    # walks the whole process (~2 s of a million-row audit). Nothing here makes reference
    # cycles (lists and tuples of strings): reference counting frees it all.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(count):
            if forked:
                workers.append(_Worker(region, [w.connection for w in workers if isinstance(w, _Worker)]))
            else:
                workers.append(_Interpreter(region))
        idle = deque(workers)
        in_flight: deque[tuple[list[R], _Worker | _Interpreter]] = deque()
        while True:
            if chunk:
                ready = None
                if not idle:
                    done, worker = in_flight.popleft()
                    ready = (done, worker.receive(done, region))
                    idle.append(worker)
                worker = idle.popleft()
                worker.send(chunk)
                in_flight.append((chunk, worker))
                if ready is not None:
                    yield ready
            if error is not None or len(chunk) < chunk_rows:
                break
            chunk, error = _take(source, chunk_rows)
        while in_flight:
            done, worker = in_flight.popleft()
            yield done, worker.receive(done, region)
        for worker in workers:
            worker.stop()
    finally:
        for worker in workers:
            worker.kill()  # after an error, a signal or a consumer that stopped early
        if collecting:
            gc.enable()
    if error is not None:
        raise error


class _Worker:
    """One forked process parsing the chunks it is sent, over a pipe of its own."""

    def __init__(self, region: str | None, others: list[Connection]) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, child_end = context.Pipe()
        # The child closes its copies of this end and of the earlier workers' ends: when this
        # process dies, every worker then reads the end of its pipe and stops.
        inherited = [*others, self.connection]
        self._process = context.Process(
            target=_serve, args=(child_end, region, inherited), name="contact-audit", daemon=True
        )
        self._process.start()
        child_end.close()  # so that the worker's death is an EOF here
        self._broken = False

    def send(self, chunk: list[R]) -> None:
        if self._broken:
            return
        try:
            self.connection.send([raw for _, raw, _ in chunk])
        except OSError:
            self._broken = True

    def receive(self, chunk: list[R], region: str | None) -> list[Cell]:
        """The chunk's cells; if the worker died, parsed here instead (the same result)."""
        if not self._broken:
            try:
                cells: list[Cell] = self.connection.recv()
                return cells
            except (EOFError, OSError):
                self._broken = True
        return normalise_cells([raw for _, raw, _ in chunk], region)

    def stop(self) -> None:
        if not self._broken:
            with contextlib.suppress(OSError):
                self.connection.send(None)
        self._process.join(timeout=5)

    def kill(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self.connection.close()


class _Interpreter:
    """One worker in an interpreter of its own (``python -m triage_gui.store.audit_worker``):
    ``marshal`` records over its standard input and output. Its input's end is its signal to
    stop, so it never outlives this process."""

    def __init__(self, region: str | None) -> None:
        import triage_gui

        env = dict(os.environ)
        # The same triage_gui as this process's: its folder on the path when it is not an
        # installed package's (a source checkout). ``-P``: never the working directory, where a
        # stray triage_gui/ or phonenumbers.py would otherwise be imported first.
        home = str(Path(triage_gui.__file__).resolve().parents[1])
        if Path(home).name not in ("site-packages", "dist-packages"):
            env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH", "")) if p)
        self._process: subprocess.Popen[bytes] | None = None
        self._broken = True  # until it runs: a worker that cannot start is done without
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-m", "triage_gui.store.audit_worker", region or ""],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                close_fds=True,
            )
        except (OSError, ValueError) as exc:  # no such executable, no more processes...
            log.warning("an audit worker could not start (%s): its chunks are parsed here", exc)
            return
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in, self._out = self._process.stdin, self._process.stdout
        self._broken = False

    def send(self, chunk: list[R]) -> None:
        if self._broken:
            return
        try:
            marshal.dump([raw for _, raw, _ in chunk], self._in)
            self._in.flush()
        except (OSError, ValueError):
            self._broken = True

    def receive(self, chunk: list[R], region: str | None) -> list[Cell]:
        """The chunk's cells; if the worker died, parsed here instead (the same result)."""
        if not self._broken:
            try:
                # Read whole, then decoded in one call: ``marshal.load`` on the pipe itself
                # would call its ``readinto`` for every string, holding the GIL (~1 s at 1M rows).
                cells: list[Cell] = marshal.loads(_frame(self._out))
                if isinstance(cells, list) and len(cells) == len(chunk):
                    return cells
            except (EOFError, OSError, ValueError, TypeError):
                pass
            self._broken = True
        return normalise_cells([raw for _, raw, _ in chunk], region)

    def stop(self) -> None:
        if self._process is None:
            return
        if not self._broken:
            with contextlib.suppress(OSError, ValueError):
                marshal.dump(None, self._in)
                self._in.flush()
        with contextlib.suppress(OSError):
            self._in.close()  # the end of its input: a worker that missed the None stops too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)

    def kill(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        for pipe in (self._in, self._out):
            with contextlib.suppress(OSError):
                pipe.close()


def _frame(stream: IO[bytes]) -> bytes:
    """One length-framed record (see ``audit_worker``); EOFError when the worker's output ends
    inside it, ValueError for a length no chunk's answer can have."""
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the audit worker's output ended")
    (size,) = struct.unpack("<Q", head)
    if size > MAX_RECORD_BYTES:
        raise ValueError(f"an audit worker's record of {size:,} bytes")
    record = stream.read(size)
    if len(record) < size:
        raise EOFError("the audit worker's output ended inside a record")
    return record


def _serve(connection: Connection, region: str | None, inherited: list[Connection]) -> None:
    """A worker's life: chunks of cells in, normalised cells out, until None or the end of the pipe."""
    # Signals are the caller's business (it ends the workers itself); Ctrl-C reaches the whole
    # process group, and only the caller must act on it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    for other in inherited:  # the caller's ends of this pipe and of the earlier workers'
        other.close()
    gc.enable()  # forked while the caller had paused collection
    while True:
        try:
            cells = connection.recv()
            if cells is None:
                return
            connection.send(normalise_cells(cells, region))
        except (EOFError, OSError):
            return  # the caller is gone
        # What the chunk left alive (the parse cache's new entries) stays for good: without
        # this, ever more frequent full collections walk the whole cache again and again.
        gc.freeze()


def _take(source: Iterator[R], size: int) -> tuple[list[R], BaseException | None]:
    """Up to ``size`` rows; a failure of the source is returned after the rows before it."""
    chunk: list[R] = []
    try:
        chunk.extend(itertools.islice(source, size))
    except Exception as exc:  # the reader's ContactFileError, a decode error...
        return chunk, exc
    return chunk, None
