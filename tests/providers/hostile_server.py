"""A deliberately hostile (or just broken) Batch API server, for the client's robustness tests.

Stdlib ``http.server`` on 127.0.0.1 only, port 0, one thread per connection, bounded: at most
``max_connections`` at once (more are closed at once), every answer over after ``max_seconds``,
``stop()`` ends drips at once and joins every thread. Each answer closes its connection.

By default it serves one small, coherent, *valid* incident (``hostile_data``: ``WS``, ``JOB``,
``CAMPAIGN``, ``UPLOAD``), so ``triage-gui check`` runs to the end against it; a test then
replaces one endpoint with a hostile behaviour::

    server.route(JOB_PATH, drip(interval_s=0.2))

Behaviours (functions of a :class:`Exchange`): :func:`answer` (any JSON, status, headers — e.g.
an absurd ``Date`` or ``Retry-After``, a wrong ``id``, negative counters), :func:`huge_body`,
:func:`gzip_bomb`, :func:`drip`, :func:`drip_headers`, :func:`endless_pages`,
:func:`empty_pages`, :func:`pages` (fixed pages: repeated ids), :func:`redirect`,
:func:`problem` (ANSI escapes, a 2 MB detail).
"""

from __future__ import annotations

import email.utils
import functools
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import hostile_data as incident

# -- one exchange: the request as read, and ways to answer it --------------------------------


class Exchange:
    def __init__(self, handler: BaseHTTPRequestHandler, server: HostileServer) -> None:
        self._h = handler
        self.server = server
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.method = handler.command
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.deadline = time.monotonic() + server.max_seconds

    @property
    def live(self) -> bool:
        return not self.server.stopping.is_set() and time.monotonic() < self.deadline

    def head(self, status: int, headers: Iterable[tuple[str, str]] = (), *, date: str | None = None) -> None:
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines.append(f"Date: {date if date is not None else email.utils.formatdate(usegmt=True)}")
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append("Connection: close")
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def write(self, data: bytes) -> bool:
        """Send; False once the client has gone (or the server is stopping)."""
        if not self.live:
            return False
        try:
            self._h.wfile.write(data)
            self._h.wfile.flush()
        except OSError:
            return False
        return True

    def send(
        self, status: int, body: bytes, headers: Iterable[tuple[str, str]] = (), *, date: str | None = None
    ) -> None:
        self.head(status, [*headers, ("Content-Length", str(len(body)))], date=date)
        self.write(body)

    def wait(self, seconds: float) -> bool:
        """Sleep (ended early by ``stop()``); False when the exchange should end."""
        self.server.stopping.wait(seconds)
        return self.live


Behaviour = Callable[[Exchange], None]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Whatever"


# -- behaviours ----------------------------------------------------------------------------


def answer(
    body: Any,
    *,
    status: int = 200,
    headers: Iterable[tuple[str, str]] = (),
    date: str | None = None,
    content_type: str = "application/json",
) -> Behaviour:
    """Any JSON (or bytes, or text) answer, with any status, headers and ``Date``."""
    data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
    extra = list(headers)

    def behave(x: Exchange) -> None:
        x.send(status, data, [("Content-Type", content_type), *extra], date=date)

    return behave


def problem(
    status: int,
    *,
    detail: str = "",
    title: str = "Problem",
    headers: Iterable[tuple[str, str]] = (),
    date: str | None = None,
) -> Behaviour:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return answer(body, status=status, headers=headers, date=date, content_type="application/problem+json")


def huge_body(size: int, *, chunk: int = 256 * 1024) -> Behaviour:
    """A 200 whose JSON-looking body is ``size`` bytes (streamed, never held whole)."""

    def behave(x: Exchange) -> None:
        x.head(200, [("Content-Type", "application/json"), ("Content-Length", str(size))])
        opening = b'{"id": "' + incident.JOB.encode() + b'", "pad": "'
        if not x.write(opening):
            return
        left, block = size - len(opening), b"x" * chunk
        while left > 0 and x.write(block[: min(chunk, left)]):
            left -= chunk

    return behave


