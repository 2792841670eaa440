"""Page 4 of the runbook: the retry strategy, with the targeted retry plan."""

from __future__ import annotations

from triage_gui.domain.findings import CheckId
from triage_gui.domain.report import Report
from triage_gui.ui.case_controller import CaseController
from triage_gui.ui.pages.check_page import CheckPage


class RetryStrategyPage(CheckPage):
    """Page 4 adds the targeted retry plan: who is in the cohort, who is out and why."""

    def __init__(self, controller: CaseController) -> None:
        super().__init__(controller, CheckId.RETRY_STRATEGY)
        from triage_gui.ui.widgets.retry_plan_view import RetryPlanView

        self.plan_view = RetryPlanView()
        self.extra_tabs.insertTab(0, self.plan_view, "Retry &plan")
        self.extra_tabs.setCurrentIndex(0)

    def update_extras(self, report: Report) -> None:
        self.plan_view.set_plan(report.retry_plan)
