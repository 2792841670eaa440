"""fetch_incident's long parts side by side (providers/batch_v1/fetch_together.py): the same
incident as one after another, the same error when a part ends the load, and a cancel that stops
every part, the requests in flight too."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from hostile_data import CALLS_PATH, CONTENT_PATH, EVENTS_PATH, JOB, JOBS_PATH, TOKEN, WS, call_body, event_body
from hostile_server import answer, endless_pages, pages, problem

from triage_gui.domain.incident import IncidentData
from triage_gui.providers.base import FetchCancelled, IncidentRequest
from triage_gui.providers.batch_v1 import fetch_together
from triage_gui.providers.batch_v1.client import BatchApiClient, ClientLimits, RetryConfig
from triage_gui.providers.batch_v1.incident import fetch_incident
from triage_gui.providers.errors import InvalidResponse, PagingLimitExceeded, ServerError
from triage_gui.providers.http.abortable_transport import AbortableTransport
from triage_gui.services.incident_loading import audit_upload_lines
from triage_gui.simulator import Fault

ONE_BY_ONE = "one by one"
SIDE_BY_SIDE = "side by side"


@pytest.fixture(params=[SIDE_BY_SIDE, ONE_BY_ONE])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == ONE_BY_ONE:
        monkeypatch.setattr(BatchApiClient, "sibling", lambda self: None)
    return str(request.param)


def _fetch(client: BatchApiClient, ws: str, job: str, **kw: Any) -> IncidentData:
    return fetch_incident(client, IncidentRequest(workspace_id=ws, job_id=job), audit_upload=audit_upload_lines, **kw)


def _comparable(data: IncidentData) -> dict[str, Any]:
    dump = data.model_dump()
    for moment in ("server_now", "server_clock_skew_s"):
        dump.pop(moment)
    dump["snapshots"] = [snapshot["job"] for snapshot in dump["snapshots"]]
    return dump


def test_side_by_side_fetches_the_incident_one_by_one_fetches(simulator, monkeypatch):
    info = simulator.scenario("dirty_upload")  # an upload worth auditing, calls, events
    with BatchApiClient(simulator.base_url, simulator.token) as client:
        together = _fetch(client, info.workspace_id, info.job_id)
    monkeypatch.setattr(BatchApiClient, "sibling", lambda self: None)
    with BatchApiClient(simulator.base_url, simulator.token) as client:
        alone = _fetch(client, info.workspace_id, info.job_id)
    assert _comparable(together) == _comparable(alone)
    assert together.calls and together.events and together.contact_audit is not None
    assert together.contact_audit.invalid > 0 and together.missing == {}


def test_the_parts_are_said_side_by_side_then_as_each_ends(simulator):
    info = simulator.scenario("healthy")
    said: list[str] = []
    with BatchApiClient(simulator.base_url, simulator.token) as client:
        _fetch(client, info.workspace_id, info.job_id, progress=said.append)
    assert said[:4] == ["Fetching the job…", "Fetching workspace…", "Fetching campaign…", "Fetching upload…"]
    assert said[4] == "Fetching upload content, calls, events and related jobs…"
    ended = [message for message in said[5:] if "so far" not in message]  # a slow run also says what it read
    assert all("(done: " in message for message in ended) and len(ended) == 3


def test_a_long_fetch_says_what_its_parts_have_read_so_far(monkeypatch):
    from triage_gui.providers.batch_v1 import fetch_together as together

    monkeypatch.setattr(together, "SO_FAR_EVERY_S", 0.0)
    release = threading.Event()
    read = {"calls": 0}

    def calls(_client, check):
        read["calls"] = 1500
        release.wait(5)
        return ["a call"]

    def related(_client, check):
        return []

    said: list[str] = []
    parts = [
        together.Part("calls", calls, so_far=lambda: f"{read['calls']:,} calls" if read["calls"] else None),
        together.Part("events", lambda _c, _check: release.wait(5) and [], so_far=lambda: None),
        together.Part("related jobs", related),
    ]

    def say(message: str) -> None:
        said.append(message)
        if "so far" in message and "done: related jobs" in message:
            release.set()

    class Client:
        def sibling(self):
            return Client()

        def close(self):
            pass

        def abort(self):
            pass

    got = together.fetch_together(Client(), parts, say=say, cancel=None, missing={})
    assert got["calls"] == ["a call"]
    assert said[0] == "Fetching calls, events and related jobs…"
    assert "Fetching calls and events… (done: related jobs; so far 1,500 calls)" in said


def test_each_part_has_a_connection_of_its_own(simulator):
    info = simulator.scenario("healthy")
    seen: dict[str, set[int]] = {}
    lock = threading.Lock()
    original = httpx.Client.send

    def send(self: httpx.Client, request: httpx.Request, **kw: Any) -> httpx.Response:
        with lock:
            seen.setdefault(threading.current_thread().name, set()).add(id(self))
        return original(self, request, **kw)

    with pytest.MonkeyPatch.context() as patch, BatchApiClient(simulator.base_url, simulator.token) as client:
        patch.setattr(httpx.Client, "send", send)
        _fetch(client, info.workspace_id, info.job_id)
    parts = {name: clients for name, clients in seen.items() if name.startswith("fetch ")}
    assert set(parts) == {"fetch upload content", "fetch calls", "fetch events", "fetch related jobs"}
    every = [next(iter(clients)) for clients in parts.values()]
    assert all(len(clients) == 1 for clients in parts.values()) and len(set(every)) == 4


def _hostile_client(hostile, sleeps=None) -> BatchApiClient:
    return BatchApiClient(
        hostile.base_url,
        TOKEN,
        limits=ClientLimits(max_body_bytes=1024 * 1024, request_deadline_s=5.0, fetch_deadline_s=10.0),
        retry=RetryConfig(attempts=2),
        sleep=lambda s: None,
        timeout=5.0,
    )


def test_a_list_past_its_bound_ends_the_load_with_its_error(hostile, way):
    hostile.route(CALLS_PATH, endless_pages(per_page=400))
    with _hostile_client(hostile) as client, pytest.raises(PagingLimitExceeded, match="went past"):
        _fetch(client, WS, JOB)


def test_the_first_part_in_order_to_end_the_load_is_the_one_that_does(hostile, way):
    """Calls (slow, then cut) come before events (at once outside the contract): as one by one,
    the load ends with the calls' error, after waiting for them."""
    slow_calls = {"n": 0}

    def calls(x):
        slow_calls["n"] += 1
        x.wait(0.3)
        answer({"items": [call_body(1)], "next_cursor": "same"})(x)  # the same cursor twice: a loop

    hostile.route(CALLS_PATH, calls)
    hostile.route(EVENTS_PATH, answer({"items": [event_body(1) | {"recipient_id": "../evil"}], "next_cursor": None}))
    with _hostile_client(hostile) as client, pytest.raises(InvalidResponse) as caught:
        _fetch(client, WS, JOB)
    assert CALLS_PATH in str(caught.value) and "same page cursor" in str(caught.value)


