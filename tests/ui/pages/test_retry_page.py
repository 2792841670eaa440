"""Page 4's targeted retry, driven like an agent would, against the real simulator over loopback:
the cohort, the confirmation, the launch (once, whatever the clicks), the first-dispatches
monitor for a healthy and a failing retry, and the case's record of every retry."""

from __future__ import annotations

import csv

import httpx
import pytest
from PySide6.QtCore import Qt

from triage_gui.domain.dispatch_monitor import MonitorKind
from triage_gui.domain.report import FailureClass
from triage_gui.domain.retry_cohort import (
    Cohort,
    CohortMember,
    CohortPhase,
    CohortProblem,
    ProblemKind,
    idempotency_key,
)
from triage_gui.domain.retry_intent import IntentState
from triage_gui.services.retry_launch import LaunchStatus
from triage_gui.simulator import Fault, ManualClock, Simulator
from triage_gui.store.retry_ledger import RetryLedger
from triage_gui.ui.app.main_window import MainWindow
from triage_gui.ui.dialogs.retry_confirm_dialog import RetryConfirmDialog
from triage_gui.ui.pages.retry_page import CohortModel, RetryStrategyPage
from triage_gui.ui.widgets.retry_monitor_panel import DispatchRowsModel

SCENARIO = "completed"


@pytest.fixture
def simulator():
    sim = Simulator(scenarios=[SCENARIO], clock=ManualClock())
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def info(simulator):
    return simulator.scenario(SCENARIO)


def retry_page(window: MainWindow) -> RetryStrategyPage:
    return next(p for p in window.wizard.check_pages.values() if isinstance(p, RetryStrategyPage))


def open_page(qtbot, window: MainWindow, info) -> RetryStrategyPage:
    start = window.wizard.start_page
    start.fill(workspace=info.workspace_id, job=info.job_id)
    start.load()
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    page = retry_page(window)
    while window.wizard.currentPage() is not page:
        window.wizard.next()
    qtbot.waitUntil(lambda: page.context is not None and page.cohort is not None and page.session.idle, timeout=10_000)
    return page


def settle(qtbot, window: MainWindow, page: RetryStrategyPage) -> None:
    """Every background task of ours has finished (the runner is idle), before the test ends."""
    qtbot.waitUntil(lambda: page.session.idle and not window.controller.loading, timeout=20_000)
    page.monitor.stop()
    qtbot.waitUntil(lambda: page.session.idle and not window.controller.runner.busy, timeout=20_000)
    assert window.controller.runner.wait(10_000)


def launch_through_dialog(qtbot, page: RetryStrategyPage, button, reason: str = "") -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    if reason:
        qtbot.keyClicks(page.dialog.reason, reason)
    assert page.dialog.launch_button.isEnabled()
    qtbot.mouseClick(page.dialog.launch_button, Qt.MouseButton.LeftButton)


