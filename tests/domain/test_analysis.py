"""``analyse``: the four checks, escalation, counts, progress, plan and outcome together."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.domain.factories import (
    NOW,
    ago,
    audit,
    call,
    counters_for,
    event,
    failed,
    incident,
    job,
    phone,
    rid,
    snapshot,
    upload,
)
from triage_gui.domain.analysis import analyse
from triage_gui.domain.incident import IncidentData
from triage_gui.domain.models import BatchJob, CallAttempt, CallStatus, Failure
from triage_gui.domain.report import Report, Stage
from triage_gui.domain.vocabulary import CheckId, Verdict


def verdicts(report: Report) -> dict[str, str]:
    return {c.id.value: c.verdict.value for c in report.checks}


def finding_ids(report: Report, check: CheckId) -> set[str]:
    return {f.id for f in report.check(check).findings}


def reason_codes(report: Report) -> list[str]:
    return [r.code for r in report.escalation.reasons]


def healthy_calls() -> list[CallAttempt]:
    calls = [call(i, at=30 + i * 10) for i in range(60)]
    calls += [failed(100, "busy", attempt=1, at=900), call(100, attempt=2, at=300)]
    calls += [call(200 + i, status="queued") for i in range(40)]
    return calls


def test_healthy_running_job() -> None:
    calls = healthy_calls()
    running = job(counters=counters_for(calls))
    report = analyse(incident(running, calls, upload=upload(101), contact_audit=audit(101)))
    assert verdicts(report) == {
        "job_health": "pass",
        "permits_dispatch": "pass",
        "duplicates": "pass",
        "retry_strategy": "pass",
    }
    assert report.escalation.level == 1 and reason_codes(report) == ["no_cause_found"]
    assert [c.id for c in report.checks] == list(CheckId)
    assert report.counts.total == 101 and report.counts.succeeded == 61 and report.counts.expected == 101
    assert report.counts.tally_from_calls["succeeded"] == 61
    assert report.progress.stage is Stage.DISPATCHING and report.progress.eta is not None
    assert report.retry_plan.recipient_ids == []
    assert report.outcome.next_action.startswith("No action needed")
    assert "the job should finish around" in report.outcome.eta_text
    assert report.generated_at == NOW  # the server's clock, not the workstation's


def test_analysis_reports_each_step_through_a_plain_callable() -> None:
    from triage_gui.domain.analysis import STEPS

    calls = healthy_calls()
    data = incident(job(counters=counters_for(calls)), calls, upload=upload(101), contact_audit=audit(101))
    heard: list[tuple[str, int, int]] = []
    report = analyse(data, progress=lambda text, done, total: heard.append((text, done, total)))
    assert heard == [(text, i, len(STEPS)) for i, text in enumerate(STEPS)]
    assert all(text.startswith("Analysing") for text, _d, _t in heard)
    assert report.model_dump(exclude={"generated_at"}) == analyse(data).model_dump(exclude={"generated_at"})


def test_stalled_job_is_job_health_and_level_2() -> None:
    calls = [call(i, at=1800 + i) for i in range(30)] + [call(100 + i, status="queued") for i in range(20)]
    stuck = job(counters=counters_for(calls), dispatch={"last_dispatch_at": ago(1800), "permits_in_use": 0})
    report = analyse(incident(stuck, calls))
    assert verdicts(report)["job_health"] == "fail" and "stalled" in finding_ids(report, CheckId.JOB_HEALTH)
    assert verdicts(report)["permits_dispatch"] == "pass"  # free permits: not a permit problem
    assert report.escalation.level == 2 and reason_codes(report) == ["stalled"]
    assert report.outcome.eta is None and "Level 2" in report.outcome.eta_text


def test_permit_starvation_fails_checks_1_and_2() -> None:
    calls = [call(i, status="in_progress", at=1500 + i, ended_at=None) for i in range(10)]
    calls += [call(100 + i, status="queued") for i in range(40)]
    starved = job(
        counters=counters_for(calls),
        dispatch={
            "concurrency_limit": 10,
            "permits_in_use": 10,
            "waiting_for_permit": 40,
            "last_dispatch_at": ago(1500),
        },
    )
    events = [event("permit_denied", at=10 + i, seq=i) for i in range(30)]
    report = analyse(incident(starved, calls, events=events))
    assert verdicts(report)["job_health"] == "fail"
    assert verdicts(report)["permits_dispatch"] == "fail"
    assert report.escalation.level == 2
    assert reason_codes(report) == ["dispatch_blocked_by_permits", "stalled"]
    assert report.outcome.next_action.startswith("Confirm permit/concurrency symptoms")


def test_transient_storm_is_level_3_with_the_plan_on_hold() -> None:
    storm = [failed(i, "provider_timeout", attempt=a, at=3000 - a * 700) for i in range(10) for a in (1, 2, 3)]
    storm += [failed(10 + i, "temporarily_unavailable") for i in range(5)]
    calls = storm + [call(100 + i) for i in range(20)] + [failed(200, "invalid_number")]
    finished = job(status="completed", finished_at=ago(60), counters=counters_for(calls))
    report = analyse(incident(finished, calls))
    assert verdicts(report)["retry_strategy"] == "fail"
    assert report.escalation.level == 3 and reason_codes(report) == ["transient_above_threshold"]
    assert report.retry_plan.hold
    assert report.retry_plan.recipient_ids == [rid(i) for i in range(15)]
    assert report.retry_plan.sample_ids == [rid(i) for i in range(10)]
    assert report.retry_plan.excluded == {"permanent_failure": 1}
    assert report.counts.failed_by_class == {"transient": 15, "permanent": 1, "unknown": 0}
    assert "hold the targeted retry of 15" in report.outcome.next_action


def test_retry_loop_is_permits_dispatch_and_level_2() -> None:
    loop = [failed(i, "invalid_number", attempt=a, at=3000 - a * 400) for i in range(5) for a in range(1, 7)]
    calls = loop + [call(100 + i) for i in range(45)]
    report = analyse(incident(job(counters=counters_for(calls)), calls))
    assert {"permanent_failure_retried", "attempts_beyond_max"} <= finding_ids(report, CheckId.PERMITS_DISPATCH)
    assert report.escalation.level == 2
    assert reason_codes(report) == ["retry_policy_violated", "permanent_failures_dominate"]
    assert report.retry_plan.recipient_ids == [] and report.retry_plan.excluded == {"permanent_failure": 5}


def test_duplicate_delivery_is_level_3() -> None:
    calls = [call(i) for i in range(20)] + [call(3, call_id="again", at=590)]
    report = analyse(incident(job(counters=counters_for(calls)), calls))
    assert verdicts(report)["duplicates"] == "fail"
    assert report.escalation.level == 3
    assert reason_codes(report) == ["duplicate_delivery"]


def test_duplicate_job_run_is_level_2() -> None:
    calls = [call(i) for i in range(20)]
    twin = job(id="job_1b", trigger="schedule", created_at=ago(3300), started_at=ago(3290))
    report = analyse(incident(job(counters=counters_for(calls)), calls, related_jobs=[twin]))
    assert reason_codes(report) == ["duplicate_job_run"] and report.escalation.level == 2


def test_stalled_retry_child_is_level_3() -> None:
    calls = [failed(i, "provider_timeout", attempt=a, at=7000 - a * 600) for i in range(3) for a in (1, 2, 3)]
    calls += [call(10 + i, at=6000) for i in range(27)]
    parent = job(
        status="completed",
        started_at=ago(7200),
        finished_at=ago(4000),
        counters=counters_for(calls),
        dispatch={"last_dispatch_at": ago(4100)},
    )
    child = job(
        id="job_1_r1",
        parent_job_id="job_1",
        trigger="retry",
        created_at=ago(3000),
        started_at=ago(2990),
        counters={"total": 3, "queued": 3},
        dispatch={"last_dispatch_at": None, "permits_in_use": 0},
    )
    report = analyse(incident(parent, calls, related_jobs=[child]))
    assert "no_duplicate_job_run" in finding_ids(report, CheckId.DUPLICATES)
    assert report.escalation.level == 3 and reason_codes(report) == ["retry_job_stalled"]
    assert report.outcome.next_action.startswith("Escalate to engineering")


def test_fewer_calls_than_the_upload_is_level_1() -> None:
    calls = [call(i) for i in range(62)]
    finished = job(status="completed", finished_at=ago(60), counters=counters_for(calls))
    report = analyse(incident(finished, calls, upload=upload(100), contact_audit=audit(100)))
    assert verdicts(report)["job_health"] == "fail"
    assert report.escalation.level == 1 and reason_codes(report) == ["short_of_expected"]


def test_config_mismatch_and_dirty_upload_are_level_1() -> None:
    calls = [call(i) for i in range(10)]
    dirty = audit(12, invalid=[(5, "abc", "not a phone number")], duplicates=[(phone(1), [2, 13])])
    mismatched = job(from_number="+442071838799", counters=counters_for(calls))
    report = analyse(incident(mismatched, calls, upload=upload(12), contact_audit=dirty))
    assert verdicts(report)["job_health"] == "fail" and verdicts(report)["duplicates"] == "warn"
    assert report.escalation.level == 1
    assert reason_codes(report) == ["config_mismatch", "contact_file_quality"]
    assert report.outcome.next_action.startswith("Recheck job configuration")


def test_targeted_plan_for_a_completed_job() -> None:
    calls = [failed(i, "no_answer", attempt=a, at=3000 - a * 600) for i in range(3) for a in (1, 2, 3)]
    calls += [call(10 + i) for i in range(47)]
    finished = job(status="completed", finished_at=ago(60), counters=counters_for(calls))
    report = analyse(incident(finished, calls))
    assert report.retry_plan.recipient_ids == [rid(0), rid(1), rid(2)] and not report.retry_plan.hold
    assert report.outcome.next_action.startswith("Retry a small sample cohort of 3")
    assert "47 succeeded, 3 failed" in report.outcome.customer_message


def test_missing_data_gives_unknown_findings_not_errors() -> None:
    data = incident(
        job(),
        [],
        campaign=None,
        workspace=None,
        missing={
            "calls": "HTTP 500",
            "campaign": "HTTP 404",
            "related jobs": "timeout",
            "events": "timeout",
            "upload": "HTTP 403",
        },
    )
    report = analyse(data)
    unknown = {f.id for c in report.checks for f in c.findings if f.verdict is Verdict.UNKNOWN}
    assert {
        "config_unknown",
        "expected_unknown",
        "counters_tally_unknown",
        "retries_unknown",
        "job_runs_unknown",
        "deliveries_unknown",
        "upload_not_audited",
        "retry_strategy_unknown",
    } <= unknown
    assert report.counts.tally_from_calls == {}
    assert report.escalation.level == 1


def json_types_only(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_types_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_types_only(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


@pytest.mark.parametrize("scenario", ["healthy", "stalled", "storm"])
def test_every_evidence_value_is_json(scenario: str) -> None:
    calls = healthy_calls() if scenario != "storm" else [failed(i, "busy", retryable=False) for i in range(30)]
    the_job = job(counters=counters_for(calls))
    if scenario == "stalled":
        the_job = job(counters=counters_for(calls), dispatch={"last_dispatch_at": ago(3000)})
    data = incident(
        the_job,
        calls,
        upload=upload(5),
        contact_audit=audit(5, duplicates=[(phone(1), [2, 3])]),
        snapshots=[snapshot(the_job, 700), snapshot(the_job, 0)],
    )
    report = analyse(data)
    for check in report.checks:
        for finding in check.findings:
            assert json_types_only(finding.evidence), (finding.id, finding.evidence)
            if finding.table is not None:
                assert json_types_only(finding.table.rows), finding.id
    assert json.loads(report.model_dump_json())["escalation"]["level"] == report.escalation.level


def big_incident(recipients: int) -> IncidentData:
    """~1.5 attempts per recipient, built by hand.

    As on the platform, dialled numbers are E.164, except the 1% of raw cells it could not
    normalise (those fail as invalid numbers).
    """
    codes = ["provider_timeout", "busy", "no_answer", "declined", "invalid_number"]
    calls: list[CallAttempt] = []
    start = ago(7200)
    for i in range(recipients):
        raw = i % 100 == 0
        attempts = 1 if raw or i % 2 == 0 else 2
        for a in range(1, attempts + 1):
            ok = a == attempts and i % 10 < 7 and not raw
            code = "invalid_number" if raw else codes[i % 5]
            failure = None if ok else Failure(code=code, sip_status=None, message="", retryable=None)
            at = start + (ago(0) - start) * (i / recipients) * 0.9
            calls.append(
                CallAttempt(
                    id=f"c{i}_{a}",
                    recipient_id=f"r{i:06d}",
                    phone_number=f"07911 {i:06d}x" if raw else f"+447911{i:06d}",
                    attempt=a,
                    dispatch_key=f"k{i}_{a}",
                    status=CallStatus.SUCCEEDED if ok else CallStatus.FAILED,
                    failure=failure,
                    queued_at=at,
                    dispatched_at=at,
                    ended_at=at,
                )
            )
    the_job: BatchJob = job(status="completed", finished_at=ago(60), counters=counters_for(calls))
    return incident(the_job, calls, upload=upload(recipients), contact_audit=audit(recipients))


@pytest.mark.slow
def test_100k_recipients_analyse_well_under_five_seconds() -> None:
    data = big_incident(100_000)
    assert len(data.calls) == 150_000
    # CPU time of this process: other work on a shared machine does not count against us
    started = time.process_time()
    report = analyse(data)
    elapsed = time.process_time() - started
    assert elapsed < 4.0, f"analyse took {elapsed:.2f} s of CPU"
    assert report.counts.tally_from_calls["recipients"] == 100_000
    failed = 100_000 - report.counts.succeeded
    assert len(report.retry_plan.recipient_ids) + sum(report.retry_plan.excluded.values()) == failed
    assert report.retry_plan.excluded == {"permanent_failure": 21_000}  # declined, invalid, raw cells
    assert len(report.retry_plan.recipient_ids) == 10_000  # no_answer