def test_a_lesser_failure_before_the_error_is_recorded_not_raised(hostile, way):
    hostile.route(CALLS_PATH, problem(503, detail="try later"))
    hostile.route(EVENTS_PATH, answer({"items": [event_body(1) | {"seq": "x"}], "next_cursor": None}))
    with _hostile_client(hostile) as client, pytest.raises(InvalidResponse) as caught:
        _fetch(client, WS, JOB)
    assert EVENTS_PATH in str(caught.value)


def test_lesser_failures_are_recorded_in_the_parts_order(hostile, way):
    hostile.route(EVENTS_PATH, problem(503, detail="try later"))
    hostile.route(CALLS_PATH, problem(500, detail="sorry"))
    hostile.route(CONTENT_PATH, answer(b"\x00\x01binary", content_type="text/csv"))
    with _hostile_client(hostile) as client:
        data = _fetch(client, WS, JOB)
    assert list(data.missing) == ["upload content", "calls", "events"]
    assert data.calls == [] and data.events == [] and len(data.related_jobs) == 0


def test_a_part_after_the_error_is_stopped_at_its_next_page(hostile):
    """The events end the load (a cursor given twice); the related jobs, a later part, are told
    to stop at their next page instead of being fetched to their end (or their deadline)."""
    hostile.route(EVENTS_PATH, answer({"items": [event_body(1) | {"seq": -5}], "next_cursor": "x"}, status=200))
    hostile.route(JOBS_PATH, _slow_endless_jobs())
    with _hostile_client(hostile) as client:
        started = time.monotonic()
        with pytest.raises(InvalidResponse):
            _fetch(client, WS, JOB)
    assert time.monotonic() - started < 4  # not the related jobs' 10 s deadline
    assert hostile.count(JOBS_PATH) < 20


