"""The job's progress over its whole life, rebuilt from its calls and events (for the chart).

Live snapshots start when the case is opened, often long after the job did (a job stalled half an
hour ago looks flat from the first snapshot on, with nothing to compare). The cumulative
counters can be rebuilt from the calls, because a recipient's final state is its calls':

- *succeeded* at ``t``: recipients with a succeeded attempt that ended by ``t`` (the first one,
  should a duplicate delivery have ended twice);
- *failed* at ``t``: recipients whose last attempt failed by ``t`` with no retry to come, i.e.
  no ``retry_scheduled`` event after that attempt was dispatched (``failed`` is final: a
  recipient between attempts is ``retry_scheduled``, and counted by neither);
- *processed* = succeeded + failed.

*Waiting for permit* is a level, not a count: the API keeps no history of it, so it is not
rebuilt (the chart shows it from the live snapshots only, and says so). The counts are checked
against the job's own counters at the moment the job was fetched with the calls; a difference
is reported, not hidden (a page of calls missing, a server that counts differently).

One pass over the calls and one over the events, then sorting the end times: about 0.1 s for a
100k-recipient job, so it runs on a worker with the load, never on the GUI thread.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from triage_gui.domain.incident import IncidentData
from triage_gui.domain.models import BatchJob, CallStatus, EventType

MAX_POINTS = 1500  # per series: enough for a chart 1,500 pixels wide
MIN_STEP_S = 1.0  # the API's times are whole seconds
GAP_S = 90.0  # live snapshots further apart than this leave a gap the rebuilt curve fills
REBUILT = ("processed", "succeeded", "failed")  # the series rebuilt; the others are live only


@dataclass(frozen=True, slots=True)
class ProgressHistory:
    """Cumulative counts on a regular time grid (seconds since the epoch, ascending)."""

    times: tuple[float, ...]
    succeeded: tuple[int, ...]
    failed: tuple[int, ...]
    calls: int  # the attempts it was rebuilt from
    undated: int  # recipients in a final state whose final call has no end time (not placed)
    differences: tuple[str, ...]  # where it disagrees with the job's own counters, in words

    @property
    def processed(self) -> tuple[int, ...]:
        return tuple(s + f for s, f in zip(self.succeeded, self.failed, strict=True))

    def series(self, key: str) -> tuple[int, ...]:
        """One of :data:`REBUILT` by key."""
        if key not in REBUILT:
            raise KeyError(key)
        return self.processed if key == "processed" else getattr(self, key)

    @property
    def source(self) -> str:
        """Where the rebuilt curves come from, for the chart's caption."""
        return f"rebuilt from the job's {self.calls:,} call attempts (each recipient counted when its final call ended)"

    @property
    def caveats(self) -> str:
        """What the rebuilt curves leave out or disagree on ("" when nothing)."""
        parts = []
        if self.undated:
            parts.append(f"{self.undated:,} finished recipient(s) have no end time and are left out.")
        if self.differences:
            parts.append("The rebuilt counts differ from the job's counters: " + "; ".join(self.differences) + ".")
        return " ".join(parts)


def progress_history(data: IncidentData, *, max_points: int = MAX_POINTS) -> ProgressHistory | None:
    """The rebuilt curves from the job's start to when its calls were fetched; None without calls."""
    if not data.calls:
        return None
    succeeded_at: dict[str, datetime] = {}
    last: dict[str, tuple[int, CallStatus, datetime | None, datetime | None]] = {}
    succeeded_status, failed_status = CallStatus.SUCCEEDED, CallStatus.FAILED
    for call in data.calls:
        recipient, ended = call.recipient_id, call.ended_at
        status = call.status
        if status is succeeded_status and ended is not None:
            first = succeeded_at.get(recipient)
            if first is None or ended < first:
                succeeded_at[recipient] = ended
        seen = last.get(recipient)
        if seen is None or call.attempt > seen[0] or (call.attempt == seen[0] and _later(ended, seen[3])):
            last[recipient] = (call.attempt, status, call.dispatched_at or call.queued_at, ended)
    retry_at: dict[str, datetime] = {}
    retry_type = EventType.RETRY_SCHEDULED
    for event in data.events:  # oldest first: the latest per recipient wins
        if event.type is retry_type and event.recipient_id is not None:
            retry_at[event.recipient_id] = event.at
    failed_at: list[float] = []
    undated = 0
    for recipient, (_attempt, status, started, ended) in last.items():
        if recipient in succeeded_at:
            continue
        if status is succeeded_status:
            undated += 1  # succeeded, but no end time
            continue
        if status is not failed_status:
            continue
        retry = retry_at.get(recipient)
        if retry is not None and (started is None or retry > started):
            continue  # a retry is due: retry_scheduled, not failed
        if ended is None:
            undated += 1
            continue
        failed_at.append(ended.timestamp())
    succeeded_times = sorted(t.timestamp() for t in succeeded_at.values())
    failed_at.sort()

    until = _calls_fetched_at(data)
    start = _job_start(data.job, succeeded_times, failed_at, until=until)
    times = _grid(start, until, max_points)
    reference = data.job_at_calls_fetch or data.job
    return ProgressHistory(
        times=times,
        succeeded=_counts_at(succeeded_times, times),
        failed=_counts_at(failed_at, times),
        calls=len(data.calls),
        undated=undated,
        differences=_differences(reference, _job_fetched_at(data, reference), succeeded_times, failed_at),
    )