def test_healthy_sample_retry_is_confirmed_launched_once_watched_and_recorded(
    qtbot, window, simulator, info, qtmodeltester
):
    page = open_page(qtbot, window, info)
    cohort = page.cohort
    assert page.phase is CohortPhase.SAMPLE and cohort.size == 10
    # the proposal lists the sample first, then the remainder, then the excluded, each with why
    model = page.model
    groups = [model.data(model.index(r, CohortModel.GROUP)) for r in range(model.rowCount())]
    assert groups == sorted(groups, key=["sample", "remainder", "excluded"].index)
    assert groups.count("sample") == 10 and groups.count("remainder") == 8 and groups.count("excluded") == 17
    reasons = {
        model.member(r).recipient_id: model.data(model.index(r, CohortModel.REASON)) for r in range(model.rowCount())
    }
    assert all(reasons.values())
    assert "permanent failure" in reasons[next(iter(sorted(info.truth["permanent_failed_ids"])))]
    assert model.data(model.index(0, CohortModel.RECIPIENT), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked

    before = simulator.job_count(info.workspace_id)
    qtbot.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    text = dialog.details.toPlainText()
    assert "10 recipients will be called again (sample)" in text
    assert dialog.key.text() == cohort.key == idempotency_key(info.workspace_id, info.job_id, cohort.recipient_ids)
    assert cohort.key in text and "No problems" in dialog.problem_list.item(0).text()
    assert not dialog.launch_button.isDefault() and not dialog.launch_button.autoDefault()
    assert not page.sample_button.isEnabled()  # no second dialog while this one is open

    # a double click on Launch, then the launch asked for again while it is on its way: one job
    # (QTest's mouseDClick sends only the double-click event; a real one starts with a click)
    qtbot.mouseClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    qtbot.mouseDClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    assert page.session.launching
    assert page.session.launch(cohort, [], None) is False
    with qtbot.waitSignal(page.session.launched, timeout=20_000) as launched:
        pass
    outcome = launched.args[0]
    assert outcome.status is LaunchStatus.LAUNCHED and outcome.key == cohort.key
    assert simulator.job_count(info.workspace_id) == before + 1
    posts = [h for (m, p, _s, h) in simulator.request_log if m == "POST" and p.endswith("/retries")]
    assert len(posts) == 1

    # the monitor follows the new retry job, live, while it is visible
    panel = page.monitor
    assert panel.retry_job_id == outcome.retry_job_id
    assert page.extra_tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.verdict is not None, timeout=10_000)
    assert panel.polling
    simulator.clock.advance(15 * 60)
    qtbot.waitUntil(lambda: panel.verdict.kind is MonitorKind.HEALTHY, timeout=15_000)
    assert panel.headline.text().startswith("HEALTHY")
    assert 10 <= panel.model.rowCount() <= 20
    qtmodeltester.check(panel.model)
    assert panel.verdict_icon.pixmap() is not None and not panel.verdict_icon.pixmap().isNull()
    qtbot.waitUntil(lambda: not panel.polling, timeout=5_000)  # settled: no more automatic looks

    # the case records the retry: key, cohort size, result, monitor verdict
    qtbot.waitUntil(
        lambda: (
            (window.controller.case.retries or [None])[0] is not None
            and window.controller.case.retries[0].monitor is not None
            and window.controller.case.retries[0].monitor["kind"] == "healthy"
        ),
        timeout=10_000,
    )
    (entry,) = window.controller.case.retries
    assert entry.key == cohort.key and entry.cohort_size == 10 and entry.state is IntentState.LAUNCHED
    assert entry.retry_job_id == outcome.retry_job_id and entry.phase == "sample" and "created" in entry.result
    assert RetryLedger(page.session.ledger_dir).entries() == window.controller.case.retries

    # the engine now sees the retry child; the remainder unlocks after the healthy sample
    qtbot.waitUntil(
        lambda: (
            window.controller.data is not None
            and any(j.id == outcome.retry_job_id for j in window.controller.data.related_jobs)
        ),
        timeout=20_000,
    )
    qtbot.waitUntil(lambda: page.phase is CohortPhase.REMAINDER and page.remainder_button.isEnabled(), timeout=10_000)
    assert not page.sample_button.isEnabled()
    assert page.cohort.size == 8 and set(page.cohort.recipient_ids).isdisjoint(cohort.recipient_ids)
    settle(qtbot, window, page)


def test_failing_retry_says_so_and_the_remainder_needs_a_written_reason(qtbot, window, simulator, info):
    simulator.set_retry_behaviour(info.job_id, "failing")
    page = open_page(qtbot, window, info)
    launch_through_dialog(qtbot, page, page.sample_button)
    qtbot.waitUntil(lambda: page.monitor.retry_job_id is not None, timeout=20_000)
    simulator.clock.advance(10 * 60)
    panel = page.monitor
    qtbot.waitUntil(
        lambda: panel.verdict is not None and panel.verdict.kind is MonitorKind.FAILING_TRANSIENTLY, timeout=15_000
    )
    assert panel.headline.text().startswith("STILL FAILING TRANSIENTLY")
    assert "failed (transient)" in panel.model.data(panel.model.index(0, DispatchRowsModel.RESULT))
    assert panel.polling  # not healthy: keep watching

    qtbot.waitUntil(lambda: page.remainder_button.isEnabled(), timeout=20_000)
    before = simulator.job_count(info.workspace_id)
    qtbot.mouseClick(page.remainder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    assert ProblemKind.SAMPLE_NOT_HEALTHY in {p.kind for p in dialog.problems}
    assert not dialog.launch_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "too short")
    assert not dialog.launch_button.isEnabled() and "1 more character" in dialog.reason_hint.text()
    qtbot.keyClicks(dialog.reason, " still")
    assert dialog.launch_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape cancels: nothing is sent
    qtbot.waitUntil(lambda: page.dialog is None, timeout=5_000)
    assert simulator.job_count(info.workspace_id) == before and "nothing was sent" in page.status.text()
    assert window.controller.case.retries[0].monitor["kind"] == "failing_transiently"
    settle(qtbot, window, page)


