"""Paging: a list that never ends stops at a bound with a contract error, never cut silently;
items given twice are handed out once and recorded."""

from __future__ import annotations

import pytest
from hostile_data import CALLS_PATH, EVENTS_PATH, JOB, JOBS_PATH, WS, call_body
from hostile_server import empty_pages, endless_pages, pages

from triage_gui.providers.batch_v1.paging import DEFAULT_MAX_IDLE_PAGES, iter_all
from triage_gui.providers.errors import InvalidResponse, PagingLimitExceeded


def test_endless_fresh_cursors_with_items_stop_at_max_items(hostile, make_client):
    hostile.route(CALLS_PATH, endless_pages(per_page=10))
    calls = make_client().iter_calls(WS, JOB, max_items=95)
    with pytest.raises(PagingLimitExceeded) as err:
        list(calls)
    assert isinstance(err.value, InvalidResponse)  # exit 6
    assert "went past 95 items" in str(err.value) and CALLS_PATH in str(err.value)
    assert hostile.count(CALLS_PATH) == 10


def test_endless_pages_stop_at_max_pages(hostile, make_client):
    hostile.route(CALLS_PATH, endless_pages(per_page=1))
    with pytest.raises(PagingLimitExceeded, match="within 7 pages"):
        list(make_client().iter_calls(WS, JOB, max_items=None, max_pages=7))
    assert hostile.count(CALLS_PATH) == 7


def test_endless_empty_pages_stop(hostile, make_client):
    hostile.route(CALLS_PATH, empty_pages())
    with pytest.raises(PagingLimitExceeded, match="nothing new"):
        list(make_client().iter_calls(WS, JOB))
    assert hostile.count(CALLS_PATH) == DEFAULT_MAX_IDLE_PAGES


def test_endless_pages_of_the_same_items_stop(hostile, make_client):
    hostile.route(CALLS_PATH, endless_pages(per_page=3, fresh_items=False))
    calls = make_client().iter_calls(WS, JOB)
    with pytest.raises(PagingLimitExceeded, match="nothing new"):
        list(calls)
    assert calls.items == 3 and calls.repeated == 3 * DEFAULT_MAX_IDLE_PAGES


def test_repeated_ids_are_dropped_and_recorded(hostile, make_client):
    hostile.route(CALLS_PATH, pages([call_body(1), call_body(2)], [call_body(2), call_body(3), call_body(3)]))
    client = make_client()
    calls = client.iter_calls(WS, JOB)
    assert [c.id for c in calls] == ["att_000001", "att_000002", "att_000003"]
    assert calls.repeated == 2 and calls.repeated_ids == ["att_000002", "att_000003"]
    [overlap] = client.page_overlaps
    assert overlap.request == f"GET {CALLS_PATH}" and overlap.repeated == 2
    assert overlap.ids == ["att_000002", "att_000003"]


def test_repeated_events_are_dropped_by_seq(hostile, make_client):
    from hostile_data import event_body

    hostile.route(EVENTS_PATH, pages([event_body(1), event_body(2)], [event_body(2), event_body(5)]))
    events = make_client().iter_events(WS, JOB)
    assert [e.seq for e in events] == [1, 2, 5]
    assert events.repeated_ids == ["2"]


def test_a_list_without_repeats_records_nothing(hostile, make_client):
    client = make_client()
    assert len(list(client.iter_calls(WS, JOB))) == 2
    assert len(list(client.iter_jobs(WS))) == 1
    assert client.page_overlaps == []


def test_stop_after_takes_the_first_items_on_purpose(hostile, make_client):
    hostile.route(CALLS_PATH, endless_pages(per_page=10))
    calls = make_client().iter_calls(WS, JOB, stop_after=25)
    assert len(list(calls)) == 25
    assert hostile.count(CALLS_PATH) == 3


def test_related_jobs_list_stops_at_its_bound(hostile, make_client):
    from hostile_data import job_body

    hostile.route(JOBS_PATH, endless_pages(per_page=5, make=lambda n: job_body(id=f"job_{n}")))
    with pytest.raises(PagingLimitExceeded):
        list(make_client().iter_jobs(WS, max_items=12))


def test_iter_all_keeps_the_old_repeating_cursor_message():
    from triage_gui.domain.models import Page

    served = iter([Page[int](items=[1], next_cursor="a"), Page[int](items=[2], next_cursor="a")])
    with pytest.raises(InvalidResponse, match="same page cursor"):
        list(iter_all(lambda _c: next(served)))
