"""The targeted retry plan: the exact rule of issue #3, asserted on exact recipient sets."""

from __future__ import annotations

import pytest

from tests.domain.factories import ago, call, campaign, event, failed, incident, job, phone, rid
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.report import FailureClass, RetryPlan
from triage_gui.domain.retry_planning import plan_region, plan_retry

SETTINGS = AnalysisSettings()


def finished(**kw: object) -> object:
    return job(status="completed", finished_at=ago(30), **kw)


def mixed_calls() -> list:
    return [
        failed(1, "provider_timeout"),  # planned
        failed(2, "invalid_number"),  # permanent
        failed(3, "carrier_hiccup", sip=None),  # unknown class
        failed(4, "busy", number=phone(5)),  # recipient 5 was reached on the same number
        call(5),
        failed(6, "no_answer", number="12345"),  # invalid number
        failed(7, "busy", attempt=1, at=900),
        call(7, attempt=2, status="queued", at=60),  # in flight
        failed(8, "busy", at=1200),  # retry scheduled by the platform (event below)
        failed(9, "rate_limited", number=phone(900)),
        failed(10, "busy", number=phone(900)),  # one number
        *[failed(11, "provider_timeout", attempt=a, at=3000 - 600 * a) for a in (1, 2, 3)],  # exhausted
        failed(12, "busy", attempt=1, at=900),
        call(12, attempt=2, at=300),  # succeeded on retry
        failed(13, "no_answer", number="07911 000013"),  # national format: GB from the campaign
        call(14, status="in_progress", at=30),  # never failed: not a candidate
    ]


def mixed_plan(**settings: object) -> RetryPlan:
    data = incident(finished(), mixed_calls(), events=[event("retry_scheduled", at=1000, recipient=8)])
    return plan_retry(data, AnalysisSettings(**settings))


def test_exact_rule_on_every_kind_of_recipient() -> None:
    plan = mixed_plan()
    assert plan.recipient_ids == [rid(1), rid(9), rid(11), rid(13)]
    assert plan.sample_ids == plan.recipient_ids
    assert plan.excluded == {
        "still_in_flight": 2,
        "permanent_failure": 1,
        "unknown_failure_class": 1,
        "succeeded_elsewhere": 1,
        "invalid_number": 1,
        "duplicate_number": 1,
    }
    reasons = {c.recipient_id: c.reason for c in plan.candidates}
    assert reasons == {
        rid(1): "transient failure",
        rid(2): "permanent_failure",
        rid(3): "unknown_failure_class",
        rid(4): "succeeded_elsewhere",
        rid(6): "invalid_number",
        rid(7): "still_in_flight",
        rid(8): "still_in_flight",
        rid(9): "transient failure",
        rid(10): "duplicate_number",
        rid(11): "transient failure",
        rid(13): "transient failure",
    }
    assert [c.recipient_id for c in plan.candidates] == sorted(reasons)
    assert plan.hold  # 8 of 13 finished recipients last failed transiently


def test_candidates_carry_the_details_a_human_needs() -> None:
    by_id = {c.recipient_id: c for c in mixed_plan().candidates}
    exhausted = by_id[rid(11)]
    assert exhausted.included and exhausted.attempts == 3
    assert exhausted.last_failure_code == "provider_timeout"
    assert exhausted.failure_class is FailureClass.TRANSIENT
    assert by_id[rid(13)].e164 == "+447911000013"
    assert by_id[rid(2)].failure_class is FailureClass.PERMANENT and not by_id[rid(2)].included
    assert by_id[rid(7)].failure_class is FailureClass.TRANSIENT  # its last failure, though a retry is queued


def test_retry_scheduled_before_the_latest_attempt_is_not_pending() -> None:
    calls = [failed(1, "busy", attempt=1, at=1800), failed(1, "busy", attempt=2, at=600)]
    stale = event("retry_scheduled", at=1700, recipient=1)  # scheduled attempt 2, which then failed
    plan = plan_retry(incident(finished(), calls, events=[stale]), SETTINGS)
    assert plan.recipient_ids == [rid(1)]


