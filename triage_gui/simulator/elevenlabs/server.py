"""``ElevenLabsSimulator``: ElevenLabs' batch-calling API for tests and the demo, on loopback.

Like the reference ``Simulator`` (``triage_gui.simulator.server``): the standard library's
``ThreadingHTTPServer`` on a thread, HTTP/1.1 keep-alive, ``Date`` in simulated time, a request
log, and a prompt ``stop()`` that joins every handler thread. What is ElevenLabs' own:

- the key is checked in ``xi-api-key`` (401 ``invalid_api_key`` otherwise);
- a modelled rate limit: more than ``max_concurrent`` requests at once are answered
  ``429 too_many_concurrent_requests``; ``busy(n)`` answers the next n requests
  ``429 system_busy`` (with ``Retry-After``);
- ``lose_next_submit_answer(status)``: the next submit IS made, but its answer is that error
  (the ambiguous failure a client must never answer by sending the submit again).
"""

from __future__ import annotations

import email.utils
import hmac
import json
import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from triage_gui.simulator.clock import Clock, ManualClock
from triage_gui.simulator.elevenlabs.api import ApiFailure, Reply, State
from triage_gui.simulator.elevenlabs.scenarios import OPT_IN, SCENARIOS, ScenarioInfo, build
from triage_gui.simulator.http_server import TrackingHTTPServer
from triage_gui.simulator.scenario_model import ScenarioEntry

DEFAULT_KEY = "demo-elevenlabs-key"
MAX_BODY = 5 * 1024 * 1024


class LoggedRequest(NamedTuple):
    method: str
    path: str  # with the query string
    status: int
    headers: dict[str, str]  # xi-api-key removed


class _Server(TrackingHTTPServer):
    def __init__(self, address: tuple[str, int], sim: ElevenLabsSimulator) -> None:
        self.sim = sim
        super().__init__(address, _Handler, sim.stopping)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ElevenLabsSimulator/1"
    sys_version = ""
    timeout = 30
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return email.utils.formatdate(self.server.sim.clock.now_ts(), usegmt=True)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        sim = self.server.sim
        url = urlsplit(self.path)
        length = self.headers.get("Content-Length") or "0"
        size = int(length) if length.isdigit() else -1
        if not 0 <= size <= MAX_BODY:
            self.close_connection = True
            self._answer(method, Reply(400, {"detail": "invalid Content-Length"}))
            return
        body = self.rfile.read(size) if size else b""
        if not sim.enter():
            self._answer(
                method,
                Reply(429, {"detail": {"status": "too_many_concurrent_requests", "message": "Too many requests."}}),
            )
            return
        try:
            reply = self._reply(sim, method, url.path, parse_qs(url.query, keep_blank_values=True), body)
        finally:
            sim.leave()
        self._answer(method, reply)

    def _reply(
        self, sim: ElevenLabsSimulator, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> Reply:
        key = self.headers.get("xi-api-key", "")
        if not hmac.compare_digest(key.encode(), sim.key.encode()):
            return Reply(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        busy = sim.take_busy()
        if busy is not None:
            detail = {"status": "system_busy", "message": "The system is experiencing heavy traffic."}
            return Reply(429, {"detail": detail}, {"Retry-After": str(busy)})
        lost = sim.take_lost_submit() if (method, path) == ("POST", "/v1/convai/batch-calling/submit") else None
        try:
            reply = sim.state.route(method, path, query, body, sim.clock.now_ts())
        except ApiFailure as failure:
            return Reply(failure.status, failure.body, failure.headers)
        if lost is not None:
            return Reply(lost, {"detail": {"status": "internal_error", "message": "Internal server error"}})
        return reply

    def _answer(self, method: str, reply: Reply) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "xi-api-key"}
        self.server.sim.request_log.append(LoggedRequest(method, self.path, reply.status, headers))
        data = json.dumps(reply.body).encode("utf-8")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


class ElevenLabsSimulator:
    """ElevenLabs' batch calling with the runbook's scenarios; see the module's docstring.

    ``scenarios``: which to serve (default: the runbook's, ``SCENARIOS``); an opt-in one
    (``OPT_IN``, e.g. ``large_failures``) only when named. ``sizes`` sets an opt-in scenario's
    number of recipients."""

    def __init__(
        self,
        scenarios: Sequence[str] | None = None,
        key: str = DEFAULT_KEY,
        clock: Clock | None = None,
        seed: int = 7,
        max_concurrent: int = 6,
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.clock: Any = clock if clock is not None else ManualClock()
        self.key = key
        self.max_concurrent = max_concurrent
        names = list(scenarios) if scenarios is not None else list(SCENARIOS)
        unknown = [n for n in names if n not in SCENARIOS and n not in OPT_IN]
        if unknown:
            raise ValueError(f"unknown ElevenLabs scenario(s): {', '.join(unknown)}")
        sizes = dict(sizes or {})
        built = [build(name, self.clock.start.timestamp(), seed, sizes.get(name)) for name in names]
        self._infos = {b.info.name: b.info for b in built}
        self.state = State(built)
        self.request_log: list[LoggedRequest] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._active = 0
        self.peak_concurrent = 0
        self._busy: list[int] = []  # Retry-After of each next request to answer 429 system_busy
        self._lost_submits: list[int] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    @property
    def token(self) -> str:  # the name the app's connection uses
        return self.key

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self.stopping.clear()
        server = _Server((host, port), self)
        self._server = server
        self._thread, self.base_url = server.serve_in_thread(f"elevenlabs-simulator:{server.bound_address[1]}", 0.05)
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.stopping.set()
        server.stop_serving(thread)
        self._server = self._thread = None

    def __enter__(self) -> ElevenLabsSimulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- scenarios ---------------------------------------------------------------------------
    def scenario(self, name: str) -> ScenarioInfo:
        return self._infos[name]

    def scenarios(self) -> list[ScenarioInfo]:
        return list(self._infos.values())

    @property
    def scenario_names(self) -> list[str]:
        return list(self._infos)

    def scenario_entries(self) -> list[ScenarioEntry]:
        """Every scenario's name, words and IDs, as a picker lists them (the demo's). A batch
        belongs to no campaign or upload: those IDs are empty."""
        return [
            ScenarioEntry(
                name=i.name,
                title=i.title,
                description=i.description,
                workspace_id=i.workspace_id,
                campaign_id="",
                upload_id="",
                job_id=i.job_id,
            )
            for i in self._infos.values()
        ]

    @property
    def submitted(self) -> list[dict[str, Any]]:
        """Every submit request body the simulator accepted, in order."""
        return list(self.state.submitted)

    # -- the modelled rate limit and faults --------------------------------------------------
    def busy(self, requests: int, retry_after: int = 0) -> None:
        """The next ``requests`` requests are answered ``429 system_busy``."""
        with self._lock:
            self._busy += [retry_after] * requests

    def lose_next_submit_answer(self, status: int = 503) -> None:
        """The next submit is made, but answered with ``status``."""
        with self._lock:
            self._lost_submits.append(status)

    def enter(self) -> bool:
        with self._lock:
            if self._active >= self.max_concurrent:
                return False
            self._active += 1
            self.peak_concurrent = max(self.peak_concurrent, self._active)
            return True

    def leave(self) -> None:
        with self._lock:
            self._active -= 1

    def take_busy(self) -> int | None:
        with self._lock:
            return self._busy.pop(0) if self._busy else None

    def take_lost_submit(self) -> int | None:
        with self._lock:
            return self._lost_submits.pop(0) if self._lost_submits else None
