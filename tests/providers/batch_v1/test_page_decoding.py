"""Pages decoded straight from their bytes, checked a page at a time, gathered a page at a time:
the same items and the same errors, word for word, as the general way."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from triage_gui.domain.models import BatchJob, CallAttempt, JobEvent, Page
from triage_gui.providers.batch_v1 import answer_checks as checks
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.batch_v1.paging import PagedItems
from triage_gui.providers.errors import InvalidResponse, PagingLimitExceeded
from triage_gui.providers.http.exchange import parse_model

CALL = {
    "id": "att_1",
    "recipient_id": "rcp_1",
    "phone_number": "+447700900001",
    "attempt": 1,
    "dispatch_key": "dk",
    "status": "failed",
    "failure": {"code": "busy", "sip_status": 486, "message": "busy", "retryable": False},
    "queued_at": "2026-11-25T10:00:05Z",
    "dispatched_at": "2026-11-25T10:01:00Z",
    "ended_at": "2026-11-25T10:02:00Z",
    "x_unknown": {"nested": [1, 2]},
}


def _variants() -> list[bytes]:
    """Pages as servers write them, and as hostile or broken ones do."""
    rnd = random.Random(5)
    bodies: list[Any] = [
        {"items": [CALL], "next_cursor": None},
        {"items": [CALL | {"status": "teleported", "failure": {"code": ""}}], "next_cursor": "c1"},
        {"items": [CALL | {"attempt": 1.0, "ended_at": 1764064920}], "next_cursor": None},
        {"items": [CALL | {"attempt": "2"}], "next_cursor": None},
        {"items": [CALL | {"attempt": True}], "next_cursor": None},
        {"items": [CALL | {"id": 5}], "next_cursor": None},
        {"items": [CALL | {"queued_at": "yesterday"}], "next_cursor": None},
        {"items": [CALL | {"failure": {"code": None, "retryable": "yes"}}], "next_cursor": None},
        {"items": {"not": "a list"}, "next_cursor": None},
        {"items": [], "next_cursor": 7},
        [CALL],
    ]
    raw = [json.dumps(body).encode() for body in bodies]
    raw += [
        b'{"items": [], "next_cursor": null, "next_cursor": "late"}',  # duplicate keys: the last
        b'\xef\xbb\xbf{"items": [], "next_cursor": null}',  # a BOM
        '{"items": [], "next_cursor": null}'.encode("utf-16"),
        b'{"items": [{"id": "a\\ud800", "recipient_id": "r"}], "next_cursor": null}',  # lone surrogate
        b'{"items": [{"id": "a", "recipient_id": "r", "attempt": 1' + b"1" * 5000 + b'}], "next_cursor": null}',
        b'{"items": [{"id": "a", "recipient_id": "r", "attempt": NaN}], "next_cursor": null}',
        b'{"items": [{"id": "a", "recipient_id": "r", "attempt": 1e400}], "next_cursor": null}',
        b"[" * 3000 + b"]" * 3000,
        b'{"items": [], "next_cursor": null',  # cut
        b"\xff\xfe\x00garbage",
        b"",
    ]
    for _ in range(40):  # cut anywhere
        whole = raw[rnd.randrange(3)]
        raw.append(whole[: rnd.randrange(len(whole))])
    return raw


@pytest.mark.parametrize("model", [Page[CallAttempt], Page[JobEvent], BatchJob])
def test_decoding_from_bytes_reads_what_json_loads_reads(model: Any) -> None:
    client = BatchApiClient("http://127.0.0.1:9", "tok_x")
    for raw in _variants():
        response = httpx.Response(200, content=raw, request=httpx.Request("GET", "http://127.0.0.1:9/x"))
        try:
            expected: Any = parse_model(response, model, "GET /x")
        except InvalidResponse as exc:
            expected = (type(exc), str(exc), exc.details)
        try:
            got: Any = client._parse(response, model, "GET /x")
        except InvalidResponse as exc:
            got = (type(exc), str(exc), exc.details)
        assert got == expected, raw[:80]
    client.close()


def test_the_fast_path_is_pydantics_own_json_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = parse_model

    def general(*args: Any) -> Any:
        calls.append("general")
        return original(*args)

    monkeypatch.setattr("triage_gui.providers.batch_v1.client.parse_model", general)
    client = BatchApiClient("http://127.0.0.1:9", "tok_x")
    ok = httpx.Response(200, content=json.dumps({"items": [CALL]}).encode(), request=httpx.Request("GET", "http://x"))
    client._parse(ok, Page[CallAttempt], "GET /x")
    assert calls == []  # decoded from the bytes
    bad = httpx.Response(200, content=b"{", request=httpx.Request("GET", "http://x"))
    with pytest.raises(InvalidResponse):
        client._parse(bad, Page[CallAttempt], "GET /x")
    assert calls == ["general"]  # its words come from the general way
    with pytest.raises(ValidationError):
        Page[CallAttempt].model_validate_json(b"{")
    client.close()


def _calls(n: int) -> list[CallAttempt]:
    return [CallAttempt.model_validate(CALL | {"id": f"att_{i}", "recipient_id": f"rcp_{i}"}) for i in range(n)]


@pytest.mark.parametrize(
    ("index", "change"),
    [(0, {"id": "../x"}), (3, {"recipient_id": "a b"}), (4, {"attempt": 0}), (2, {"id": "x" * 65})],
)
def test_a_page_of_calls_is_refused_as_one_by_one_refused_it(index: int, change: dict[str, Any]) -> None:
    page = _calls(5)
    page[index] = CallAttempt.model_validate(CALL | change)
    with pytest.raises(InvalidResponse) as one_by_one:
        for i, call in enumerate(page):
            checks.check_call(call, "GET /calls", prefix=f"items[{i}].")
    with pytest.raises(InvalidResponse) as at_once:
        checks.check_calls(page, "GET /calls")
    assert str(at_once.value) == str(one_by_one.value) and at_once.value.details == one_by_one.value.details
    checks.check_calls(_calls(5), "GET /calls")  # a good page passes


def test_a_page_of_events_is_refused_as_one_by_one_refused_it() -> None:
    events = [JobEvent.model_validate({"seq": s, "at": "2026-11-25T10:00:05Z"}) for s in (5, 6, 7)]
    events.append(JobEvent.model_validate({"seq": 8, "at": "2026-11-25T10:00:05Z", "recipient_id": "bad id"}))
    with pytest.raises(InvalidResponse, match=r"items\[3\]\.recipient_id"):
        checks.check_events(events, "GET /events", after=None)
    with pytest.raises(InvalidResponse, match=r"items\[0\]\.seq"):
        checks.check_events(events, "GET /events", after=5)
    checks.check_events(events[:3], "GET /events", after=4)


def _pages(*pages_: list[Any], last_cursor: str | None = None) -> Any:
    def fetch(cursor: str | None, _deadline: Any) -> Page[Any]:
        index = int(cursor[1:]) if cursor else 0
        nxt = f"p{index + 1}" if index + 1 < len(pages_) else last_cursor
        return Page[CallAttempt](items=pages_[index], next_cursor=nxt)

    return fetch


@pytest.mark.parametrize(
    "bounds",
    [
        {},
        {"max_items": 7},
        {"max_items": 8},
        {"stop_after": 4},
        {"stop_after": 6},
        {"max_pages": 2},
        {"max_idle_pages": 1},
    ],
)
def test_collect_gives_what_iterating_gives(bounds: dict[str, Any]) -> None:
    calls = _calls(9)
    fetch = _pages(calls[:3], [calls[2], calls[3], calls[4]], [], calls[5:9])

    def run(collect: bool) -> tuple[Any, ...]:
        items = PagedItems(fetch, what="GET /calls", **bounds)
        try:
            got = items.collect() if collect else list(items)
            error = None
        except PagingLimitExceeded as exc:
            got, error = None, str(exc)
        return (None if got is None else [c.id for c in got]), error, items.items, items.pages, items.repeated_ids

    assert run(collect=True) == run(collect=False)


def test_collect_checks_before_each_page() -> None:
    calls = _calls(6)
    seen: list[int] = []
    items = PagedItems(_pages(calls[:2], calls[2:4], calls[4:]))

    def check() -> None:
        seen.append(items.pages)
        if items.pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        items.collect(check)
    assert seen == [0, 1, 2]
    started = PagedItems(_pages(calls))
    next(started)
    with pytest.raises(RuntimeError):
        started.collect()


def test_ids_checked_a_page_at_a_time_as_one_by_one() -> None:
    import string

    from triage_gui.providers.http.retry_policy import is_valid_id

    rnd = random.Random(1)
    odd = string.ascii_letters + string.digits + "_- \n\t\r/.é\x00"
    for _ in range(20_000):
        values: list[object] = [
            "".join(rnd.choice(odd if rnd.random() < 0.1 else string.ascii_letters) for _ in range(rnd.randint(0, 70)))
            for _ in range(rnd.randint(0, 5))
        ]
        if rnd.random() < 0.02:
            values.append(rnd.choice([5, None, b"abc"]))
        assert checks.all_valid_ids(values) == all(is_valid_id(v) for v in values), values
    assert not checks.all_valid_ids(["abc\ndef"])  # two good lines, one bad ID
    assert not checks.all_valid_ids(["abc\n"]) and checks.all_valid_ids([])
