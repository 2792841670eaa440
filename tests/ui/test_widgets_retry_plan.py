from __future__ import annotations

from PySide6.QtCore import Qt

from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan
from triage_gui.ui.widgets.retry_plan_view import (
    RetryCandidatesModel,
    RetryPlanView,
    counts_line,
    mask_e164,
)


def plan(hold: bool = False) -> RetryPlan:
    candidates = [
        RetryCandidate(recipient_id="r_1", included=True, reason="transient failure",
                       e164="+447946000101", last_failure_code="provider_timeout",
                       failure_class=FailureClass.TRANSIENT, attempts=2),
        RetryCandidate(recipient_id="r_2", included=False, reason="permanent_failure",
                       e164="+447946000102", last_failure_code="invalid_number",
                       failure_class=FailureClass.PERMANENT, attempts=10),
        RetryCandidate(recipient_id="r_3", included=True, reason="transient failure",
                       e164=None, last_failure_code=None, failure_class=None, attempts=9),
    ]
    return RetryPlan(recipient_ids=["r_1", "r_3"], sample_ids=["r_1"],
                     excluded={"permanent_failure": 20, "do_not_call": 10}, hold=hold,
                     hold_reason="35 % transient failures: wait for the provider" if hold else None,
                     candidates=candidates)


def test_model_passes_the_model_tester(qtmodeltester):
    model = RetryCandidatesModel()
    model.set_candidates(plan().candidates, ["r_1"])
    qtmodeltester.check(model)


def test_mask_keeps_only_the_last_two_digits():
    assert mask_e164("+447946000101") == "+••••••••••01"
    assert mask_e164("12") == "12"
    assert mask_e164(None) == "—"


def test_counts_line():
    assert counts_line(plan()) == (
        "2 planned (1 in the sample), 30 excluded: permanent_failure 20, do_not_call 10"
    )
    assert counts_line(RetryPlan()) == "0 planned, none excluded"


def test_view_shows_rows_counts_and_no_hold(qtbot):
    view = RetryPlanView()
    qtbot.addWidget(view)
    view.set_plan(plan())
    assert view.hold_banner.isHidden()
    assert view.counts_text().startswith("2 planned")
    proxy = view.table.model()
    # default order: the sample, the rest of the cohort, then the excluded
    assert [proxy.index(r, RetryCandidatesModel.INCLUDED).data() for r in range(3)] == [
        "✓ in the sample", "✓ included", "✗ excluded"
    ]
    numbers = [proxy.index(r, RetryCandidatesModel.NUMBER).data() for r in range(3)]
    assert numbers[0].endswith("01") and "7946" not in "".join(numbers)
    assert proxy.index(1, RetryCandidatesModel.CLASS).data() == "—"


def test_sorting_attempts_is_numeric(qtbot):
    view = RetryPlanView()
    qtbot.addWidget(view)
    view.set_plan(plan())
    view.table.sortByColumn(RetryCandidatesModel.ATTEMPTS, Qt.SortOrder.AscendingOrder)
    proxy = view.table.model()
    assert [proxy.index(r, RetryCandidatesModel.ATTEMPTS).data() for r in range(3)] == [
        "2", "9", "10"
    ]


def test_hold_banner(qtbot):
    view = RetryPlanView()
    qtbot.addWidget(view)
    view.set_plan(plan(hold=True))
    assert not view.hold_banner.isHidden()
    assert "wait for the provider" in view.hold_text.text()
    view.set_plan(plan(hold=False))
    assert view.hold_banner.isHidden()
