"""An httpx transport whose in-flight requests can be aborted from another thread.

The poller must stop promptly when the window closes, even while a slow server holds a
request open. Closing a socket from another thread does not wake a blocked ``recv`` on Linux;
``shutdown(SHUT_RDWR)`` does. httpx does not expose its sockets, so this transport gives its
connection pool a network backend that remembers the sockets it opened.

WORKAROUND: httpx.HTTPTransport has no public hook for the network backend; we replace its
``_pool`` with an equivalent pool built with our backend. If a future httpx renames that
attribute, ``abort()`` degrades to closing the pool (the request then ends at its timeout).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import weakref
from typing import Any

import httpcore
import httpx


class _TrackingBackend(httpcore.SyncBackend):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.aborted = False

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if self.aborted:
            raise httpcore.ConnectError("aborted")
        stream = super().connect_tcp(*args, **kwargs)
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.add(sock)
                aborted_meanwhile = self.aborted
            if aborted_meanwhile:  # abort() came while we were connecting: it missed this socket
                stream.close()
                raise httpcore.ConnectError("aborted")
        return stream

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class AbortableTransport(httpx.HTTPTransport):
    def __init__(self, *, verify: bool | str | ssl.SSLContext = True, trust_env: bool = True, retries: int = 0) -> None:
        from triage_gui.providers.http.tls import shared_context

        super().__init__(verify=shared_context(verify, trust_env=trust_env), trust_env=trust_env, retries=retries)
        self._backend = _TrackingBackend()
        pool = getattr(self, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool):
            self._pool = httpcore.ConnectionPool(
                ssl_context=pool._ssl_context,
                max_connections=pool._max_connections,
                max_keepalive_connections=pool._max_keepalive_connections,
                keepalive_expiry=pool._keepalive_expiry,
                retries=retries,
                network_backend=self._backend,
            )
            pool.close()

    def abort(self) -> None:
        """Make any request in flight fail now (from any thread); later requests fail too."""
        self._backend.abort()
