"""Cohort selection, validation, the idempotency key and the confirmation text."""

from __future__ import annotations

import pytest

from tests.domain import factories as f
from triage_gui.domain.dispatch_monitor import MonitorKind, MonitorVerdict
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.report import FailureClass
from triage_gui.domain.retry_cohort import (
    Cohort,
    CohortPhase,
    ProblemKind,
    blocking_problems,
    cohort_csv_rows,
    confirmation_text,
    idempotency_key,
    mask_number,
    propose_cohort,
    remainder_problems,
    validate_cohort,
)
from triage_gui.domain.retry_planning import plan_retry

SETTINGS = AnalysisSettings(sample_size=10)


def _incident():
    """30 transient failures (1..30), 3 permanent (41..43), one in flight (61), succeeded 51, 52
    and 200 more (under the hold threshold)."""
    calls = [f.failed(n, "provider_timeout" if n % 2 else "busy") for n in range(1, 31)]
    calls += [f.failed(n, "invalid_number") for n in (41, 42, 43)]
    calls += [f.call(n) for n in (51, 52, *range(1000, 1200))]
    calls += [f.failed(61, "provider_timeout"), f.call(61, attempt=2, status="queued")]
    the_job = f.job(status="completed", counters=f.counters_for(calls))
    return f.incident(the_job, calls)


@pytest.fixture
def data():
    return _incident()


@pytest.fixture
def plan(data):
    return plan_retry(data, SETTINGS)


def test_sample_first_then_remainder(plan):
    sample = propose_cohort(plan, "ws_1", "job_1")
    assert sample.recipient_ids == [f.rid(n) for n in range(1, 11)]
    assert sample.phase is CohortPhase.SAMPLE
    remainder = propose_cohort(plan, "ws_1", "job_1", "remainder")
    assert remainder.recipient_ids == [f.rid(n) for n in range(11, 31)]
    assert not set(sample.recipient_ids) & set(remainder.recipient_ids)


def test_every_candidate_has_a_reason_in_or_out(plan):
    cohort = propose_cohort(plan, "ws_1", "job_1")
    reasons = cohort.reasons()
    assert reasons[f.rid(1)] == "transient failure"
    assert reasons[f.rid(15)] == "in the remainder, after the sample"
    assert reasons[f.rid(41)] == "permanent_failure"
    assert reasons[f.rid(61)] == "still_in_flight"
    assert f.rid(51) not in reasons  # succeeded: never a candidate


def test_already_retried_recipients_are_left_out(plan):
    cohort = propose_cohort(plan, "ws_1", "job_1", already_retried={f.rid(1): "job_r1", f.rid(2): "job_r1"})
    assert f.rid(1) not in cohort.recipient_ids and cohort.size == 8
    assert cohort.member(f.rid(1)).reason == "already in retry job_r1"


def test_deselect_recipients_code_and_class(plan):
    cohort = propose_cohort(plan, "ws_1", "job_1")
    less = cohort.deselect([f.rid(1)])
    assert f.rid(1) not in less.recipient_ids and f.rid(1) in cohort.recipient_ids  # immutable
    assert less.member(f.rid(1)).reason == "deselected by the agent"
    no_busy = cohort.deselect_code("busy")  # even ids fail "busy"
    assert no_busy.recipient_ids == [f.rid(n) for n in (1, 3, 5, 7, 9)]
    assert no_busy.member(f.rid(2)).reason == "failure code busy deselected"
    assert cohort.deselect_class(FailureClass.TRANSIENT).size == 0
    via_option = propose_cohort(plan, "ws_1", "job_1", exclude_codes=["BUSY"])
    assert via_option.recipient_ids == no_busy.recipient_ids


def test_a_valid_sample_has_no_problems(plan, data):
    assert validate_cohort(propose_cohort(plan, "ws_1", "job_1"), plan, data) == []


def test_permanent_failure_is_refused_without_override(plan, data):
    cohort = propose_cohort(plan, "ws_1", "job_1").select([f.rid(41)])
    problems = validate_cohort(cohort, plan, data)
    assert [p.kind for p in problems] == [ProblemKind.PERMANENT_FAILURE]
    assert problems[0].recipient_ids == [f.rid(41)]
    assert blocking_problems(problems, None) == problems
    assert blocking_problems(problems, "too short") == problems  # 9 characters
    assert blocking_problems(problems, "customer fixed the numbers in CRM") == []


