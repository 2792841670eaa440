"""The HTTP face of the simulator: routing, auth, errors, paging, faults, over ``http.server``.

HTTP/1.1 with keep-alive, like a real API behind a load balancer, so clients' connection
pools are exercised (and a ``drop`` fault really drops a pooled connection). Every error is
``application/problem+json``. The ``Date`` header is the *simulated* time: clients read the
server's clock from it.
"""

from __future__ import annotations

import contextlib
import email.utils
import hmac
import re
import socket
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from triage_gui.simulator.endpoints import (
    ROUTES,
    ApiRequest,
    Problem,
    Reply,
    json_reply,
    problem_reply,
)
from triage_gui.simulator.faults import Fault
from triage_gui.simulator.state import ACCESSIBLE, WORKSPACES

if TYPE_CHECKING:
    from triage_gui.simulator.server import SimulatorHTTPServer

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY = 5 * 1024 * 1024


class LoggedRequest(NamedTuple):
    method: str
    path: str  # as requested, query string included
    status: int  # 0: the connection was dropped without an answer
    headers: dict[str, str]  # Authorization removed


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BatchApiSimulator/1"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this (wall) time
    # Headers and body go out in separate writes; with Nagle's algorithm and the client's
    # delayed ACK, the body would wait ~40 ms on every response.
    disable_nagle_algorithm = True
    server: SimulatorHTTPServer

    # -- http.server hooks --------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded in sim.request_log instead of stderr

    def date_time_string(self, timestamp: float | None = None) -> str:
        return email.utils.formatdate(self.server.context.clock.now_ts(), usegmt=True)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # -- one request --------------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        ctx = self.server.context
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            self._log(method, 400)
            self._send(problem_reply(Problem(400, "Invalid Content-Length", "Content-Length is missing a valid size")))
            return
        fault = ctx.faults.take(method, path)
        if fault is not None and fault.kind == "drop":
            self._log(method, 0)
            self._drop()
            return
        if fault is not None and fault.kind == "latency" and ctx.stopping.wait(fault.seconds):
            self._drop()
            return
        reply = self._fault_reply(fault) if fault is not None else None
        if reply is None:
            try:
                reply = self._route(method, path, body)
            except Problem as problem:
                reply = problem_reply(problem)
        if fault is not None and fault.kind == "malformed_json":
            whole = reply.body if isinstance(reply.body, bytes) else b"".join(reply.body)
            reply = Reply(200, whole[: max(1, len(whole) // 2)])
        if fault is not None and fault.kind == "delay_after_processing" and ctx.stopping.wait(fault.seconds):
            self._drop()
            return
        self._log(method, reply.status)
        self._send(reply)

    def _fault_reply(self, fault: Fault) -> Reply | None:
        if fault.kind == "status":
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            return problem_reply(
                Problem(
                    fault.status,
                    "Injected failure",
                    "the simulator was told to fail this request",
                    headers,
                )
            )
        if fault.kind == "rate_limit":
            wait = fault.retry_after if fault.retry_after is not None else 1
            return problem_reply(
                Problem(
                    429,
                    "Too many requests",
                    f"rate limit exceeded; retry in {wait} s",
                    {"Retry-After": str(wait)},
                )
            )
        if fault.kind == "invalid_shape":
            return json_reply(
                200,
                {
                    "id": 12345,
                    "items": {"not": "a list"},
                    "created_at": "yesterday",
                    "status": ["running"],
                },
            )
        return None

    def _read_body(self) -> bytes | None:
        """The request body; None if its length is unusable (the connection is then closed)."""
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(size)

    def _route(self, method: str, path: str, body: bytes) -> Reply:
        for pattern, methods in ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            route = methods.get(method)
            if route is None:
                raise Problem(
                    405,
                    "Method not allowed",
                    f"{method} is not supported here",
                    {"Allow": ", ".join(methods)},
                )
            self._authenticate()
            ids = [unquote(part) for part in match.groups()]
            for value in ids:
                if not ID_RE.match(value):
                    raise Problem(
                        400,
                        "Invalid id",
                        f"{value!r} is not an id ([A-Za-z0-9_-], 1 to 64 characters)",
                    )
            self._authorise(ids[0])
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
            request = ApiRequest(self.server.context.state, self._now, self.headers)
            return route(request, ids, query, body)
        raise Problem(404, "Not found", f"no such endpoint: {path}")

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expected = self.server.context.token
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise Problem(
                401,
                "Unauthorized",
                "missing or invalid bearer token",
                {"WWW-Authenticate": 'Bearer realm="batch-api"'},
            )

    def _authorise(self, ws: str) -> None:
        if ws not in WORKSPACES:
            raise Problem(404, "Not found", f"workspace {ws} not found")
        if ws not in ACCESSIBLE:
            raise Problem(403, "Forbidden", f"this token has no access to workspace {ws}")

    # -- output -------------------------------------------------------------------------------
    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header(
                "Content-Type",
                reply.content_type + ("; charset=utf-8" if "charset" not in reply.content_type else ""),
            )
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if isinstance(reply.body, bytes):
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in reply.body:
                    if chunk:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client went away (timed out, closed): nothing left to answer
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _log(self, method: str, status: int) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        self.server.context.request_log.append(LoggedRequest(method, self.path, status, headers))

    @property
    def _now(self) -> float:
        return self.server.context.clock.now_ts()