def _slow_endless_jobs():
    from hostile_data import job_body

    pages_ = endless_pages(per_page=1, make=lambda n: job_body(id=f"job_{n}"))

    def behave(x):
        x.wait(0.1)
        pages_(x)

    return behave


def test_repeated_items_are_reported_in_the_parts_order(hostile, way):
    hostile.route(EVENTS_PATH, pages([event_body(1), event_body(2)], [event_body(2)]))
    hostile.route(CALLS_PATH, pages([call_body(1), call_body(2)], [call_body(2), call_body(3)]))
    with _hostile_client(hostile) as client:
        data = _fetch(client, WS, JOB)
    assert list(data.repeated_items.items()) == [("calls", 1), ("events", 1)]


def test_a_cancel_stops_every_part_and_its_request_in_flight(simulator):
    """As the app's Load: its transport is an AbortableTransport; the parts on clients made for
    them are aborted by the fetch itself, the request stuck in a 60 s answer included."""
    info = simulator.scenario("healthy")
    simulator.faults.add(Fault(kind="latency", seconds=60, path=info.job_id + "/calls", method="GET", times=None))
    cancel = threading.Event()
    transport = AbortableTransport(verify=False)
    client = BatchApiClient(simulator.base_url, simulator.token, transport=transport, sleep=cancel.wait)
    outcome: dict[str, BaseException] = {}

    def load() -> None:
        try:
            _fetch(client, info.workspace_id, info.job_id, cancel=cancel)
        except BaseException as exc:
            outcome["error"] = exc

    loader = threading.Thread(target=load)
    loader.start()
    try:
        deadline = time.monotonic() + 20
        while not simulator.faults.fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert simulator.faults.fired, "the calls never reached the slow answer"
        started = time.monotonic()
        cancel.set()
        transport.abort()  # what LoadAborts does for the load's own transport
        loader.join(10)
        assert not loader.is_alive()
        assert time.monotonic() - started < 3
    finally:
        cancel.set()
        loader.join(70)
        client.close()
    assert isinstance(outcome.get("error"), FetchCancelled)


def test_a_sibling_shares_the_clock_and_the_record_of_repeats(simulator):
    with BatchApiClient(simulator.base_url, simulator.token) as client:
        sibling = client.sibling()
        assert sibling is not None
        try:
            assert sibling._http is not client._http
            assert sibling.page_overlaps is client.page_overlaps
            sibling.get_workspace(simulator.scenario("healthy").workspace_id)
            assert client.knows_server_clock and client.server_clock_skew_s == sibling.server_clock_skew_s
        finally:
            sibling.close()


def test_no_sibling_where_none_can_be_made(simulator):
    with httpx.Client() as http:
        assert BatchApiClient(simulator.base_url, simulator.token, http=http).sibling() is None
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    assert BatchApiClient(simulator.base_url, simulator.token, transport=mock).sibling() is None
    abortable = BatchApiClient(simulator.base_url, simulator.token, transport=AbortableTransport(verify=False))
    sibling = abortable.sibling()
    assert sibling is not None and isinstance(sibling._abortable, AbortableTransport)
    sibling.abort()
    with pytest.raises(Exception):  # noqa: B017 - aborted: no request goes out
        sibling.get_workspace("ws_demo")
    sibling.close()
    abortable.close()


def test_a_server_error_of_a_part_is_recorded(hostile, way):
    hostile.route(JOBS_PATH, problem(502, detail="upstream"))
    with _hostile_client(hostile) as client:
        data = _fetch(client, WS, JOB)
    assert "related jobs" in data.missing and data.calls


def test_ends_the_load_as_one_by_one_did():
    assert fetch_together.ends_the_load(InvalidResponse("x"))
    assert not fetch_together.ends_the_load(InvalidResponse("x"), tolerate_contract=True)
    assert not fetch_together.ends_the_load(ServerError("x"))
    assert fetch_together.ends_the_load(FetchCancelled())
    assert fetch_together.ends_the_load(ValueError("a bug"))
