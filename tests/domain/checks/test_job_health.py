"""Runbook check 1: job health and stage."""

from __future__ import annotations

import pytest

from tests.domain.factories import (
    NOW,
    ago,
    audit,
    call,
    campaign,
    counters_for,
    event,
    failed,
    incident,
    job,
    snapshot,
    upload,
)
from triage_gui.domain.checks import job_health
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.vocabulary import CheckId, Verdict

SETTINGS = AnalysisSettings()
WORK_LEFT = {
    "total": 100,
    "queued": 40,
    "dispatched": 60,
    "succeeded": 50,
    "failed": 5,
    "in_progress": 5,
}


def run(data: IncidentData, settings: AnalysisSettings = SETTINGS) -> CheckResult:
    return job_health.run(data, settings)


def only(result: CheckResult, finding_id: str) -> Finding:
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, [f.id for f in result.findings]
    return found[0]


def ids(result: CheckResult) -> set[str]:
    return {f.id for f in result.findings}


def test_healthy_running_job_passes_with_evidence() -> None:
    calls = [call(i, at=60 + i * 10) for i in range(20)]
    data = incident(job(counters=counters_for(calls)), calls, upload=upload(20), contact_audit=audit(20))
    result = run(data)
    assert result.id is CheckId.JOB_HEALTH
    assert result.verdict is Verdict.PASS, [(f.id, f.summary) for f in result.findings]
    assert ids(result) >= {
        "job_status",
        "config_matches",
        "expected_matches",
        "counters_agree",
        "dispatch_progress",
    }
    assert result.guidance[0] == "Open the affected job and record current status."
    assert result.title == "Confirm job health and stage"


def test_failed_job_fails() -> None:
    data = incident(
        job(status="failed", finished_at=ago(60)),
        [call(1)],
        events=[event("job_failed", detail="agent agt_1 not found")],
    )
    finding = only(run(data), "job_failed")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["failure_detail"] == "agent agt_1 not found"


@pytest.mark.parametrize(
    ("status", "finding_id"),
    [
        ("queued", "job_queued"),
        ("paused", "job_paused"),
        ("cancelled", "job_cancelled"),
    ],
)
def test_waiting_or_cancelled_jobs_are_reported_not_called_stalls(status: str, finding_id: str) -> None:
    old = job(status=status, counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(7200)})
    result = run(incident(old, [call(1)]))
    assert only(result, finding_id).verdict is Verdict.WARN
    assert "stalled" not in ids(result)


def test_unknown_status_is_unknown() -> None:
    assert only(run(incident(job(status="rebalancing"), [call(1)])), "job_status_unknown").verdict is Verdict.UNKNOWN


def test_stall_from_last_dispatch_age() -> None:
    stuck = job(
        counters=WORK_LEFT,
        updated_at=ago(2),
        dispatch={"last_dispatch_at": ago(1800), "permits_in_use": 0},
    )
    finding = only(run(incident(stuck, [call(1, at=1800)])), "stalled")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["basis"] == "last_dispatch_at"
    assert finding.evidence["idle_s"] == 1800
    assert finding.evidence["last_dispatch_at"] == "2026-11-25T11:30:00Z"
    assert finding.evidence["permits_in_use"] == 0
    assert finding.evidence["work_left"] == 45


@pytest.mark.parametrize(
    ("idle", "threshold", "stalled"),
    [(599, 600, False), (601, 600, True), (250, 240, True), (250, 300, False)],
)
def test_stall_threshold_is_configurable(idle: float, threshold: float, stalled: bool) -> None:
    data = incident(job(counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(idle)}), [call(1, at=idle)])
    result = run(data, AnalysisSettings(stall_threshold_s=threshold))
    assert ("stalled" in ids(result)) is stalled
    assert ("not_stalled" in ids(result)) is not stalled


def test_ages_are_measured_on_the_server_clock() -> None:
    # Our clock says 30 min since the last dispatch; the server's clock (25 min behind) says 5.
    data = incident(
        job(counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(1800)}),
        [call(1, at=1800)],
        now=ago(1500),
    )
    assert "not_stalled" in ids(run(data))


def test_never_dispatched_running_job_stalls_on_started_at() -> None:
    fresh = job(
        counters={"total": 10, "queued": 10},
        started_at=ago(1200),
        dispatch={"last_dispatch_at": None},
    )
    finding = only(run(incident(fresh, [call(i, status="queued") for i in range(10)])), "stalled")
    assert finding.evidence["basis"] == "started_at"


def test_watch_window_evidence_and_stall() -> None:
    frozen = job(counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(700)})
    snaps = [snapshot(frozen, at) for at in (660, 330, 0)]
    finding = only(run(incident(frozen, [call(1, at=700)], snapshots=snaps)), "stalled")
    assert finding.evidence["counters_moving"] is False
    assert finding.evidence["unchanged_for_s"] == 660
    assert finding.evidence["watch_snapshots"] == 3


def test_watch_window_reports_moving_counters() -> None:
    before = job(
        counters={**WORK_LEFT, "queued": 44, "dispatched": 56},
        dispatch={"last_dispatch_at": ago(200)},
    )
    now_job = job(counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(20)})
    data = incident(now_job, [call(1, at=20)], snapshots=[snapshot(before, 180), snapshot(now_job, 0)])
    finding = only(run(data), "not_stalled")
    assert finding.evidence["counters_moving"] is True
    assert "counters moved" in finding.summary


def test_config_mismatch_shows_both_values() -> None:
    data = incident(job(from_number="+442071838751"), [call(1)])
    finding = only(run(data), "config_mismatch")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence == {
        "field": "from_number",
        "job": "+442071838751",
        "campaign": "+442071838750",
    }


