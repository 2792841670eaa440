"""Enforce an overall deadline on a request that blocks in a socket read.

httpx's read timeout restarts with every byte, so a server that drips its headers or its body
holds a request as long as it likes. A blocked ``recv`` cannot be interrupted from Python on
the same thread, but ``shutdown(SHUT_RDWR)`` from another thread wakes it (closing does not,
on Linux). So the client asks httpcore, through its ``trace`` request extension, for every
socket it connects (:class:`SocketRegistry`), and a watchdog (:func:`watchdog`) shuts them down
when the deadline passes; the read then fails at once and the client reports the deadline.

The deadlines of every request in the process are watched by one daemon thread
(:class:`Watchdogs`, a heap of deadlines), which ends when idle: arming and disarming one costs
a few microseconds, where a ``threading.Timer`` per request cost a thread start and join.

The registry holds the sockets of one client weakly; at the deadline all of them are shut
down, idle pooled ones included (the pool then drops them). A client is used by one thread at
a time in this app; another thread's request on the same client would fail as a network error.
Transports that open no sockets (``httpx.MockTransport``) are unaffected; their reads are
bounded by the deadline checks between chunks (``http.body``).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from triage_gui.providers.http.limits import Deadline

log = logging.getLogger(__name__)


class SocketRegistry:
    """The sockets a client's requests opened; pass :meth:`trace` as the ``trace`` extension."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if not event.endswith("connect_tcp.complete"):
            return
        stream = info.get("return_value")
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if callable(get_extra_info) else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.add(sock)

    def shutdown_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Watch:
    """Whether the watchdog fired (the request then failed because of its deadline)."""

    def __init__(self) -> None:
        self.fired = False


_ARMED, _FIRING, _DONE = 0, 1, 2


class _Entry:
    """One armed deadline: when (monotonic seconds) and what to call then."""

    __slots__ = ("fire", "state", "when")

    def __init__(self, when: float, fire: Callable[[], None]) -> None:
        self.when = when
        self.fire = fire
        self.state = _ARMED


class Watchdogs:
    """Deadlines watched by one daemon thread, kept in a heap.

    A disarmed entry stays in the heap, marked done, until it comes up (or until the done
    entries are most of the heap, when they are swept out), so disarming is O(1). The thread
    starts with the first deadline and ends when none has been armed for :attr:`LINGER_S`:
    back-to-back requests (a fetch's pages) share it, an idle app has none.
    """

    SWEEP_AT = 64
    LINGER_S = 0.05

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Entry]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._armed = 0  # entries armed and not yet disarmed or fired
        self._dropped = 0  # disarmed entries still in the heap
        self._closed = False

    @property
    def thread(self) -> threading.Thread | None:
        """The watching thread, if one is running."""
        return self._thread

    def close(self) -> None:
        """Stop the thread; armed entries never fire and nothing can be armed any more."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join()

    def arm(self, seconds: float, fire: Callable[[], None]) -> _Entry:
        """Call ``fire`` (on the watchdog thread) in ``seconds`` unless disarmed first."""
        entry = _Entry(time.monotonic() + seconds, fire)
        with self._cond:
            if self._closed:
                raise RuntimeError("watchdogs closed")
            heapq.heappush(self._heap, (entry.when, next(self._seq), entry))
            self._armed += 1
            # the thread ends when idle (it sets None first); a forked child inherits none
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is entry or self._armed == 1:
                self._cond.notify()
        return entry

    def disarm(self, entry: _Entry) -> None:
        """After this returns, ``entry.fire`` is not running and never will be."""
        with self._cond:
            if entry.state == _ARMED:
                entry.state = _DONE
                self._armed -= 1
                self._dropped += 1
                if self._armed == 0:
                    self._cond.notify()  # idle: the thread may end after lingering
                elif self._dropped > self.SWEEP_AT and self._dropped * 2 > len(self._heap):
                    self._heap = [item for item in self._heap if item[2].state == _ARMED]
                    heapq.heapify(self._heap)
                    self._dropped = 0
                return
            while entry.state == _FIRING:
                self._cond.wait()

    def pending(self) -> int:
        """How many entries are armed."""
        with self._cond:
            return self._armed

    def _next_due(self) -> _Entry | None:
        """The next entry to fire, or None when the thread should end (closed, or idle)."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._armed == 0:
                    self._heap.clear()
                    self._dropped = 0
                    if not self._cond.wait_for(lambda: self._armed or self._closed, timeout=self.LINGER_S):
                        self._thread = None  # the next arm starts another
                        return None
                    continue
                while self._heap[0][2].state != _ARMED:
                    heapq.heappop(self._heap)
                    self._dropped = max(0, self._dropped - 1)
                wait = self._heap[0][0] - time.monotonic()
                if wait <= 0:
                    entry = heapq.heappop(self._heap)[2]
                    entry.state = _FIRING
                    self._armed -= 1
                    return entry
                self._cond.wait(wait)

    def _run(self) -> None:
        while True:
            entry = self._next_due()
            if entry is None:
                return
            try:
                entry.fire()
            except Exception:  # one failing callback must not end the thread that serves them all
                log.exception("deadline callback failed")
            finally:
                with self._cond:
                    entry.state = _DONE
                    self._cond.notify_all()


_WATCHDOGS = Watchdogs()


@contextlib.contextmanager
def watchdog(deadline: Deadline, registry: SocketRegistry, *, watchdogs: Watchdogs | None = None) -> Iterator[Watch]:
    """Shut down the registry's sockets if the block is still running at ``deadline``."""
    watch = Watch()

    def fire() -> None:
        watch.fired = True
        registry.shutdown_all()

    dogs = _WATCHDOGS if watchdogs is None else watchdogs
    entry = dogs.arm(deadline.remaining(), fire)
    try:
        yield watch
    finally:
        dogs.disarm(entry)