def test_a_permanent_failure_is_refused_without_an_override_and_the_override_is_recorded(
    qtbot, window, simulator, info
):
    page = open_page(qtbot, window, info)
    model = page.model
    permanent = sorted(info.truth["permanent_failed_ids"])[0]
    row = next(r for r in range(model.rowCount()) if model.member(r).recipient_id == permanent)
    assert model.setData(
        model.index(row, CohortModel.RECIPIENT), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert permanent in page.cohort.recipient_ids and page.cohort.size == 11

    before = simulator.job_count(info.workspace_id)
    qtbot.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10_000)
    dialog = page.dialog
    assert [p.kind for p in dialog.problems] == [ProblemKind.PERMANENT_FAILURE]
    assert "failed permanently" in dialog.problem_list.item(0).text()
    assert not dialog.launch_button.isEnabled()  # refused without an override
    dialog.launch_button.click()  # even forced, a disabled button sends nothing
    reason = "customer fixed these numbers today"
    qtbot.keyClicks(dialog.reason, reason)
    assert f"Override, recorded with the launch: {reason}" in dialog.details.toPlainText()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # Enter never launches
    assert dialog.isVisible() and simulator.job_count(info.workspace_id) == before
    qtbot.mouseClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.session.launched, timeout=20_000) as launched:
        pass
    assert launched.args[0].ok and simulator.job_count(info.workspace_id) == before + 1
    (entry,) = window.controller.case.retries
    assert entry.override_reason == reason and entry.overridden == ["permanent_failure"]
    assert permanent in entry.recipient_ids
    settle(qtbot, window, page)


def test_deselecting_a_code_or_class_and_exporting_the_cohort(qtbot, window, info, tmp_path, qtmodeltester):
    page = open_page(qtbot, window, info)
    qtmodeltester.check(page.model)
    codes = {m.last_failure_code for m in page.cohort.members if m.selected}
    code = sorted(codes)[0]
    page.group_box.setCurrentIndex(page.group_box.findData(f"code:{code}"))
    qtbot.mouseClick(page.deselect_button, Qt.MouseButton.LeftButton)
    cohort = page.cohort
    assert all(m.last_failure_code != code for m in cohort.members if m.selected)
    assert any(m.reason == f"failure code {code} deselected" for m in cohort.members)
    out = tmp_path / "cohort.csv"
    assert page.export_csv(out) == cohort.size
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["recipient_id"] for r in rows] == cohort.recipient_ids
    assert all(r["masked_number"].startswith("+*") and r["masked_number"][-2:].isdigit() for r in rows)
    assert all(r["last_failure"] and r["last_failure"] != code for r in rows)

    page.group_box.setCurrentIndex(page.group_box.findData("class:transient"))
    qtbot.mouseClick(page.deselect_button, Qt.MouseButton.LeftButton)
    assert page.cohort.size == 0 and not page.sample_button.isEnabled() and not page.export_button.isEnabled()
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    assert page.cohort.size == 10 and page.sample_button.isEnabled()
    settle(qtbot, window, page)


def test_a_pending_retry_is_resumed_with_its_own_key_when_the_case_opens(qtbot, window, simulator, info):
    """The app died after the server created the job but before it answered: one job, always."""
    page = retry_page(window)
    cohort_ids = sorted(info.truth["transient_failed_ids"])[:10]
    key = idempotency_key(info.workspace_id, info.job_id, cohort_ids)
    note = f"Outbound Triage: targeted retry (sample) of {info.job_id}, 10 recipients"
    RetryLedger(page.session.ledger_dir_for(info.workspace_id, info.job_id)).record_intent(
        key, workspace=info.workspace_id, job=info.job_id, recipient_ids=cohort_ids, note=note, phase="sample"
    )
    with httpx.Client(base_url=simulator.base_url, headers={"Authorization": f"Bearer {simulator.token}"}) as http:
        created = http.post(
            f"/v1/workspaces/{info.workspace_id}/batch-jobs/{info.job_id}/retries",
            json={"recipient_ids": cohort_ids, "note": note},
            headers={"Idempotency-Key": key},
        )
    assert created.status_code == 201
    before = simulator.job_count(info.workspace_id)

    with qtbot.waitSignal(page.session.resumed, timeout=30_000) as resumed:
        start = window.wizard.start_page
        start.fill(workspace=info.workspace_id, job=info.job_id)
        start.load()
    (outcome,) = resumed.args[0]
    assert outcome.status is LaunchStatus.ALREADY_LAUNCHED and outcome.retry_job_id == created.json()["id"]
    assert simulator.job_count(info.workspace_id) == before
    qtbot.waitUntil(lambda: [e.state for e in window.controller.case.retries] == [IntentState.LAUNCHED], timeout=10_000)
    qtbot.waitUntil(lambda: page.monitor.retry_job_id == outcome.retry_job_id, timeout=10_000)
    settle(qtbot, window, page)


def test_the_monitor_stops_asking_when_hidden(qtbot, window, simulator, info):
    page = open_page(qtbot, window, info)
    launch_through_dialog(qtbot, page, page.sample_button)
    panel = page.monitor
    qtbot.waitUntil(lambda: panel.retry_job_id is not None and panel.polling, timeout=20_000)
    page.extra_tabs.setCurrentIndex(0)
    assert not panel.polling
    page.extra_tabs.setCurrentWidget(panel)
    assert panel.polling
    window.wizard.back()
    assert not panel.polling
    settle(qtbot, window, page)


