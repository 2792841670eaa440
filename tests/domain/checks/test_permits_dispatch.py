"""Runbook check 2: permits and dispatch, retries of transient and permanent failures."""

from __future__ import annotations

import pytest

from tests.domain.factories import ago, call, event, failed, incident, job, rid
from triage_gui.domain.checks import permits_dispatch
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.vocabulary import CheckId, Verdict

SETTINGS = AnalysisSettings()
WORK_LEFT = {
    "total": 100,
    "queued": 50,
    "dispatched": 50,
    "succeeded": 30,
    "in_progress": 10,
    "failed": 10,
}


def run(data: IncidentData, settings: AnalysisSettings = SETTINGS) -> CheckResult:
    result = permits_dispatch.run(data, settings)
    assert result.id is CheckId.PERMITS_DISPATCH
    return result


def only(result: CheckResult, finding_id: str) -> Finding:
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, [(f.id, f.summary) for f in result.findings]
    return found[0]


def ids(result: CheckResult) -> set[str]:
    return {f.id for f in result.findings}


def permits(in_use: int, waiting: int, last_dispatch_s: float, limit: int = 10) -> object:
    return job(
        counters=WORK_LEFT,
        dispatch={
            "concurrency_limit": limit,
            "permits_in_use": in_use,
            "waiting_for_permit": waiting,
            "last_dispatch_at": ago(last_dispatch_s),
        },
    )


def test_blocked_by_permits_when_full_waiting_and_idle() -> None:
    finding = only(run(incident(permits(10, 50, 1200), [call(1)])), "dispatch_blocked_by_permits")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["permits_in_use"] == 10 and finding.evidence["concurrency_limit"] == 10
    assert finding.evidence["waiting_for_permit"] == 50 and finding.evidence["idle_s"] == 1200


def test_blocked_by_permits_when_denials_dominate_despite_a_recent_dispatch() -> None:
    events = [event("permit_denied", at=30 + i, seq=i) for i in range(8)] + [event("dispatched", at=20, seq=99)]
    finding = only(run(incident(permits(10, 50, 20), [call(1)], events=events)), "dispatch_blocked_by_permits")
    assert finding.evidence["recent_permit_denied"] == 8
    assert finding.evidence["recent_dispatched_events"] == 1


def test_old_denials_do_not_count_as_recent() -> None:
    events = [event("permit_denied", at=3000 + i, seq=i) for i in range(8)]
    result = run(incident(permits(10, 50, 20), [call(1)], events=events))
    assert only(result, "permits_saturated").verdict is Verdict.WARN


@pytest.mark.parametrize(
    ("in_use", "waiting", "idle", "expected"),
    [
        (10, 50, 599, "permits_saturated"),  # full and waiting, but dispatching: a risk
        (9, 50, 1200, "permits_available"),  # a free permit: a stall is job health's, not ours
        (10, 0, 1200, "permits_available"),  # nobody waiting
        (0, 0, 1800, "permits_available"),
    ],
)
def test_each_condition_of_the_permit_rule(in_use: int, waiting: int, idle: float, expected: str) -> None:
    assert expected in ids(run(incident(permits(in_use, waiting, idle), [call(1)])))


def test_workspace_limit_is_used_when_the_job_reports_none() -> None:
    data = incident(permits(10, 5, 1200, limit=0), [call(1)])
    assert "dispatch_blocked_by_permits" in ids(run(data))


def test_no_limit_anywhere_is_unknown() -> None:
    data = incident(permits(10, 5, 1200, limit=0), [call(1)], workspace=None)
    assert only(run(data), "permits_unknown").verdict is Verdict.UNKNOWN


def test_finished_job_holds_no_permits() -> None:
    done = job(
        status="completed",
        finished_at=ago(5),
        dispatch={"permits_in_use": 10, "waiting_for_permit": 3},
    )
    assert "permits_not_applicable" in ids(run(incident(done, [call(1)])))


def test_permanent_failure_retried_fails_with_the_recipients() -> None:
    calls = [
        failed(1, "invalid_number", attempt=1, at=1800),
        failed(1, "invalid_number", attempt=2, at=1200),
        failed(1, "invalid_number", attempt=3, at=600),
        failed(2, "number_not_in_service", attempt=1, at=900),
        call(2, attempt=2, at=300),
        failed(3, "invalid_number"),  # not retried
        failed(4, "provider_timeout", attempt=1, at=900),
        call(4, attempt=2, at=300),  # transient: fine
    ]
    finding = only(run(incident(job(), calls)), "permanent_failure_retried")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["sample_ids"] == [rid(1), rid(2)]
    assert finding.evidence["by_code"] == {"invalid_number": 1, "number_not_in_service": 1}
    assert finding.table is not None and [row[0] for row in finding.table.rows] == [rid(1), rid(2)]
    assert finding.table.rows[0][3] == "invalid_number → invalid_number → invalid_number"