def rebuilt_points_to_keep(history_times: Sequence[float], snapshot_times: Sequence[float]) -> list[bool]:
    """Which rebuilt points the chart draws beside the live snapshots (sorted, seconds): those
    before the first snapshot, and those inside a gap between two snapshots longer than
    :data:`GAP_S` (the app was closed meanwhile). None after the last snapshot: the live
    counters are the newest truth. Without snapshots, all of them."""
    if not snapshot_times:
        return [True] * len(history_times)
    first, last = snapshot_times[0], snapshot_times[-1]
    keep = []
    for t in history_times:
        if t < first:
            keep.append(True)
        elif t >= last:
            keep.append(False)
        else:
            i = bisect_right(snapshot_times, t)
            keep.append(snapshot_times[i] - snapshot_times[i - 1] > GAP_S and t > snapshot_times[i - 1])
    return keep


def describe_sources(history: ProgressHistory | None, *, live_since: str, before_live: bool, in_gaps: bool) -> str:
    """Where a chart's curves come from, in words: ``live_since`` is the first live snapshot's
    time as the chart shows it ("" when there is none), ``before_live`` and ``in_gaps`` whether
    rebuilt points are drawn before it and in gaps between live snapshots."""
    if history is None or not history.times:
        return f"Live snapshots from {live_since}: the curves start when the case was opened." if live_since else ""
    if not live_since:
        text = f"Processed, succeeded and failed are {history.source}. Waiting for permit: no live snapshot yet."
    elif not (before_live or in_gaps):
        text = f"Live snapshots from {live_since}. Waiting for permit: live snapshots only."
    else:
        where = [f"before {live_since} (dashed line)"] if before_live else []
        where += ["where the live snapshots have gaps"] if in_gaps else []
        said = " and ".join(where)
        text = (
            f"{said[0].upper()}{said[1:]}, processed, succeeded and failed are {history.source}; "
            "the rest is live snapshots. Waiting for permit: live snapshots only."
        )
    return f"{text} {history.caveats}".strip()


# -- internals ---------------------------------------------------------------------------------
def _later(ended: datetime | None, than: datetime | None) -> bool:
    return ended is not None and (than is None or ended > than)


def _calls_fetched_at(data: IncidentData) -> float:
    """When the calls were fetched: the load's clock. A later copy of the data (a newer job,
    ``job_at_calls_fetch`` kept) has a later ``server_now``, so the calls' own latest time bounds it."""
    now = data.server_now.timestamp()
    if data.job_at_calls_fetch is None:
        return now
    latest = [t for c in data.calls for t in (c.ended_at, c.dispatched_at, c.queued_at) if t is not None]
    fetched = [s.at for s in data.snapshots if s.job == data.job_at_calls_fetch]
    seen = max([*latest, *fetched], default=data.server_now).timestamp()
    return min(now, seen)


def _job_fetched_at(data: IncidentData, reference: BatchJob) -> float | None:
    """The moment the job of the calls was fetched (its snapshot), if the data says."""
    moments = [s.at.timestamp() for s in data.snapshots if s.job == reference]
    return max(moments) if moments else None


def _job_start(job: BatchJob, *sorted_times: Sequence[float], until: float) -> float:
    candidates = [times[0] for times in sorted_times if times]
    moment = job.started_at or job.created_at
    if moment is not None:
        candidates.append(moment.timestamp())
    return min(min(candidates, default=until), until)


def _grid(start: float, until: float, max_points: int) -> tuple[float, ...]:
    span = until - start
    if span <= 0:
        return (until,)
    count = max(2, min(max_points, int(span / MIN_STEP_S) + 1))
    step = span / (count - 1)
    return tuple([start + i * step for i in range(count - 1)] + [until])


def _counts_at(sorted_times: list[float], grid: Sequence[float]) -> tuple[int, ...]:
    """How many of ``sorted_times`` are at or before each grid time (both ascending)."""
    counts = []
    index, n = 0, len(sorted_times)
    for t in grid:
        while index < n and sorted_times[index] <= t:
            index += 1
        counts.append(index)
    return tuple(counts)


def _differences(
    job: BatchJob, fetched_at: float | None, succeeded: list[float], failed: list[float]
) -> tuple[str, ...]:
    if fetched_at is None:
        return ()
    found = []
    for name, times, reported in (
        ("succeeded", succeeded, job.counters.succeeded),
        ("failed", failed, job.counters.failed),
    ):
        rebuilt = bisect_right(times, fetched_at)
        if rebuilt != reported:
            found.append(f"{name} {rebuilt:,} rebuilt, {reported:,} reported")
    return tuple(found)