def _cohort() -> Cohort:
    members = [
        CohortMember(
            recipient_id=f"rcp_{i}",
            selected=True,
            reason="transient failure",
            e164=f"+4930123456{i:02d}",
            last_failure_code="provider_timeout",
            failure_class=FailureClass.TRANSIENT,
        )
        for i in range(3)
    ]
    return Cohort(workspace_id="ws_1", job_id="job_1", members=members)


def test_the_dialog_launches_only_on_an_explicit_click_or_alt_l(qtbot):
    cohort = _cohort()
    dialog = RetryConfirmDialog(cohort, [])
    qtbot.addWidget(dialog)
    sent = []
    dialog.launch_requested.connect(sent.append)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2_000)
    assert dialog.launch_button.shortcut().toString() == "Alt+L"
    assert "3 recipients will be called again" in dialog.headline.text()
    assert "+**********01" in dialog.details.toPlainText()  # masked: the last two digits only
    qtbot.keyClick(dialog.details, Qt.Key.Key_Return)
    qtbot.keyClick(dialog, Qt.Key.Key_Enter)
    assert sent == [] and dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: sent == [""], timeout=2_000)
    assert not dialog.isVisible() and dialog.result() == RetryConfirmDialog.DialogCode.Accepted


def test_escape_cancels_the_dialog(qtbot):
    problem = CohortProblem(kind=ProblemKind.EMPTY, message="The cohort is empty.")
    dialog = RetryConfirmDialog(_cohort(), [problem])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.reason, "a reason that is long enough")
    assert not dialog.launch_button.isEnabled()  # an empty cohort cannot be overridden
    assert "cannot be overridden" in dialog.reason_hint.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == RetryConfirmDialog.DialogCode.Rejected


def test_a_stalled_retry_is_a_level_3_escalation(qtbot, window, simulator, info):
    simulator.set_retry_behaviour(info.job_id, "stalled")
    page = open_page(qtbot, window, info)
    launch_through_dialog(qtbot, page, page.sample_button)
    panel = page.monitor
    qtbot.waitUntil(lambda: panel.retry_job_id is not None, timeout=20_000)
    simulator.clock.advance(15 * 60)
    qtbot.waitUntil(lambda: panel.verdict is not None and panel.verdict.kind is MonitorKind.STALLED, timeout=15_000)
    assert panel.headline.text().startswith("STALLED") and "Level 3" in panel.next_action.text()
    assert panel.polling  # a stall may come or go: keep watching
    qtbot.waitUntil(lambda: not window.controller.loading, timeout=20_000)
    window.controller.refresh()  # what F5 does: the engine sees the stalled retry child
    qtbot.waitUntil(
        lambda: window.controller.report is not None and window.controller.report.escalation.level == 3, timeout=20_000
    )
    reasons = window.controller.report.escalation.reasons
    assert any(r.code == "retry_job_stalled" and panel.retry_job_id in r.text for r in reasons)
    settle(qtbot, window, page)


def test_an_unresolved_launch_stays_pending_and_a_refresh_resumes_it_into_one_job(qtbot, window, simulator, info):
    page = open_page(qtbot, window, info)
    before = simulator.job_count(info.workspace_id)
    simulator.faults.add(Fault(kind="drop", path=r"/retries$", method="POST", times=None))
    launch_through_dialog(qtbot, page, page.sample_button)
    with qtbot.waitSignal(page.session.launched, timeout=60_000) as launched:
        pass
    outcome = launched.args[0]
    assert outcome.status is LaunchStatus.UNRESOLVED
    qtbot.waitUntil(lambda: page.context is not None and len(page.context.pending) == 1, timeout=10_000)
    assert "do not relaunch" in page.status.text() and not page.sample_button.isEnabled()
    assert [e.state for e in window.controller.case.retries] == [IntentState.PENDING]
    assert simulator.job_count(info.workspace_id) == before

    simulator.faults.clear()
    with qtbot.waitSignal(page.session.resumed, timeout=30_000) as resumed:
        window.controller.refresh()  # F5: the pending intent is re-sent with its own key
    (again,) = resumed.args[0]
    assert again.ok and again.key == outcome.key
    assert simulator.job_count(info.workspace_id) == before + 1
    keys = {
        next((v for k, v in h.items() if k.lower() == "idempotency-key"), None)
        for (m, p, _s, h) in simulator.request_log
        if m == "POST"
    }
    assert keys == {outcome.key}
    qtbot.waitUntil(lambda: page.monitor.retry_job_id == again.retry_job_id, timeout=10_000)
    settle(qtbot, window, page)
