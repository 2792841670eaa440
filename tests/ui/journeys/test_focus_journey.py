"""Focus belongs to the agent: typing while polls and reports arrive, in the demo window (whose
scenario picker took the focus after every keystroke), leaves the text whole and the focus put."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWizard

FORTY = "abcdefghij_klmnopqrs-tuvwxyz0123456789AB"


def test_typing_into_every_id_field_and_the_note_keeps_the_focus(qtbot, demo_window, agent):
    window = demo_window
    agent.open_scenario(window, "stalled")
    assert len(FORTY) == 40
    reports: list[object] = []
    window.controller.report_changed.connect(reports.append)

    # the note on page 1, the job watched live meanwhile
    agent.next_page(window)
    note = window.wizard.currentPage().note_box.note
    agent.click(note)
    agent.type_slowly(FORTY)
    assert note.toPlainText() == FORTY
    assert QApplication.focusWidget() is note
    assert window.demo_banner is not None and not window.demo_banner.scenarios.view().isVisible()

    # back on the start page, each ID field in turn
    agent.click(window.wizard.button(QWizard.WizardButton.BackButton))
    start = window.wizard.start_page
    assert window.wizard.currentPage() is start
    for field in (start.workspace, start.job, start.campaign, start.upload):
        agent.retype(field, "")
        agent.type_slowly(FORTY)
        assert field.text() == FORTY, field.accessibleName()
        assert QApplication.focusWidget() is field, field.accessibleName()
    assert len(reports) >= 2, "no report arrived while the agent typed: the test proved nothing"
    assert window.demo_banner.current_scenario() == "stalled"
