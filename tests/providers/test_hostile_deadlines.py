"""Deadlines: httpx's timeouts are per read; a drip must still end at the overall deadline."""

from __future__ import annotations

import pytest
from hostile_data import CALLS_PATH, CONTENT_PATH, JOB, JOB_PATH, UPLOAD, WS
from hostile_server import drip, drip_headers, endless_pages

from triage_gui.providers.errors import DeadlineExceeded, NetworkError


def test_a_body_drip_ends_at_the_request_deadline_without_retrying(hostile, make_client, sleeps):
    hostile.route(JOB_PATH, drip(interval_s=0.1))  # each read well within the 5 s read timeout
    with pytest.raises(DeadlineExceeded) as err:
        make_client(request_deadline_s=1.0).get_job(WS, JOB)
    assert isinstance(err.value, NetworkError) and err.value.timeout  # exit 5, like any timeout
    assert err.value.deadline_s == 1.0
    assert "within 1 s" in str(err.value)
    assert hostile.count(JOB_PATH) == 1 and sleeps.delays == []  # the time is spent: no retry


def test_a_header_drip_ends_at_the_request_deadline(hostile, make_client):
    hostile.route(JOB_PATH, drip_headers(interval_s=0.05))
    with pytest.raises(DeadlineExceeded):
        make_client(request_deadline_s=1.0).get_job(WS, JOB)


def test_an_upload_drip_ends_at_the_fetch_deadline(hostile, make_client):
    hostile.route(CONTENT_PATH, drip(interval_s=0.05, body=b"phone_number\n" + b"+447700900001\n" * 200))
    lines = []
    with pytest.raises(DeadlineExceeded, match="whole list"):
        for line in make_client(fetch_deadline_s=1.0).iter_upload_lines(WS, UPLOAD):
            lines.append(line)
    assert lines[:1] == ["phone_number"]  # it did stream, then stopped


def test_a_slow_endless_list_ends_at_the_fetch_deadline(hostile, make_client):
    def slow_page(x):
        x.wait(0.2)
        endless(x)

    endless = endless_pages(per_page=2)
    hostile.route(CALLS_PATH, slow_page)
    client = make_client(fetch_deadline_s=1.0)
    with pytest.raises(DeadlineExceeded, match="whole list"):
        list(client.iter_calls(WS, JOB, max_items=None, max_pages=100_000))
    assert hostile.count(CALLS_PATH) < 20


def test_a_slow_page_is_cut_by_the_fetch_deadline_not_only_between_pages(hostile, make_client):
    hostile.route(CALLS_PATH, drip(interval_s=0.1, body=b'{"items": [], "next_cursor": null}' + b" " * 100))
    with pytest.raises(DeadlineExceeded, match="whole list"):
        list(make_client(request_deadline_s=30.0, fetch_deadline_s=1.0).iter_calls(WS, JOB))
