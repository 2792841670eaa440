"""Where the job is (stage), how fast it dispatches, and when it should finish.

The API has no stage field, so the stage comes from status and counters. The dispatch rate is
measured, not assumed: from the calls' ``dispatched_at`` over a trailing window, else from the
watch window's snapshots. The ETA comes with a range, because dispatch is bursty (permits free
up in waves, retries arrive in batches): the range widens with the spread of the rate across
sub-windows, and with few dispatches (Poisson counting error), whichever is larger.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, CallAttempt, JobStatus
from triage_gui.domain.report import Progress, Stage

RATE_WINDOW_S = 15 * 60.0  # trailing window for the rate from calls
MIN_RATE_WINDOW_S = 60.0  # shorter than this, a rate is noise
_BUCKETS = 5
_Z = 2.0  # about a 95% range


@dataclass(frozen=True, slots=True)
class DispatchRate:
    """Dispatches per minute, with a plausible low/high and where it was measured."""

    per_min: float
    low_per_min: float
    high_per_min: float
    source: str  # "calls" | "snapshots"
    window_s: float
    dispatches: int


def progress_caption(progress: Progress) -> str:
    """The stage, dispatch rate and ETA (local time) in one line: the progress chart's caption."""
    parts = [f"Stage: {progress.stage.value}"]
    if progress.dispatch_rate_per_min is not None:
        parts.append(f"dispatch rate {progress.dispatch_rate_per_min:,.1f}/min")
    if progress.eta is not None:
        parts.append(f"ETA {progress.eta.astimezone():%H:%M}")
    if progress.eta_note:
        parts.append(progress.eta_note)
    return " · ".join(parts)


def derive_stage(job: BatchJob) -> Stage:
    status, counters = job.status, job.counters
    if status is JobStatus.QUEUED:
        return Stage.WAITING_TO_START
    if status is JobStatus.PAUSED:
        return Stage.PAUSED
    if status.is_finished:
        return Stage.FINISHED
    if status is not JobStatus.RUNNING:
        return Stage.UNKNOWN
    if counters.dispatched == 0 and job.started_at is None and job.dispatch.last_dispatch_at is None:
        return Stage.WAITING_TO_START
    if counters.queued > 0 or job.dispatch.waiting_for_permit > 0:
        return Stage.DISPATCHING
    # Nothing waits for a first dial: what remains is calls in flight and scheduled retries.
    return Stage.DRAINING


def rate_from_calls(
    calls: list[CallAttempt], now: datetime, start_floor: datetime | None = None
) -> DispatchRate | None:
    """Dispatches per minute over the trailing window (cut at the job's start)."""
    times = [c.dispatched_at for c in calls if c.dispatched_at is not None and c.dispatched_at <= now]
    if not times:
        return None
    start = now - timedelta(seconds=RATE_WINDOW_S)
    earliest = start_floor or min(times)
    if earliest > start:
        start = earliest
    window_s = (now - start).total_seconds()
    if window_s < MIN_RATE_WINDOW_S:
        return None
    offsets = [(t - start).total_seconds() for t in times if t >= start]
    bucket_s = window_s / _BUCKETS
    buckets = [0] * _BUCKETS
    for offset in offsets:
        buckets[min(int(offset / bucket_s), _BUCKETS - 1)] += 1
    return _rate(len(offsets), window_s, [b / (bucket_s / 60) for b in buckets], "calls")


def rate_from_snapshots(snapshots: list[JobSnapshot]) -> DispatchRate | None:
    """Recipients dialled per minute across the watch window (``dispatched`` is cumulative)."""
    ordered = sorted(snapshots, key=lambda s: s.at)
    if len(ordered) < 2:
        return None
    window_s = (ordered[-1].at - ordered[0].at).total_seconds()
    if window_s < MIN_RATE_WINDOW_S:
        return None
    count = max(ordered[-1].job.counters.dispatched - ordered[0].job.counters.dispatched, 0)
    interval_rates = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        span = (after.at - before.at).total_seconds()
        if span > 0:
            delta = after.job.counters.dispatched - before.job.counters.dispatched
            interval_rates.append(max(delta, 0) / (span / 60))
    return _rate(count, window_s, interval_rates, "snapshots")