def test_permanent_failures_not_retried_pass() -> None:
    finding = only(
        run(incident(job(), [failed(1, "do_not_call"), failed(2, "declined"), call(3)])),
        "permanent_not_retried",
    )
    assert finding.evidence["recipients_with_permanent_failure"] == 2


def test_unknown_class_failure_followed_by_a_retry_is_not_flagged() -> None:
    calls = [failed(1, "carrier_hiccup", sip=None, attempt=1, at=900), call(1, attempt=2, at=300)]
    assert "permanent_not_retried" in ids(run(incident(job(), calls)))


@pytest.mark.parametrize(("highest", "flagged"), [(3, False), (4, True), (6, True)])
def test_attempts_beyond_max(highest: int, flagged: bool) -> None:
    calls = [failed(1, "busy", attempt=a, at=3000 - a * 300) for a in range(1, highest + 1)]
    result = run(incident(job(retry_policy={"max_attempts": 3}), calls))
    assert ("attempts_beyond_max" in ids(result)) is flagged
    if flagged:
        assert only(result, "attempts_beyond_max").evidence["highest_attempt"] == highest
    else:
        assert only(result, "attempts_within_max").evidence["highest_attempt"] == 3


def finished_job(**kw: object) -> object:
    return job(status="completed", finished_at=ago(30), **kw)


def test_transient_failures_left_without_retry_warn() -> None:
    calls = [failed(1, "no_answer"), failed(2, "busy"), call(3)]
    policy = {"max_attempts": 3, "retryable_codes": ["busy", "provider_timeout"]}
    finding = only(run(incident(finished_job(retry_policy=policy), calls)), "transient_not_retried")
    assert finding.verdict is Verdict.WARN
    assert finding.evidence["sample_ids"] == [rid(1), rid(2)]
    assert finding.evidence["codes_outside_policy"] == ["no_answer"]


def test_transient_failures_that_used_up_their_attempts_are_fine() -> None:
    calls = [failed(1, "busy", attempt=a, at=3000 - a * 300) for a in (1, 2, 3)]
    finding = only(run(incident(finished_job(), calls)), "transient_retried")
    assert finding.evidence["recipients_retried"] == 1


def test_running_job_gets_time_to_schedule_its_retries() -> None:
    recent = [failed(1, "busy", at=300)]  # ended 4 min ago: the platform may still retry
    assert "transient_retried" in ids(run(incident(job(), recent)))
    old = [failed(1, "busy", at=1800)]  # ended 29 min ago with no retry scheduled
    assert "transient_not_retried" in ids(run(incident(job(), old)))
    scheduled = incident(job(), old, events=[event("retry_scheduled", at=1700, recipient=1)])
    assert "transient_retried" in ids(run(scheduled))


def test_retries_unknown_without_calls() -> None:
    result = run(incident(permits(2, 0, 30), [], missing={"calls": "HTTP 500"}))
    assert only(result, "retries_unknown").verdict is Verdict.UNKNOWN
    assert "HTTP 500" in only(result, "retries_unknown").summary
    assert "permits_available" in ids(result)  # the permit half still ran


# -- issue #13: the permits held by the job's own calls are named -------------------------------


def test_permits_held_by_the_jobs_own_stuck_calls_are_named_with_their_ages() -> None:
    stuck = [call(i, status="in_progress", at=1440 + 10 * i, call_id=f"call_{i}") for i in range(4)]
    recent = [call(9, status="in_progress", at=120, call_id="call_recent")]  # a normal call: not stuck
    finding = only(run(incident(permits(10, 50, 1200), stuck + recent)), "dispatch_blocked_by_permits")
    assert "The permits are held by this job's own 4 calls, open for 24 min without ending" in finding.summary
    assert "(call_3, call_2, call_1 and 1 more)" in finding.summary  # oldest first
    assert finding.table is not None and finding.table.total_rows == 4
    assert [row[0] for row in finding.table.rows] == ["call_3", "call_2", "call_1", "call_0"]
    assert finding.table.rows[0][-1] == "24 min" and "call_recent" not in str(finding.table.rows)


def test_without_stuck_calls_of_its_own_the_blocked_finding_names_none() -> None:
    finding = only(run(incident(permits(10, 50, 1200), [call(1)])), "dispatch_blocked_by_permits")
    assert "own" not in finding.summary and finding.table is None