def test_succeeded_in_flight_unknown_and_already_retried_are_problems(plan, data):
    cohort = Cohort(workspace_id="ws_1", job_id="job_1").select([f.rid(51), f.rid(61), f.rid(3), "rcp_nobody"])
    problems = {p.kind: p for p in validate_cohort(cohort, plan, data, already_retried={f.rid(3): "job_r1"})}
    assert problems[ProblemKind.ALREADY_SUCCEEDED].recipient_ids == [f.rid(51)]
    assert problems[ProblemKind.STILL_IN_FLIGHT].recipient_ids == [f.rid(61)]
    assert problems[ProblemKind.ALREADY_RETRIED].recipient_ids == [f.rid(3)]
    assert "job_r1" in problems[ProblemKind.ALREADY_RETRIED].message
    unknown = problems[ProblemKind.UNKNOWN_RECIPIENT]
    assert unknown.recipient_ids == ["rcp_nobody"] and not unknown.overridable
    # an override lifts everything but the unknown id, which the server would refuse anyway
    assert blocking_problems(problems.values(), "agreed with the customer by phone") == [unknown]


def test_same_number_twice_and_success_under_another_id_are_caught():
    calls = [
        f.failed(1, number="+447911000777"),
        f.failed(2, number="+447911000777"),
        f.failed(3, number="+447911000888"),
        f.call(4, number="+447911000888"),  # reached under another id
    ]
    data = f.incident(f.job(status="completed"), calls)
    plan = plan_retry(data, SETTINGS)
    cohort = Cohort(workspace_id="ws_1", job_id="job_1").select([f.rid(1), f.rid(2), f.rid(3)])
    problems = {p.kind: p.recipient_ids for p in validate_cohort(cohort, plan, data)}
    assert problems[ProblemKind.DUPLICATE_NUMBER] == [f.rid(1), f.rid(2)]
    assert problems[ProblemKind.ALREADY_SUCCEEDED] == [f.rid(3)]


def test_empty_cohort_cannot_be_overridden(plan, data):
    cohort = propose_cohort(plan, "ws_1", "job_1").deselect_class("transient")
    problems = validate_cohort(cohort, plan, data)
    assert [p.kind for p in problems] == [ProblemKind.EMPTY]
    assert blocking_problems(problems, "a long enough reason here") == problems


def test_plan_on_hold_is_an_overridable_problem(data):
    held = plan_retry(data, SETTINGS).model_copy(update={"hold": True, "hold_reason": "provider incident"})
    problems = validate_cohort(propose_cohort(held, "ws_1", "job_1"), held, data)
    assert [p.kind for p in problems] == [ProblemKind.PLAN_ON_HOLD]
    assert "provider incident" in problems[0].message and problems[0].overridable


def test_remainder_waits_for_a_healthy_sample():
    assert remainder_problems(None, None)[0].kind is ProblemKind.SAMPLE_NOT_LAUNCHED
    waiting = MonitorVerdict(kind=MonitorKind.WAITING, retry_job_id="job_r1", next_action="Keep watching.")
    assert remainder_problems("job_r1", waiting)[0].kind is ProblemKind.SAMPLE_NOT_HEALTHY
    healthy = waiting.model_copy(update={"kind": MonitorKind.HEALTHY})
    assert remainder_problems("job_r1", healthy) == []


def test_idempotency_key_is_deterministic_per_job_and_cohort():
    key = idempotency_key("ws_1", "job_1", ["b", "a", "c"])
    assert key == idempotency_key("ws_1", "job_1", ["c", "a", "b", "a"])  # a set of recipients
    assert key.startswith("triage-") and len(key) == len("triage-") + 40
    assert key != idempotency_key("ws_1", "job_1", ["a", "b"])
    assert key != idempotency_key("ws_1", "job_2", ["a", "b", "c"])
    assert key != idempotency_key("ws_2", "job_1", ["a", "b", "c"])


def test_confirmation_states_who_and_how_many_with_masked_numbers(plan):
    cohort = propose_cohort(plan, "ws_1", "job_1")
    text = confirmation_text(cohort, override_reason="agreed with ops lead")
    assert "10 recipients will be called again" in text and "job_1" in text
    assert f.rid(1) in text and mask_number(f.phone(1)) in text
    assert f.phone(1) not in text  # only the last two digits
    assert cohort.key in text and "agreed with ops lead" in text


def test_mask_number_keeps_only_the_last_two_digits():
    assert mask_number("+447911000123") == "+**********23"
    assert mask_number(None) == "(no number)"
    rows = cohort_csv_rows(Cohort(workspace_id="w", job_id="j").select(["r1"]))
    assert rows == [{"recipient_id": "r1", "masked_number": "(no number)", "last_failure": "", "failure_class": ""}]
