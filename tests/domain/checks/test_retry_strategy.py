"""Runbook check 4: the retry strategy (threshold, dominance, disagreements, the plan)."""

from __future__ import annotations

import pytest

from tests.domain.factories import TRANSIENT_POLICY, ago, call, failed, incident, job, rid
from triage_gui.domain.checks import retry_strategy
from triage_gui.domain.findings import CheckResult, Finding
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.vocabulary import CheckId, Verdict

SETTINGS = AnalysisSettings()


def run(data: IncidentData, settings: AnalysisSettings = SETTINGS) -> CheckResult:
    result = retry_strategy.run(data, settings)
    assert result.id is CheckId.RETRY_STRATEGY
    return result


def only(result: CheckResult, finding_id: str) -> Finding:
    found = [f for f in result.findings if f.id == finding_id]
    assert len(found) == 1, [(f.id, f.summary) for f in result.findings]
    return found[0]


def ids(result: CheckResult) -> set[str]:
    return {f.id for f in result.findings}


def finished() -> object:
    return job(status="completed", finished_at=ago(30))


def outcomes(transient: int, permanent: int = 0, succeeded: int = 0) -> list:
    calls = [failed(i, "provider_timeout") for i in range(transient)]
    calls += [failed(100 + i, "invalid_number") for i in range(permanent)]
    calls += [call(200 + i) for i in range(succeeded)]
    return calls


@pytest.mark.parametrize(
    ("transient", "succeeded", "threshold", "above"),
    [
        (21, 79, 0.20, True),
        (20, 80, 0.20, False),  # exactly at the threshold is not above it
        (19, 81, 0.20, False),
        (30, 70, 0.35, False),
        (36, 64, 0.35, True),
    ],
)
def test_transient_threshold_both_sides(transient: int, succeeded: int, threshold: float, above: bool) -> None:
    result = run(
        incident(finished(), outcomes(transient, succeeded=succeeded)),
        AnalysisSettings(transient_threshold=threshold),
    )
    if above:
        finding = only(result, "transient_above_threshold")
        assert finding.verdict is Verdict.FAIL and result.verdict is Verdict.FAIL
        assert finding.evidence["transient_recipients"] == transient
        assert finding.evidence["recipients_with_finished_attempt"] == 100
        assert finding.evidence["by_code"] == {"provider_timeout": transient}
        assert "retry_plan_on_hold" in ids(result)
    else:
        assert only(result, "transient_within_threshold").verdict is Verdict.PASS
        assert "targeted_retry_plan" in ids(result)


def test_permanent_failures_dominating_warn() -> None:
    result = run(incident(finished(), outcomes(2, permanent=3, succeeded=45)))
    finding = only(result, "permanent_failures_dominate")
    assert finding.verdict is Verdict.WARN
    assert finding.evidence["by_class"] == {"transient": 2, "permanent": 3, "unknown": 0}
    assert finding.evidence["permanent_by_code"] == {"invalid_number": 3}


def test_half_permanent_is_not_most() -> None:
    assert "permanent_failures_dominate" not in ids(run(incident(finished(), outcomes(3, 3, succeeded=44))))


def test_server_flag_disagreements_are_listed_by_code() -> None:
    calls = [
        failed(1, "invalid_number", retryable=True),
        failed(2, "invalid_number", retryable=True),
        failed(3, "busy", retryable=False),
        failed(4, "busy", retryable=True),
        failed(5, "busy"),
        *[call(i) for i in range(10, 40)],
    ]
    finding = only(run(incident(finished(), calls)), "server_flag_disagrees")
    assert finding.verdict is Verdict.WARN
    assert finding.evidence == {"failed_attempts": 5, "flag_missing": 1, "disagreeing_attempts": 3}
    assert finding.table is not None
    assert finding.table.rows == [
        ["busy", False, "transient", 1],
        ["invalid_number", True, "permanent", 2],
    ]


def test_server_flag_agreeing_passes() -> None:
    calls = [failed(1, "busy", retryable=True), failed(2, "declined", retryable=False)] + [
        call(i) for i in range(3, 30)
    ]
    assert only(run(incident(finished(), calls)), "server_flag_agrees").verdict is Verdict.PASS


def test_policy_disagreements_warn_even_without_calls() -> None:
    policy = {"retryable_codes": [c for c in TRANSIENT_POLICY if c != "no_answer"] + ["declined"]}
    result = run(incident(job(retry_policy=policy), []))
    finding = only(result, "policy_disagrees")
    assert finding.evidence["disagreements"] == {
        "declined": {"ours": "permanent", "policy": "retried"},
        "no_answer": {"ours": "transient", "policy": "not retried"},
    }
    assert "retry_strategy_unknown" in ids(result)


def test_policy_matching_the_table_passes() -> None:
    assert "policy_agrees" in ids(run(incident(finished(), outcomes(1, succeeded=20))))


def test_unclassifiable_failures_are_listed_for_a_human() -> None:
    calls = [failed(1, "carrier_hiccup", sip=None, message="??"), *[call(i) for i in range(2, 30)]]
    finding = only(run(incident(finished(), calls)), "unknown_failure_class")
    assert finding.verdict is Verdict.WARN and finding.evidence["sample_ids"] == [rid(1)]
    assert finding.table is not None and finding.table.rows == [[rid(1), "carrier_hiccup", None, "??"]]


def test_safe_targeted_plan_passes() -> None:
    result = run(incident(finished(), outcomes(15, permanent=1, succeeded=85)))
    finding = only(result, "targeted_retry_plan")
    assert finding.evidence["planned"] == 15 and finding.evidence["sample"] == 10
    assert finding.evidence["sample_ids"] == [rid(i) for i in range(10)]
    assert finding.evidence["excluded"] == {"permanent_failure": 1}
    assert result.verdict is Verdict.PASS


def test_nothing_to_retry_passes() -> None:
    result = run(incident(finished(), outcomes(0, permanent=1, succeeded=20)))
    assert only(result, "nothing_to_retry").evidence["excluded"] == {"permanent_failure": 1}


def test_unknown_without_calls() -> None:
    result = run(incident(job(), [], missing={"calls": "HTTP 502"}))
    assert "HTTP 502" in only(result, "retry_strategy_unknown").summary
    assert result.verdict is Verdict.UNKNOWN
