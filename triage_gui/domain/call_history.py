"""The job's call attempts grouped by recipient, built once per analysis.

A 100k-recipient job has about 150k attempts; every check asks per-recipient questions
("latest attempt?", "retried after a permanent failure?"), so the grouping and the
classification of each failure happen here once and the checks share the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from triage_gui.domain.classification import classify
from triage_gui.domain.models import CallAttempt, CallStatus, EventType, JobEvent
from triage_gui.domain.report import FailureClass

_NEVER = datetime.min.replace(tzinfo=UTC)


def _attempt_order(call: CallAttempt) -> tuple[int, datetime, str]:
    # A record without queued_at sorts first among the records of its attempt number.
    return (call.attempt, call.queued_at or _NEVER, call.id)


_SUCCEEDED, _FAILED = CallStatus.SUCCEEDED, CallStatus.FAILED
# One shared ``classes`` tuple per class for single-attempt recipients: fewer allocations
# means fewer full garbage collections over the job's 150k attempt objects.
_SINGLE_CLASSES: dict[FailureClass | None, tuple[FailureClass | None]] = {c: (c,) for c in (None, *FailureClass)}


class RecipientHistory(NamedTuple):
    """One recipient's attempts in this job, in attempt order, with the facts checks ask for.

    A named tuple, built by :meth:`of` with the facts computed once: at 100k recipients a
    frozen dataclass's per-field ``object.__setattr__`` alone costs a quarter of a second.
    """

    recipient_id: str
    attempts: list[CallAttempt]  # never mutated after build
    classes: tuple[FailureClass | None, ...]  # our class per attempt (None: not failed)
    succeeded: bool  # any attempt succeeded
    latest_failed: bool
    in_flight: bool  # the latest attempt is not finished: queued, dialling, in progress, unknown
    ever_failed: bool
    has_finished_attempt: bool
    ever_dispatched: bool
    max_attempt: int

    @classmethod
    def of(cls, recipient_id: str, attempts: list[CallAttempt]) -> RecipientHistory:
        if len(attempts) == 1:  # most recipients: no sort, no loops
            call = attempts[0]
            status = call.status
            failed = status is _FAILED
            finished = failed or status is _SUCCEEDED
            return cls(
                recipient_id,
                attempts,
                _SINGLE_CLASSES[classify(call.failure) if failed else None],
                status is _SUCCEEDED,
                failed,
                not finished,
                failed,
                finished,
                call.dispatched_at is not None,
                call.attempt,
            )
        attempts.sort(key=_attempt_order)
        statuses = [c.status for c in attempts]
        latest = statuses[-1]
        return cls(
            recipient_id,
            attempts,
            tuple(classify(c.failure) if s is _FAILED else None for c, s in zip(attempts, statuses, strict=False)),
            _SUCCEEDED in statuses,
            latest is _FAILED,
            latest is not _FAILED and latest is not _SUCCEEDED,
            _FAILED in statuses,
            _FAILED in statuses or _SUCCEEDED in statuses,
            any(c.dispatched_at is not None for c in attempts),
            max(c.attempt for c in attempts),
        )

    @property
    def latest(self) -> CallAttempt:
        return self.attempts[-1]

    @property
    def latest_class(self) -> FailureClass | None:
        return self.classes[-1]

    @property
    def phone_number(self) -> str:
        """The number as the latest attempt dialled it (E.164, or the raw cell)."""
        number = self.attempts[-1].phone_number
        if number or len(self.attempts) == 1:
            return number
        return next((c.phone_number for c in reversed(self.attempts) if c.phone_number), "")

    def retried_after_permanent(self) -> CallAttempt | None:
        """The first permanent-class failure that was followed by a later attempt, if any."""
        if len(self.attempts) == 1:
            return None
        for index, failure_class in enumerate(self.classes):
            if failure_class is FailureClass.PERMANENT:
                failed = self.attempts[index]
                if any(later.attempt > failed.attempt for later in self.attempts[index + 1 :]):
                    return failed
        return None


@dataclass(frozen=True, slots=True)
class _Summary:
    tally: dict[str, int]
    by_class: dict[str, int]
    transient: int
    base: int


@dataclass(slots=True)
class CallHistory:
    """Every recipient's attempts plus the job events that concern single recipients."""

    recipients: dict[str, RecipientHistory] = field(default_factory=dict)
    retry_scheduled_at: dict[str, datetime] = field(default_factory=dict)  # latest event
    _summary: _Summary | None = None

    @classmethod
    def build(cls, calls: list[CallAttempt], events: list[JobEvent] | None = None) -> CallHistory:
        grouped: dict[str, list[CallAttempt]] = {}
        for call in calls:
            bucket = grouped.get(call.recipient_id)
            if bucket is None:
                grouped[call.recipient_id] = [call]
            else:
                bucket.append(call)
        recipients = {rid: RecipientHistory.of(rid, attempts) for rid, attempts in grouped.items()}
        scheduled: dict[str, datetime] = {}
        for event in events or ():
            if event.type is EventType.RETRY_SCHEDULED and event.recipient_id:
                previous = scheduled.get(event.recipient_id)
                if previous is None or event.at > previous:
                    scheduled[event.recipient_id] = event.at
        return cls(recipients=recipients, retry_scheduled_at=scheduled)

    def retry_pending(self, history: RecipientHistory) -> bool:
        """The platform has scheduled another attempt after the latest one ended.

        Only ``retry_scheduled`` events say so per recipient (the counters only count them);
        an event older than the latest attempt belongs to an earlier retry.
        """
        scheduled = self.retry_scheduled_at.get(history.recipient_id)
        if scheduled is None or not history.latest_failed:
            return False
        latest = history.latest
        since = latest.ended_at or latest.dispatched_at or latest.queued_at
        return since is None or scheduled >= since

    def __len__(self) -> int:
        return len(self.recipients)

    def transient_share(self) -> tuple[float | None, int, int]:
        """Level 3's measure: (share, transient, base).

        ``base`` = recipients with a finished attempt; ``transient`` = those among them whose
        latest attempt failed transiently (issue #3, "Transient threshold"). None without base.
        """
        summary = self._summarise()
        share = summary.transient / summary.base if summary.base else None
        return share, summary.transient, summary.base

    def latest_failure_classes(self) -> dict[str, int]:
        """Recipients whose latest attempt failed, by our class of that failure."""
        return dict(self._summarise().by_class)

    def tally(self) -> dict[str, int]:
        """The engine's own count of recipients by state, from the attempts alone."""
        return dict(self._summarise().tally)

    def _summarise(self) -> _Summary:
        if self._summary is not None:
            return self._summary
        recipients = succeeded = failed = in_flight = dispatched = attempts = 0
        transient = base = 0
        by_class = {c.value: 0 for c in FailureClass}
        for history in self.recipients.values():
            recipients += 1
            attempts += len(history.attempts)
            if history.ever_dispatched:
                dispatched += 1
            if history.has_finished_attempt:
                base += 1
            if history.succeeded:
                succeeded += 1
            elif history.in_flight:
                in_flight += 1
            if history.latest_failed:
                latest_class = history.latest_class or FailureClass.UNKNOWN
                by_class[latest_class.value] += 1
                if latest_class is FailureClass.TRANSIENT:
                    transient += 1
                if not history.succeeded:
                    failed += 1
        tally = {
            "recipients": recipients,
            "attempts": attempts,
            "dispatched": dispatched,
            "succeeded": succeeded,
            "failed": failed,  # latest attempt failed: final, or waiting for a scheduled retry
            "in_flight": in_flight,
        }
        self._summary = _Summary(tally=tally, by_class=by_class, transient=transient, base=base)
        return self._summary
