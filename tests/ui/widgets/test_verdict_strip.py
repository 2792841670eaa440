"""The verdict strip beside every page: the four verdicts and the level of the case, each a way
to its step (click, keyboard, Ctrl+<number>), Back consistent after a jump."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.vocabulary import CheckId, Verdict
from triage_gui.ui.widgets.verdict_strip import ESCALATION, EXPORT, FORM, STEPS, VerdictStrip
from triage_gui.ui.widgets.verdict_style import verdict_word


def load(qtbot, window, simulator, scenario: str) -> None:
    info = simulator.scenario(scenario)
    start = window.wizard.start_page
    qtbot.keyClicks(start.workspace, info.workspace_id)
    qtbot.keyClicks(start.job, info.job_id)
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)


def activate(qtbot, window) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def test_before_a_load_the_strip_says_nothing_is_judged_and_opens_nothing(qtbot):
    strip = VerdictStrip()
    qtbot.addWidget(strip)
    for number, key in enumerate(STEPS, start=1):
        chip = strip.chips[key]
        assert not chip.isEnabled()
        assert chip.text().startswith(str(number))
        assert chip.accessibleName() and chip.toolTip()
    assert strip.verdict_text(CheckId.JOB_HEALTH.value) == f"1 {verdict_word(None)}"


def test_the_strip_is_beside_every_page_and_shows_the_reports_verdicts_and_level(qtbot, window, simulator):
    load(qtbot, window, simulator, "permit_starved")
    wizard = window.wizard
    strip = wizard.verdict_strip
    assert strip is not None and wizard.sideWidget() is strip
    report = window.controller.report
    for number, check in enumerate(CheckId, start=1):
        result = report.check(check)
        chip = strip.chips[check.value]
        assert chip.isEnabled()
        assert chip.text() == f"{number} {verdict_word(result.verdict)}"
        assert verdict_word(result.verdict) in chip.accessibleName()
        worst = next(f for f in result.findings if f.verdict is result.verdict)
        assert worst.summary in chip.toolTip()  # the reason, not just the word
    assert strip.chips[ESCALATION].text() == f"5 Level {report.escalation.level}"
    for page_id in wizard.pageIds():
        wizard.jump_to(page_id)
        assert wizard.currentId() == page_id
        assert strip.isVisible()  # on every page, the start page too


def test_an_override_shows_on_the_strip(qtbot, window, simulator):
    load(qtbot, window, simulator, "permit_starved")
    strip = window.wizard.verdict_strip
    override = VerdictOverride(verdict=Verdict.PASS, reason="known provider outage", at=datetime.now(UTC))
    window.controller.set_override(CheckId.DUPLICATES, override)
    chip = strip.chips[CheckId.DUPLICATES.value]
    assert chip.text() == "3 PASS*"
    assert "overridden" in chip.accessibleName() and "known provider outage" in chip.toolTip()


def test_clicking_a_chip_opens_its_step_and_back_walks_the_pages_in_order(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    wizard = window.wizard
    strip = wizard.verdict_strip
    qtbot.mouseClick(strip.chips[ESCALATION], Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.escalation_page
    assert strip.chips[ESCALATION].isChecked()
    assert not strip.chips[CheckId.JOB_HEALTH.value].isChecked()
    # Back goes through the checks, as if the agent had pressed Next four times
    back = wizard.button(QWizard.WizardButton.BackButton)
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.check_pages[CheckId.RETRY_STRATEGY]
    assert strip.chips[CheckId.RETRY_STRATEGY.value].isChecked()
    # and a chip of a page already passed goes back to it
    qtbot.mouseClick(strip.chips[CheckId.PERMITS_DISPATCH.value], Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.check_pages[CheckId.PERMITS_DISPATCH]
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.check_pages[CheckId.JOB_HEALTH]


def test_ctrl_number_opens_the_form_and_the_export_from_the_start_page(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    activate(qtbot, window)
    wizard = window.wizard
    start = wizard.start_page
    start.job.setFocus()
    qtbot.keyClick(start.job, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentPage() is wizard.export_page
    focus = QApplication.focusWidget()
    assert focus is not None and wizard.export_page.fields_box.isAncestorOf(focus)  # the form's first field
    qtbot.keyClick(focus, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentPage() is wizard.check_pages[CheckId.JOB_HEALTH]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentPage() is wizard.export_page
    assert QApplication.focusWidget() is wizard.export_page.bundle_button


def test_a_chip_is_reached_with_tab_and_opened_with_space(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    activate(qtbot, window)
    chip = window.wizard.verdict_strip.chips[FORM]
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Space)
    assert window.wizard.currentPage() is window.wizard.export_page


def test_a_jump_stops_at_a_page_that_is_not_complete(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    wizard = window.wizard
    start = wizard.start_page
    start.job.setText(start.job.text() + "x")  # IDs edited, not loaded: Next would not go on
    if start.isComplete():
        pytest.skip("the start page lets an edited case go on")
    assert not wizard.open_step(EXPORT)
    assert wizard.currentPage() is start


def test_a_new_case_clears_the_strip(qtbot, window, simulator):
    load(qtbot, window, simulator, "healthy")
    window.new_case()
    strip = window.wizard.verdict_strip
    assert all(not chip.isEnabled() for chip in strip.chips.values())
    assert strip.verdict_text(CheckId.JOB_HEALTH.value) == f"1 {verdict_word(None)}"
