"""Runbook check 3: duplicate job runs, duplicate deliveries, duplicate upload rows."""

from __future__ import annotations

from tests.domain.factories import ago, audit, call, event, incident, job, rid
from triage_gui.domain.checks import duplicates
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.vocabulary import CheckId, Verdict

SETTINGS = AnalysisSettings()


def run(data: IncidentData) -> CheckResult:
    result = duplicates.run(data, SETTINGS)
    assert result.id is CheckId.DUPLICATES
    return result


def only(result: CheckResult, finding_id: str) -> Finding:
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, [(f.id, f.summary) for f in result.findings]
    return found[0]


def ids(result: CheckResult) -> set[str]:
    return {f.id for f in result.findings}


def other(**kw: object) -> object:
    fields: dict[str, object] = dict(id="job_2", created_at=ago(3000), started_at=ago(2990))
    fields.update(kw)
    return job(**fields)


def test_overlapping_job_of_the_same_campaign_and_upload_is_a_duplicate_run() -> None:
    data = incident(job(), [call(1)], related_jobs=[other(trigger="schedule")])
    finding = only(run(data), "duplicate_job_run")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["job_ids"] == ["job_2"]
    assert finding.table is not None and finding.table.rows[0][:3] == [
        "job_2",
        "schedule",
        "running",
    ]


def test_retry_children_and_parents_are_not_duplicates() -> None:
    child = other(parent_job_id="job_1", trigger="retry")
    assert "no_duplicate_job_run" in ids(run(incident(job(), [call(1)], related_jobs=[child])))
    as_child = job(parent_job_id="job_2", trigger="retry")
    assert "no_duplicate_job_run" in ids(run(incident(as_child, [call(1)], related_jobs=[other()])))


def test_sibling_retry_of_another_parent_still_counts() -> None:
    sibling = other(parent_job_id="job_0", trigger="retry")
    assert "duplicate_job_run" in ids(run(incident(job(), [call(1)], related_jobs=[sibling])))


def test_jobs_that_did_not_overlap_are_fine() -> None:
    earlier = other(created_at=ago(9000), started_at=ago(8990), finished_at=ago(3600), status="completed")
    later_job = job(started_at=ago(3590))
    assert "no_duplicate_job_run" in ids(run(incident(later_job, [call(1)], related_jobs=[earlier])))
    touching = other(created_at=ago(9000), started_at=ago(8990), finished_at=ago(3589), status="completed")
    assert "duplicate_job_run" in ids(run(incident(later_job, [call(1)], related_jobs=[touching])))


def test_a_queued_job_overlaps_from_its_creation() -> None:
    queued = other(status="queued", started_at=None, created_at=ago(60))
    assert "duplicate_job_run" in ids(run(incident(job(), [call(1)], related_jobs=[queued])))


def test_other_uploads_or_campaigns_are_not_duplicates() -> None:
    other_upload = other(upload_id="upl_2")
    other_campaign = other(campaign_id="cmp_2")
    result = run(incident(job(), [call(1)], related_jobs=[other_upload, other_campaign]))
    assert only(result, "no_duplicate_job_run").evidence["related_jobs_considered"] == 2


def test_a_job_without_upload_on_the_same_campaign_counts() -> None:
    assert "duplicate_job_run" in ids(run(incident(job(), [call(1)], related_jobs=[other(upload_id=None)])))


def test_job_runs_unknown_when_related_jobs_missing() -> None:
    data = incident(job(), [call(1)], missing={"related jobs": "HTTP 503"})
    assert only(run(data), "job_runs_unknown").verdict is Verdict.UNKNOWN


def test_one_dispatch_key_dispatched_twice_is_a_duplicate_delivery() -> None:
    calls = [
        call(1, dispatch_key="k1", at=600, call_id="a"),
        call(1, dispatch_key="k1", at=590, call_id="b"),
        call(2, dispatch_key="k2"),
        # the dedupe layer caught this one: second record never dispatched
        call(3, dispatch_key="k3", call_id="c"),
        call(3, dispatch_key="k3", status="queued", call_id="d"),
    ]
    data = incident(job(), calls, events=[event("dedupe_dropped", recipient=3)])
    result = run(data)
    finding = only(result, "duplicate_delivery")
    assert finding.verdict is Verdict.FAIL
    assert finding.evidence["sample_keys"] == ["k1"]
    assert finding.evidence["dedupe_dropped_events"] == 1
    assert finding.table is not None and finding.table.rows[0][:4] == ["k1", rid(1), 1, 2]


def test_one_recipient_dispatched_twice_for_one_attempt() -> None:
    calls = [
        call(1, dispatch_key="k1a", call_id="a"),
        call(1, dispatch_key="k1b", call_id="b", at=500),
    ]
    result = run(incident(job(), calls))
    finding = only(result, "duplicate_recipient_reached")
    assert finding.evidence["sample_ids"] == [rid(1)]
    assert finding.evidence["same_attempt_dispatched_twice"] == 1
    assert "duplicate_delivery" not in ids(result)


def test_one_recipient_reached_twice() -> None:
    calls = [call(1, attempt=1, at=900), call(1, attempt=2, at=300)]
    finding = only(run(incident(job(), calls)), "duplicate_recipient_reached")
    assert finding.evidence["succeeded_more_than_once"] == 1


def test_ordinary_retries_are_not_duplicates() -> None:
    calls = [call(1, attempt=1, status="failed", at=900), call(1, attempt=2, at=300), call(2)]
    finding = only(run(incident(job(), calls, events=[event("dedupe_dropped")])), "no_duplicate_delivery")
    assert finding.verdict is Verdict.PASS
    assert "dropped 1 repeat" in finding.summary


def test_deliveries_unknown_without_calls() -> None:
    assert only(run(incident(job(), [])), "deliveries_unknown").verdict is Verdict.UNKNOWN


def test_upload_duplicates_and_invalid_rows_warn_with_row_numbers() -> None:
    dirty = audit(
        10,
        invalid=[
            (4, "", "empty"),
            (7, "1.2E+10", "number mangled by a spreadsheet (scientific notation)"),
        ],
        duplicates=[("+447911000001", [2, 9]), ("+447911000002", [3, 5, 11])],
    )
    result = run(incident(job(), [call(1)], contact_audit=dirty))
    dup = only(result, "upload_duplicates")
    assert dup.verdict is Verdict.WARN
    assert dup.evidence["duplicate_rows"] == 3 and dup.evidence["duplicate_groups"] == 2
    assert dup.table is not None and dup.table.rows == [
        ["+447911000001", 2, "2, 9"],
        ["+447911000002", 3, "3, 5, 11"],
    ]
    bad = only(result, "upload_invalid_rows")
    assert bad.table is not None and [r[0] for r in bad.table.rows] == [4, 7]
    assert bad.evidence["invalid_rows"] == 2
    assert result.verdict is Verdict.WARN


def test_clean_upload_passes() -> None:
    assert only(run(incident(job(), [call(1)], contact_audit=audit(25))), "upload_clean").verdict is Verdict.PASS


def test_upload_not_audited_says_why() -> None:
    no_audit = run(incident(job(), [call(1)], missing={"upload content": "HTTP 404"}))
    assert "HTTP 404" in only(no_audit, "upload_not_audited").summary
    unreadable = run(incident(job(), [call(1)], contact_audit=audit(0, error="not a CSV file")))
    assert "not a CSV file" in only(unreadable, "upload_not_audited").summary
