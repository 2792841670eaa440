"""The Batch Outbound API's resources as pydantic v2 models (see ../shared/api-contract.md), and
the records a job has by the million (call attempts, events) as ``msgspec`` structs (``Record``).

Servers other than our simulator speak the same contract, so the models are lenient where the
contract says clients must be: unknown fields are ignored, and an enum value we do not know
becomes the explicit member ``UNKNOWN`` instead of a validation error. The raw value is kept
nowhere on purpose: a new status is shown as "unknown", which is what the contract asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

T = TypeVar("T")
R = TypeVar("R", bound="Record")

_set_slot = object.__setattr__


def share_fields_sets(models: Iterable[object]) -> None:
    """Let models that were given the same fields share one ``model_fields_set``.

    pydantic gives every instance its own set of the field names it was given: 728 bytes for a
    call's ten fields, half of what a call or an event costs in memory (1.6 and 1.1 kB), so 1.4 GB
    of a 1M-recipient job. The sets are equal for almost every item of a page (the server sends
    the same fields each time); one set each is kept. Nothing changes for a reader: a frozen
    model's set is never changed in place (``model_copy`` copies it before an update).
    """
    seen: list[set[str]] = []
    for model in models:
        if not isinstance(model, BaseModel):
            continue
        own = model.__pydantic_fields_set__
        for shared in seen:
            if own == shared:
                if own is not shared:
                    _set_slot(model, "__pydantic_fields_set__", shared)
                break
        else:
            if len(seen) < 8:
                seen.append(own)


class ApiModel(BaseModel):
    """Base for every API resource: ignore unknown fields, immutable once parsed."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class TolerantEnum(StrEnum):
    """A string enum whose unknown values map to ``UNKNOWN`` (every subclass defines it)."""

    @classmethod
    def _missing_(cls, value: object) -> TolerantEnum:
        return cls("unknown")


