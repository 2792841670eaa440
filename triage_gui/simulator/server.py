"""``Simulator``: the reference Batch API, in-process on a thread (tests, benchmarks, ``--demo``).

The server is the standard library's ``ThreadingHTTPServer``: no dependency, and a thread
per connection is plenty for one client on loopback (see docs/simulator.md for the choice).
``stop()`` is prompt and leaves nothing behind: the accept loop polls for shutdown every
50 ms, open keep-alive connections are shut down so their handler threads return, faults
that are waiting (latency, delay) are woken, and every handler thread is joined before the
listening socket is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from triage_gui.simulator.clock import Clock, ManualClock
from triage_gui.simulator.faults import FaultSet
from triage_gui.simulator.handler import ApiHandler, LoggedRequest
from triage_gui.simulator.http_server import TrackingHTTPServer
from triage_gui.simulator.scenario_model import DEMO_WORKSPACE, ScenarioEntry, ScenarioInfo
from triage_gui.simulator.scenarios import ScenarioLibrary
from triage_gui.simulator.state import SimulatorState

POLL_INTERVAL = 0.05


@dataclass
class ServerContext:
    """What request handlers share (one per simulator)."""

    token: str
    clock: Clock
    state: SimulatorState
    faults: FaultSet
    request_log: list[LoggedRequest] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)


class SimulatorHTTPServer(TrackingHTTPServer):
    def __init__(self, address: tuple[str, int], context: ServerContext) -> None:
        self.context = context
        super().__init__(address, ApiHandler, context.stopping)


class Simulator:
    """The reference Batch API server with its scenario library; see docs/simulator.md."""

    def __init__(
        self,
        scenarios: Sequence[str] | None = None,
        token: str = "demo-token",
        clock: Clock | None = None,
        sizes: Mapping[str, int] | None = None,
        seed: int = 7,
    ) -> None:
        self.clock: Any = clock if clock is not None else ManualClock()
        self.token = token
        self.faults = FaultSet()
        self._library = ScenarioLibrary(scenarios, sizes, seed, self.clock.start.timestamp(), DEMO_WORKSPACE)
        self._state = SimulatorState(self._library, self.clock, seed)
        self._context = ServerContext(token, self.clock, self._state, self.faults)
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._context.stopping.clear()
        server = SimulatorHTTPServer((host, port), self._context)
        self._server = server
        self._thread, self.base_url = server.serve_in_thread(
            f"batch-api-simulator:{server.bound_address[1]}", POLL_INTERVAL
        )
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._context.stopping.set()
        server.stop_serving(thread)
        self._server = self._thread = None

    def __enter__(self) -> Simulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- scenarios and inspection -------------------------------------------------------------
    def scenario(self, name: str) -> ScenarioInfo:
        return self._library.info(name)

    def scenarios(self) -> list[ScenarioInfo]:
        """Every running scenario with its ground truth (builds each one: tests, not pickers)."""
        return [self._library.info(name) for name in self._library.names]

    def scenario_entries(self) -> list[ScenarioEntry]:
        """Every running scenario's name, words and IDs, without building any (a picker's list)."""
        return [self._library.entry(name) for name in self._library.names]

    @property
    def scenario_names(self) -> list[str]:
        """The running scenarios' names without building them (cheap)."""
        return list(self._library.names)

    def job_count(self, workspace_id: str) -> int:
        return self._state.job_count(workspace_id)

    @property
    def request_log(self) -> list[LoggedRequest]:
        return self._context.request_log

    def set_retry_behaviour(self, job_id: str, behaviour: str) -> None:
        self._state.set_retry_behaviour(job_id, behaviour)