def test_succeeded_elsewhere_matches_numbers_across_formats() -> None:
    calls = [failed(1, "busy", number="+447911000777"), call(2, number="07911 000777")]
    plan = plan_retry(incident(finished(), calls), SETTINGS)
    assert plan.recipient_ids == [] and plan.excluded == {"succeeded_elsewhere": 1}


def test_duplicate_numbers_keep_the_first_recipient_id_even_across_formats() -> None:
    calls = [
        failed("rcp_b", "busy", number="+447911000555"),
        failed("rcp_a", "busy", number="07911 000555"),
        failed("rcp_c", "busy", number="+447911000556"),
    ]
    plan = plan_retry(incident(finished(), calls), SETTINGS)
    assert plan.recipient_ids == ["rcp_a", "rcp_c"]
    assert plan.excluded == {"duplicate_number": 1}


@pytest.mark.parametrize(("planned", "sample_size", "sample"), [(25, 10, 10), (25, 15, 15), (25, 20, 20), (7, 10, 7)])
def test_sample_is_the_first_n_by_recipient_id(planned: int, sample_size: int, sample: int) -> None:
    calls = [failed(i, "busy") for i in reversed(range(planned))]
    plan = plan_retry(incident(finished(), calls), AnalysisSettings(sample_size=sample_size))
    assert plan.recipient_ids == [rid(i) for i in range(planned)]
    assert plan.sample_ids == [rid(i) for i in range(sample)]
    assert plan.remainder_ids == [rid(i) for i in range(sample, planned)]


def test_hold_above_the_transient_threshold_still_computes_the_plan() -> None:
    calls = [failed(i, "provider_timeout") for i in range(3)] + [call(i) for i in range(3, 10)]
    plan = plan_retry(incident(finished(), calls), SETTINGS)  # 30% > 20%
    assert plan.hold and plan.recipient_ids == [rid(0), rid(1), rid(2)]
    assert plan.hold_reason is not None and "30.0%" in plan.hold_reason
    assert not plan_retry(incident(finished(), calls), AnalysisSettings(transient_threshold=0.3)).hold


def test_threshold_share_counts_recipients_with_a_finished_attempt() -> None:
    # 2 transient of 10 finished = 20%: not above; the queued recipients are not in the base
    calls = (
        [failed(i, "busy") for i in range(2)]
        + [call(i) for i in range(2, 10)]
        + [call(i, status="queued") for i in range(10, 30)]
    )
    assert not plan_retry(incident(finished(), calls), SETTINGS).hold


def test_region_from_settings_campaign_or_job() -> None:
    calls = [failed(1, "busy", number="(212) 555-0123")]
    gb = plan_retry(incident(finished(), calls), SETTINGS)
    assert gb.excluded == {"invalid_number": 1}  # not a GB number
    us = plan_retry(incident(finished(), calls), AnalysisSettings(default_region="US"))
    assert us.recipient_ids == [rid(1)] and us.candidates[0].e164 == "+12125550123"
    from_job = incident(finished(from_number="+12015550100"), calls, campaign=campaign(from_number=None))
    assert plan_region(from_job, SETTINGS) == "US"
    assert plan_retry(from_job, SETTINGS).recipient_ids == [rid(1)]


def test_no_region_at_all_makes_national_numbers_invalid() -> None:
    data = incident(
        finished(from_number=None),
        [failed(1, "busy", number="07911 000001")],
        campaign=campaign(from_number=None),
    )
    assert plan_region(data, SETTINGS) is None
    assert plan_retry(data, SETTINGS).excluded == {"invalid_number": 1}


def test_nothing_failed_means_an_empty_plan() -> None:
    plan = plan_retry(incident(finished(), [call(1), call(2)]), SETTINGS)
    assert plan == RetryPlan()