class JobStatus(TolerantEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class Trigger(TolerantEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    API = "api"
    RETRY = "retry"
    UNKNOWN = "unknown"


class CallStatus(TolerantEnum):
    QUEUED = "queued"
    DIALING = "dialing"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def is_finished(self) -> bool:
        return self in (CallStatus.SUCCEEDED, CallStatus.FAILED)


class EventType(TolerantEnum):
    JOB_STARTED = "job_started"
    DISPATCHED = "dispatched"
    PERMIT_DENIED = "permit_denied"
    RETRY_SCHEDULED = "retry_scheduled"
    DEDUPE_DROPPED = "dedupe_dropped"
    JOB_PAUSED = "job_paused"
    JOB_RESUMED = "job_resumed"
    JOB_COMPLETED = "job_completed"
    JOB_FAILED = "job_failed"
    JOB_CANCELLED = "job_cancelled"
    ERROR = "error"
    UNKNOWN = "unknown"


class Workspace(ApiModel):
    id: str
    name: str = ""
    timezone: str = "UTC"
    concurrency_limit: int = 0


class Campaign(ApiModel):
    id: str
    name: str = ""
    agent_id: str | None = None
    from_number: str | None = None
    upload_id: str | None = None
    created_at: datetime | None = None


class Counters(ApiModel):
    """Recipients by current state; ``dispatched`` is cumulative (dialled at least once)."""

    total: int = 0
    queued: int = 0
    dispatched: int = 0
    in_progress: int = 0
    succeeded: int = 0
    failed: int = 0
    retry_scheduled: int = 0

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed

    @property
    def remaining(self) -> int:
        """Recipients not yet in a final state."""
        return max(self.total - self.processed, 0)


class Dispatch(ApiModel):
    concurrency_limit: int = 0
    permits_in_use: int = 0
    waiting_for_permit: int = 0
    last_dispatch_at: datetime | None = None


class RetryPolicy(ApiModel):
    max_attempts: int = 1
    retryable_codes: list[str] = Field(default_factory=list)


class BatchJob(ApiModel):
    id: str
    workspace_id: str
    campaign_id: str
    upload_id: str | None = None
    agent_id: str | None = None
    from_number: str | None = None
    parent_job_id: str | None = None
    trigger: Trigger = Trigger.UNKNOWN
    status: JobStatus = JobStatus.UNKNOWN
    created_at: datetime
    started_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    counters: Counters = Field(default_factory=Counters)
    dispatch: Dispatch = Field(default_factory=Dispatch)
    retry_policy: RetryPolicy = Field(default_factory=RetryPolicy)

    @property
    def is_retry(self) -> bool:
        return self.parent_job_id is not None or self.trigger is Trigger.RETRY

    @property
    def plausible_attempts(self) -> int:
        """The most call attempts this job's counters make believable, generously (a retry loop
        can go past ``max_attempts``): a list of its calls longer than this is not the job's,
        and fetching stops (a server paging forever) instead of judging part of it."""
        return self.counters.total * max(self.retry_policy.max_attempts, 3) * 4 + 10_000


class Record(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """Base for the per-recipient records a job has by the million (call attempts, events).

    Not pydantic models: a ``msgspec`` struct is decoded straight from a page's bytes 6-7x faster
    (0.4 us a call against 2.6), holds its fields in slots (no ``__dict__``, no fields set: ~0.5
    against ~1.2 kB a call with its strings) and is not tracked by the cyclic collector (its
    fields are strings, numbers, datetimes, enums and other records: no cycle can go through
    it). The contract's leniency is the same: unknown fields are ignored, an enum value we do not
    know is ``UNKNOWN`` (``TolerantEnum._missing_``, which msgspec calls too). An answer the
    strict decoder refuses is read again by the pydantic schemas below (``CallAttemptSchema``,
    ``JobEventSchema``), which accept what they always accepted ("2" as an attempt, a Unix time)
    and say why in the same words when they do not (``providers/batch_v1/records.py``).

    Built by hand (the ElevenLabs mapping, tests), the fields take their real types: an enum
    member, not its value."""


class Failure(Record, frozen=True, gc=False, kw_only=True):
    code: str = "unknown"
    sip_status: int | None = None
    message: str = ""
    retryable: bool | None = None

    def __post_init__(self) -> None:
        if not self.code:  # an empty code says nothing: "unknown" (as the schema's validator)
            msgspec.structs.force_setattr(self, "code", "unknown")


class CallAttempt(Record, frozen=True, gc=False, kw_only=True):
    id: str
    recipient_id: str
    phone_number: str = ""
    attempt: int = 1
    dispatch_key: str = ""
    status: CallStatus = CallStatus.UNKNOWN
    failure: Failure | None = None
    queued_at: datetime | None = None
    dispatched_at: datetime | None = None
    ended_at: datetime | None = None


class JobEvent(Record, frozen=True, gc=False, kw_only=True):
    seq: int
    at: datetime
    type: EventType = EventType.UNKNOWN
    recipient_id: str | None = None
    detail: str = ""


class RecordPage(msgspec.Struct, Generic[R], frozen=True, gc=False):
    """One page of calls or events, decoded from its bytes (``Page`` is the same for models)."""

    items: list[R] = msgspec.field(default_factory=list)
    next_cursor: str | None = None


# -- the records' pydantic schemas: what an answer the fast decoder refused is read with ---------
class FailureSchema(ApiModel):
    code: str = "unknown"
    sip_status: int | None = None
    message: str = ""
    retryable: bool | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_never_empty(cls, value: object) -> object:
        return value or "unknown"


class CallAttemptSchema(ApiModel):
    id: str
    recipient_id: str
    phone_number: str = ""
    attempt: int = 1
    dispatch_key: str = ""
    status: CallStatus = CallStatus.UNKNOWN
    failure: FailureSchema | None = None
    queued_at: datetime | None = None
    dispatched_at: datetime | None = None
    ended_at: datetime | None = None

    def record(self) -> CallAttempt:
        fields = dict(self)
        failure = self.failure
        fields["failure"] = None if failure is None else Failure(**dict(failure))
        return CallAttempt(**fields)


class JobEventSchema(ApiModel):
    seq: int
    at: datetime
    type: EventType = EventType.UNKNOWN
    recipient_id: str | None = None
    detail: str = ""

    def record(self) -> JobEvent:
        return JobEvent(**dict(self))


class Upload(ApiModel):
    id: str
    filename: str = ""
    row_count: int = 0
    columns: list[str] = Field(default_factory=list)
    created_at: datetime | None = None


class Page(ApiModel, Generic[T]):
    """One page of a cursor-paged list: only ``next_cursor`` says whether more exist."""

    items: list[T] = Field(default_factory=list)
    next_cursor: str | None = None

    @model_validator(mode="after")
    def _share_fields_sets(self) -> Page[T]:
        share_fields_sets(self.items)
        return self
