"""The retry confirmation while the job's dispatch is blocked by permits (issue #13): it says so
and never "No problems"; launching needs a written reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from triage_gui.domain.analysis import analyse
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.retry_cohort import CohortPhase, ProblemKind, propose_cohort, validate_cohort
from triage_gui.ui.dialogs.retry_confirm_dialog import RetryConfirmDialog


def cohort_and_problems(scenario: str):
    from triage_gui.providers.connection import Connection
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident
    from triage_gui.simulator import ManualClock, Simulator

    with (
        Simulator(scenarios=[scenario], clock=ManualClock()) as sim,
        Connection(sim.base_url, sim.token).open_provider() as provider,
    ):
        info = sim.scenario(scenario)
        data = fetch_incident(provider, FetchRequest(info.workspace_id, info.job_id))
    report = analyse(data, AnalysisSettings())
    cohort = propose_cohort(report.retry_plan, info.workspace_id, info.job_id, CohortPhase.SAMPLE)
    return cohort, validate_cohort(cohort, report.retry_plan, data)


@pytest.fixture(scope="module")
def starved():
    return cohort_and_problems("permit_starved")


def items(dialog: RetryConfirmDialog) -> list[str]:
    return [dialog.problem_list.item(i).text() for i in range(dialog.problem_list.count())]


def test_blocked_dispatch_is_a_problem_not_no_problems(qtbot, starved):
    cohort, problems = starved
    assert cohort.size > 0 and ProblemKind.DISPATCH_BLOCKED in {p.kind for p in problems}
    dialog = RetryConfirmDialog(cohort, problems)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = items(dialog)
    assert not any("No problems" in text for text in shown)
    blocked = next(text for text in shown if text.startswith("Dispatch is blocked"))
    assert "this job's own 10 calls" in blocked and "free the permits first" in blocked
    assert not dialog.launch_button.isEnabled()  # refused unless the agent says why
    qtbot.keyClicks(dialog.reason, "customer asked to retry the two failed contacts now")
    assert dialog.launch_button.isEnabled()
    with qtbot.waitSignal(dialog.launch_requested) as launched:
        qtbot.mouseClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    assert launched.args == ["customer asked to retry the two failed contacts now"]
