"""What happened to one recipient, as a domain ``CallAttempt``: ElevenLabs' statuses and conversation
fields read into the app's call status and failure code, every raw value kept as evidence.

The order (first answer wins), after mapping-proposal.md section 3 with the brief's changes:

1. the recipient's status says whether the attempt is final (``pending`` queued; ``dispatched``,
   ``initiated``, ``in_progress`` in flight; a status this app does not know: unknown, never
   retried);
2. the conversation's ``metadata.phone_call.call_result`` decides reachability: ``answered`` is
   reached (whatever the recipient's status: dialling again would be a second delivery),
   ``busy`` and ``no_answer`` are the domain's transient codes, ``voicemail`` is its own code,
   which the domain does not classify: never retried automatically (a message may have been left);
3. otherwise the SIP final response to the INVITE (parsed from ``/sip-messages``) goes to the
   domain's RFC 3261 table (``sip_status``);
4. otherwise the platform's ``error``, the ``termination_reason`` or a recipient ``failed`` with no
   conversation give codes the domain does not know: ``unknown`` (a human looks), never transient.

The failure's ``message`` carries every raw value (recipient status, conversation status, call
result, error code and reason, termination reason, SIP code, goal evaluation): the domain shows it
beside unclassified failures, and applies its Q.850 cause names to it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from triage_gui.domain.models import CallAttempt, CallStatus, Failure
from triage_gui.providers.elevenlabs.wire import Conversation, Recipient, SipMessage, unix_time
from triage_gui.providers.errors import clean_text

IN_FLIGHT = {"dispatched": CallStatus.DIALING, "initiated": CallStatus.DIALING, "in_progress": CallStatus.IN_PROGRESS}
FINAL_FAILED = frozenset({"failed", "voicemail", "cancelled"})
REACHED_RESULTS = frozenset({"answered"})
RESULT_CODES = {"busy": "busy", "no_answer": "no_answer", "voicemail": "voicemail"}
MESSAGE_LIMIT = 400

# Codes this provider writes that the domain's table does not list: each is ``unknown`` there.
VOICEMAIL = "voicemail"
CANCELLED = "cancelled"
CALL_FAILED = "call_failed"
PLATFORM_ERROR = "platform_error"
FAILED_BEFORE_CONVERSATION = "failed_before_conversation"
CONVERSATION_UNREADABLE = "conversation_unreadable"
UNKNOWN_CALL_RESULT = "unknown_call_result"
REACHED_THEN_FAILED = "reached_then_failed"

_SIP_STATUS = re.compile(r"^SIP/2\.0\s+(\d{3})\b")
_CSEQ_INVITE = re.compile(r"^CSeq:\s*\d+\s+INVITE\s*$", re.IGNORECASE | re.MULTILINE)


def sip_final_code(messages: list[SipMessage]) -> int | None:
    """The status of the last final response (>= 200) to the INVITE, from the raw SIP text."""
    final: int | None = None
    ordered = sorted(messages, key=lambda m: m.created_at_unix_micro or 0.0)
    for message in ordered:
        raw = message.raw_message or ""
        match = _SIP_STATUS.match(raw[:200])
        if match is None or not _CSEQ_INVITE.search(raw[:4000]):
            continue
        code = int(match.group(1))
        if code >= 200:
            final = code
    return final


def needs_sip(conversation: Conversation) -> bool:
    """Only a final SIP-trunk call without a telephony result can be explained by SIP messages
    (other numbers keep none, by the facts sheet)."""
    phone = conversation.metadata.phone_call
    if not conversation.is_final or phone is None or phone.type != "sip_trunking":
        return False
    return phone.call_result not in REACHED_RESULTS and phone.call_result not in RESULT_CODES


def evidence(
    recipient: Recipient | None,
    conversation: Conversation | None,
    sip_code: int | None,
    note: str = "",
) -> str:
    """Every raw value that went into the judgement, as one line."""
    parts: list[str] = []
    if recipient is not None:
        parts.append(f"recipient.status={recipient.status}")
    if conversation is not None:
        meta = conversation.metadata
        phone = meta.phone_call
        parts.append(f"conversation.status={conversation.status}")
        parts.append(f"call_result={phone.call_result if phone else None}")
        if meta.error is not None:
            parts.append(f"error.code={meta.error.code}")
            if meta.error.reason:
                parts.append(f"error.reason={meta.error.reason}")
        if meta.termination_reason:
            parts.append(f"termination_reason={meta.termination_reason}")
        if conversation.analysis is not None and conversation.analysis.call_successful:
            parts.append(f"call_successful={conversation.analysis.call_successful}")
    if sip_code is not None:
        parts.append(f"sip={sip_code}")
    if note:
        parts.append(note)
    return clean_text("; ".join(parts), MESSAGE_LIMIT)


def judge(
    recipient: Recipient | None,
    conversation: Conversation | None,
    sip_code: int | None = None,
    *,
    unreadable: str = "",
) -> tuple[CallStatus, Failure | None]:
    """The attempt's status and failure. ``recipient`` None: an earlier attempt, known from its
    conversation alone; ``unreadable``: why its conversation could not be read."""
    status = recipient.status if recipient is not None else None
    if status == "pending":
        return CallStatus.QUEUED, None
    if status in IN_FLIGHT:
        return IN_FLIGHT[status], None
    if recipient is not None and status not in FINAL_FAILED and status != "completed":
        note = f"the recipient's status {status!r} is not one this app knows"
        return CallStatus.UNKNOWN, Failure(code="unknown_status", message=evidence(recipient, conversation, None, note))
    if conversation is None:
        return _without_conversation(recipient, unreadable)
    phone = conversation.metadata.phone_call
    result = phone.call_result if phone is not None else None
    if result in REACHED_RESULTS or (result is None and _reached_without_result(conversation)):
        if status in (None, "completed"):
            return CallStatus.SUCCEEDED, None
        # reached, yet the platform calls it failed: a person heard the agent; keep why
        return CallStatus.SUCCEEDED, Failure(
            code=REACHED_THEN_FAILED, message=evidence(recipient, conversation, sip_code), retryable=False
        )
    if status == "completed" and result is None:
        return CallStatus.SUCCEEDED, None
    if result in RESULT_CODES:
        return CallStatus.FAILED, Failure(
            code=RESULT_CODES[result], message=evidence(recipient, conversation, sip_code)
        )
    if status == "voicemail":
        return CallStatus.FAILED, Failure(code=VOICEMAIL, message=evidence(recipient, conversation, sip_code))
    if recipient is None and not conversation.is_final:
        return CallStatus.IN_PROGRESS, None
    message = evidence(recipient, conversation, sip_code)
    if result is not None and result != "failed":
        return CallStatus.FAILED, Failure(code=UNKNOWN_CALL_RESULT, message=message)
    if sip_code is not None and sip_code >= 300:
        return CallStatus.FAILED, Failure(code=CALL_FAILED, sip_status=sip_code, message=message)
    if status == "cancelled":
        return CallStatus.FAILED, Failure(code=CANCELLED, message=message)
    if conversation.metadata.error is not None:
        return CallStatus.FAILED, Failure(code=PLATFORM_ERROR, message=message)
    return CallStatus.FAILED, Failure(code=CALL_FAILED, message=message)


def _without_conversation(recipient: Recipient | None, unreadable: str) -> tuple[CallStatus, Failure | None]:
    status = recipient.status if recipient is not None else None
    if status == "completed":
        return CallStatus.SUCCEEDED, None
    if unreadable:
        note = f"the conversation could not be read: {unreadable}"
        return CallStatus.FAILED, Failure(code=CONVERSATION_UNREADABLE, message=evidence(recipient, None, None, note))
    if status == "voicemail":
        return CallStatus.FAILED, Failure(code=VOICEMAIL, message=evidence(recipient, None, None))
    if status == "cancelled":
        return CallStatus.FAILED, Failure(code=CANCELLED, message=evidence(recipient, None, None, "never dialled"))
    note = "no conversation: the call was never set up"
    return CallStatus.FAILED, Failure(code=FAILED_BEFORE_CONVERSATION, message=evidence(recipient, None, None, note))


def _reached_without_result(conversation: Conversation) -> bool:
    """No telephony result (older records): taken as reached only when it was accepted, lasted
    10 s or more and ended normally (mapping-proposal section 7's fallback)."""
    meta = conversation.metadata
    return (
        conversation.status == "done"
        and meta.accepted_time_unix_secs is not None
        and (meta.call_duration_secs or 0) >= 10
        and meta.error is None
    )


def to_attempt(
    recipient: Recipient,
    recipient_id: str,
    *,
    batch_id: str,
    attempt: int,
    conversation: Conversation | None,
    dispatch_key: str,
    sip_code: int | None = None,
    unreadable: str = "",
    earlier: bool = False,
) -> CallAttempt:
    """The domain's attempt for a recipient's (latest, or with ``earlier`` an earlier) conversation."""
    if earlier:
        status, failure = judge(None, conversation, sip_code)
    else:
        status, failure = judge(recipient, conversation, sip_code, unreadable=unreadable)
    started = conversation.started_at if conversation is not None else None
    ended = _ended(conversation, started)
    dispatched: datetime | None = None
    if status is not CallStatus.QUEUED:
        never_dialled = conversation is None and recipient.status in ("cancelled", "failed") and not unreadable
        if not never_dialled:
            dispatched = started or recipient.updated_at
    if status in (CallStatus.SUCCEEDED, CallStatus.FAILED) and ended is None and not earlier:
        ended = recipient.updated_at
    conversation_id = conversation.conversation_id if conversation is not None else recipient.conversation_id
    return CallAttempt(
        id=conversation_id or f"{batch_id}:{recipient.id}",
        recipient_id=recipient_id,
        phone_number=recipient.phone_number or recipient.whatsapp_user_id or "",
        attempt=attempt,
        dispatch_key=dispatch_key if dispatched is not None else "",
        status=status,
        failure=failure,
        queued_at=recipient.created_at,
        dispatched_at=dispatched,
        ended_at=ended if status in (CallStatus.SUCCEEDED, CallStatus.FAILED) else None,
    )


def _ended(conversation: Conversation | None, started: datetime | None) -> datetime | None:
    if conversation is None or started is None or not conversation.is_final:
        return None
    duration = conversation.metadata.call_duration_secs or 0.0
    end = unix_time(started.timestamp() + max(duration, 0.0))
    return end if end is not None else started + timedelta(0)
