"""Ground truth of a built scenario, so tests can assert exact sets instead of "looks right".

Computed from the plan (not from the HTTP responses) at one moment, the clock's start. Sets of
recipients by their state then, with the contract's classification of failure codes
(transient vs permanent), not the server's ``retryable`` flag.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from triage_gui.simulator.clock import iso
from triage_gui.simulator.plan import JobPlan
from triage_gui.simulator.population import UploadData


def job_truth(plan: JobPlan, upload: UploadData, t: float) -> dict[str, Any]:
    by_state: dict[str, list[str]] = {
        s: [] for s in ("queued", "in_progress", "retry_scheduled", "succeeded", "failed")
    }
    transient: list[str] = []
    permanent: list[str] = []
    retried_permanent: list[str] = []
    exhausted: list[str] = []
    max_attempt = 0
    for r, row in enumerate(plan.recipients):
        state = plan.recipient_state(r, t)
        by_state[state].append(row.recipient_id)
        own = [a for a in plan.attempts_of(r) if a.queued_at <= t]
        if own:
            max_attempt = max(max_attempt, own[-1].number)
        if any(
            a.failure is not None and not a.failure.transient and a.ended_at <= t and later.queued_at <= t
            for a, later in zip(own, own[1:], strict=False)
        ):
            retried_permanent.append(row.recipient_id)
        if state in ("failed", "retry_scheduled"):
            latest = plan.latest_ended(r, t)
            if latest is not None and latest.failure is not None:
                (transient if latest.failure.transient else permanent).append(row.recipient_id)
                if state == "failed" and latest.failure.transient and latest.number >= plan.meta.max_attempts:
                    exhausted.append(row.recipient_id)

    existing = plan.attempts[: plan.existing_attempts(t)]
    dispatched_keys = Counter(a.dispatch_key for a in existing if a.dispatched_at <= t)
    dropped_keys = sorted(
        {e.dispatch_key for e in plan.events if e.type == "dedupe_dropped" and e.at <= t and e.dispatch_key}
    )
    ended_failures = [a for a in existing if a.failure is not None and a.ended_at <= t]
    in_job = {row.recipient_id for row in plan.recipients}
    return {
        "as_of": iso(t),
        "status": plan.status_at(t),
        "counters": plan.counters_at(t),
        "recipient_ids": [row.recipient_id for row in plan.recipients],
        "succeeded_ids": by_state["succeeded"],
        "failed_ids": by_state["failed"],
        "queued_ids": by_state["queued"],
        "in_progress_ids": by_state["in_progress"],
        "retry_scheduled_ids": by_state["retry_scheduled"],
        "in_flight_ids": by_state["queued"] + by_state["in_progress"] + by_state["retry_scheduled"],
        "transient_failed_ids": transient,
        "permanent_failed_ids": permanent,
        "exhausted_ids": exhausted,
        "retried_permanent_ids": retried_permanent,
        "max_attempt_seen": max_attempt,
        "duplicate_dispatch_keys": sorted(k for k, n in dispatched_keys.items() if n > 1),
        "dedupe_dropped_keys": dropped_keys,
        "wrong_retryable_flag_attempt_ids": [
            a.id
            for a in ended_failures
            if a.failure is not None and a.failure.retryable is not None and a.failure.retryable != a.failure.transient
        ],
        "missing_retryable_flag_attempt_ids": [
            a.id for a in ended_failures if a.failure is not None and a.failure.retryable is None
        ],
        "duplicate_upload_rows": list(upload.duplicate_rows),
        "invalid_upload_rows": list(upload.invalid_rows),
        "dropped_recipient_ids": [r.recipient_id for r in upload.rows if r.recipient_id not in in_job],
    }
