"""The typed client against the real simulator over loopback HTTP."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from triage_gui.domain.models import BatchJob, JobStatus, Page, Trigger
from triage_gui.providers.batch_v1.client import BatchApiClient, RetryConfig, check_id, iter_all, parse_retry_after
from triage_gui.providers.errors import (
    AuthError,
    ForbiddenError,
    InvalidResponse,
    NetworkError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
)
from triage_gui.simulator import Fault


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(simulator, sleeps):
    with BatchApiClient(
        simulator.base_url, simulator.token, sleep=sleeps, retry=RetryConfig(attempts=3), timeout=5.0
    ) as c:
        yield c


@pytest.fixture
def healthy(simulator):
    return simulator.scenario("healthy")


def test_every_read_endpoint_returns_typed_models(client, healthy):
    ws = client.get_workspace(healthy.workspace_id)
    assert ws.id == healthy.workspace_id and ws.timezone
    campaign = client.get_campaign(healthy.workspace_id, healthy.campaign_id)
    assert campaign.id == healthy.campaign_id
    job = client.get_job(healthy.workspace_id, healthy.job_id)
    assert isinstance(job, BatchJob) and job.id == healthy.job_id
    assert job.status is JobStatus.RUNNING
    c = job.counters
    assert c.total == c.queued + c.in_progress + c.retry_scheduled + c.succeeded + c.failed
    upload = client.get_upload(healthy.workspace_id, healthy.upload_id)
    assert upload.row_count > 0 and "phone_number" in upload.columns
    jobs = client.list_jobs(healthy.workspace_id, campaign_id=healthy.campaign_id)
    assert healthy.job_id in [j.id for j in jobs.items]
    calls = client.list_calls(healthy.workspace_id, healthy.job_id, limit=10)
    assert 0 < len(calls.items) <= 10 and calls.next_cursor
    events = client.list_events(healthy.workspace_id, healthy.job_id, limit=5)
    assert events.items and [e.seq for e in events.items] == sorted(e.seq for e in events.items)


def test_upload_content_streams_every_row(client, healthy):
    upload = client.get_upload(healthy.workspace_id, healthy.upload_id)
    lines = list(client.iter_upload_lines(healthy.workspace_id, healthy.upload_id))
    assert "phone_number" in lines[0]
    assert len([line for line in lines[1:] if line.strip()]) == upload.row_count


def test_paging_small_pages_equals_large_pages(client, healthy):
    ws, job = healthy.workspace_id, healthy.job_id
    small = list(iter_all(lambda cur: client.list_calls(ws, job, cursor=cur, limit=37)))
    large = list(client.iter_calls(ws, job))
    assert [c.id for c in small] == [c.id for c in large]
    assert len({c.id for c in large}) == len(large) > 37
    assert len(list(client.iter_calls(ws, job, stop_after=50))) == 50


def test_events_after_filters_by_seq(client, healthy):
    ws, job = healthy.workspace_id, healthy.job_id
    all_events = list(client.iter_events(ws, job))
    middle = all_events[len(all_events) // 2].seq
    later = list(client.iter_events(ws, job, after=middle))
    assert later and all(e.seq > middle for e in later)
    assert [e.seq for e in later] == [e.seq for e in all_events if e.seq > middle]


def test_created_after_is_inclusive(client, simulator):
    info = simulator.scenario("duplicate_run")
    jobs = list(client.iter_jobs(info.workspace_id, campaign_id=info.campaign_id))
    oldest = min(jobs, key=lambda j: j.created_at)
    again = list(client.iter_jobs(info.workspace_id, campaign_id=info.campaign_id, created_after=oldest.created_at))
    assert oldest.id in [j.id for j in again]


def test_paging_stops_on_a_repeating_cursor():
    pages = iter([Page[int](items=[1], next_cursor="a"), Page[int](items=[2], next_cursor="a")])
    with pytest.raises(InvalidResponse, match="same page cursor"):
        list(iter_all(lambda _c: next(pages)))


def test_wrong_token_is_auth_error(simulator, healthy):
    with BatchApiClient(simulator.base_url, "wrong-token") as c, pytest.raises(AuthError) as err:
        c.get_job(healthy.workspace_id, healthy.job_id)
    assert err.value.status == 401
    assert "wrong-token" not in str(err.value)


def test_no_access_to_workspace_is_forbidden(client):
    with pytest.raises(ForbiddenError) as err:
        client.get_workspace("ws_restricted")
    assert err.value.status == 403


def test_unknown_job_is_not_found_with_problem_details(client, healthy, sleeps):
    with pytest.raises(NotFound) as err:
        client.get_job(healthy.workspace_id, "job_does_not_exist")
    assert err.value.status == 404
    assert err.value.problem.get("status") == 404
    assert sleeps.delays == []  # a 404 is not retried


def test_bad_id_is_refused_before_any_request(client, simulator):
    before = len(simulator.request_log)
    with pytest.raises(ValueError, match="not valid"):
        client.get_job("ws_demo", "job/../../etc")
    assert len(simulator.request_log) == before


def test_rate_limit_honours_retry_after_then_succeeds(client, simulator, healthy, sleeps):
    simulator.faults.add(Fault(kind="rate_limit", path=r"/batch-jobs/[^/]+$", method="GET", times=1, retry_after=7))
    job = client.get_job(healthy.workspace_id, healthy.job_id)
    assert job.id == healthy.job_id
    assert sleeps.delays == [7.0]


def test_rate_limit_longer_than_the_cap_is_handed_to_the_caller(simulator, healthy, sleeps):
    simulator.faults.add(Fault(kind="rate_limit", path=r"/batch-jobs/[^/]+$", method="GET", times=1, retry_after=600))
    with BatchApiClient(simulator.base_url, simulator.token, sleep=sleeps) as c, pytest.raises(RateLimited) as err:
        c.get_job(healthy.workspace_id, healthy.job_id)
    assert err.value.retry_after == 300  # clamped: never a poll scheduled further out than 5 minutes
    assert sleeps.delays == []


def test_server_error_is_retried_with_jittered_backoff(client, simulator, healthy, sleeps):
    simulator.faults.add(Fault(kind="status", status=503, path=r"/batch-jobs/[^/]+$", method="GET", times=2))
    assert client.get_job(healthy.workspace_id, healthy.job_id).id == healthy.job_id
    assert len(sleeps.delays) == 2
    assert 0 <= sleeps.delays[0] <= 0.5 and 0 <= sleeps.delays[1] <= 1.0


def test_persistent_server_error_raises_after_bounded_retries(client, simulator, healthy, sleeps):
    simulator.faults.add(Fault(kind="status", status=500, path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    with pytest.raises(ServerError) as err:
        client.get_job(healthy.workspace_id, healthy.job_id)
    assert err.value.status == 500
    assert len(sleeps.delays) == 2  # 3 attempts in all


def test_malformed_json_is_invalid_response(client, simulator, healthy):
    simulator.faults.add(Fault(kind="malformed_json", path=r"/batch-jobs/[^/]+$", method="GET", times=1))
    with pytest.raises(InvalidResponse, match="not valid JSON"):
        client.get_job(healthy.workspace_id, healthy.job_id)


def test_wrong_shape_names_what_failed_validation(client, simulator, healthy):
    simulator.faults.add(Fault(kind="invalid_shape", path=r"/batch-jobs/[^/]+$", method="GET", times=1))
    with pytest.raises(InvalidResponse) as err:
        client.get_job(healthy.workspace_id, healthy.job_id)
    assert err.value.details and "contract" in str(err.value)


def test_timeout_is_network_error(simulator, healthy, sleeps):
    simulator.faults.add(Fault(kind="latency", seconds=2.0, path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    with (
        BatchApiClient(
            simulator.base_url, simulator.token, timeout=httpx.Timeout(0.3), retry=RetryConfig(attempts=2), sleep=sleeps
        ) as c,
        pytest.raises(NetworkError) as err,
    ):
        c.get_job(healthy.workspace_id, healthy.job_id)
    assert err.value.timeout is True
    assert len(sleeps.delays) == 1
    simulator.faults.clear()


def test_dropped_connection_is_network_error(client, simulator, healthy):
    simulator.faults.add(Fault(kind="drop", path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    with pytest.raises(NetworkError):
        client.get_job(healthy.workspace_id, healthy.job_id)


def test_unreachable_server_is_network_error(sleeps):
    with (
        BatchApiClient("http://127.0.0.1:9", "t", sleep=sleeps, retry=RetryConfig(attempts=2)) as c,
        pytest.raises(NetworkError, match="Cannot connect"),
    ):
        c.get_workspace("ws_demo")


def test_create_retry_same_key_twice_creates_one_job(client, simulator, healthy):
    ids = sorted(simulator.scenario("completed").truth["transient_failed_ids"])[:3]
    info = simulator.scenario("completed")
    before = simulator.job_count(info.workspace_id)
    first = client.create_retry(info.workspace_id, info.job_id, ids, idempotency_key="key-1", note="t")
    second = client.create_retry(info.workspace_id, info.job_id, ids, idempotency_key="key-1", note="t")
    assert first.created and not second.created
    assert first.job.id == second.job.id
    assert first.job.trigger is Trigger.RETRY and first.job.parent_job_id == info.job_id
    assert simulator.job_count(info.workspace_id) == before + 1
    with pytest.raises(RequestRejected) as err:
        client.create_retry(info.workspace_id, info.job_id, ids[:1], idempotency_key="key-1")
    assert err.value.status == 422


def test_post_timeout_is_resent_with_the_same_key_and_creates_one_job(simulator, sleeps):
    info = simulator.scenario("completed")
    ids = sorted(info.truth["transient_failed_ids"])[:2]
    before = simulator.job_count(info.workspace_id)
    simulator.faults.add(Fault(kind="delay_after_processing", seconds=1.5, path=r"/retries$", method="POST", times=1))
    with BatchApiClient(simulator.base_url, simulator.token, timeout=httpx.Timeout(0.5), sleep=sleeps) as c:
        result = c.create_retry(info.workspace_id, info.job_id, ids, idempotency_key="key-timeout")
    assert result.created is False  # the repeat found the job the first POST created
    assert simulator.job_count(info.workspace_id) == before + 1

    def post_keys() -> list[str | None]:
        return [
            {k.lower(): v for k, v in r.headers.items()}.get("idempotency-key")
            for r in simulator.request_log
            if r.method == "POST"
        ]

    deadline = time.monotonic() + 5  # the delayed first POST is logged once it has answered
    while len(post_keys()) < 2 and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert post_keys() == ["key-timeout", "key-timeout"]


def test_token_never_logged(client, healthy, caplog):
    caplog.set_level(logging.DEBUG)
    client.get_job(healthy.workspace_id, healthy.job_id)
    with pytest.raises(NotFound):
        client.get_job(healthy.workspace_id, "job_missing")
    assert caplog.records
    assert all(client._token not in r.getMessage() for r in caplog.records)
    assert client._token not in repr(client)


def test_server_clock_comes_from_the_date_header(client, simulator, healthy):
    client.get_job(healthy.workspace_id, healthy.job_id)
    assert client.knows_server_clock
    assert abs(client.server_now() - simulator.clock.now()) < timedelta(seconds=3)


def test_parse_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("garbage", now) is None
    assert parse_retry_after(None, now) is None


def test_check_id():
    assert check_id("job_1-A") == "job_1-A"
    for bad in ("", "a" * 65, "a b", "ä", "job_1\n"):  # "$" alone would let the newline through
        with pytest.raises(ValueError):
            check_id(bad)


def test_an_upload_stream_that_breaks_off_is_an_error_not_a_restart(sleeps):
    """A real server that sends three lines of a longer body, then closes the connection."""
    import socket

    served = []

    def serve(listener: socket.socket) -> None:
        for _ in range(2):  # a restart would be a second connection
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                served.append(1)
                body = b"phone_number\n+447700900001\n+447700900002\n"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n" + body)

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(3)
        thread = threading.Thread(target=serve, args=(listener,))
        thread.start()
        port = listener.getsockname()[1]
        lines = []
        with (
            BatchApiClient(f"http://127.0.0.1:{port}", "t", sleep=sleeps) as c,
            pytest.raises(NetworkError, match="broke off"),
        ):
            for line in c.iter_upload_lines("ws_demo", "upl_1"):
                lines.append(line)
        thread.join(5)
    assert lines == ["phone_number", "+447700900001", "+447700900002"]  # each row once
    assert served == [1]
