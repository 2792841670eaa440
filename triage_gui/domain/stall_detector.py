"""Is the job stalled? From one snapshot, and over a watch window of snapshots.

A stall is a *running* job with work left whose counters and ``last_dispatch_at`` stop
changing for the threshold (issue #3). It is judged on ``last_dispatch_at`` (or ``started_at``
when nothing was ever dispatched), never on ``updated_at``: platforms touch ``updated_at`` for
bookkeeping, so it moves while nothing is dialled. Ages are measured on the server's clock,
so a workstation with a skewed clock cannot fake a stall or hide one. A queued or paused job
is not stalled: it is waiting by design, and the job health check reports it as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import BatchJob, Counters, JobStatus


@dataclass(frozen=True, slots=True)
class StallAssessment:
    """One judgement; ``stalled`` is None when it could not be judged (``reason`` says why)."""

    stalled: bool | None
    can_stall: bool  # running with work left
    reason: str
    basis: str | None = None  # "last_dispatch_at" | "started_at" | "watch window"
    since: datetime | None = None  # last sign of dispatch
    idle_s: float | None = None
    threshold_s: float = 0.0


@dataclass(frozen=True, slots=True)
class WindowAssessment:
    """What a watch window of snapshots shows (``stalled`` None: window too short or absent)."""

    stalled: bool | None
    snapshots: int
    window_s: float
    unchanged_for_s: float  # how long the latest counters and last dispatch have held
    counters_moving: bool | None  # anything changed across the whole window
    dispatched_delta: int = 0
    processed_delta: int = 0
    reason: str = ""


def has_work_left(counters: Counters) -> bool:
    """Recipients not yet final (queued, in progress, or waiting for a scheduled retry)."""
    pending = counters.queued + counters.in_progress + counters.retry_scheduled
    return pending > 0 or counters.remaining > 0


def _progress_key(job: BatchJob) -> tuple[object, ...]:
    counters = job.counters
    return (
        counters.total,
        counters.queued,
        counters.dispatched,
        counters.in_progress,
        counters.succeeded,
        counters.failed,
        counters.retry_scheduled,
        job.dispatch.last_dispatch_at,
    )


class StallDetector:
    """Applies one stall threshold (seconds) to snapshots of a job."""

    def __init__(self, threshold_s: float) -> None:
        self.threshold_s = threshold_s

    def from_snapshot(self, job: BatchJob, now: datetime) -> StallAssessment:
        """Single snapshot: no dispatch for the threshold while work remains."""
        if job.status is not JobStatus.RUNNING:
            return StallAssessment(
                stalled=False,
                can_stall=False,
                reason=f"the job is {job.status.value}, not running: it cannot stall",
                threshold_s=self.threshold_s,
            )
        if not has_work_left(job.counters):
            return StallAssessment(
                stalled=False,
                can_stall=False,
                reason="no work left: every recipient is in a final state",
                threshold_s=self.threshold_s,
            )
        if job.dispatch.last_dispatch_at is not None:
            basis, since = "last_dispatch_at", job.dispatch.last_dispatch_at
        elif job.started_at is not None:
            basis, since = "started_at", job.started_at
        else:
            return StallAssessment(
                stalled=None,
                can_stall=True,
                reason="the job reports neither a last dispatch nor a start time",
                threshold_s=self.threshold_s,
            )
        idle_s = (now - since).total_seconds()
        stalled = idle_s >= self.threshold_s
        if basis == "started_at":
            detail = f"nothing dispatched since the job started {duration_text(idle_s)} ago"
        else:
            detail = f"last dispatch {duration_text(idle_s)} ago"
        return StallAssessment(
            stalled=stalled,
            can_stall=True,
            reason=f"{detail} (threshold {duration_text(self.threshold_s)})",
            basis=basis,
            since=since,
            idle_s=idle_s,
            threshold_s=self.threshold_s,
        )

    def from_window(self, snapshots: list[JobSnapshot]) -> WindowAssessment:
        """Watch window (oldest first): stalled when nothing changed for the threshold."""
        if len(snapshots) < 2:
            return WindowAssessment(
                stalled=None,
                snapshots=len(snapshots),
                window_s=0.0,
                unchanged_for_s=0.0,
                counters_moving=None,
                reason="a watch window needs at least two snapshots",
            )
        ordered = sorted(snapshots, key=lambda s: s.at)
        first, latest = ordered[0], ordered[-1]
        window_s = (latest.at - first.at).total_seconds()
        latest_key = _progress_key(latest.job)
        held_since = latest.at
        for snapshot in reversed(ordered):
            if _progress_key(snapshot.job) != latest_key:
                break
            held_since = snapshot.at
        unchanged_for_s = (latest.at - held_since).total_seconds()
        moving = any(_progress_key(s.job) != latest_key for s in ordered)
        dispatched_delta = latest.job.counters.dispatched - first.job.counters.dispatched
        processed_delta = latest.job.counters.processed - first.job.counters.processed

        def assessment(stalled: bool | None, reason: str) -> WindowAssessment:
            return WindowAssessment(
                stalled=stalled,
                snapshots=len(ordered),
                window_s=window_s,
                unchanged_for_s=unchanged_for_s,
                counters_moving=moving,
                dispatched_delta=dispatched_delta,
                processed_delta=processed_delta,
                reason=reason,
            )

        job = latest.job
        if job.status is not JobStatus.RUNNING or not has_work_left(job.counters):
            return assessment(False, "the job is not running with work left")
        if unchanged_for_s >= self.threshold_s:
            return assessment(
                True,
                f"counters and last dispatch unchanged for {duration_text(unchanged_for_s)} "
                f"of watching (threshold {duration_text(self.threshold_s)})",
            )
        if moving:
            return assessment(False, "counters moved during the watch window")
        return assessment(
            None,
            f"nothing changed in {duration_text(window_s)} of watching, shorter than the "
            f"threshold ({duration_text(self.threshold_s)}): too short to judge",
        )


def duration_text(seconds: float) -> str:
    """A duration in plain words: "45 s", "12 min", "2 h 5 min"."""
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
