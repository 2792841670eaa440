"""Escape anywhere never closes the wizard: the case stays on screen and everything works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from triage_gui.domain.vocabulary import CheckId
from triage_gui.ui.pages.check_page import CheckPage


def escape_leaves_the_wizard_working(agent, window, where) -> None:
    wizard = window.wizard
    page = wizard.currentPage()
    agent.key(where, Qt.Key.Key_Escape)
    assert wizard.isVisible() and page.isVisible()
    assert wizard.currentPage() is page
    focus = QApplication.focusWidget()
    assert focus is not None and focus.isVisible() and window.isAncestorOf(focus)  # never on a hidden page


def test_escape_on_every_page_in_a_field_and_in_the_note_box(qtbot, window, simulator, agent):
    agent.activate(window)
    wizard, start = window.wizard, window.wizard.start_page
    info = simulator.scenario("stalled")
    agent.retype(start.workspace, info.workspace_id)
    escape_leaves_the_wizard_working(agent, window, start.workspace)  # in a field, before a load
    assert start.workspace.text() == info.workspace_id
    agent.load(window, info.workspace_id, info.job_id)
    escape_leaves_the_wizard_working(agent, window, start.job)
    escape_leaves_the_wizard_working(agent, window, start)
    visited = []
    while wizard.currentPage() is not wizard.export_page:
        agent.next_page(window)
        page = wizard.currentPage()
        visited.append(page)
        escape_leaves_the_wizard_working(agent, window, QApplication.focusWidget() or page)
        escape_leaves_the_wizard_working(agent, window, page)
        if isinstance(page, CheckPage):
            note = page.note_box.note
            agent.click(note)
            qtbot.keyClicks(note, "Customer says it stopped at 09:10")
            escape_leaves_the_wizard_working(agent, window, note)
            assert note.toPlainText() == "Customer says it stopped at 09:10"
            assert window.controller.case.notes[page.check_id.value] == "Customer says it stopped at 09:10"
    assert [p.check_id for p in visited if isinstance(p, CheckPage)] == list(CheckId)
    assert wizard.escalation_page in visited and wizard.export_page in visited
    # Back still works, and so do the window's actions: F5 loads again, Ctrl+N starts a new case
    agent.click(wizard.button(QWizard.WizardButton.BackButton))
    assert wizard.currentPage() is wizard.escalation_page
    with qtbot.waitSignal(window.controller.load_started, timeout=5_000):
        agent.key(wizard.currentPage(), Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not window.controller.loading, timeout=20_000)
    agent.key(wizard.currentPage(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert wizard.currentPage() is start and start.isVisible()
    assert window.controller.case.inputs.job_id == ""


def test_done_hands_the_case_on_and_leaves_it_on_screen(qtbot, window, simulator, agent):
    agent.activate(window)
    info = simulator.scenario("stalled")
    agent.load(window, info.workspace_id, info.job_id)
    wizard = window.wizard
    while wizard.currentPage() is not wizard.export_page:
        agent.next_page(window)
    page = wizard.export_page
    row = page.rows["screenshot"]
    agent.click(row.waive)
    agent.click(row.reason)
    qtbot.keyClicks(row.reason, "no screen access on the customer's kiosk")
    done = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(done.isEnabled, timeout=5_000)
    agent.click(done)
    assert window.controller.case.closed
    assert wizard.isVisible() and wizard.currentPage() is page
    assert "handed on" in window.statusBar().currentMessage()
