"""The first-dispatches verdict on a retry job."""

from __future__ import annotations

import pytest

from tests.domain import factories as f
from triage_gui.domain.dispatch_monitor import MonitorKind, judge_first_dispatches
from triage_gui.domain.models import BatchJob
from triage_gui.domain.report import FailureClass


def retry_job(total: int = 20, **overrides) -> BatchJob:
    fields = dict(id="job_r1", parent_job_id="job_1", trigger="retry", counters={"total": total})
    fields.update(overrides)
    return f.job(**fields)


def outcomes(succeeded: int = 0, transient: int = 0, permanent: int = 0, unknown: int = 0, in_flight: int = 0):
    """Attempts dispatched one second apart, in this order."""
    kinds = (
        [("succeeded", None)] * succeeded
        + [("failed", "provider_timeout")] * transient
        + [("failed", "invalid_number")] * permanent
        + [("failed", "weird_code")] * unknown
        + [("in_progress", None)] * in_flight
    )
    calls = []
    for n, (status, code) in enumerate(kinds, start=1):
        kw = {"sip": None} if code == "weird_code" else {}
        calls.append(f.call(n, status=status, code=code, at=300 - n, **kw))
    return calls


def judge(job: BatchJob, calls, **kw):
    return judge_first_dispatches(job, calls, server_now=f.NOW, stall_threshold_s=600, **kw)


def test_waiting_until_ten_dispatches_finished():
    verdict = judge(retry_job(), outcomes(succeeded=6, in_flight=5))
    assert verdict.kind is MonitorKind.WAITING and not verdict.kind.final
    assert verdict.counts["finished"] == 6 and verdict.counts["in_flight"] == 5
    assert "4 more dispatches" in verdict.next_action


def test_healthy_when_first_dispatches_mostly_succeed():
    verdict = judge(retry_job(), outcomes(succeeded=10, transient=2))
    assert verdict.kind is MonitorKind.HEALTHY
    assert verdict.counts["succeeded"] == 10 and verdict.counts["failed_transient"] == 2
    assert "remainder" in verdict.next_action
    assert verdict.failure_codes == {"provider_timeout": 2}


def test_still_failing_transiently_says_wait_or_escalate():
    verdict = judge(retry_job(), outcomes(succeeded=3, transient=9))
    assert verdict.kind is MonitorKind.FAILING_TRANSIENTLY
    assert "Wait" in verdict.next_action and "escalate" in verdict.next_action


def test_failing_permanently_says_stop():
    verdict = judge(retry_job(), outcomes(succeeded=2, permanent=8, transient=2))
    assert verdict.kind is MonitorKind.FAILING_PERMANENTLY
    assert verdict.next_action.startswith("Stop")


def test_unclassified_failures_count_towards_stopping():
    verdict = judge(retry_job(), outcomes(succeeded=4, unknown=6))
    assert verdict.counts["failed_unknown"] == 6
    assert verdict.kind is MonitorKind.FAILING_PERMANENTLY


def test_only_the_first_twenty_dispatches_are_judged():
    calls = outcomes(succeeded=18, transient=2) + [
        f.failed(100 + n, "invalid_number", at=10 - n * 0.1) for n in range(30)
    ]
    verdict = judge(retry_job(total=50), calls)
    assert verdict.counts["dispatched"] == 20
    assert verdict.kind is MonitorKind.HEALTHY
    assert [row.recipient_id for row in verdict.rows][:2] == [f.rid(1), f.rid(2)]  # dispatch order


def test_a_small_cohort_is_judged_when_all_of_it_finished():
    verdict = judge(retry_job(total=3), outcomes(succeeded=3))
    assert verdict.kind is MonitorKind.HEALTHY and verdict.counts["needed"] == 3


def test_stalled_retry_job_feeds_level_3():
    job = retry_job(
        started_at=f.ago(1200),
        dispatch={"last_dispatch_at": None, "permits_in_use": 0},
        counters={"total": 20, "queued": 20},
    )
    verdict = judge(job, [])
    assert verdict.kind is MonitorKind.STALLED and verdict.escalation_level == 3
    assert "stalled after the validated retry path" in verdict.next_action


def test_a_recently_started_job_with_nothing_dispatched_is_waiting_not_stalled():
    job = retry_job(started_at=f.ago(60), dispatch={"last_dispatch_at": None}, counters={"total": 20, "queued": 20})
    verdict = judge(job, [])
    assert verdict.kind is MonitorKind.WAITING
    assert "Nothing dispatched yet" in verdict.summary


def test_a_retry_job_that_ended_early_says_stop():
    verdict = judge(retry_job(status="cancelled", counters={"total": 20}), outcomes(succeeded=2))
    assert verdict.kind is MonitorKind.FAILING_PERMANENTLY


def test_rows_carry_our_class_not_the_servers_flag():
    calls = [f.failed(1, "invalid_number", retryable=True)]
    row = judge(retry_job(total=1), calls).rows[0]
    assert row.failure_code == "invalid_number" and row.failure_class is FailureClass.PERMANENT


def test_bad_window_is_refused():
    with pytest.raises(ValueError):
        judge(retry_job(), [], window=(20, 10))
