"""The whole wizard, driven like an agent would, against the real simulator over loopback."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QWizard

from triage_gui.domain.vocabulary import CheckId, Symptom, Verdict
from triage_gui.simulator import Fault
from triage_gui.ui.app.main_window import MainWindow
from triage_gui.ui.pages.check_page import CheckPage
from triage_gui.ui.tasks import thread_registry
from triage_gui.ui.tasks.job_poller import PollState


def load(qtbot, window: MainWindow, simulator, scenario: str, symptoms=()) -> None:
    info = simulator.scenario(scenario)
    start = window.wizard.start_page
    qtbot.keyClicks(start.workspace, info.workspace_id)
    qtbot.keyClicks(start.job, info.job_id)
    for symptom in symptoms:
        start.symptom_boxes[symptom].setChecked(True)
    assert not start.isComplete()  # nothing loaded yet: Next stays disabled
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)


# scenario -> (the check that must fail, or None; the escalation level)
SCENARIOS = {
    "stalled": (CheckId.JOB_HEALTH, 2),
    "permit_starved": (CheckId.PERMITS_DISPATCH, 2),
    "retry_loop": (CheckId.PERMITS_DISPATCH, 2),
    "duplicate_run": (CheckId.DUPLICATES, 2),
    "healthy": (None, 1),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_wizard_walks_every_page_and_shows_the_engines_verdicts(qtbot, window, simulator, scenario):
    failing, level = SCENARIOS[scenario]
    load(qtbot, window, simulator, scenario, symptoms=[Symptom.STUCK_RUNNING])
    wizard = window.wizard
    report = window.controller.report
    assert report.job_id == simulator.scenario(scenario).job_id
    # the start page filled in what the API knows
    assert wizard.start_page.campaign.text() == simulator.scenario(scenario).campaign_id
    shown: dict[CheckId, Verdict] = {}
    for check_id in CheckId:
        wizard.next()
        page = wizard.currentPage()
        assert isinstance(page, CheckPage) and page.check_id is check_id
        qtbot.waitUntil(lambda p=page: p.badge.verdict is not None, timeout=5_000)
        shown[check_id] = page.badge.verdict
        # findings with evidence are listed, and the verdict is said in words, not colour alone
        assert page.findings.findings_in_view_order()
        assert page.badge.verdict.value.upper() in page.badge.text().upper()
    latest = window.controller.report
    assert shown == {c.id: c.verdict for c in latest.checks}
    if failing is None:
        assert Verdict.FAIL not in shown.values()
    else:
        assert shown[failing] is Verdict.FAIL
    wizard.next()
    assert wizard.currentPage() is wizard.escalation_page
    assert wizard.escalation_page.level_label.text().startswith(f"Level {level}")
    assert latest.escalation.level == level
    assert wizard.escalation_page.reasons.count() >= 1
    wizard.next()
    assert wizard.currentPage() is wizard.export_page
    assert f"Level {level}" in wizard.export_page.summary.toPlainText()
    window.close()
    qtbot.waitUntil(lambda: not thread_registry.running(), timeout=3_000)


def test_symptoms_set_emphasis_but_never_skip_a_check(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy", symptoms=[Symptom.DUPLICATE_CALLS])
    visited = []
    while window.wizard.currentPage() is not window.wizard.escalation_page:
        window.wizard.next()
        page = window.wizard.currentPage()
        if isinstance(page, CheckPage):
            visited.append(page.check_id)
            emphasised = page.emphasis.isVisibleTo(page)
            assert emphasised == (page.check_id in (CheckId.DUPLICATES, CheckId.PERMITS_DISPATCH))
    assert visited == list(CheckId)


def test_override_needs_a_reason_and_is_kept_in_the_case(qtbot, window, simulator):
    load(qtbot, window, simulator, "stalled")
    window.wizard.next()
    page = window.wizard.currentPage()
    box = page.note_box
    qtbot.keyClicks(box.note, "Customer confirmed the job was paused by hand at 09:10.")
    assert window.controller.case.notes[CheckId.JOB_HEALTH.value].startswith("Customer confirmed")
    box.enable.setChecked(True)
    box.verdict.setCurrentIndex(box.verdict.findText("WARN", Qt.MatchFlag.MatchContains))
    assert not box.apply.isEnabled()  # no reason yet
    qtbot.keyClicks(box.reason, "Paused on purpose by the customer")
    assert box.apply.isEnabled()
    qtbot.mouseClick(box.apply, Qt.MouseButton.LeftButton)
    override = window.controller.case.overrides[CheckId.JOB_HEALTH]
    assert override.verdict is Verdict.WARN and "on purpose" in override.reason
    qtbot.waitUntil(lambda: page.badge.overridden, timeout=3_000)
    assert page.badge.verdict is Verdict.WARN
    assert window.controller.case.effective_verdict(CheckId.JOB_HEALTH) is Verdict.WARN


def test_invalid_ids_are_refused_before_any_request(qtbot, window, simulator):
    start = window.wizard.start_page
    before = len(simulator.request_log)
    qtbot.keyClicks(start.workspace, "ws demo/1")  # the validator keeps bad characters out as typed
    assert start.workspace.text() == "wsdemo1"
    start.job.setText("")  # required
    start.load()
    assert "Please fix" in start.load_status.text()
    assert len(simulator.request_log) == before
    assert window.wizard.button(QWizard.WizardButton.NextButton).isEnabled() is False


def test_unknown_job_shows_a_clear_message(qtbot, window, simulator):
    start = window.wizard.start_page
    start.fill(workspace="ws_demo", job="job_nope")
    start.load()
    qtbot.waitUntil(lambda: "Could not load" in start.load_status.text(), timeout=10_000)
    assert "404" in start.load_status.text()
    assert start.load_button.isEnabled()


class GapMeter(QObject):
    """Measures the longest gap between GUI-thread timer ticks (a blocked GUI thread shows)."""

    def __init__(self) -> None:
        super().__init__()
        self.last = time.monotonic()
        self.worst = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    @Slot()
    def tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self.last)
        self.last = now


def test_gui_stays_responsive_while_the_server_is_slow_then_failing(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    statuses = []
    window.controller.poll_status_changed.connect(statuses.append)
    snapshots_before = len(window.controller.case.snapshots)
    report_before = window.controller.report
    # a slow server: every job poll takes 2.5 s
    simulator.faults.add(Fault(kind="latency", seconds=2.5, path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    meter = GapMeter()
    qtbot.wait(3_000)
    assert meter.worst < 0.25, f"GUI thread blocked for {meter.worst:.3f} s"
    # then a failing server: errors are shown, nothing collected is lost
    simulator.faults.clear()
    simulator.faults.add(Fault(kind="status", status=500, path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    qtbot.waitUntil(lambda: any(s.state is PollState.ERROR for s in statuses), timeout=10_000)
    assert meter.worst < 0.25, f"GUI thread blocked for {meter.worst:.3f} s"
    error = next(s for s in statuses if s.state is PollState.ERROR)
    assert "500" in (error.error or "")
    assert "500" in window.connection_status.text()
    assert len(window.controller.case.snapshots) >= snapshots_before
    assert window.controller.report is not None and window.controller.report.job_id == report_before.job_id
    # recovery: the retry button polls again at once
    simulator.faults.clear()
    count = len(window.controller.case.snapshots)
    window.connection_status.retry_requested.emit()
    qtbot.waitUntil(lambda: len(window.controller.case.snapshots) > count, timeout=5_000)
    meter.timer.stop()


def test_closing_during_a_slow_request_stops_the_poller_promptly(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    simulator.faults.add(Fault(kind="latency", seconds=10, path=r"/batch-jobs/[^/]+$", method="GET", times=None))
    qtbot.wait(600)  # the poller is now inside a 10 s request
    started = time.monotonic()
    window.close()
    assert not thread_registry.running()
    assert time.monotonic() - started < 2.0


def test_start_page_tab_order_follows_the_form(qtbot, window):
    start = window.wizard.start_page
    start.workspace.setFocus()
    order = [start.workspace]
    for _ in range(4):
        order.append(order[-1].nextInFocusChain())
        while not order[-1].focusPolicy() & Qt.FocusPolicy.TabFocus:
            order[-1] = order[-1].nextInFocusChain()
    assert order[:4] == [start.workspace, start.job, start.campaign, start.upload]


def test_a_stale_load_never_lands_in_the_newer_case(qtbot, window, simulator):
    start = window.wizard.start_page
    # job A's fetch is slow at its last step, so it completes after job B's load has failed
    simulator.faults.add(Fault(kind="latency", seconds=1.0, path=r"/batch-jobs$", method="GET", times=1))
    start.fill(workspace="ws_demo", job="job_stalled")
    start.load()
    qtbot.wait(300)
    start.fill(workspace="ws_demo", job="job_missing")
    start.load()
    qtbot.waitUntil(lambda: "Could not load" in start.load_status.text(), timeout=10_000)
    qtbot.wait(1_500)  # job A's result has come back by now, and must have been dropped
    controller = window.controller
    assert controller.case.inputs.job_id == "job_missing"
    assert controller.report is None and controller.data is None
    assert not thread_registry.running()  # no poller was started for job A
    assert "Could not load" in start.load_status.text()
