"""What the ElevenLabs simulator knows: batches, recipients, and each recipient's planned calls.

Every call is planned once (when it starts, how long it rings, what happens); what the API shows
at time *t* is derived from the plan, so simulated time moves batches on by itself (the demo's
``RealClock``) or when a test says so (``ManualClock.advance``). A call that never starts
(``start`` None) keeps its recipient ``pending`` for ever: a stalled batch.

The JSON follows the official SDK's response types (``elevenlabs`` 2.78): the tests parse every
answer with them. This package imports nothing of the app: it is the platform, not our reading
of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DISPATCH_S = 2.0  # dispatched -> initiated
PROCESSING_S = 5.0  # a conversation is "processing" this long after the call ends
RING_S = 20.0  # how long an unanswered call rings
SIP_REASONS = {
    200: "OK",
    404: "Not Found",
    480: "Temporarily Unavailable",
    484: "Address Incomplete",
    486: "Busy Here",
    503: "Service Unavailable",
    603: "Decline",
}


@dataclass
class Call:
    """One planned call (a conversation) of a recipient."""

    conversation_id: str
    start: float | None  # None: never dialled
    result: str | None = "answered"  # call_result: answered, busy, no_answer, voicemail, failed, None (not set)
    duration: float = 90.0  # talking time when answered
    recipient_status: str | None = None  # the recipient's final status (default from the result)
    conversation_status: str | None = None  # final conversation status (default from the result)
    error: tuple[int, str] | None = None
    termination_reason: str | None = None
    sip_code: int | None = None
    call_successful: str = "success"

    @property
    def answered(self) -> bool:
        return self.result == "answered"

    @property
    def ring_end(self) -> float:
        assert self.start is not None
        return self.start + (3.0 if self.answered else RING_S)

    @property
    def end(self) -> float:
        return self.ring_end + (self.duration if self.answered else 0.0)

    def final_recipient_status(self) -> str:
        if self.recipient_status:
            return self.recipient_status
        return {"answered": "completed", "voicemail": "voicemail"}.get(self.result or "", "failed")

    def final_conversation_status(self) -> str:
        if self.conversation_status:
            return self.conversation_status
        return "done" if self.answered or self.result == "voicemail" else "failed"

    def phase(self, now: float) -> str:
        """not_started, dispatched, ringing, talking, processing, final."""
        if self.start is None or now < self.start:
            return "not_started"
        if now < self.start + DISPATCH_S:
            return "dispatched"
        if now < self.ring_end:
            return "ringing"
        if now < self.end:
            return "talking"
        if now < self.end + PROCESSING_S:
            return "processing"
        return "final"


@dataclass
class Recipient:
    id: str
    phone_number: str | None
    created: float
    calls: list[Call] = field(default_factory=list)  # in order; the last started one is the latest
    user_id: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    # ("failed" or "cancelled", when): the recipient ended without any call (a number that could
    # not be dialled, a cancelled batch)
    ended_without_call: tuple[str, float] | None = None

    def latest(self, now: float) -> Call | None:
        started = [c for c in self.calls if c.start is not None and c.start <= now]
        return started[-1] if started else None

    def status(self, now: float) -> str:
        call = self.latest(now)
        if call is None:
            ended = self.ended_without_call
            return ended[0] if ended is not None and now >= ended[1] else "pending"
        phase = call.phase(now)
        if phase == "dispatched":
            return "dispatched"
        if phase == "ringing":
            return "initiated"
        if phase in ("talking", "processing"):
            return "in_progress"
        return call.final_recipient_status()

    def updated(self, now: float) -> float:
        times = [self.created]
        for call in self.calls:
            if call.start is None or call.start > now:
                continue
            times += [t for t in (call.start, call.start + DISPATCH_S, call.ring_end, call.end) if t <= now]
        if self.ended_without_call is not None and self.ended_without_call[1] <= now:
            times.append(self.ended_without_call[1])
        return max(times)

    def final(self, now: float) -> bool:
        return self.status(now) in ("completed", "failed", "voicemail", "cancelled")

    def will_call(self, now: float) -> bool:
        """A call is still to start (a planned one later than now)."""
        return any(c.start is not None and c.start > now for c in self.calls)

    def as_json(self, now: float) -> dict[str, Any]:
        call = self.latest(now)
        data: dict[str, Any] | None = None
        if self.user_id or self.variables:
            data = {"user_id": self.user_id, "dynamic_variables": dict(self.variables)}
        return {
            "id": self.id,
            "phone_number": self.phone_number,
            "whatsapp_user_id": None,
            "status": self.status(now),
            "created_at_unix": int(self.created),
            "updated_at_unix": int(self.updated(now)),
            "conversation_id": call.conversation_id if call is not None else None,
            "conversation_initiation_client_data": data,
        }


@dataclass
class Batch:
    id: str
    name: str
    agent_id: str
    agent_name: str
    phone_number_id: str
    created: float
    scheduled: float
    recipients: list[Recipient] = field(default_factory=list)
    phone_provider: str = "sip_trunk"  # or "twilio"
    agent_number: str = "+14155550100"
    retry_count: int = 0
    target_concurrency_limit: int | None = None
    ringing_timeout_secs: int = 45
    status_override: str | None = None  # "failed", "cancelled"...: what the platform says regardless
    touch_every: float | None = None  # bookkeeping: last_updated_at moves this often even when stuck
    timezone: str | None = "UTC"

    def status(self, now: float) -> str:
        if self.status_override:
            return self.status_override
        if now < self.scheduled:
            return "pending"
        if all(r.final(now) and not r.will_call(now) for r in self.recipients):
            return "completed"
        return "in_progress"

    def last_updated(self, now: float) -> float:
        times = [self.created, *(r.updated(now) for r in self.recipients)]
        if self.touch_every and now >= self.scheduled:
            times.append(now - (now % self.touch_every))
        return min(max(times), now)

    def summary(self, now: float) -> dict[str, Any]:
        dispatched = sum(1 for r in self.recipients if r.latest(now) is not None)
        finished = sum(1 for r in self.recipients if r.final(now))
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "phone_provider": self.phone_provider,
            "whatsapp_params": None,
            "name": self.name,
            "agent_id": self.agent_id,
            "branch_id": None,
            "environment": None,
            "created_at_unix": int(self.created),
            "scheduled_time_unix": int(self.scheduled),
            "timezone": self.timezone,
            "total_calls_dispatched": dispatched,
            "total_calls_scheduled": len(self.recipients),
            "total_calls_finished": finished,
            "last_updated_at_unix": int(self.last_updated(now)),
            "status": self.status(now),
            "retry_count": self.retry_count,
            "telephony_call_config": {
                "ringing_timeout_secs": self.ringing_timeout_secs,
                "twilio_call_recording_enabled": None,
                "twilio_machine_detection": None,
            },
            "target_concurrency_limit": self.target_concurrency_limit,
            "agent_name": self.agent_name,
            "branch_name": None,
        }

    def detail(self, now: float) -> dict[str, Any]:
        return {**self.summary(now), "recipients": [r.as_json(now) for r in self.recipients]}


@dataclass
class Inbound:
    """A call into the agent (noise on the conversations list: not a batch's)."""

    conversation_id: str
    agent_id: str
    start: float
    phone_number_id: str
    caller: str


def conversation_status(call: Call, now: float) -> str:
    phase = call.phase(now)
    if phase in ("dispatched", "ringing"):
        return "initiated"
    if phase == "talking":
        return "in-progress"
    if phase == "processing":
        return "processing"
    return call.final_conversation_status()


def conversation_json(batch: Batch, recipient: Recipient, call: Call, now: float) -> dict[str, Any]:
    """``GetConversationResponseModel`` of a batch call at ``now`` (``call.start`` <= now)."""
    assert call.start is not None
    status = conversation_status(call, now)
    final = status in ("done", "failed")
    talked = max(0.0, min(now, call.end) - call.ring_end) if call.answered else 0.0
    phone: dict[str, Any] = {
        "direction": "outbound",
        "phone_number_id": batch.phone_number_id,
        "agent_number": batch.agent_number,
        "external_number": recipient.phone_number or "",
        "call_result": call.result if final else None,
        "call_sid": f"CA{call.conversation_id[-20:]}",
    }
    if batch.phone_provider == "twilio":
        phone.update(type="twilio", stream_sid=f"MZ{call.conversation_id[-20:]}")
    else:
        phone.update(type="sip_trunking", call_id=f"{call.conversation_id}@sip.example.net")
    metadata: dict[str, Any] = {
        "start_time_unix_secs": int(call.start),
        "accepted_time_unix_secs": int(call.ring_end) if call.answered and now >= call.ring_end else None,
        "call_duration_secs": int(talked),
        "queue_wait_secs": None,
        "termination_reason": call.termination_reason if final else None,
        "error": {"code": call.error[0], "reason": call.error[1]} if final and call.error else None,
        "warnings": [],
        "phone_call": phone,
        "batch_call": {"batch_call_id": batch.id, "batch_call_recipient_id": recipient.id},
        "conversation_initiation_source": "sip_trunk" if batch.phone_provider != "twilio" else "twilio",
        "timezone": batch.timezone,
        "text_only": False,
    }
    analysis = (
        {"call_successful": call.call_successful if call.answered else "unknown", "transcript_summary": ""}
        if final
        else None
    )
    data = (
        {"user_id": recipient.user_id, "dynamic_variables": dict(recipient.variables)}
        if recipient.user_id or recipient.variables
        else None
    )
    return {
        "agent_id": batch.agent_id,
        "agent_name": batch.agent_name,
        "conversation_id": call.conversation_id,
        "status": status,
        "user_id": recipient.user_id,
        "branch_id": None,
        "version_id": None,
        "environment": None,
        "has_audio": call.answered and final,
        "has_user_audio": call.answered and final,
        "has_response_audio": call.answered and final,
        "has_auxiliary_audio": False,
        "transcript": [],
        "metadata": metadata,
        "analysis": analysis,
        "conversation_initiation_client_data": data,
    }


def summary_row(
    agent_id: str, agent_name: str, conversation_id: str, start: float, status: str, **kw: Any
) -> dict[str, Any]:
    """A row of the conversations list (``ConversationSummaryResponseModel``)."""
    row: dict[str, Any] = {
        "agent_id": agent_id,
        "agent_name": agent_name,
        "conversation_id": conversation_id,
        "start_time_unix_secs": int(start),
        "call_duration_secs": int(kw.get("duration", 0)),
        "message_count": int(kw.get("messages", 0)),
        "status": status,
        "termination_reason": None,
        "call_successful": kw.get("call_successful", "unknown"),
        "direction": kw.get("direction", "outbound"),
        "conversation_initiation_source": kw.get("source", "sip_trunk"),
        "tool_names": [],
        "tag_ids": [],
    }
    return row


def sip_messages(batch: Batch, recipient: Recipient, call: Call, now: float) -> list[dict[str, Any]]:
    """The SIP log of a SIP-trunk call (none for Twilio numbers): INVITE, 100 Trying, the final answer."""
    if batch.phone_provider == "twilio" or call.start is None:
        return []
    call_id = f"{call.conversation_id}@sip.example.net"
    numbers = [batch.agent_number, recipient.phone_number or ""]
    code = call.sip_code if call.sip_code is not None else (200 if call.answered else None)

    def message(offset_s: float, direction: str, first_line: str) -> dict[str, Any]:
        raw = f"{first_line}\r\nVia: SIP/2.0/UDP 203.0.113.10:5060\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n\r\n"
        assert call.start is not None
        return {
            "call_id": call_id,
            "phone_numbers": numbers,
            "local_address": "203.0.113.10:5060",
            "remote_address": "198.51.100.7:5060",
            "transport": "udp",
            "raw_message": raw,
            "error_message": "",
            "direction": direction,
            "created_at_unix_micro": int((call.start + offset_s) * 1_000_000),
        }

    out = [message(0.0, "out", f"INVITE sip:{recipient.phone_number}@carrier.example SIP/2.0")]
    if now >= call.start + 0.2:
        out.append(message(0.2, "in", "SIP/2.0 100 Trying"))
    if code is not None and now >= call.ring_end:
        out.append(message(call.ring_end - call.start, "in", f"SIP/2.0 {code} {SIP_REASONS.get(code, 'Unknown')}"))
    return out
