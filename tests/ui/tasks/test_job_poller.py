"""The poller's first poll after a load waits one interval (the load has just fetched the job)."""

from __future__ import annotations

import time

import pytest

from triage_gui.providers.connection import Connection
from triage_gui.providers.errors import AuthError, RateLimited, ServerError
from triage_gui.ui.tasks.job_poller import MAX_BACKOFF_S, JobPoller, PollerThread, PollState


def _poller(simulator, **kwargs) -> tuple[PollerThread, list, list]:
    info = simulator.scenario("healthy")
    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    poller = JobPoller(conn, info.workspace_id, info.job_id, interval_s=30.0, **kwargs)
    snapshots: list[tuple[float, object]] = []
    statuses: list = []
    poller.snapshot_ready.connect(lambda s: snapshots.append((time.monotonic(), s)))
    poller.status_changed.connect(statuses.append)
    return PollerThread(poller), snapshots, statuses


def test_the_first_poll_waits_and_the_status_says_live_meanwhile(qtbot, simulator):
    thread, snapshots, statuses = _poller(simulator, first_poll_after_s=0.6)
    started = time.monotonic()
    thread.start()
    try:
        qtbot.waitUntil(lambda: bool(snapshots), timeout=10_000)
        assert snapshots[0][0] - started >= 0.55
        first = statuses[0]
        assert first.state is PollState.OK and first.last_ok is not None  # not "connecting"
        assert (first.next_poll - first.last_ok).total_seconds() == 0.6
    finally:
        assert thread.stop()


def test_poll_now_ends_the_first_wait(qtbot, simulator):
    thread, snapshots, _statuses = _poller(simulator, first_poll_after_s=60.0)
    thread.start()
    try:
        qtbot.wait(100)
        assert not snapshots
        thread.poller.poll_now()
        qtbot.waitUntil(lambda: bool(snapshots), timeout=10_000)
    finally:
        assert thread.stop()


def test_without_a_wait_the_first_poll_is_at_once(qtbot, simulator):
    thread, snapshots, statuses = _poller(simulator)
    started = time.monotonic()
    thread.start()
    try:
        qtbot.waitUntil(lambda: bool(snapshots), timeout=10_000)
        assert snapshots[0][0] - started < 5.0
        assert statuses[0].state is PollState.CONNECTING
    finally:
        assert thread.stop()


def test_stop_during_the_first_wait_ends_the_thread_at_once(qtbot, simulator):
    thread, snapshots, _statuses = _poller(simulator, first_poll_after_s=60.0)
    thread.start()
    qtbot.wait(100)
    started = time.monotonic()
    assert thread.stop()
    assert time.monotonic() - started < 2.0 and not snapshots


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("429", retry_after=999_999.0),  # 11 days once
        RateLimited("429", retry_after=float("inf")),  # killed the poller thread once (OverflowError)
        RateLimited("429", retry_after=float("nan")),
        ServerError("503", retry_after=1e300),
        AuthError("401"),  # a person must act: quiet, but never silent for long
        None,  # an unexpected error
    ],
)
def test_the_wait_between_polls_is_at_most_a_minute_whatever_the_server_says(error):
    poller = JobPoller(Connection("http://127.0.0.1:9", "t"), "ws_demo", "job_1", interval_s=5.0)
    for failures in (1, 5, 30):
        delay = poller._backoff(failures, error)
        assert 0 < delay <= MAX_BACKOFF_S == 60.0


class _Unreachable:
    def get_job(self, workspace_id, job_id):
        import httpx

        from triage_gui.providers.http.error_mapping import network_error

        raise network_error(httpx.ConnectError("[Errno 111] Connection refused"), "GET /j", "http://127.0.0.1:8080")


class _Broken:
    def get_job(self, workspace_id, job_id):
        raise KeyError("internal_field")


def test_a_failed_poll_is_said_in_plain_words_and_keeps_the_technical_text():
    from triage_gui.ui.tasks.job_poller import PollStatus

    poller = JobPoller(Connection(base_url="http://127.0.0.1:8080", token="t", label="test"), "ws", "j")
    _delay, status = poller._poll_once(_Unreachable(), PollStatus(state=PollState.CONNECTING))
    assert status.state is PollState.ERROR and status.unreachable and status.consecutive_failures == 1
    assert status.error == "Cannot connect: nothing answered at 127.0.0.1:8080 (connection refused)."
    assert status.detail == "ConnectError: [Errno 111] Connection refused"
    _delay, status = poller._poll_once(_Broken(), status)
    assert not status.unreachable and "internal_field" not in (status.error or "")
    assert status.detail == "KeyError: 'internal_field'" and status.consecutive_failures == 2
