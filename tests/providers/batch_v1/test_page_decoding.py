"""Pages decoded straight from their bytes, checked a page at a time, gathered a page at a time:
the same items and the same errors, word for word, as the general way."""

from __future__ import annotations

import contextlib
import json
import random
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest

from triage_gui.domain.models import (
    BatchJob,
    CallAttempt,
    CallAttemptSchema,
    CallStatus,
    Failure,
    JobEventSchema,
    RecordPage,
)
from triage_gui.providers.batch_v1 import answer_checks as checks
from triage_gui.providers.batch_v1 import records
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


EVENT = {
    "seq": 5,
    "at": "2026-11-25T10:00:05.250+02:00",
    "type": "dispatched",
    "recipient_id": "rcp_1",
    "detail": "attempt 1 dispatched (dk) \u00e9\u2028",
    "x_unknown": [None],
}


def _event_variants() -> list[bytes]:
    """Event pages as servers write them, and as hostile or broken ones do."""
    bodies: list[Any] = [
        {"items": [EVENT, EVENT | {"seq": 6, "recipient_id": None, "type": "job_started"}], "next_cursor": "c"},
        {"items": [EVENT | {"type": "teleported", "at": "2026-11-25T10:00:05"}], "next_cursor": None},
        {"items": [EVENT | {"type": None}], "next_cursor": None},
        {"items": [EVENT | {"seq": "7"}], "next_cursor": None},
        {"items": [EVENT | {"seq": 7.0, "at": 1764064920}], "next_cursor": None},
        {"items": [EVENT | {"at": "2026-11-25 10:00:05Z"}], "next_cursor": None},
        {"items": [EVENT | {"at": "2026-11-25T10:00:05z"}], "next_cursor": None},
        {"items": [EVENT | {"at": "2026-11-25T23:59:60Z"}], "next_cursor": None},
        {"items": [EVENT | {"at": None}], "next_cursor": None},
        {"items": [{k: v for k, v in EVENT.items() if k != "seq"}], "next_cursor": None},
        {"items": [EVENT | {"detail": None}], "next_cursor": None},
        {"items": [EVENT | {"recipient_id": 12}], "next_cursor": None},
        {"items": [EVENT | {"seq": 2**70}], "next_cursor": None},
    ]
    return [json.dumps(body).encode() for body in bodies] + _variants()


def _variants() -> list[bytes]:
    """Pages as servers write them, and as hostile or broken ones do."""
    rnd = random.Random(5)
    bodies: list[Any] = [
        {"items": [CALL | {"queued_at": "2026-11-25T10:00:05.5+05:30", "sip_status": 2**70}], "next_cursor": None},
        {"items": [CALL | {"failure": {"code": "busy", "sip_status": 2**70}}], "next_cursor": None},
        {"items": [CALL | {"failure": None, "phone_number": "+44 7700 900001\u0000"}], "next_cursor": None},
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
        b'{"items": [{"id": "a", "recipient_id": "r", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}]}",  # deep, unknown
        b'{"items": [{"seq": 5, "at": "2026-11-25T10:00:05Z", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}]}",
        b'{"items": [], "next_cursor": null',  # cut
        b"\xff\xfe\x00garbage",
        b"",
    ]
    for _ in range(40):  # cut anywhere
        whole = raw[rnd.randrange(3)]
        raw.append(whole[: rnd.randrange(len(whole))])
    return raw


def _response(raw: bytes) -> httpx.Response:
    return httpx.Response(200, content=raw, request=httpx.Request("GET", "http://127.0.0.1:9/x"))


def _outcome(read: Any, raw: bytes) -> Any:
    try:
        return read(_response(raw), "GET /x")
    except InvalidResponse as exc:
        return (type(exc), str(exc), exc.details)


def test_a_job_decoded_from_bytes_reads_what_json_loads_reads() -> None:
    client = BatchApiClient("http://127.0.0.1:9", "tok_x")
    for raw in _variants():
        expected = _outcome(lambda response, what: parse_model(response, BatchJob, what), raw)
        assert _outcome(lambda response, what: client._parse(response, BatchJob, what), raw) == expected, raw[:80]
    client.close()


@pytest.mark.parametrize(
    ("pages", "variants"), [(records.CALLS, _variants), (records.EVENTS, _event_variants)], ids=["calls", "events"]
)
def test_records_decoded_from_bytes_read_what_json_loads_and_the_schemas_read(pages: Any, variants: Any) -> None:
    """The strict decoder takes a page, or the general way reads it: never another result."""
    fast = 0
    for raw in variants():
        expected = _outcome(pages.general, raw)
        got = _outcome(pages.decode, raw)
        assert got == expected, raw[:80]
        if not isinstance(got, tuple):
            with contextlib.suppress(msgspec.MsgspecError):
                pages._decoder.decode(raw)
                fast += 1
    assert fast >= 3  # the usual pages took the fast way