def _rate(count: int, window_s: float, part_rates: list[float], source: str) -> DispatchRate:
    minutes = window_s / 60
    per_min = count / minutes
    counting_error = math.sqrt(count) / minutes
    spread_error = statistics.stdev(part_rates) / math.sqrt(len(part_rates)) if len(part_rates) > 1 else 0.0
    error = max(counting_error, spread_error)
    return DispatchRate(
        per_min=per_min,
        low_per_min=max(per_min - _Z * error, 0.0),
        high_per_min=per_min + _Z * error,
        source=source,
        window_s=window_s,
        dispatches=count,
    )


def measure_rate(data: IncidentData) -> DispatchRate | None:
    """Calls first (they count retries too), else the watch window's snapshots."""
    job = data.job
    rate = rate_from_calls(data.calls, data.server_now, job.started_at) if data.calls else None
    return rate or rate_from_snapshots(data.snapshots)


def _typical_call_s(calls: list[CallAttempt]) -> float | None:
    durations = [
        (c.ended_at - c.dispatched_at).total_seconds()
        for c in calls[-2000:]
        if c.ended_at is not None and c.dispatched_at is not None
    ]
    return statistics.median(durations) if durations else None


def estimate_progress(data: IncidentData, rate: DispatchRate | None = None) -> Progress:
    """Stage, rate and ETA (with earliest/latest) for the job, on the server's clock."""
    job, now = data.job, data.server_now
    stage = derive_stage(job)
    rate = rate if rate is not None else measure_rate(data)
    per_min = round(rate.per_min, 2) if rate else None
    if stage is Stage.FINISHED:
        when = job.finished_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if job.finished_at else "an unknown time"
        return Progress(
            stage=stage,
            dispatch_rate_per_min=per_min,
            eta=job.finished_at,
            eta_note=f"finished ({job.status.value}) at {when}",
        )
    if stage in (Stage.WAITING_TO_START, Stage.PAUSED, Stage.UNKNOWN):
        return Progress(
            stage=stage,
            dispatch_rate_per_min=per_min,
            eta_note=f"no ETA while the job is {stage.value}",
        )
    counters = job.counters
    work = counters.queued + counters.retry_scheduled
    tail_s = _typical_call_s(data.calls) or 0.0
    if work == 0:
        eta = now + timedelta(seconds=tail_s)
        return Progress(
            stage=stage,
            dispatch_rate_per_min=per_min,
            eta=eta,
            eta_earliest=now,
            eta_latest=eta,
            eta_note=f"nothing left to dispatch; {counters.in_progress} call(s) still in flight",
        )
    if rate is None:
        return Progress(
            stage=stage,
            dispatch_rate_per_min=None,
            eta_note="no ETA: not enough dispatch history to measure a rate",
        )
    if rate.per_min <= 0:
        return Progress(
            stage=stage,
            dispatch_rate_per_min=0.0,
            eta_note=(
                f"no ETA: no dispatch in the last {rate.window_s / 60:.0f} min with {work:,} recipient(s) left to dial"
            ),
        )

    def finish(per_minute: float) -> datetime:
        return now + timedelta(minutes=work / per_minute, seconds=tail_s)

    eta = finish(rate.per_min)
    latest = finish(rate.low_per_min) if rate.low_per_min > 0 else None
    note = (
        f"{work} dial(s) left at {rate.per_min:.1f}/min (measured from {rate.source} over {rate.window_s / 60:.0f} min)"
    )
    if latest is None:
        note += "; the pace is too uneven to bound the latest finish"
    return Progress(
        stage=stage,
        dispatch_rate_per_min=per_min,
        eta=eta,
        eta_earliest=finish(rate.high_per_min),
        eta_latest=latest,
        eta_note=note,
    )
