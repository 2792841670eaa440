"""The live job watcher: a long-lived worker on its own QThread.

It polls the job and its new events at an interval (slower once the job is finished), backs
off on errors with jitter, honours ``Retry-After``, and reports typed snapshots and its own
connection state by signals. ``stop()`` is immediate: the wait between polls is an event wait,
and a request in flight is aborted at the socket (see ``AbortableTransport``). It never
touches widgets and never loses collected data: errors are reported, the loop goes on.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

from triage_gui.domain.incident import JobSnapshot
from triage_gui.providers.connection import Connection
from triage_gui.providers.errors import ApiError, NetworkError, RateLimited, ServerError

if TYPE_CHECKING:  # httpx loads when the poller starts, not with the window
    from triage_gui.providers.base import Provider
    from triage_gui.providers.http.abortable_transport import AbortableTransport

log = logging.getLogger(__name__)

# The longest wait between two polls, whatever the failures or the server's Retry-After say: an
# agent mid-incident must see a fresh snapshot (or a fresh error) at least this often.
MAX_BACKOFF_S = 60.0
EVENTS_PER_POLL = 5_000


class PollState(StrEnum):
    CONNECTING = "connecting"
    OK = "ok"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class PollStatus:
    state: PollState
    last_ok: datetime | None = None  # workstation clock, for display
    next_poll: datetime | None = None
    error: str | None = None  # plain words, for the status bar
    consecutive_failures: int = 0
    polls: int = 0
    unreachable: bool = False  # the error is that nothing answered (or not in time)
    detail: str | None = None  # the error's technical text ("ConnectError: [Errno 111] ..."), for a tooltip


def _raw_detail(exc: BaseException) -> str | None:
    """The technical text a plain-words error carries as notes (http/error_mapping.py)."""
    return " · ".join(str(n) for n in getattr(exc, "__notes__", ())) or None


class JobPoller(QObject):
    snapshot_ready = Signal(object)  # JobSnapshot
    events_ready = Signal(object)  # list[JobEvent], new since the last poll
    status_changed = Signal(object)  # PollStatus
    finished = Signal()

    def __init__(
        self,
        connection: Connection,
        workspace_id: str,
        job_id: str,
        *,
        interval_s: float = 5.0,
        finished_interval_s: float = 30.0,
        after_seq: int | None = None,
        first_poll_after_s: float = 0.0,
    ) -> None:
        """``first_poll_after_s``: wait that long before the first poll (``poll_now`` ends the
        wait): after a load, which has just fetched the job, polling at once again repeats it,
        while the GUI thread is busy showing the load's result (bench/poll_stall_bench.py)."""
        super().__init__()
        self._connection = connection
        self._first_poll_after_s = first_poll_after_s
        self._workspace_id = workspace_id
        self._job_id = job_id
        self.interval_s = interval_s
        self.finished_interval_s = max(finished_interval_s, interval_s)
        self._after_seq = after_seq
        self._wake = threading.Event()
        self._stopping = threading.Event()
        # built on the worker thread (its TLS context is shared: api/tls.py)
        self._transport: AbortableTransport | None = None

    # -- called from the GUI thread --------------------------------------------------------
    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        transport = self._transport
        if transport is not None:
            transport.abort()

    def poll_now(self) -> None:
        self._wake.set()

    # -- the worker thread ----------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        from triage_gui.providers.batch_v1.client import RetryConfig
        from triage_gui.providers.http.abortable_transport import AbortableTransport
        from triage_gui.providers.http.tls import context_for

        conn = self._connection
        transport = AbortableTransport(
            verify=context_for(conn.base_url, conn.verify, trust_env=conn.trust_env), trust_env=conn.trust_env
        )
        self._transport = transport
        if self._stopping.is_set():  # stop() came before the transport existed
            transport.abort()
        provider = self._connection.open_provider(
            transport=transport,
            retry=RetryConfig(attempts=1),  # this loop does its own backoff
            timeout_s=min(self._connection.timeout_s, 20.0),
        )
        status = PollStatus(state=PollState.CONNECTING)
        if self._first_poll_after_s > 0:
            now = datetime.now(UTC)  # the load that started us has just reached the server
            status = PollStatus(
                state=PollState.OK, last_ok=now, next_poll=now + timedelta(seconds=self._first_poll_after_s)
            )
        self.status_changed.emit(status)
        try:
            if self._first_poll_after_s > 0:
                self._wake.wait(self._first_poll_after_s)
                self._wake.clear()
            while not self._stopping.is_set():
                delay, status = self._poll_once(provider, status)
                if self._stopping.is_set():
                    break
                status = replace(status, next_poll=datetime.now(UTC) + timedelta(seconds=delay))
                self.status_changed.emit(status)
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            provider.close()
            transport.close()
            self.status_changed.emit(replace(status, state=PollState.STOPPED, next_poll=None))
            self.finished.emit()

    def _poll_once(self, provider: Provider, status: PollStatus) -> tuple[float, PollStatus]:
        try:
            job = provider.get_job(self._workspace_id, self._job_id)
            snapshot = JobSnapshot(at=provider.server_now(), job=job)
            events = list(
                provider.iter_events(
                    self._workspace_id,
                    self._job_id,
                    after=self._after_seq,
                    stop_after=EVENTS_PER_POLL,
                )
            )
        except ApiError as exc:
            if self._stopping.is_set():
                return 0.0, status
            failures = status.consecutive_failures + 1
            delay = self._backoff(failures, exc)
            log.info("poll failed (%s); next try in %.1f s", exc, delay)
            return delay, replace(
                status,
                state=PollState.ERROR,
                error=str(exc),
                detail=_raw_detail(exc),
                unreachable=isinstance(exc, NetworkError),
                consecutive_failures=failures,
            )
        except Exception as exc:
            log.exception("unexpected poll failure")
            failures = status.consecutive_failures + 1
            return self._backoff(failures, None), replace(
                status,
                state=PollState.ERROR,
                error="Unexpected error while polling (the log has the details)",
                detail=f"{type(exc).__name__}: {exc}",
                unreachable=False,
                consecutive_failures=failures,
            )
        if events:
            self._after_seq = events[-1].seq
        self.snapshot_ready.emit(snapshot)
        if events:
            self.events_ready.emit(events)
        delay = self.finished_interval_s if job.status.is_finished else self.interval_s
        return delay, PollStatus(state=PollState.OK, last_ok=datetime.now(UTC), polls=status.polls + 1)

    def _backoff(self, failures: int, error: ApiError | None) -> float:
        base = min(self.interval_s * 2 ** min(failures, 10), MAX_BACKOFF_S)
        delay = base * (0.5 + random.random() / 2)  # jitter: many agents, one outage
        retry_after = getattr(error, "retry_after", None)
        if isinstance(error, (RateLimited, ServerError)) and retry_after is not None:
            asked = float(retry_after)
            if math.isfinite(asked):  # nan/inf from a hostile server never reach the wait
                delay = max(delay, asked)
        elif error is not None and not error.transient:
            delay = max(delay, MAX_BACKOFF_S)  # auth / not found: a person must act; keep it quiet
        return min(delay, MAX_BACKOFF_S)


class PollerThread(QObject):
    """Owns a JobPoller and its QThread; ``stop()`` returns once the thread has ended."""

    def __init__(self, poller: JobPoller, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.poller = poller
        self.worker_thread = QThread()
        self.worker_thread.setObjectName(f"poller:{poller._job_id}")
        poller.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(poller.run)
        poller.finished.connect(self.worker_thread.quit)

    def start(self) -> None:
        self.worker_thread.start()

    def stop(self, wait_ms: int = 5_000) -> bool:
        self.poller.stop()
        if not self.worker_thread.isRunning():
            return True
        self.worker_thread.quit()
        return self.worker_thread.wait(wait_ms)

    @property
    def running(self) -> bool:
        return self.worker_thread.isRunning()
