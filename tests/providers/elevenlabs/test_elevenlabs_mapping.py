"""ElevenLabs' answers read into the domain: unknown enum values and missing fields never break a
load, every raw value is kept, an unknown reason is ``unknown`` (never transient), voicemail is
never retried by default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from triage_gui.domain.classification import classify
from triage_gui.domain.models import CallStatus, JobStatus, Trigger
from triage_gui.domain.report import FailureClass
from triage_gui.providers.elevenlabs.attempts import load_attempts
from triage_gui.providers.elevenlabs.conversations import ConversationCache
from triage_gui.providers.elevenlabs.mapping import (
    audit_recipients,
    batch_job,
    parse_retry_name,
    retry_name,
    submitted_recipients,
)
from triage_gui.providers.elevenlabs.outcomes import judge, sip_final_code
from triage_gui.providers.elevenlabs.wire import BatchCallDetail, Conversation, Recipient, SipMessage

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def conversation(result: str | None = None, status: str = "failed", **metadata) -> Conversation:
    phone = {"type": "sip_trunking", "call_result": result} if result is not None else None
    return Conversation.model_validate(
        {
            "conversation_id": "conv_1",
            "status": status,
            "metadata": {"start_time_unix_secs": 1_767_268_800, "call_duration_secs": 0, "phone_call": phone}
            | metadata,
        }
    )


def recipient(status: str | None, conversation_id: str | None = "conv_1") -> Recipient:
    return Recipient.model_validate({"id": "r1", "status": status, "conversation_id": conversation_id})


@pytest.mark.parametrize(
    ("status", "result", "call_status", "code", "failure_class"),
    [
        ("completed", None, CallStatus.SUCCEEDED, None, None),
        ("failed", "busy", CallStatus.FAILED, "busy", FailureClass.TRANSIENT),
        ("failed", "no_answer", CallStatus.FAILED, "no_answer", FailureClass.TRANSIENT),
        ("voicemail", "voicemail", CallStatus.FAILED, "voicemail", FailureClass.UNKNOWN),
        ("voicemail", None, CallStatus.FAILED, "voicemail", FailureClass.UNKNOWN),
        ("failed", "failed", CallStatus.FAILED, "call_failed", FailureClass.UNKNOWN),
        ("failed", "hung_up_by_carrier", CallStatus.FAILED, "unknown_call_result", FailureClass.UNKNOWN),
        ("failed", "answered", CallStatus.SUCCEEDED, "reached_then_failed", None),
        ("completed", "busy", CallStatus.FAILED, "busy", FailureClass.TRANSIENT),  # telephony decides
        ("cancelled", None, CallStatus.FAILED, "cancelled", FailureClass.UNKNOWN),
        ("pending", None, CallStatus.QUEUED, None, None),
        ("dispatched", None, CallStatus.DIALING, None, None),
        ("initiated", None, CallStatus.DIALING, None, None),
        ("in_progress", None, CallStatus.IN_PROGRESS, None, None),
        ("on_hold_for_ever", None, CallStatus.UNKNOWN, "unknown_status", None),
    ],
)
def test_a_recipient_and_its_conversation_judged(status, result, call_status, code, failure_class):
    got_status, failure = judge(recipient(status), conversation(result))
    assert got_status is call_status
    assert (failure.code if failure else None) == code
    if failure_class is not None:
        assert classify(failure) is failure_class


def test_an_unknown_error_or_termination_reason_is_unknown_never_transient():
    conv = conversation("failed", error={"code": 4711, "reason": "Something new"}, termination_reason="Mystery")
    status, failure = judge(recipient("failed"), conv)
    assert status is CallStatus.FAILED and failure is not None
    assert failure.code == "platform_error"
    assert classify(failure) is FailureClass.UNKNOWN
    for raw in ("recipient.status=failed", "conversation.status=failed", "call_result=failed", "error.code=4711"):
        assert raw in failure.message
    assert "Something new" in failure.message and "termination_reason=Mystery" in failure.message


def test_the_sip_final_code_decides_a_failed_call_without_a_result():
    status, failure = judge(recipient("failed"), conversation("failed"), 404)
    assert failure is not None and failure.sip_status == 404
    assert classify(failure) is FailureClass.PERMANENT
    _, busy = judge(recipient("failed"), conversation("failed"), 486)
    assert busy is not None and classify(busy) is FailureClass.TRANSIENT


def test_failed_without_any_conversation_is_unknown():
    status, failure = judge(recipient("failed", None), None)
    assert status is CallStatus.FAILED and failure is not None
    assert failure.code == "failed_before_conversation"
    assert classify(failure) is FailureClass.UNKNOWN


def test_an_unreadable_conversation_is_unknown_and_says_why():
    _status, failure = judge(recipient("failed"), None, unreadable="404: gone")
    assert failure is not None and failure.code == "conversation_unreadable" and "404: gone" in failure.message


def sip(code: int, micro: int, cseq: str = "INVITE") -> SipMessage:
    return SipMessage(raw_message=f"SIP/2.0 {code} X\r\nCSeq: 1 {cseq}\r\n\r\n", created_at_unix_micro=micro)


def test_the_last_final_answer_to_the_invite_is_the_sip_code():
    messages = [sip(100, 1), sip(183, 2), sip(486, 3), sip(200, 4, cseq="BYE")]
    assert sip_final_code(messages) == 486
    assert sip_final_code([sip(100, 1)]) is None
    assert sip_final_code([SipMessage(raw_message="INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE")]) is None


def detail(**extra) -> BatchCallDetail:
    base = {"id": "btcal_1", "agent_id": "agent_1", "status": "in_progress", "created_at_unix": 1_767_268_000}
    return BatchCallDetail.model_validate(base | extra)


def test_unknown_statuses_and_missing_fields_never_break_a_load():
    batch = detail(
        status="paused_by_magic",
        created_at_unix=None,
        total_calls_scheduled="lots",
        retry_count=-3,
        recipients=[
            {"id": "r1", "status": "teleported"},
            {"id": "r2"},
            {"id": "r3", "status": "completed", "created_at_unix": 1e300, "updated_at_unix": float("nan")},
        ],
    )
    attempts = load_attempts(None, ConversationCache(), batch)
    job = batch_job(batch, "default", NOW, attempts.latest)
    assert job.status is JobStatus.UNKNOWN
    assert job.created_at == NOW  # no creation time: the caller's now stands in
    assert [a.status for a in attempts.latest] == [CallStatus.UNKNOWN, CallStatus.UNKNOWN, CallStatus.SUCCEEDED]
    assert job.counters.total == 3 and job.counters.succeeded == 1
    assert job.retry_policy.max_attempts == 1


@pytest.mark.parametrize(
    ("status", "job_status"),
    [
        ("pending", JobStatus.QUEUED),
        ("in_progress", JobStatus.RUNNING),
        ("completed", JobStatus.COMPLETED),
        ("failed", JobStatus.FAILED),
        ("cancelled", JobStatus.CANCELLED),
    ],
)
def test_batch_statuses(status, job_status):
    assert batch_job(detail(status=status), "default", NOW, []).status is job_status


def test_counters_are_counted_from_the_recipients():
    batch = detail(
        total_calls_scheduled=99,
        recipients=[
            {"id": "a", "status": "pending"},
            {"id": "b", "status": "initiated", "updated_at_unix": 1_767_268_500},
            {"id": "c", "status": "completed", "updated_at_unix": 1_767_268_400},
            {"id": "d", "status": "failed", "conversation_id": None, "updated_at_unix": 1_767_268_300},
        ],
        target_concurrency_limit=2,
    )
    job = batch_job(batch, "default", NOW, load_attempts(None, ConversationCache(), batch).latest)
    counters = job.counters
    assert (counters.total, counters.queued, counters.in_progress, counters.succeeded, counters.failed) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert counters.dispatched == 2  # d failed before any call was set up
    assert (job.dispatch.concurrency_limit, job.dispatch.permits_in_use, job.dispatch.waiting_for_permit) == (2, 1, 1)
    assert job.dispatch.last_dispatch_at == datetime.fromtimestamp(1_767_268_500, UTC)


def test_permits_are_not_claimed_without_a_concurrency_limit():
    batch = detail(recipients=[{"id": "a", "status": "pending"}, {"id": "b", "status": "in_progress"}])
    job = batch_job(batch, "default", NOW, load_attempts(None, ConversationCache(), batch).latest)
    assert job.dispatch.concurrency_limit == 0 and job.dispatch.permits_in_use == 0


def test_a_retry_batch_is_known_by_its_name():
    key = "triage-" + "ab" * 20
    name = retry_name(key, "btcal_parent")
    assert parse_retry_name(name) == (key, "btcal_parent")
    assert parse_retry_name("June reminders") is None
    job = batch_job(detail(name=name), "default", NOW, [])
    assert job.parent_job_id == "btcal_parent" and job.trigger is Trigger.RETRY and job.is_retry


def test_a_retry_batchs_recipients_are_known_by_the_ids_they_retry():
    batch = detail(
        recipients=[
            {
                "id": "btrec_new",
                "status": "pending",
                "conversation_initiation_client_data": {"dynamic_variables": {"triage_recipient_id": "r_orig"}},
            }
        ]
    )
    assert [a.recipient_id for a in load_attempts(None, ConversationCache(), batch).latest] == ["r_orig"]


def test_nulls_where_lists_and_objects_are_expected_are_empty():
    from triage_gui.providers.elevenlabs.wire import ConversationsPage, SipMessages, WorkspaceBatches

    assert detail(recipients=None).recipients == []
    assert WorkspaceBatches.model_validate({"batch_calls": None}).batch_calls == []
    assert ConversationsPage.model_validate({"conversations": None}).conversations == []
    assert SipMessages.model_validate({"sip_messages": None}).sip_messages == []
    bare = Conversation.model_validate({"conversation_id": "c", "metadata": None, "analysis": None})
    assert judge(recipient("failed"), bare)[1] is not None


def people(*numbers: str | None, whatsapp: bool = False) -> BatchCallDetail:
    recipients = [
        {"id": f"r{i}", "phone_number": n} | ({"whatsapp_user_id": f"wa{i}"} if whatsapp else {})
        for i, n in enumerate(numbers)
    ]
    return detail(recipients=recipients, total_calls_scheduled=len(numbers))


def test_the_batchs_own_list_is_what_was_submitted():
    submitted = submitted_recipients(people("+14155550100", "+14155550101", "+14155550102"))
    assert (submitted.count, submitted.declared) == (3, 3)
    assert submitted.source == "the batch's own recipient list (3 in GET /v1/convai/batch-calling/btcal_1)"
    assert submitted_recipients(detail()).declared is None  # no total_calls_scheduled: nothing declared


def test_the_batchs_recipients_are_audited_by_position():
    batch = people("+14155550100", "+1 415 555 0100", "+1212488", None, "4155550101")
    audit = audit_recipients(batch, "US")
    assert (audit.source, audit.column, audit.region) == ("batch:btcal_1 recipients", "phone_number", "US")
    assert (audit.rows, audit.valid, audit.unique_valid, audit.duplicate_rows) == (5, 3, 2, 1)
    assert [(g.e164, g.rows) for g in audit.duplicate_groups] == [("+14155550100", [1, 2])]
    assert [(r.row, r.raw, r.reason) for r in audit.invalid_rows] == [(3, "+1212488", "too short"), (4, "", "empty")]
    # without a default region a number written without "+" has no country
    assert audit_recipients(batch, None).invalid == 3


def test_a_whatsapp_batch_has_no_phone_numbers_to_audit():
    audit = audit_recipients(people(None, None, whatsapp=True), "US")
    assert audit.error == "2 of its 2 recipients are WhatsApp users, not phone numbers"
    assert audit.rows == 0