def test_every_mismatching_field_is_its_own_finding() -> None:
    data = incident(job(agent_id="agt_2", upload_id="upl_9"), [call(1)])
    mismatches = [f for f in run(data).findings if f.id == "config_mismatch"]
    assert {f.evidence["field"] for f in mismatches} == {"agent_id", "upload_id"}
    assert {f.evidence["job"] for f in mismatches} == {"agt_2", "upl_9"}


def test_config_compares_numbers_not_their_formatting() -> None:
    data = incident(job(from_number="+44 20 7183 8750"), [call(1)])
    assert "config_matches" in ids(run(data))


def test_campaign_fields_left_empty_are_not_mismatches() -> None:
    data = incident(job(upload_id="upl_2"), [call(1)], campaign=campaign(upload_id=None))
    assert "config_matches" in ids(run(data))


def test_config_unknown_without_campaign() -> None:
    data = incident(job(), [call(1)], campaign=None, missing={"campaign": "404 not found"})
    finding = only(run(data), "config_unknown")
    assert finding.verdict is Verdict.UNKNOWN and "404 not found" in finding.summary


def done(total: int, **kw: object) -> object:
    return job(
        status="completed",
        finished_at=ago(60),
        counters={"total": total, "dispatched": total, "succeeded": total, **kw},
    )


def test_finished_job_short_of_the_upload_fails() -> None:
    data = incident(done(620), [call(1)], upload=upload(1000), contact_audit=audit(1000))
    finding = only(run(data), "short_of_expected")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["expected"] == 1000 and finding.evidence["short_total"] == 380


def test_finished_job_with_unprocessed_recipients_fails() -> None:
    data = incident(done(1000, succeeded=900, queued=100), [call(1)], upload=upload(1000))
    finding = only(run(data), "short_of_expected")
    assert finding.evidence["short_processed"] == 100


def test_rows_the_audit_explains_are_not_a_shortfall() -> None:
    dirty = audit(
        1000,
        invalid=[(r, "n/a", "not a phone number") for r in range(2, 32)],
        duplicates=[("+447911000001", [40, 41]), ("+447911000002", [50, 51, 52])],
    )
    assert dirty.unique_valid == 967
    data = incident(done(967), [call(1)], upload=upload(1000), contact_audit=dirty)
    finding = only(run(data), "expected_matches")
    assert "33 upload rows are invalid or repeat a number" in finding.summary
    short = incident(done(966), [call(1)], upload=upload(1000), contact_audit=dirty)
    assert only(run(short), "short_of_expected").verdict is Verdict.FAIL


def test_running_job_short_of_the_upload_warns() -> None:
    data = incident(job(counters=WORK_LEFT), [call(1)], upload=upload(150))
    assert only(run(data), "short_of_expected").verdict is Verdict.WARN


def test_retry_job_is_not_compared_with_the_upload() -> None:
    retry = job(
        status="completed",
        finished_at=ago(60),
        parent_job_id="job_0",
        trigger="retry",
        counters={"total": 12, "dispatched": 12, "succeeded": 12},
    )
    finding = only(run(incident(retry, [call(1)], upload=upload(1000))), "expected_contacts")
    assert finding.verdict is Verdict.PASS


def test_expected_unknown_without_upload() -> None:
    data = incident(job(upload_id=None), [call(1)], campaign=campaign(upload_id=None))
    assert "the job has no upload" in only(run(data), "expected_unknown").summary
    missing = incident(job(), [call(1)], missing={"upload": "503 unavailable"})
    assert "503 unavailable" in only(run(missing), "expected_unknown").summary


def test_counters_disagreeing_with_calls_warn_side_by_side() -> None:
    calls = [call(1), call(2), failed(3)]
    counters = counters_for(calls).model_copy(update={"succeeded": 5})
    finding = only(run(incident(job(counters=counters), calls)), "counters_disagree")
    assert finding.verdict is Verdict.WARN
    assert finding.evidence["compared"]["succeeded"] == {"job": 5, "calls": 2}


def test_failed_counts_are_compared_once_the_job_finished() -> None:
    calls = [call(1), failed(2), failed(3)]
    counters = counters_for(calls).model_copy(update={"failed": 1})
    finished = job(status="completed", finished_at=ago(10), counters=counters)
    finding = only(run(incident(finished, calls)), "counters_disagree")
    assert finding.evidence["compared"]["failed"] == {"job": 1, "calls": 2}
    # while running, a failed recipient may be waiting for its retry: not compared
    assert "counters_agree" in ids(run(incident(job(counters=counters), calls)))


def test_counters_unknown_without_calls() -> None:
    assert only(run(incident(job(), [])), "counters_tally_unknown").verdict is Verdict.UNKNOWN
    missing = incident(job(), [], missing={"calls": "timeout"})
    assert "timeout" in only(run(missing), "counters_tally_unknown").summary


def test_evidence_is_json_able() -> None:
    import json

    stuck = job(counters=WORK_LEFT, dispatch={"last_dispatch_at": ago(1800)}, from_number="+15551234567")
    result = run(incident(stuck, [call(1, at=1800)], upload=upload(10), now=NOW))
    for finding in result.findings:
        json.dumps(finding.evidence)


def test_a_newer_live_snapshot_is_not_a_counters_disagreement() -> None:
    calls = [call(1), call(2), failed(3)]
    loaded = job(counters=counters_for(calls))
    later = loaded.model_copy(
        update={"counters": loaded.counters.model_copy(update={"succeeded": 40, "dispatched": 45})}
    )
    data = incident(later, calls).model_copy(update={"job_at_calls_fetch": loaded})
    assert "counters_agree" in ids(run(data))
    assert "counters_disagree" in ids(run(incident(later, calls)))  # without it: compared as given
