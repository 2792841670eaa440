"""The first-dispatches monitor: is the retry job we launched working?

The runbook's Level 2: "Recommend corrected retry path and monitor first 10-20 dispatches", and
Level 3: "Job remains stalled after validated retry path". After a launch the agent watches the
retry job's first dispatches and needs one of five answers:

* ``waiting`` — too few of the first dispatches have finished to judge;
* ``healthy`` — they mostly succeed: go ahead with the remainder;
* ``failing_transiently`` — still timeouts and 503s: the provider has not recovered; wait, and
  escalate if it persists;
* ``failing_permanently`` — the retried numbers now fail for good (or for reasons we cannot
  classify): stop, launch nothing more;
* ``stalled`` — the retry job has work left and dispatches nothing: Level 3.

Judged on the first ``window[1]`` dispatches in dispatch order, once ``window[0]`` of them (or
every recipient of a smaller cohort) have finished. Failures are classed by our own table
(:func:`~triage_gui.domain.classification.classify`), not the server's ``retryable`` flag. The
stall is judged by the same :class:`StallDetector` as the escalation rule, so the monitor and
the engine's Level 3 reason never disagree about the same job.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from triage_gui.domain.classification import classify
from triage_gui.domain.models import BatchJob, CallAttempt, CallStatus, JobStatus
from triage_gui.domain.report import FailureClass
from triage_gui.domain.stall_detector import StallDetector

DEFAULT_WINDOW = (10, 20)
DEFAULT_FAILURE_THRESHOLD = 0.20  # as the Level 3 transient threshold: above it is not healthy


class MonitorKind(StrEnum):
    WAITING = "waiting"
    HEALTHY = "healthy"
    FAILING_TRANSIENTLY = "failing_transiently"
    FAILING_PERMANENTLY = "failing_permanently"
    STALLED = "stalled"

    @property
    def final(self) -> bool:
        """A verdict a watch can stop on (``waiting`` is the only one that is not)."""
        return self is not MonitorKind.WAITING


class DispatchRow(BaseModel):
    """One of the first dispatches, for the live table (number masked by the presenter)."""

    model_config = ConfigDict(frozen=True)

    recipient_id: str
    attempt: int
    status: CallStatus
    dispatched_at: datetime | None = None
    failure_code: str | None = None
    failure_class: FailureClass | None = None
    phone_number: str = ""


class MonitorVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: MonitorKind
    retry_job_id: str
    counts: dict[str, int] = Field(default_factory=dict)
    failure_codes: dict[str, int] = Field(default_factory=dict)  # among the judged dispatches
    summary: str = ""
    next_action: str = ""
    escalation_level: int | None = None  # 3 for a stall after the validated retry path
    judged_at: datetime | None = None  # server clock
    rows: list[DispatchRow] = Field(default_factory=list)


def judge_first_dispatches(
    retry_job: BatchJob,
    calls: list[CallAttempt],
    *,
    server_now: datetime,
    window: tuple[int, int] = DEFAULT_WINDOW,
    stall_threshold_s: float = 600.0,
    failure_threshold: float = DEFAULT_FAILURE_THRESHOLD,
) -> MonitorVerdict:
    low, high = window
    if not 1 <= low <= high:
        raise ValueError(f"window must be (low, high) with 1 <= low <= high, not {window!r}")
    dispatched = sorted(
        (c for c in calls if c.dispatched_at is not None),
        key=lambda c: (c.dispatched_at, c.attempt, c.id),
    )
    first = dispatched[:high]
    rows = [_row(c) for c in first]
    tally = Counter[str]()
    codes = Counter[str]()
    for row in rows:
        if row.status is CallStatus.SUCCEEDED:
            tally["succeeded"] += 1
        elif row.status is CallStatus.FAILED:
            tally[f"failed_{(row.failure_class or FailureClass.UNKNOWN).value}"] += 1
            codes[row.failure_code or "unknown"] += 1
        else:
            tally["in_flight"] += 1
    succeeded = tally["succeeded"]
    transient, permanent, unknown = (tally[f"failed_{c.value}"] for c in FailureClass)
    failed = transient + permanent + unknown
    finished = succeeded + failed
    recipients = retry_job.counters.total or len({c.recipient_id for c in calls})
    needed = max(1, min(low, recipients)) if recipients else low
    counts = {
        "window": high,
        "needed": needed,
        "dispatched": len(first),
        "finished": finished,
        "succeeded": succeeded,
        "failed_transient": transient,
        "failed_permanent": permanent,
        "failed_unknown": unknown,
        "in_flight": tally["in_flight"],
        "job_total": retry_job.counters.total,
        "job_queued": retry_job.counters.queued,
        "job_dispatched": retry_job.counters.dispatched,
    }

    def verdict(kind: MonitorKind, summary: str, next_action: str, level: int | None = None) -> MonitorVerdict:
        return MonitorVerdict(
            kind=kind,
            retry_job_id=retry_job.id,
            counts=counts,
            failure_codes=dict(codes.most_common()),
            summary=summary,
            next_action=next_action,
            escalation_level=level,
            judged_at=server_now,
            rows=rows,
        )

    seen = _seen_text(finished, len(first), succeeded, transient, permanent, unknown, codes)
    stall = StallDetector(stall_threshold_s).from_snapshot(retry_job, server_now)
    if stall.stalled:
        return verdict(
            MonitorKind.STALLED,
            f"Retry job {retry_job.id} is stalled: {stall.reason}. {seen}",
            "Escalate to engineering (Level 3): the job remains stalled after the validated retry path. "
            "Do not launch the remainder.",
            level=3,
        )
    if finished < needed:
        if retry_job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            return verdict(
                MonitorKind.FAILING_PERMANENTLY,
                f"Retry job {retry_job.id} ended ({retry_job.status.value}) before its first dispatches "
                f"could be judged. {seen}",
                "Stop: find out why the retry job ended before launching anything else.",
            )
        return verdict(
            MonitorKind.WAITING,
            f"Waiting for the first dispatches of retry job {retry_job.id} ({retry_job.status.value}). {seen}",
            f"Keep watching: {needed - finished} more dispatch{'es' if needed - finished != 1 else ''} "
            "must finish before a verdict.",
        )
    share = failed / finished
    if share <= failure_threshold:
        return verdict(
            MonitorKind.HEALTHY,
            f"Retry job {retry_job.id} is healthy: {seen}",
            "Go ahead with the remainder of the retry.",
        )
    if transient > permanent + unknown:
        return verdict(
            MonitorKind.FAILING_TRANSIENTLY,
            f"Retry job {retry_job.id} is still failing transiently ({share * 100:.0f}% failed): {seen}",
            "Wait before launching the remainder: the provider has not recovered. If the failures "
            "persist, escalate (Level 3: provider or dispatch failures exceed the expected transient threshold).",
        )
    return verdict(
        MonitorKind.FAILING_PERMANENTLY,
        f"Retry job {retry_job.id} is failing permanently ({share * 100:.0f}% failed): {seen}",
        "Stop: do not launch the remainder. Review the failure codes and the contact data before any further retry.",
    )


def _row(call: CallAttempt) -> DispatchRow:
    failed = call.status is CallStatus.FAILED
    return DispatchRow(
        recipient_id=call.recipient_id,
        attempt=call.attempt,
        status=call.status,
        dispatched_at=call.dispatched_at,
        failure_code=(call.failure.code if call.failure else "unknown") if failed else None,
        failure_class=classify(call.failure) if failed else None,
        phone_number=call.phone_number,
    )


def _seen_text(
    finished: int, dispatched: int, succeeded: int, transient: int, permanent: int, unknown: int, codes: Counter[str]
) -> str:
    if dispatched == 0:
        return "Nothing dispatched yet."
    parts = [f"{succeeded} succeeded"]
    if transient:
        parts.append(f"{transient} failed transiently")
    if permanent:
        parts.append(f"{permanent} failed permanently")
    if unknown:
        parts.append(f"{unknown} failed (unclassified)")
    top = ", ".join(f"{code} ×{n}" for code, n in codes.most_common(3))
    return f"{finished} of the first {dispatched} dispatches finished: {', '.join(parts)}" + (
        f" ({top})." if top else "."
    )
