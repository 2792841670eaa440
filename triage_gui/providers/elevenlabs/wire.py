"""ElevenLabs' answers as this app reads them: lenient pydantic models of the few fields triage needs.

Built from the official SDK's types (``elevenlabs`` 2.78, see docs/providers/elevenlabs.md) but
deliberately looser: every field but an object's own id may be missing or null, an enum value we
do not know stays the raw string (the mapping says ``unknown`` and keeps it as evidence), unknown
fields are ignored, and a timestamp that cannot be a time (negative, past year 9999, not finite)
is read as missing. tests/providers/elevenlabs prove these models read every answer the SDK's own
types read.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_UNIX_S = 253_402_300_799  # 9999-12-31T23:59:59Z


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def unix_time(value: object) -> datetime | None:
    """Unix seconds as an aware UTC datetime; None for anything that is not a plausible time."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value > MAX_UNIX_S:
        return None
    return datetime.fromtimestamp(value, UTC)


def _text(value: object) -> object:
    """Numbers become text (an id or a status sent as a number); other non-strings stay as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _none_is_empty(value: object) -> object:
    """A list or object sent as null is an empty one (every such field is optional here)."""
    return [] if value is None else value


def _none_is_object(value: object) -> object:
    return {} if value is None else value


def _number(value: object) -> object:
    """A timestamp or count that is not a finite number is missing, not a reason to fail."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


class TelephonyConfig(Wire):
    ringing_timeout_secs: int | None = None


class BatchCall(Wire):
    """``BatchCallResponse``: a batch as submit, cancel, retry and the workspace list give it."""

    id: str
    name: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    phone_number_id: str | None = None
    phone_provider: str | None = None
    branch_id: str | None = None
    environment: str | None = None
    created_at_unix: float | None = None
    scheduled_time_unix: float | None = None
    last_updated_at_unix: float | None = None
    timezone: str | None = None
    total_calls_dispatched: int | None = None
    total_calls_scheduled: int | None = None
    total_calls_finished: int | None = None
    status: str | None = None
    retry_count: int | None = None
    target_concurrency_limit: int | None = None
    telephony_call_config: TelephonyConfig | None = None

    _ids = field_validator("id", "status", "phone_provider", mode="before")(_text)
    _times = field_validator("created_at_unix", "scheduled_time_unix", "last_updated_at_unix", mode="before")(_number)

    @field_validator(
        "total_calls_dispatched",
        "total_calls_scheduled",
        "total_calls_finished",
        "retry_count",
        "target_concurrency_limit",
        mode="before",
    )
    @classmethod
    def _count(cls, value: object) -> object:
        """A count that is not a whole number >= 0 is missing (it counts nothing we can use)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        return value

    @property
    def created_at(self) -> datetime | None:
        return unix_time(self.created_at_unix)

    @property
    def scheduled_at(self) -> datetime | None:
        return unix_time(self.scheduled_time_unix)

    @property
    def last_updated_at(self) -> datetime | None:
        return unix_time(self.last_updated_at_unix)


class InitiationData(Wire):
    user_id: str | None = None
    dynamic_variables: dict[str, Any] | None = None


class Recipient(Wire):
    """``OutboundCallRecipientResponseModel``: one recipient of a batch, with its latest conversation."""

    id: str
    phone_number: str | None = None
    whatsapp_user_id: str | None = None
    status: str | None = None
    created_at_unix: float | None = None
    updated_at_unix: float | None = None
    conversation_id: str | None = None
    conversation_initiation_client_data: InitiationData | None = None

    _ids = field_validator("id", "status", mode="before")(_text)
    _times = field_validator("created_at_unix", "updated_at_unix", mode="before")(_number)

    @property
    def updated_at(self) -> datetime | None:
        return unix_time(self.updated_at_unix)

    @property
    def created_at(self) -> datetime | None:
        return unix_time(self.created_at_unix)

    def variable(self, name: str) -> str | None:
        """A dynamic variable this recipient was submitted with, as text (None: not there)."""
        data = self.conversation_initiation_client_data
        value = (data.dynamic_variables or {}).get(name) if data is not None else None
        return value if isinstance(value, str) and value else None


class BatchCallDetail(BatchCall):
    """``BatchCallDetailedResponse``: the batch with every recipient (no paging)."""

    recipients: list[Recipient] = Field(default_factory=list)

    _lists = field_validator("recipients", mode="before")(_none_is_empty)


class WorkspaceBatches(Wire):
    """``WorkspaceBatchCallsResponse``: one page of the workspace's batches (summaries)."""

    batch_calls: list[BatchCall] = Field(default_factory=list)
    next_doc: str | None = None
    has_more: bool | None = None

    _lists = field_validator("batch_calls", mode="before")(_none_is_empty)


