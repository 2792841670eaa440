"""The escalation tree: each trigger, the highest level wins, every reason listed."""

from __future__ import annotations

import pytest

from tests.domain.factories import ago, incident, job
from triage_gui.domain import runbook
from triage_gui.domain.escalation import escalate
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.report import Escalation, RetryPlan
from triage_gui.domain.vocabulary import CheckId, Verdict

SETTINGS = AnalysisSettings()
STALLED_COUNTERS = {"total": 50, "queued": 20, "dispatched": 30, "succeeded": 30}

CHECK_OF = {
    "config_mismatch": CheckId.JOB_HEALTH,
    "short_of_expected": CheckId.JOB_HEALTH,
    "job_failed": CheckId.JOB_HEALTH,
    "stalled": CheckId.JOB_HEALTH,
    "dispatch_blocked_by_permits": CheckId.PERMITS_DISPATCH,
    "permanent_failure_retried": CheckId.PERMITS_DISPATCH,
    "attempts_beyond_max": CheckId.PERMITS_DISPATCH,
    "duplicate_job_run": CheckId.DUPLICATES,
    "duplicate_delivery": CheckId.DUPLICATES,
    "duplicate_recipient_reached": CheckId.DUPLICATES,
    "upload_duplicates": CheckId.DUPLICATES,
    "upload_invalid_rows": CheckId.DUPLICATES,
    "transient_above_threshold": CheckId.RETRY_STRATEGY,
    "permanent_failures_dominate": CheckId.RETRY_STRATEGY,
}


def checks_with(*flagged: tuple[str, Verdict]) -> list[CheckResult]:
    by_check: dict[CheckId, list[Finding]] = {c: [] for c in CheckId}
    for finding_id, verdict in flagged:
        by_check[CHECK_OF[finding_id]].append(Finding(id=finding_id, verdict=verdict, summary=f"[{finding_id}]"))
    return [
        CheckResult.from_findings(c, c.value, f or [Finding(id="ok", verdict=Verdict.PASS, summary="ok")], [])
        for c, f in by_check.items()
    ]


def level_of(*flagged: tuple[str, Verdict], data: IncidentData | None = None) -> Escalation:
    return escalate(checks_with(*flagged), data or incident(job(), []), RetryPlan(), SETTINGS)


def codes(escalation: Escalation) -> list[str]:
    return [r.code for r in escalation.reasons]


def test_nothing_found_is_level_1_with_a_reason() -> None:
    esc = level_of()
    assert esc.level == 1 and codes(esc) == ["no_cause_found"]
    assert esc.title == "Level 1: Operator self-service"
    assert esc.actions == list(runbook.level(1).actions)


@pytest.mark.parametrize(
    ("finding_id", "verdict", "level", "code"),
    [
        ("config_mismatch", Verdict.FAIL, 1, "config_mismatch"),
        ("upload_duplicates", Verdict.WARN, 1, "contact_file_quality"),
        ("upload_invalid_rows", Verdict.WARN, 1, "contact_file_quality"),
        ("short_of_expected", Verdict.FAIL, 1, "short_of_expected"),
        ("job_failed", Verdict.FAIL, 1, "job_failed"),
        ("permanent_failures_dominate", Verdict.WARN, 1, "permanent_failures_dominate"),
        ("dispatch_blocked_by_permits", Verdict.FAIL, 2, "dispatch_blocked_by_permits"),
        ("stalled", Verdict.FAIL, 2, "stalled"),
        ("permanent_failure_retried", Verdict.FAIL, 2, "retry_policy_violated"),
        ("attempts_beyond_max", Verdict.FAIL, 2, "retry_policy_violated"),
        ("duplicate_job_run", Verdict.FAIL, 2, "duplicate_job_run"),
        ("duplicate_delivery", Verdict.FAIL, 3, "duplicate_delivery"),
        ("duplicate_recipient_reached", Verdict.FAIL, 3, "duplicate_delivery"),
        ("transient_above_threshold", Verdict.FAIL, 3, "transient_above_threshold"),
    ],
)
def test_each_trigger(finding_id: str, verdict: Verdict, level: int, code: str) -> None:
    esc = level_of((finding_id, verdict))
    assert esc.level == level
    assert codes(esc) == [code]
    assert f"[{finding_id}]" in esc.reasons[0].text
    assert esc.title.startswith(f"Level {level}: {runbook.level(level).title}")


def test_passing_findings_trigger_nothing() -> None:
    assert codes(level_of(("duplicate_delivery", Verdict.PASS), ("stalled", Verdict.PASS))) == ["no_cause_found"]


def test_highest_level_wins_and_every_reason_is_listed() -> None:
    esc = level_of(
        ("config_mismatch", Verdict.FAIL),
        ("dispatch_blocked_by_permits", Verdict.FAIL),
        ("transient_above_threshold", Verdict.FAIL),
        ("upload_duplicates", Verdict.WARN),
    )
    assert esc.level == 3
    assert codes(esc) == [
        "transient_above_threshold",
        "dispatch_blocked_by_permits",
        "config_mismatch",
        "contact_file_quality",
    ]
    assert [r.level for r in esc.reasons] == [3, 2, 1, 1]
    assert esc.actions == ["Escalate when any of these occur:", *runbook.level(3).actions]


def test_level_2_actions_are_the_runbooks() -> None:
    assert level_of(("duplicate_job_run", Verdict.FAIL)).actions == list(runbook.level(2).actions)


def test_stalled_retry_job_under_triage_is_level_3() -> None:
    retry = job(parent_job_id="job_0", trigger="retry", counters=STALLED_COUNTERS)
    esc = level_of(("stalled", Verdict.FAIL), data=incident(retry, []))
    assert esc.level == 3 and codes(esc) == ["retry_job_stalled"]
    assert "job_0" in esc.reasons[0].text


def child(last_dispatch_s: float, **kw: object) -> object:
    fields: dict[str, object] = dict(
        id="job_1_retry",
        parent_job_id="job_1",
        trigger="retry",
        counters=STALLED_COUNTERS,
        created_at=ago(3000),
        started_at=ago(2990),
        dispatch={"last_dispatch_at": ago(last_dispatch_s), "permits_in_use": 0},
    )
    fields.update(kw)
    return job(**fields)


def test_stalled_retry_child_is_level_3() -> None:
    parent = job(status="completed", finished_at=ago(3600))
    esc = level_of(data=incident(parent, [], related_jobs=[child(1800)]))
    assert esc.level == 3 and codes(esc) == ["retry_job_stalled"]
    assert "job_1_retry" in esc.reasons[0].text


@pytest.mark.parametrize(
    "related",
    [
        child(60),  # progressing
        child(1800, status="completed", finished_at=ago(1700)),  # done
        child(1800, parent_job_id="job_other"),  # someone else's retry
    ],
)
def test_healthy_or_unrelated_retry_jobs_do_not_escalate(related: object) -> None:
    parent = job(status="completed", finished_at=ago(3600))
    assert level_of(data=incident(parent, [], related_jobs=[related])).level == 1


def test_a_stall_with_a_stalled_retry_child_is_both_reasons() -> None:
    esc = level_of(
        ("stalled", Verdict.FAIL),
        data=incident(job(counters=STALLED_COUNTERS), [], related_jobs=[child(1800)]),
    )
    assert codes(esc) == ["retry_job_stalled", "stalled"]
