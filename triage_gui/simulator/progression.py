"""From each recipient's script of outcomes to a timed :class:`~.plan.JobPlan`.

A scenario says *what* happens to each recipient (a :data:`Script`: attempt outcomes, call
durations, retry delays); this module says *when*, by simulating the platform's dispatcher
once, up front:

- the dispatcher is paced (one dispatch every ``pace`` seconds, jittered) and holds one permit
  per call in flight, at most ``concurrency_limit``: an attempt is dispatched at the later of
  its due time, the pacing slot and the earliest free permit (a heap of permit release times);
- the feeder queues an attempt a few seconds before its dispatch, so ``waiting_for_permit`` is
  near zero while permits are free;
- ``stall_at``: from then on nothing is queued or dispatched (the stalled-job symptom);
- ``hold_at``: calls in flight then never end and keep their permits; nothing is dispatched
  any more, while the feeder keeps queueing one attempt every ``feeder_interval`` seconds and
  logs a ``permit_denied`` event for each (the permit-starvation symptom).

Due times only grow (a retry is due after its attempt ended), so one pass over a heap of due
attempts in time order is the whole simulation: O(attempts x log), about a second at 100k.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from operator import attrgetter

from triage_gui.simulator.failure_codes import Failure
from triage_gui.simulator.plan import INF, Attempt, Event, JobMeta, JobPlan
from triage_gui.simulator.population import UploadRow

# One planned attempt: outcome (None = success), how long the call lasts, and how long after
# a failure the next attempt is due (ignored for the last step).
Step = tuple[Failure | None, float, float]
Script = list[Step]


@dataclass(frozen=True)
class DispatchSpec:
    pace: float  # seconds between dispatches
    stall_at: float = INF
    hold_at: float = INF
    feeder_interval: float = 8.0
    duplicate_share: float = 0.0  # dispatches delivered twice (dispatch-layer dedupe failed)
    dedupe_share: float = 0.0  # dispatches delivered twice but caught (dedupe_dropped event)


def dispatch_key(job_id: str, recipient_id: str, number: int) -> str:
    return f"dk_{job_id}_{recipient_id}_{number}"


def build_plan(
    meta: JobMeta,
    recipients: list[UploadRow],
    scripts: list[Script],
    spec: DispatchSpec,
    rng: random.Random,
) -> JobPlan:
    attempts: list[Attempt] = []
    events: list[Event] = [
        Event(
            meta.started_at,
            "job_started",
            None,
            f"{len(recipients)} recipients, concurrency {meta.concurrency_limit}",
        )
    ]
    pending: set[int] = set()
    # The feeder releases first attempts at the dispatch pace, so a retry that falls due joins
    # the queue among them instead of behind the whole cohort.
    due: list[tuple[float, int, int, int]] = [
        (meta.started_at + r * spec.pace, r, r, 0) for r in range(len(recipients)) if scripts[r]
    ]
    heapq.heapify(due)
    order = len(due)
    permits = [meta.started_at] * meta.concurrency_limit
    pace_slot = meta.started_at
    feeder_slot = spec.hold_at
    limit = meta.concurrency_limit
    hold_at, stall_at, pace = spec.hold_at, spec.stall_at, spec.pace
    duplicate_share = spec.duplicate_share
    dedupe_share = duplicate_share + spec.dedupe_share
    random_ = rng.random
    heappop, heappush, heapreplace = heapq.heappop, heapq.heappush, heapq.heapreplace
    add_attempt, add_event = attempts.append, events.append
    # Times are rounded to whole seconds as the API shows them: int(x + 0.5) is monotone, so
    # no ordering changes.

    while due:
        ready, _, r, k = heappop(due)
        earliest = ready if ready > pace_slot else pace_slot
        at = earliest if earliest > permits[0] else permits[0]
        if at >= hold_at:
            key = dispatch_key(meta.id, recipients[r].recipient_id, k + 1)
            queued = float(int(max(ready, feeder_slot) + 0.5))
            feeder_slot = queued + spec.feeder_interval
            add_attempt(Attempt(r, k + 1, key, queued, INF, INF, None))
            add_event(
                Event(
                    queued + 1,
                    "permit_denied",
                    r,
                    f"no free permit ({limit}/{limit} in use); {key} waits",
                )
            )
            continue
        if at >= stall_at:
            if k > 0:
                pending.add(r)
            continue
        failure, duration, delay = scripts[r][k]
        key = dispatch_key(meta.id, recipients[r].recipient_id, k + 1)
        lead = at - 1.0 - 3.0 * random_()
        queued = float(int((ready if ready > lead else lead) + 0.5))
        ended = at + duration
        if at < hold_at < ended:
            ended = INF  # the permit is never released
            failure = None
        heapreplace(permits, ended)
        pace_slot = at + pace * (0.7 + 0.6 * random_())
        at_s = float(int(at + 0.5))
        ended_s = float(int(ended + 0.5)) if ended < INF else INF
        add_attempt(Attempt(r, k + 1, key, queued, at_s, ended_s, failure))
        add_event(Event(at_s, "dispatched", r, None, k + 1, key))
        roll = random_()
        if roll < duplicate_share:
            again = at + 1.0 + 3.0 * random_()
            again_end = again + duration if ended < INF else INF
            again_s = float(int(again + 0.5))
            add_attempt(
                Attempt(
                    r,
                    k + 1,
                    key,
                    queued,
                    again_s,
                    float(int(again_end + 0.5)) if again_end < INF else INF,
                    failure,
                    duplicate=True,
                )
            )
            add_event(Event(again_s, "dispatched", r, None, k + 1, key))
        elif roll < dedupe_share:
            add_event(
                Event(
                    float(int(at + 1.5 + 3.0 * random_())),
                    "dedupe_dropped",
                    r,
                    f"second delivery of {key} dropped by the dispatch layer",
                    k + 1,
                    key,
                )
            )
        if failure is not None and ended < INF and k + 1 < len(scripts[r]):
            add_event(
                Event(
                    ended_s,
                    "retry_scheduled",
                    r,
                    f"attempt {k + 2} due in {int(delay)} s after {failure.code}",
                    k + 2,
                )
            )
            order += 1
            heappush(due, (ended + delay, order, r, k + 1))

    return finish_plan(meta, recipients, attempts, events, pending, rng)


def finish_plan(
    meta: JobMeta,
    recipients: list[UploadRow],
    attempts: list[Attempt],
    events: list[Event],
    pending: set[int],
    rng: random.Random,
) -> JobPlan:
    """Order attempts and events, give them ids and sequence numbers, add job_completed."""
    attempts.sort(key=attrgetter("queued_at"))  # stable: creation order breaks ties
    tag = meta.id.removeprefix("job_")
    for index, attempt in enumerate(attempts):
        attempt.id = f"att_{tag}_{index + 1:06d}"
    plan = JobPlan(meta, recipients, attempts, [], pending)
    if plan.finished_at is not None:
        events.append(Event(plan.finished_at, "job_completed", None, "all recipients processed"))
    events.sort(key=attrgetter("at"))
    seq = 0
    random_ = rng.random
    for event in events:
        seq += 1 + int(random_() * 3)  # the contract promises increasing seq, not consecutive
        event.seq = seq
    plan.attach_events(events)
    return plan