class ConversationError(Wire):
    code: int | None = None
    reason: str | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
            return int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class PhoneCall(Wire):
    """``metadata.phone_call`` (any of its variants: twilio, sip_trunking, exotel)."""

    type: str | None = None
    direction: str | None = None
    phone_number_id: str | None = None
    agent_number: str | None = None
    external_number: str | None = None
    call_result: str | None = None
    call_sid: str | None = None
    call_id: str | None = None

    _texts = field_validator("type", "call_result", mode="before")(_text)


class BatchLink(Wire):
    batch_call_id: str | None = None
    batch_call_recipient_id: str | None = None


class ConversationMetadata(Wire):
    start_time_unix_secs: float | None = None
    accepted_time_unix_secs: float | None = None
    call_duration_secs: float | None = None
    termination_reason: str | None = None
    error: ConversationError | None = None
    phone_call: PhoneCall | None = None
    batch_call: BatchLink | None = None

    _times = field_validator("start_time_unix_secs", "accepted_time_unix_secs", "call_duration_secs", mode="before")(
        _number
    )

    @field_validator("phone_call", "batch_call", "error", mode="before")
    @classmethod
    def _object_or_nothing(cls, value: object) -> object:
        return value if isinstance(value, dict) else None


class Analysis(Wire):
    call_successful: str | None = None


class Conversation(Wire):
    """``GetConversationResponseModel``: one conversation (an attempt to reach a recipient)."""

    conversation_id: str
    agent_id: str | None = None
    status: str | None = None
    metadata: ConversationMetadata = Field(default_factory=ConversationMetadata)
    analysis: Analysis | None = None

    _texts = field_validator("conversation_id", "status", mode="before")(_text)
    _objects = field_validator("metadata", mode="before")(_none_is_object)

    @property
    def is_final(self) -> bool:
        """Nothing about it changes any more (``done`` or ``failed``): safe to keep cached."""
        return self.status in ("done", "failed")

    @property
    def started_at(self) -> datetime | None:
        return unix_time(self.metadata.start_time_unix_secs)


class ConversationSummary(Wire):
    """A row of the conversations list (no metadata: no batch link, no phone call, no error)."""

    conversation_id: str
    agent_id: str | None = None
    start_time_unix_secs: float | None = None
    status: str | None = None
    direction: str | None = None

    _texts = field_validator("conversation_id", "status", mode="before")(_text)
    _times = field_validator("start_time_unix_secs", mode="before")(_number)

    @property
    def id(self) -> str:  # what bounded paging de-duplicates on
        return self.conversation_id


class ConversationsPage(Wire):
    conversations: list[ConversationSummary] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool | None = None

    _lists = field_validator("conversations", mode="before")(_none_is_empty)


class SipMessage(Wire):
    raw_message: str | None = None
    direction: str | None = None
    created_at_unix_micro: float | None = None

    _times = field_validator("created_at_unix_micro", mode="before")(_number)


class SipMessages(Wire):
    sip_messages: list[SipMessage] = Field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool | None = None

    _lists = field_validator("sip_messages", mode="before")(_none_is_empty)