def test_the_fast_path_is_msgspecs_decoder_and_the_general_way_gives_the_words(monkeypatch: pytest.MonkeyPatch) -> None:
    ways: list[str] = []
    original = records.parse_model

    def general(*args: Any) -> Any:
        ways.append("general")
        return original(*args)

    monkeypatch.setattr(records, "parse_model", general)
    ok = _response(json.dumps({"items": [CALL]}).encode())
    page = records.CALLS.decode(ok, "GET /x")
    assert ways == []  # decoded from the bytes
    assert isinstance(page.items[0], CallAttempt) and page.items[0].status is CallStatus.FAILED
    assert page.items[0].failure == Failure(code="busy", sip_status=486, message="busy", retryable=False)
    with pytest.raises(InvalidResponse, match="not valid JSON"):
        records.CALLS.decode(_response(b"{"), "GET /x")
    assert ways == ["general"]  # its words come from the general way
    lax = records.CALLS.decode(_response(json.dumps({"items": [CALL | {"attempt": "2"}]}).encode()), "GET /x")
    assert ways == ["general", "general"] and lax.items[0].attempt == 2  # what the schema always accepted


def test_a_record_the_server_gave_an_empty_failure_code_says_unknown() -> None:
    fast = records.CALLS.decode(_response(json.dumps({"items": [CALL | {"failure": {"code": ""}}]}).encode()), "x")
    general = records.CALLS.decode(_response(json.dumps({"items": [CALL | {"failure": {"code": None}}]}).encode()), "x")
    assert fast.items[0].failure is not None and fast.items[0].failure.code == "unknown"
    assert general.items[0].failure is not None and general.items[0].failure.code == "unknown"
    assert Failure(code="").code == "unknown"  # built by hand too


def test_a_time_finer_than_a_microsecond_is_rounded_not_cut() -> None:
    """The one place the fast way reads differently: msgspec rounds a 7th fractional digit,
    pydantic drops it (neither keeps it: a datetime holds microseconds)."""
    raw = json.dumps({"items": [EVENT | {"at": "2026-11-25T10:00:05.1234567Z"}]}).encode()
    fast, general = records.EVENTS.decode(_response(raw), "x"), records.EVENTS.general(_response(raw), "x")
    assert fast.items[0].at.microsecond == 123457 and general.items[0].at.microsecond == 123456
    assert fast.items[0].at - general.items[0].at == timedelta(microseconds=1)


def _calls(n: int) -> list[CallAttempt]:
    return [
        CallAttemptSchema.model_validate(CALL | {"id": f"att_{i}", "recipient_id": f"rcp_{i}"}).record()
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("index", "change"),
    [(0, {"id": "../x"}), (3, {"recipient_id": "a b"}), (4, {"attempt": 0}), (2, {"id": "x" * 65})],
)
def test_a_page_of_calls_is_refused_as_one_by_one_refused_it(index: int, change: dict[str, Any]) -> None:
    page = _calls(5)
    page[index] = CallAttemptSchema.model_validate(CALL | change).record()
    with pytest.raises(InvalidResponse) as one_by_one:
        for i, call in enumerate(page):
            checks.check_call(call, "GET /calls", prefix=f"items[{i}].")
    with pytest.raises(InvalidResponse) as at_once:
        checks.check_calls(page, "GET /calls")
    assert str(at_once.value) == str(one_by_one.value) and at_once.value.details == one_by_one.value.details
    checks.check_calls(_calls(5), "GET /calls")  # a good page passes


def test_a_page_of_events_is_refused_as_one_by_one_refused_it() -> None:
    events = [JobEventSchema.model_validate({"seq": s, "at": "2026-11-25T10:00:05Z"}).record() for s in (5, 6, 7)]
    events.append(
        JobEventSchema.model_validate({"seq": 8, "at": "2026-11-25T10:00:05Z", "recipient_id": "bad id"}).record()
    )
    with pytest.raises(InvalidResponse, match=r"items\[3\]\.recipient_id"):
        checks.check_events(events, "GET /events", after=None)
    with pytest.raises(InvalidResponse, match=r"items\[0\]\.seq"):
        checks.check_events(events, "GET /events", after=5)
    checks.check_events(events[:3], "GET /events", after=4)


def _pages(*pages_: list[Any], last_cursor: str | None = None) -> Any:
    def fetch(cursor: str | None, _deadline: Any) -> RecordPage[Any]:
        index = int(cursor[1:]) if cursor else 0
        nxt = f"p{index + 1}" if index + 1 < len(pages_) else last_cursor
        return RecordPage(items=pages_[index], next_cursor=nxt)

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


def test_the_schemas_read_the_same_fields_as_the_records() -> None:
    """The general way's schemas and the records are two spellings of one contract: kept in step."""
    from triage_gui.domain.models import Failure, FailureSchema, JobEvent

    for record, schema in ((CallAttempt, CallAttemptSchema), (JobEvent, JobEventSchema), (Failure, FailureSchema)):
        assert list(record.__struct_fields__) == list(schema.model_fields), record.__name__
