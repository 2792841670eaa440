"""Typing another job's ID: what the agent did not type comes from the new job; what they typed
and the job disagree on is shown side by side before anything is judged; an ID edited after a
load is not taken for the loaded one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from triage_gui.domain.vocabulary import CheckId


def mismatches(window) -> list[str]:
    report = window.controller.report
    return [f.summary for f in report.check(CheckId.JOB_HEALTH).findings if f.id == "config_mismatch"]


def reported_job(window) -> str | None:
    return window.controller.report.job_id if window.controller.report is not None else None


def next_enabled(window) -> bool:
    return window.wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_new_job_id_brings_its_own_campaign_and_upload(qtbot, demo_window, agent):
    window = demo_window
    start = window.wizard.start_page
    agent.open_scenario(window, "stalled")
    assert (start.campaign.text(), start.upload.text()) == ("cmp_stalled", "upl_stalled")
    agent.retype(start.job, "job_permit_starved")
    # the stalled job's campaign and upload are not this job's: they are not kept
    assert (start.campaign.text(), start.upload.text()) == ("", "")
    agent.click(start.load_button)
    qtbot.waitUntil(lambda: reported_job(window) == "job_permit_starved", timeout=20_000)
    inputs = window.controller.case.inputs
    assert (inputs.campaign_id, inputs.upload_id) == ("cmp_permit_starved", "upl_permit_starved")
    assert (start.campaign.text(), start.upload.text()) == ("cmp_permit_starved", "upl_permit_starved")
    assert mismatches(window) == []
    assert window.windowTitle().startswith("job_permit_starved")


def test_a_typed_campaign_the_job_does_not_name_is_shown_before_anything_is_judged(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    stalled, starved = simulator.scenario("stalled"), simulator.scenario("permit_starved")
    agent.retype(start.workspace, starved.workspace_id)
    agent.retype(start.job, starved.job_id)
    agent.retype(start.campaign, stalled.campaign_id)  # copied from the wrong ticket
    agent.click(start.load_button)
    qtbot.waitUntil(start.disagreement.isVisible, timeout=20_000)
    text = start.disagreement.text.text()
    assert f"you typed {stalled.campaign_id}" in text and f"says {starved.campaign_id}" in text
    assert "nothing is judged" in start.load_status.text().lower()
    assert window.controller.report is None and not next_enabled(window)
    # the agent takes the job's: loaded and judged with it
    agent.click(start.disagreement.use_job)
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)
    assert start.campaign.text() == starved.campaign_id and not start.disagreement.isVisible()
    assert window.controller.case.inputs.campaign_id == starved.campaign_id
    assert mismatches(window) == []


def test_keeping_a_typed_campaign_judges_with_it_and_is_not_asked_again(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    stalled, starved = simulator.scenario("stalled"), simulator.scenario("permit_starved")
    agent.retype(start.workspace, starved.workspace_id)
    agent.retype(start.job, starved.job_id)
    agent.retype(start.campaign, stalled.campaign_id)
    agent.click(start.load_button)
    qtbot.waitUntil(start.disagreement.isVisible, timeout=20_000)
    agent.click(start.disagreement.keep_typed)
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)
    inputs = window.controller.case.inputs
    assert inputs.campaign_id == stalled.campaign_id and inputs.kept_ids == ("campaign_id",)
    assert mismatches(window)  # the agent's choice, judged as such
    agent.click(start.load_button)  # again, the same IDs: the choice stands
    qtbot.waitUntil(lambda: not window.controller.loading, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)
    assert not start.disagreement.isVisible()


def test_an_id_edited_after_the_load_is_not_taken_for_the_loaded_one(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    stalled, starved = simulator.scenario("stalled"), simulator.scenario("permit_starved")
    agent.load(window, stalled.workspace_id, stalled.job_id)
    assert "Loaded" in start.load_status.text() and next_enabled(window)
    agent.retype(start.job, starved.job_id)
    assert not next_enabled(window)
    assert "changed since the load" in start.load_status.text() and stalled.job_id in start.load_status.text()
    assert "not loaded" in window.windowTitle()
    agent.key(start.job, Qt.Key.Key_Return)  # Enter does not go Next either
    assert window.wizard.currentPage() is start
    # typed back as it was: the loaded job again
    agent.retype(start.job, stalled.job_id)
    assert next_enabled(window) and "Loaded" in start.load_status.text()
    assert start.campaign.text() == stalled.campaign_id
    assert "not loaded" not in window.windowTitle()
    # edited again, and loaded: the page, the title and Next follow the new job
    agent.retype(start.job, starved.job_id)
    qtbot.wait(600)  # polls of the loaded job come and go meanwhile: still not taken for it
    assert not next_enabled(window) and start.campaign.text() == ""
    agent.click(start.load_button)
    qtbot.waitUntil(lambda: reported_job(window) == starved.job_id, timeout=20_000)
    qtbot.waitUntil(lambda: next_enabled(window), timeout=5_000)
    assert window.windowTitle().startswith(starved.job_id) and "not loaded" not in window.windowTitle()
    agent.next_page(window)
    assert window.wizard.currentPage().check_id is CheckId.JOB_HEALTH
    assert window.controller.report.job_id == starved.job_id


def test_a_typed_campaign_on_the_loaded_job_waits_for_the_choice_while_polls_arrive(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    stalled, starved = simulator.scenario("stalled"), simulator.scenario("permit_starved")
    agent.load(window, stalled.workspace_id, stalled.job_id)
    agent.retype(start.campaign, starved.campaign_id)
    assert not next_enabled(window)
    agent.click(start.load_button)
    qtbot.waitUntil(start.disagreement.isVisible, timeout=20_000)
    snapshots = len(window.controller.case.snapshots)
    simulator.clock.advance(30)
    qtbot.waitUntil(lambda: len(window.controller.case.snapshots) > snapshots, timeout=10_000)  # watched still
    qtbot.wait(300)
    assert start.disagreement.isVisible() and not next_enabled(window)  # no poll answers for the agent
    agent.click(start.disagreement.use_job)
    qtbot.waitUntil(lambda: not window.controller.loading and next_enabled(window), timeout=20_000)
    assert start.campaign.text() == stalled.campaign_id and not start.disagreement.isVisible()
