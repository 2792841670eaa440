"""Retry jobs created through ``POST .../retries``, and how they progress.

A retry job dials its cohort (recipient ids of the parent) again: its own counters, attempts
numbered from 1, the parent's campaign, upload, agent, number and retry policy. How it goes is
the parent's *retry behaviour*, set by tests with ``sim.set_retry_behaviour``:

- ``healthy`` (default): dispatches at once and mostly succeeds within a few simulated
  minutes; a recipient whose last failure was permanent fails the same way again.
- ``failing``: every attempt fails transiently until ``max_attempts``.
- ``stalled``: starts and never dispatches anything (permits free).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Final

from triage_gui.simulator.failure_codes import failure
from triage_gui.simulator.outcomes import OutcomeMix, script
from triage_gui.simulator.plan import JobPlan
from triage_gui.simulator.progression import DispatchSpec, Script, build_plan

RETRY_BEHAVIOURS: Final = ("healthy", "failing", "stalled")


def build_retry_plan(parent: JobPlan, cohort: list[int], job_id: str, now: float, behaviour: str, seed: str) -> JobPlan:
    if behaviour not in RETRY_BEHAVIOURS:
        raise ValueError(f"retry behaviour must be one of {RETRY_BEHAVIOURS}")
    rng = random.Random(seed)
    p = parent.meta
    # The parent's campaign, upload, agent, number, concurrency and retry policy.
    meta = replace(
        p,
        id=job_id,
        trigger="retry",
        created_at=now,
        started_at=now + 5.0,
        parent_job_id=p.id,
    )
    recipients = [parent.recipients[r] for r in cohort]
    mix = OutcomeMix(
        transient=0.05,
        permanent=0.0,
        max_attempts=p.max_attempts,
        retryable_codes=p.retryable_codes,
        retry_delay=(30.0, 90.0),
        wrong_flag=0.0,
    )
    scripts: list[Script] = []
    for r in cohort:
        latest = parent.latest_ended(r, now)
        previous = latest.failure if latest is not None else None
        if behaviour == "failing":
            code = previous.code if previous is not None and previous.transient else "provider_timeout"
            scripts.append([(failure(code), 30.0, rng.uniform(30.0, 90.0))] * p.max_attempts)
        elif previous is not None and not previous.transient:
            scripts.append([(previous, rng.uniform(1.0, 4.0), 0.0)])
        else:
            scripts.append(script(rng, mix))
    stall_at = meta.started_at if behaviour == "stalled" else float("inf")
    return build_plan(meta, recipients, scripts, DispatchSpec(pace=2.0, stall_at=stall_at), rng)
