"""Enforce an overall deadline on a request that blocks in a socket read.

httpx's read timeout restarts with every byte, so a server that drips its headers or its body
holds a request as long as it likes. A blocked ``recv`` cannot be interrupted from Python on
the same thread, but ``shutdown(SHUT_RDWR)`` from another thread wakes it (closing does not,
on Linux). So the client asks httpcore, through its ``trace`` request extension, for every
socket it connects (:class:`SocketRegistry`), and a timer (:func:`watchdog`) shuts them down
when the deadline passes; the read then fails at once and the client reports the deadline.

The registry holds the sockets of one client weakly; at the deadline all of them are shut
down, idle pooled ones included (the pool then drops them). A client is used by one thread at
a time in this app; another thread's request on the same client would fail as a network error.
Transports that open no sockets (``httpx.MockTransport``) are unaffected; their reads are
bounded by the deadline checks between chunks (``http.body``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from triage_gui.providers.http.limits import Deadline


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


@contextlib.contextmanager
def watchdog(deadline: Deadline, registry: SocketRegistry) -> Iterator[Watch]:
    """Shut down the registry's sockets if the block is still running at ``deadline``."""
    watch = Watch()

    def fire() -> None:
        watch.fired = True
        registry.shutdown_all()

    timer = threading.Timer(deadline.remaining(), fire)
    timer.name = "http-deadline"
    timer.daemon = True
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
        timer.join()