@functools.lru_cache(maxsize=4)
def _bomb(decoded_size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(b'{"id": "' + incident.JOB.encode() + b'", "pad": "')]
    parts += [packer.compress(block) for _ in range(decoded_size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def gzip_bomb(decoded_size: int) -> Behaviour:
    """A small gzip body that inflates to ``decoded_size`` bytes (about 1000:1)."""

    def behave(x: Exchange) -> None:
        data = _bomb(decoded_size)
        x.send(200, data, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])

    return behave


def drip(interval_s: float, body: bytes | None = None) -> Behaviour:
    """Headers at once, then the body one byte every ``interval_s`` (a valid job, eventually)."""
    data = body if body is not None else json.dumps(incident.JOB_BODY).encode()

    def behave(x: Exchange) -> None:
        x.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        for i in range(len(data)):
            if not x.write(data[i : i + 1]) or not x.wait(interval_s):
                return

    return behave


def drip_headers(interval_s: float) -> Behaviour:
    """The status line and headers themselves, one byte every ``interval_s``."""

    def behave(x: Exchange) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"s" * 10_000
        for i in range(len(head)):
            if not x.write(head[i : i + 1]) or not x.wait(interval_s):
                return

    return behave


def endless_pages(
    *, per_page: int = 3, fresh_items: bool = True, make: Callable[[int], Any] = incident.call_body
) -> Behaviour:
    """Every page has a next cursor never seen before; its items are new (or always the same)."""
    counter = _Counter()

    def behave(x: Exchange) -> None:
        n = counter.next()
        first = n * per_page if fresh_items else 0
        items = [make(first + i) for i in range(per_page)]
        answer({"items": items, "next_cursor": f"cur_{n}"})(x)

    return behave


def empty_pages() -> Behaviour:
    counter = _Counter()

    def behave(x: Exchange) -> None:
        answer({"items": [], "next_cursor": f"empty_{counter.next()}"})(x)

    return behave


def pages(*pages_: list[Any]) -> Behaviour:
    """Fixed pages, served in order by cursor (``p1``, ``p2``...), the last with no next cursor."""

    def behave(x: Exchange) -> None:
        cursor = x.query.get("cursor")
        index = int(cursor[1:]) if cursor else 0
        nxt = f"p{index + 1}" if index + 1 < len(pages_) else None
        answer({"items": pages_[index], "next_cursor": nxt})(x)

    return behave


def redirect(location: str, status: int = 302) -> Behaviour:
    return answer(b"", status=status, headers=[("Location", location)], content_type="text/html")


class _Counter:
    def __init__(self) -> None:
        self._n = -1
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n


# -- the server ----------------------------------------------------------------------------


@dataclass
class Route:
    pattern: re.Pattern[str]
    behaviour: Behaviour
    method: str = "GET"
    times: int | None = None  # None: for ever


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


def _defaults() -> list[Route]:
    return [
        Route(re.compile(re.escape(path) + "$"), answer(body, content_type=kind))
        for path, (body, kind) in incident.default_answers().items()
    ]


class HostileServer:
    def __init__(self, *, max_connections: int = 16, max_seconds: float = 10.0) -> None:
        self.max_seconds = max_seconds
        self.stopping = threading.Event()
        self.requests: list[Seen] = []
        self._routes: list[Route] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up ----------------------------------------------------------------------------
    def route(self, path: str, behaviour: Behaviour, *, method: str = "GET", times: int | None = None) -> None:
        """Answer ``path`` (exact; or a regex if it starts with ``^``) with ``behaviour``,
        ``times`` times (None: always); the latest route given wins."""
        pattern = re.compile(path if path.startswith("^") else re.escape(path) + "$")
        with self._lock:
            self._routes.insert(0, Route(pattern, behaviour, method, times))

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for s in self.requests if s.path == path)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> HostileServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5  # a connection that never sends its request is dropped

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                server._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        class Server(ThreadingHTTPServer):
            daemon_threads = False
            block_on_close = True  # server_close() joins every handler thread

            def process_request(self, request: Any, client_address: Any) -> None:
                if not server._slots.acquire(blocking=False):  # bounded: refuse the extra connection
                    self.shutdown_request(request)
                    return
                super().process_request(request, client_address)

            def process_request_thread(self, request: Any, client_address: Any) -> None:
                try:
                    super().process_request_thread(request, client_address)
                finally:
                    server._slots.release()

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hostile-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        x = Exchange(handler, self)
        handler.close_connection = True
        if x.method in ("POST", "PUT"):
            length = int(x.headers.get("content-length") or 0)
            handler.rfile.read(min(length, 1_000_000))
        with self._lock:
            self.requests.append(Seen(x.method, x.path, x.headers))
            behaviour = self._pick(x)
        if x.headers.get("authorization") != f"Bearer {incident.TOKEN}":
            behaviour = problem(401, detail="bad token")
        elif behaviour is None:
            behaviour = problem(404, detail=f"nothing at {x.path}")
        behaviour(x)

    def _pick(self, x: Exchange) -> Behaviour | None:
        for route in [*self._routes, *_defaults_cached()]:
            if route.method == x.method and route.pattern.match(x.path):
                if route.times is not None:
                    if route.times <= 0:
                        continue
                    route.times -= 1
                return route.behaviour
        return None


@functools.lru_cache(maxsize=1)
def _defaults_cached() -> tuple[Route, ...]:
    return tuple(_defaults())
