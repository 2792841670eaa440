"""Retry-After and Date from a server that cannot be trusted with either."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hostile_data import JOB, JOB_PATH, WS, job_body
from hostile_server import answer, problem

from triage_gui.providers.errors import RateLimited, ServerError
from triage_gui.providers.http.limits import PLAUSIBLE_CLOCK_SKEW_S
from triage_gui.providers.http.retry_policy import MAX_RETRY_AFTER_S, parse_retry_after

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("nan", None),
        ("NaN", None),
        ("inf", None),
        ("-inf", None),
        ("1e400", None),
        ("-5", None),
        ("0x10", None),
        ("1_000", None),
        ("", None),
        ("999999", MAX_RETRY_AFTER_S),
        ("9" * 400, MAX_RETRY_AFTER_S),
        (" 12 ", 12.0),
        ("2.5", 2.5),
        ("0", 0.0),
        ("Wed, 25 Nov 2026 12:00:30 GMT", 30.0),
        ("Thu, 01 Jan 2100 00:00:00 GMT", MAX_RETRY_AFTER_S),
        ("Mon, 01 Jan 1990 00:00:00 GMT", 0.0),
        ("Mon, 99 Foo 99999 99:99:99 GMT", None),
    ],
)
def test_retry_after_is_parsed_defensively_and_clamped(header, seconds):
    value = parse_retry_after(header, NOW)
    assert value == seconds
    assert value is None or (math.isfinite(value) and 0 <= value <= MAX_RETRY_AFTER_S)


@pytest.mark.parametrize("header", ["nan", "inf", "1e400"])
def test_a_non_finite_retry_after_falls_back_to_backoff(hostile, make_client, sleeps, header):
    hostile.route(JOB_PATH, problem(429, headers=[("Retry-After", header)]), times=1)
    assert make_client().get_job(WS, JOB).id == JOB
    assert len(sleeps.delays) == 1 and 0 <= sleeps.delays[0] <= 0.5  # jittered backoff, a real number


def test_a_non_finite_retry_after_on_a_persistent_503_is_a_plain_server_error(hostile, make_client, sleeps):
    hostile.route(JOB_PATH, problem(503, headers=[("Retry-After", "inf")]))
    with pytest.raises(ServerError) as err:
        make_client().get_job(WS, JOB)
    assert err.value.retry_after is None
    assert all(math.isfinite(d) for d in sleeps.delays)


def test_a_retry_after_of_days_is_clamped_and_handed_to_the_caller(hostile, make_client, sleeps):
    hostile.route(JOB_PATH, problem(429, headers=[("Retry-After", "999999")]))
    with pytest.raises(RateLimited) as err:
        make_client().get_job(WS, JOB)
    assert err.value.retry_after == MAX_RETRY_AFTER_S  # the poller waits 5 minutes, not 11 days
    assert sleeps.delays == []


def test_a_retry_after_date_is_read_on_the_servers_own_clock(hostile, make_client, sleeps):
    server_date = "Mon, 01 Jan 1990 00:00:00 GMT"  # the server lives in 1990: "in 1 s" is 1990 + 1 s
    hostile.route(
        JOB_PATH,
        problem(429, headers=[("Retry-After", "Mon, 01 Jan 1990 00:00:01 GMT")], date=server_date),
        times=1,
    )
    make_client().get_job(WS, JOB)
    assert sleeps.delays == [1.0]


@pytest.mark.parametrize(
    ("date", "sign"), [("Mon, 01 Jan 1990 00:00:00 GMT", -1), ("Fri, 01 Jan 2100 00:00:00 GMT", 1)]
)
def test_an_absurd_server_clock_is_rejected_and_its_skew_reported(hostile, make_client, date, sign):
    hostile.route(JOB_PATH, answer(job_body(), date=date))
    client = make_client(clock_plausibility_s=PLAUSIBLE_CLOCK_SKEW_S)
    client.get_job(WS, JOB)
    assert client.server_clock_rejected is True
    assert client.knows_server_clock is False
    assert client.server_clock_skew_s is not None and client.server_clock_skew_s * sign > 20 * 365 * 86400
    assert abs(client.server_now() - datetime.now(UTC)) < timedelta(minutes=5)  # the workstation's clock


def test_a_plausible_server_clock_is_kept_with_its_skew(hostile, make_client):
    server = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    hostile.route(JOB_PATH, answer(job_body(), date=server.strftime("%a, %d %b %Y %H:%M:%S GMT")))
    client = make_client(clock_plausibility_s=PLAUSIBLE_CLOCK_SKEW_S)
    client.get_job(WS, JOB)
    assert client.knows_server_clock and not client.server_clock_rejected
    assert client.server_clock_skew_s is not None and -3 * 3600 - 60 < client.server_clock_skew_s < -3 * 3600 + 60
    assert abs(client.server_now() - server) < timedelta(minutes=1)


def test_without_a_bound_the_skew_is_still_measured(hostile, make_client):
    hostile.route(JOB_PATH, answer(job_body(), date="Mon, 01 Jan 1990 00:00:00 GMT"))
    client = make_client(clock_plausibility_s=None)  # no bound: the server's clock, whatever it says
    client.get_job(WS, JOB)
    assert client.knows_server_clock and not client.server_clock_rejected
    assert client.server_clock_skew_s is not None and client.server_clock_skew_s < 0


@pytest.mark.parametrize("date", ["garbage", "Mon, 99 Foo 99999 99:99:99 GMT", "Sat, 01 Jan 0001 00:00:00 GMT", ""])
def test_an_unreadable_date_is_ignored(hostile, make_client, date):
    hostile.route(JOB_PATH, answer(job_body(), date=date))
    client = make_client(clock_plausibility_s=PLAUSIBLE_CLOCK_SKEW_S)
    assert client.get_job(WS, JOB).id == JOB
    assert abs(client.server_now() - datetime.now(UTC)) < timedelta(days=2)


def test_a_wait_longer_than_the_deadline_left_is_handed_to_the_caller(hostile, make_client, sleeps):
    hostile.route(JOB_PATH, problem(429, headers=[("Retry-After", "30")]), times=1)
    with pytest.raises(RateLimited):
        make_client(request_deadline_s=2.0).get_job(WS, JOB)  # 30 s fits the 60 s cap, not the deadline
    assert sleeps.delays == []
