"""A batch job's whole future, computed once, and its state read at any simulated time.

When a scenario is built, every attempt of every recipient gets its times (queued, dispatched,
ended) and outcome (see :mod:`.progression`). What the API shows at time ``t`` is derived from
that plan with binary searches over sorted arrays, so reading a 100k-recipient job costs a few
dozen ``bisect`` calls, not a loop over its recipients:

- a recipient is in exactly one state at every moment (``queued`` until dispatched, then
  ``in_progress`` until the attempt ends, then ``retry_scheduled`` until the next attempt is
  queued, ... and finally ``succeeded`` or ``failed``). Each state keeps the sorted start and
  end times of its intervals; the count at ``t`` is ``#starts <= t - #ends <= t``.
- permits in use = records dispatched by ``t`` minus records ended by ``t``; waiting for a
  permit = records queued by ``t`` minus records dispatched by ``t``.
- attempts are stored sorted by ``queued_at`` (then id), so the attempts that exist at ``t``
  are a prefix of the list; events likewise, by time.

``inf`` means "never": a stalled job's remaining attempts are never queued, a starved job's
held calls never end.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Final, TypedDict

from triage_gui.simulator.failure_codes import Failure
from triage_gui.simulator.population import UploadRow

INF: Final = float("inf")
NEG_INF: Final = float("-inf")
DIAL_SECONDS: Final = 8.0  # a successful call rings this long before it is answered
RECIPIENT_STATES: Final = ("queued", "in_progress", "retry_scheduled", "succeeded", "failed")


class DispatchState(TypedDict):
    """A job's ``dispatch`` object at a moment (``last_dispatch_at`` in simulated seconds)."""

    concurrency_limit: int
    permits_in_use: int
    waiting_for_permit: int
    last_dispatch_at: float | None


@dataclass(slots=True, eq=False)  # by identity: a duplicate delivery is its own record
class Attempt:
    """One CallAttempt record. ``duplicate`` marks a second delivery of the same dispatch key."""

    recipient: int
    number: int
    dispatch_key: str
    queued_at: float
    dispatched_at: float
    ended_at: float
    failure: Failure | None
    duplicate: bool = False
    id: str = field(default="", init=False)  # assigned once the plan's order is known

    def status_at(self, t: float) -> str:
        if t < self.dispatched_at:
            return "queued"
        if t < self.ended_at:
            # A call that will fail never gets answered: it rings until it ends.
            if self.failure is not None or t < self.dispatched_at + DIAL_SECONDS:
                return "dialing"
            return "in_progress"
        return "failed" if self.failure is not None else "succeeded"


@dataclass(slots=True, eq=False)
class Event:
    """One JobEvent. High-volume events keep their parts and format ``detail`` only when shown."""

    at: float
    type: str
    recipient: int | None = None
    text: str | None = None
    number: int = 0
    dispatch_key: str | None = None
    seq: int = field(default=0, init=False)  # assigned once all events are sorted

    @property
    def detail(self) -> str:
        if self.text is not None:
            return self.text
        if self.type == "dispatched":
            return f"attempt {self.number} dispatched ({self.dispatch_key})"
        if self.type == "retry_scheduled":
            return f"attempt {self.number} scheduled after a retryable failure"
        return ""


@dataclass(frozen=True)
class JobMeta:
    id: str
    workspace_id: str
    campaign_id: str
    upload_id: str | None
    agent_id: str
    from_number: str
    trigger: str
    created_at: float
    started_at: float
    concurrency_limit: int
    max_attempts: int
    retryable_codes: tuple[str, ...]
    parent_job_id: str | None = None


