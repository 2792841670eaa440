from __future__ import annotations

from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan
from triage_gui.ui.pages.retry_texts import counts_line


def plan(hold: bool = False) -> RetryPlan:
    candidates = [
        RetryCandidate(
            recipient_id="r_1",
            included=True,
            reason="transient failure",
            e164="+447946000101",
            last_failure_code="provider_timeout",
            failure_class=FailureClass.TRANSIENT,
            attempts=2,
        ),
        RetryCandidate(
            recipient_id="r_2",
            included=False,
            reason="permanent_failure",
            e164="+447946000102",
            last_failure_code="invalid_number",
            failure_class=FailureClass.PERMANENT,
            attempts=10,
        ),
        RetryCandidate(
            recipient_id="r_3",
            included=True,
            reason="transient failure",
            e164=None,
            last_failure_code=None,
            failure_class=None,
            attempts=9,
        ),
    ]
    return RetryPlan(
        recipient_ids=["r_1", "r_3"],
        sample_ids=["r_1"],
        excluded={"permanent_failure": 20, "do_not_call": 10},
        hold=hold,
        hold_reason="35 % transient failures: wait for the provider" if hold else None,
        candidates=candidates,
    )


def test_counts_line():
    assert counts_line(plan()) == ("2 planned (1 in the sample), 30 excluded: permanent_failure 20, do_not_call 10")
    assert counts_line(RetryPlan()) == "0 planned, none excluded"
