"""One retry launch intent: the ``Idempotency-Key``, the exact request body, and what became of it.

It lives in the domain (not beside the ledger that persists it) because the case records every
retry (``Case.retries``) for the escalation form and the bundle, and the domain cannot import
the store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class IntentState(StrEnum):
    PENDING = "pending"  # written before the request; outcome not known yet
    LAUNCHED = "launched"  # the server has a retry job for this key
    FAILED = "failed"  # the server definitely refused it: no job exists for this key


class RetryIntent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    workspace: str
    job: str
    recipient_ids: list[str]
    note: str = ""
    override_reason: str | None = None
    overridden: list[str] = Field(default_factory=list)  # problem kinds the override lifted
    phase: str = ""  # sample | remainder | custom
    state: IntentState = IntentState.PENDING
    retry_job_id: str | None = None
    created_at: datetime
    updated_at: datetime
    server_time_at_intent: datetime | None = None  # server clock, to look the job up by time
    sends: int = 0  # send rounds with this key (each may or may not have reached the server)
    last_sent_at: datetime | None = None  # this machine's clock at the last send (None: before it was kept)
    result: str = ""  # the last outcome in plain words
    monitor: dict[str, Any] | None = None  # the latest first-dispatches verdict

    @property
    def cohort_size(self) -> int:
        return len(self.recipient_ids)