@dataclass
class JobPlan:
    meta: JobMeta
    recipients: list[UploadRow]  # the job's cohort; Attempt.recipient indexes it
    attempts: list[Attempt]  # sorted by (queued_at, creation order) by the builder
    events: list[Event]  # sorted by time by the builder; seq increasing
    pending_retry: set[int] = field(default_factory=set)  # a retry is due but never queued
    finished_at: float | None = None
    _by_recipient: list[list[Attempt]] = field(default_factory=list, repr=False)
    _state_starts: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _state_ends: dict[str, list[float]] = field(default_factory=dict, repr=False)
    # Items' JSON text once it can no longer change (written and read by .page_text).
    wire_cache: dict[Attempt | Event, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._queued = [a.queued_at for a in self.attempts]
        self._dispatched = sorted(a.dispatched_at for a in self.attempts if a.dispatched_at < INF)
        self._ended = sorted(a.ended_at for a in self.attempts if a.dispatched_at < INF and a.ended_at < INF)
        self._index_recipients()
        self.attach_events(self.events)

    def attach_events(self, events: list[Event]) -> None:
        """Set the job's events (sorted by time, seq increasing) and index them."""
        self.events = events
        self._event_at = [e.at for e in events]
        self._event_seq = [e.seq for e in events]

    # -- indexes ------------------------------------------------------------------------------
    def _index_recipients(self) -> None:
        by_recipient: list[list[Attempt]] = [[] for _ in self.recipients]
        for attempt in self.attempts:
            if not attempt.duplicate:
                by_recipient[attempt.recipient].append(attempt)
        starts: dict[str, list[float]] = {s: [] for s in RECIPIENT_STATES}
        ends: dict[str, list[float]] = {s: [] for s in RECIPIENT_STATES}
        first_dispatch: list[float] = []
        changes: list[float] = [self.meta.created_at, self.meta.started_at]
        final_times: list[float] = []

        def span(state: str, start: float, end: float) -> None:
            if start < end:
                starts[state].append(start)
                ends[state].append(end)

        for r, own in enumerate(by_recipient):
            own.sort(key=lambda a: a.number)
            previous_end = NEG_INF
            for a in own:
                if a.number == 1:
                    span("queued", NEG_INF, a.dispatched_at)
                else:
                    span("retry_scheduled", previous_end, a.queued_at)
                    span("queued", a.queued_at, a.dispatched_at)
                span("in_progress", a.dispatched_at, a.ended_at)
                previous_end = a.ended_at
                changes.extend(x for x in (a.queued_at, a.dispatched_at, a.ended_at) if x < INF)
            if not own:
                span("queued", NEG_INF, INF)
                final_times.append(INF)
                continue
            if own[0].dispatched_at < INF:
                first_dispatch.append(own[0].dispatched_at)
            last = own[-1]
            if last.failure is None:
                span("succeeded", last.ended_at, INF)
                final_times.append(last.ended_at)
            elif r in self.pending_retry:
                span("retry_scheduled", last.ended_at, INF)
                final_times.append(INF)
            else:
                span("failed", last.ended_at, INF)
                final_times.append(last.ended_at)
        for state in RECIPIENT_STATES:
            starts[state].sort()
            ends[state].sort()
        self._by_recipient = by_recipient
        self._state_starts, self._state_ends = starts, ends
        self._first_dispatch = sorted(first_dispatch)
        self._changes = sorted(changes)
        done = max(final_times, default=self.meta.started_at)
        self.finished_at = done if done < INF else None

    # -- the job as of t ----------------------------------------------------------------------
    def status_at(self, t: float) -> str:
        if t < self.meta.started_at:
            return "queued"
        if self.finished_at is not None and t >= self.finished_at:
            return "completed"
        return "running"

    def counters_at(self, t: float) -> dict[str, int]:
        counts = {
            state: bisect_right(self._state_starts[state], t) - bisect_right(self._state_ends[state], t)
            for state in RECIPIENT_STATES
        }
        return {
            "total": len(self.recipients),
            "queued": counts["queued"],
            "dispatched": bisect_right(self._first_dispatch, t),
            "in_progress": counts["in_progress"],
            "succeeded": counts["succeeded"],
            "failed": counts["failed"],
            "retry_scheduled": counts["retry_scheduled"],
        }

    def dispatch_at(self, t: float) -> DispatchState:
        dispatched = bisect_right(self._dispatched, t)
        return {
            "concurrency_limit": self.meta.concurrency_limit,
            "permits_in_use": dispatched - bisect_right(self._ended, t),
            "waiting_for_permit": bisect_right(self._queued, t) - dispatched,
            "last_dispatch_at": self._dispatched[dispatched - 1] if dispatched else None,
        }

    def updated_at(self, t: float) -> float:
        index = bisect_right(self._changes, t)
        latest = self._changes[index - 1] if index else self.meta.created_at
        return max(self.meta.created_at, latest)

    # -- lists as of t ------------------------------------------------------------------------
    def existing_attempts(self, t: float) -> int:
        """How many attempts exist at ``t``: they are ``attempts[:n]``."""
        return bisect_right(self._queued, t)

    def calls_page(self, t: float, start: int, limit: int, status: str | None) -> tuple[list[Attempt], int | None]:
        """Up to ``limit`` attempts from index ``start``; the next start index, or None."""
        end = self.existing_attempts(t)
        if status is None:
            stop = min(start + limit, end)
            return self.attempts[start:stop], (stop if stop < end else None)
        found: list[Attempt] = []
        index = start
        attempts = self.attempts
        while index < end and len(found) < limit:
            attempt = attempts[index]
            if attempt.status_at(t) == status:
                found.append(attempt)
            index += 1
        return found, (index if index < end else None)

    def events_page(self, t: float, after_seq: int, limit: int) -> tuple[list[Event], int | None]:
        """Events with ``seq > after_seq`` that happened by ``t``; the last seq if more exist."""
        start = bisect_right(self._event_seq, after_seq)
        end = bisect_right(self._event_at, t)
        if start >= end:
            return [], None
        stop = min(start + limit, end)
        page = self.events[start:stop]
        return page, (page[-1].seq if stop < end else None)

    # -- per recipient (truth, retries; O(n)) -------------------------------------------------
    def attempts_of(self, recipient: int) -> list[Attempt]:
        """The recipient's own attempts (duplicate deliveries excluded), by attempt number."""
        return self._by_recipient[recipient]

    def recipient_state(self, recipient: int, t: float) -> str:
        previous_end = NEG_INF
        for a in self._by_recipient[recipient]:
            if a.number > 1 and previous_end <= t < a.queued_at:
                return "retry_scheduled"
            if t < a.dispatched_at:
                return "queued"
            if t < a.ended_at:
                return "in_progress"
            previous_end = a.ended_at
        own = self._by_recipient[recipient]
        if not own:
            return "queued"
        last = own[-1]
        if last.failure is None:
            return "succeeded"
        return "retry_scheduled" if recipient in self.pending_retry else "failed"

    def latest_ended(self, recipient: int, t: float) -> Attempt | None:
        latest = None
        for a in self._by_recipient[recipient]:
            if a.ended_at <= t:
                latest = a
        return latest
