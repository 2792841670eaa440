"""The request log the diagnostics bundle carries: every attempt of every request, with its
status, time taken and the server's request ID, and nothing secret."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.errors import ApiError
from triage_gui.providers.http.request_log import REQUEST_LOG, RequestLog, safe_path

TOKEN = "tok_Request-Log-Secret-1a2b3c4d"
WORKSPACE = {"id": "ws_1", "name": "Demo", "timezone": "UTC", "concurrency_limit": 5}


def _json(status: int, body: object, headers: dict[str, str]) -> httpx.Response:
    data = json.dumps(body).encode()
    headers = {"content-type": "application/json", **headers}
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(data))


@pytest.fixture
def log():
    REQUEST_LOG.clear()
    yield REQUEST_LOG
    REQUEST_LOG.clear()


def test_every_attempt_is_noted_with_status_time_and_request_id(log: RequestLog) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return _json(503, {"error": "busy"}, {"Retry-After": "0", "X-Request-Id": "req-1"})
        return _json(200, WORKSPACE, {"Request-Id": "req-2"})

    transport = httpx.MockTransport(answer)
    with BatchApiClient("http://api.test", TOKEN, transport=transport, sleep=lambda _s: None) as client:
        client.get_workspace("ws_1")
    first, second = log.records()
    assert (first["method"], first["path"], first["status"], first["request_id"]) == (
        "GET",
        "/v1/workspaces/ws_1",
        503,
        "req-1",
    )
    assert (second["status"], second["request_id"], second["attempt"]) == (200, "req-2", 2)
    assert first["attempt"] == 1 and first["duration_ms"] >= 0 and first["at"].endswith("Z")
    assert first["error"] == "" and TOKEN not in repr(log.records())


def test_a_request_without_an_answer_says_why(log: RequestLog) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = BatchApiClient("http://api.test", TOKEN, transport=httpx.MockTransport(refuse), sleep=lambda _s: None)
    with client, pytest.raises(ApiError):
        client.get_workspace("ws_1")
    records = log.records()
    assert records and all(r["status"] is None and r["error"] == "ConnectError" for r in records)


def test_secret_looking_query_values_are_removed() -> None:
    assert safe_path("/v1/calls?cursor=abc&api_key=s3cret", {"page_size": 50, "token": "t"}) == (
        "/v1/calls?cursor=abc&api_key=[REDACTED]&page_size=50&token=[REDACTED]"
    )
    assert safe_path("/v1/jobs/j1") == "/v1/jobs/j1"


def test_the_log_keeps_the_latest_requests_only_and_is_thread_safe() -> None:
    log = RequestLog(capacity=100)

    def hammer() -> None:
        for i in range(500):
            with log.attempt("GET", f"/v1/x/{i}"):
                pass

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = log.records()
    assert len(records) == 100 and all(r["path"].startswith("/v1/x/") for r in records)
