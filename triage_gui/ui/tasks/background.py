"""The one way the UI runs work off the GUI thread (fetching, analysing, exporting).

``BackgroundRunner.run(op, on_success, on_failure)`` runs ``op(ctx)`` on a worker thread of the
runner's own ``QThreadPool``; the callbacks always run on the GUI thread (delivered by queued
signals to a relay object that lives there), and ``op`` never touches widgets. ``ctx`` carries
a cancel event and a ``progress(text, done, total)`` function. ``shutdown()`` cancels and waits,
so no worker outlives the window.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


@dataclass(eq=False)  # identity: contexts live in sets
class TaskContext:
    cancel: threading.Event = field(default_factory=threading.Event)
    _progress: Callable[[str, int, int], None] | None = None

    def progress(self, text: str, done: int = 0, total: int = 0) -> None:
        if self._progress is not None:
            self._progress(text, done, total)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues, the slots call the callbacks."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(str, int, int)

    def __init__(
        self,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        on_progress: Callable[[str, int, int], None] | None,
        on_done: Callable[[_Relay], None],
        is_open: Callable[[], bool],
    ) -> None:
        super().__init__()
        self._is_open = is_open
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self._on_done = on_done
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)
        self.progressed.connect(self._deliver_progress)

    # After the runner's shutdown() nothing is delivered: the widgets that asked may be gone.
    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        try:
            if self._is_open():
                self._on_success(result)
        finally:
            self._on_done(self)

    @Slot(object)
    def _deliver_failure(self, error: object) -> None:
        try:
            if self._is_open():
                self._on_failure(error)  # type: ignore[arg-type]
        finally:
            self._on_done(self)

    @Slot(str, int, int)
    def _deliver_progress(self, text: str, done: int, total: int) -> None:
        if self._on_progress is not None and self._is_open():
            self._on_progress(text, done, total)


class _Task(QRunnable):
    def __init__(self, op: Callable[[TaskContext], Any], relay: _Relay, ctx: TaskContext) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._op = op
        self._relay = relay
        self._ctx = ctx

    def run(self) -> None:  # worker thread: never touch widgets here
        try:
            result = self._op(self._ctx)
        except BaseException as exc:
            log.debug("background task failed: %s", "".join(traceback.format_exception(exc)))
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class BackgroundRunner(QObject):
    """Owns a thread pool; ``shutdown()`` cancels every task and waits for the pool."""

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()
        self._contexts: set[TaskContext] = set()
        self._open = True

    def run(
        self,
        op: Callable[[TaskContext], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> TaskContext:
        ctx = TaskContext()

        def done(relay: _Relay) -> None:
            self._relays.discard(relay)
            self._contexts.discard(ctx)

        relay = _Relay(on_success, on_failure, on_progress, done, lambda: self._open)
        ctx._progress = relay.progressed.emit
        self._relays.add(relay)
        self._contexts.add(ctx)
        self._pool.start(_Task(op, relay, ctx))
        return ctx

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 10_000) -> bool:
        """Cancel every task, wait for the pool, and deliver no result from now on."""
        self._open = False
        for ctx in list(self._contexts):
            ctx.cancel.set()
        return self._pool.waitForDone(msecs)
