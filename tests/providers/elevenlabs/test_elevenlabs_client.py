"""The ElevenLabs client on ``httpx.MockTransport``: the key header, ElevenLabs' error bodies, retries
on GETs only (a POST is never sent twice), paging with ``last_doc``, bounds, answers about
something else."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from triage_gui.providers.elevenlabs.client import ElevenLabsClient
from triage_gui.providers.errors import (
    AuthError,
    InvalidResponse,
    NotFound,
    PagingLimitExceeded,
    RateLimited,
    RequestRejected,
    ResponseTooLarge,
    ServerError,
)
from triage_gui.providers.http.limits import ClientLimits
from triage_gui.providers.http.retry_policy import RetryConfig

KEY = "sk_test_0123456789"
BASE = "https://api.elevenlabs.test"


def batch(batch_id: str = "btcal_1", **extra) -> dict:
    return {"id": batch_id, "name": "n", "agent_id": "agent_1", "status": "completed", "created_at_unix": 1} | extra


def respond(status: int, *, json: object = None, content: bytes | None = None, headers=None) -> httpx.Response:
    """A response as a server streams it (the client reads raw bytes with a cap)."""
    import json as _json

    data = content if content is not None else _json.dumps(json).encode()
    return httpx.Response(
        status, headers={"content-type": "application/json", **(headers or {})}, stream=httpx.ByteStream(data)
    )


def answer(status: int, **kw) -> Callable[[], httpx.Response]:
    return lambda: respond(status, **kw)


class Recorder:
    """Answers in turn (the last one for ever), and keeps the requests."""

    def __init__(self, *answers: Callable[[], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return (self.answers.pop(0) if len(self.answers) > 1 else self.answers[0])()


def client_with(handler, **kw) -> ElevenLabsClient:
    kw.setdefault("retry", RetryConfig(attempts=3))
    return ElevenLabsClient(BASE, KEY, transport=httpx.MockTransport(handler), sleep=lambda _s: None, **kw)


def test_the_key_goes_in_xi_api_key_and_never_in_repr():
    seen = Recorder(answer(200, json=batch() | {"recipients": []}))
    with client_with(seen) as client:
        client.get_batch("btcal_1")
        assert KEY not in repr(client)
    request = seen.requests[0]
    assert request.headers["xi-api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.url.path == "/v1/convai/batch-calling/btcal_1"


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}, AuthError, "invalid_api_key"),
        (404, {"detail": "Batch not found"}, NotFound, "Batch not found"),
        (
            422,
            {"detail": [{"loc": ["query", "limit"], "msg": "too big", "type": "x"}]},
            RequestRejected,
            "query.limit: too big",
        ),
        (400, "plain text, not JSON", RequestRejected, "plain text"),
        (500, {"detail": {"status": "internal", "message": "boom"}}, ServerError, "boom (internal)"),
    ],
)
def test_error_bodies_are_read_as_elevenlabs_writes_them(status, body, error, words):
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    with client_with(Recorder(answer(status, content=content))) as client, pytest.raises(error) as caught:
        client.get_batch("btcal_1")
    assert words in str(caught.value)


@pytest.mark.parametrize("code", ["too_many_concurrent_requests", "system_busy"])
def test_a_get_is_tried_again_after_a_429(code):
    busy = answer(429, json={"detail": {"status": code, "message": "later"}}, headers={"Retry-After": "0"})
    seen = Recorder(busy, answer(200, json=batch() | {"recipients": []}))
    with client_with(seen) as client:
        assert client.get_batch("btcal_1").id == "btcal_1"
    assert len(seen.requests) == 2


def test_a_429_that_lasts_says_which_limit():
    busy = answer(429, json={"detail": {"status": "system_busy", "message": "later"}})
    with client_with(Recorder(busy)) as client, pytest.raises(RateLimited) as caught:
        client.get_batch("btcal_1")
    assert "system_busy" in str(caught.value) and caught.value.problem["code"] == "system_busy"


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_a_submit_is_never_sent_twice(status):
    seen = Recorder(answer(status, json={"detail": "nope"}), answer(200, json=batch()))
    with client_with(seen, retry=RetryConfig(attempts=5)) as client, pytest.raises(Exception):  # noqa: B017
        client.submit_batch({"call_name": "x", "agent_id": "a", "recipients": []})
    assert [r.method for r in seen.requests] == ["POST"]


def test_a_submit_that_times_out_is_not_sent_again():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with client_with(handler, retry=RetryConfig(attempts=5)) as client, pytest.raises(Exception):  # noqa: B017
        client.submit_batch({"call_name": "x", "agent_id": "a", "recipients": []})
    assert len(calls) == 1


def test_batches_page_with_last_doc_until_has_more_is_false():
    pages = {
        None: {"batch_calls": [batch("b1"), batch("b2")], "next_doc": "b2", "has_more": True},
        "b2": {"batch_calls": [batch("b3")], "next_doc": "b3", "has_more": False},
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(200, json=pages[request.url.params.get("last_doc")])

    with client_with(handler) as client:
        ids = [b.id for b in client.iter_batches(agent_id="agent_1")]
    assert ids == ["b1", "b2", "b3"]
    assert [r.url.params.get("agent_id") for r in seen] == ["agent_1", "agent_1"]


def test_a_list_that_never_ends_is_stopped():
    def handler(request: httpx.Request) -> httpx.Response:
        last = request.url.params.get("last_doc") or "0"
        nxt = str(int(last) + 1)
        return respond(200, json={"batch_calls": [batch(f"b{nxt}")], "next_doc": nxt, "has_more": True})

    with client_with(handler) as client, pytest.raises(PagingLimitExceeded):
        list(client.iter_batches(max_items=50))


def test_an_answer_about_another_batch_is_a_contract_error():
    seen = Recorder(answer(200, json=batch("btcal_2") | {"recipients": []}))
    with client_with(seen) as client, pytest.raises(InvalidResponse, match="not the one asked for"):
        client.get_batch("btcal_1")


def test_a_list_that_ignores_the_agent_filter_is_a_contract_error():
    page = {"batch_calls": [batch("b1", agent_id="agent_other")], "has_more": False}
    with client_with(Recorder(answer(200, json=page))) as client, pytest.raises(InvalidResponse):
        list(client.iter_batches(agent_id="agent_1"))


def test_answers_are_read_within_the_size_cap():
    huge = batch() | {"recipients": [{"id": f"r{i}", "status": "pending"} for i in range(20_000)]}
    limits = ClientLimits(max_body_bytes=64 * 1024)
    with client_with(Recorder(answer(200, json=huge)), limits=limits) as client, pytest.raises(ResponseTooLarge):
        client.get_batch("btcal_1")


def test_an_id_that_cannot_be_a_path_segment_is_refused_before_any_request():
    seen = Recorder(answer(200, json={}))
    with client_with(seen) as client, pytest.raises(ValueError):
        client.get_batch("../../v1/user")
    assert seen.requests == []


def test_redirects_are_not_followed():
    seen = Recorder(answer(302, headers={"Location": "https://evil.example/steal"}))
    with client_with(seen) as client, pytest.raises(InvalidResponse, match="redirect"):
        client.get_batch("btcal_1")
    assert len(seen.requests) == 1


def test_reads_past_the_fetch_deadline_are_not_sent():
    seen = Recorder(answer(200, json={"conversation_id": "c1", "status": "done"}))
    with client_with(seen, limits=ClientLimits(fetch_deadline_s=1e-9)) as client:
        results = list(client.map_parallel(lambda lane, cid: client.get_conversation(cid, lane=lane), ["c1", "c2"]))
    assert [type(r).__name__ for _, r in results] == ["DeadlineExceeded", "DeadlineExceeded"]
    assert seen.requests == []
