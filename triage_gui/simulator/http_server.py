"""The threading HTTP server both simulators run on: handler threads joined on close, IPv6
loopback, and every open connection shut down on stop (idle keep-alive ones included)."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class TrackingHTTPServer(ThreadingHTTPServer):
    # Handler threads are joined on close (not daemons): a test can assert none is left.
    daemon_threads = False
    block_on_close = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], stopping: threading.Event
    ) -> None:
        self._stopping = stopping
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:  # an IPv6 host such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    @property
    def bound_address(self) -> tuple[str, int]:
        """(host, port) the socket is bound to; an AF_INET(6) socket names its host as text."""
        host, port = self.socket.getsockname()[:2]
        return str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self._stopping.is_set():  # a connection cut by stop() is no error
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def serve_in_thread(self, name: str, poll_interval: float) -> tuple[threading.Thread, str]:
        """Serve on a daemon thread named ``name``; the thread and the server's base URL."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": poll_interval}, name=name, daemon=True
        )
        thread.start()
        host, port = self.bound_address
        shown = f"[{host}]" if ":" in host else host
        return thread, f"http://{shown}:{port}"

    def stop_serving(self, thread: threading.Thread) -> None:
        """Leave the serve loop, cut every open connection, join the handlers, close the socket
        (the caller has set its ``stopping`` event first, so the cut connections are no error)."""
        self.shutdown()  # returns once serve_forever has left its loop
        thread.join()
        self.close_connections()
        self.server_close()  # joins handler threads, closes the listening socket
