"""Find a recipient by number (any format) or id (issue #13)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.domain import factories as f
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.recipient_lookup import lookup
from triage_gui.domain.report import FailureClass
from triage_gui.domain.retry_intent import IntentState, RetryIntent


def data_with_history():
    calls = [
        f.failed(1, "busy", attempt=1, at=900),
        f.failed(1, "invalid_number", attempt=2, at=600),
        f.call(2),
        f.failed(3, "provider_timeout"),
        f.call(4, status="queued"),
    ]
    return f.incident(f.job(counters=f.counters_for(calls)), calls)


def test_a_number_in_national_format_finds_every_attempt():
    result = lookup(data_with_history(), "07911 000001", settings=AnalysisSettings(default_region="GB"))
    assert result.matched_by == "phone number"
    assert result.e164 == "+447911000001"
    [match] = result.matches
    assert match.recipient_id == "rcp_00001"
    assert [(a.attempt, a.code, a.sip_status, a.failure_class) for a in match.attempts] == [
        (1, "busy", 486, FailureClass.TRANSIENT),
        (2, "invalid_number", 404, FailureClass.PERMANENT),
    ]
    assert match.attempts[0].queued_at is not None and match.attempts[0].ended_at is not None
    assert not match.retry_queued
    assert "1 recipient" in result.message and "2 attempts" in result.message


def test_other_formats_and_the_region_from_the_campaign():
    data = data_with_history()
    for query in ("+44 7911 000001", "0044-7911-000001", "(07911) 000-001"):
        assert lookup(data, query).e164 == "+447911000001", query  # GB from the from-number
        assert [m.recipient_id for m in lookup(data, query).matches] == ["rcp_00001"]


def test_raw_numbers_in_the_calls_are_normalised_too_and_duplicates_all_show():
    calls = [f.call("rcp_a", number="07911 000009"), f.failed("rcp_b", number="+447911000009")]
    result = lookup(f.incident(f.job(), calls), "+447911000009")
    assert [m.recipient_id for m in result.matches] == ["rcp_a", "rcp_b"]
    assert result.matches[0].retry_text == "Reached; no retry queued"


def test_by_recipient_id_exact_then_case_blind():
    data = data_with_history()
    assert lookup(data, "rcp_00003").matched_by == "recipient id"
    assert [a.code for a in lookup(data, " RCP_00003 ").attempts] == ["provider_timeout"]


def test_retries_on_their_way_are_said():
    data = data_with_history()
    queued = lookup(data, "rcp_00004").matches[0]
    assert queued.retry_queued and "queued" in queued.retry_text
    with_event = data.model_copy(update={"events": [f.event("retry_scheduled", at=10, recipient=3)]})
    pending = lookup(with_event, "rcp_00003").matches[0]
    assert pending.retry_queued and "platform has scheduled" in pending.retry_text
    now = datetime(2026, 11, 25, tzinfo=UTC)
    ours = RetryIntent(
        key="triage-x", workspace="ws_1", job="job_1", recipient_ids=["rcp_00003"], state=IntentState.LAUNCHED,
        retry_job_id="job_r1", created_at=now, updated_at=now,
    )  # fmt: skip
    refused = ours.model_copy(update={"state": IntentState.FAILED, "retry_job_id": None})
    other_job = ours.model_copy(update={"job": "job_9", "retry_job_id": "job_r9"})
    match = lookup(data, "rcp_00003", retries=[ours, refused, other_job]).matches[0]
    assert match.retry_queued and match.retry_text == "In our retry job job_r1"
    assert not lookup(data, "rcp_00003", retries=[refused, other_job]).matches[0].retry_queued


def test_nothing_found_says_why():
    data = data_with_history()
    assert lookup(None, "rcp_1").message.startswith("No job is loaded")
    assert lookup(data, "  ").message == "Type a phone number or a recipient id."
    unknown = lookup(data, "+447911000099")
    assert unknown.matches == () and unknown.e164 == "+447911000099" and "No attempt" in unknown.message
    garbage = lookup(data, "nobody")
    assert garbage.matched_by is None and "not a number" in garbage.message


def test_an_invalid_number_the_job_dialled_as_written_is_found():
    calls = [f.failed("rcp_typo", "invalid_number", number="0791100000")]
    result = lookup(f.incident(f.job(), calls), "0791-100 000")
    assert result.matched_by == "phone number as written"
    assert [m.recipient_id for m in result.matches] == ["rcp_typo"]
    assert lookup(f.incident(f.job(), calls), "0791").matches == ()  # too few digits to compare
