"""The triage wizard: the runbook's steps in its order, over one case."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget, QWizard

from triage_gui.domain.findings import CheckId
from triage_gui.ui.case_controller import CaseController
from triage_gui.ui.pages.check_page import CheckPage, page_for
from triage_gui.ui.pages.escalation_page import EscalationPage
from triage_gui.ui.pages.export_page import ExportPage
from triage_gui.ui.pages.start_page import StartPage


class TriageWizard(QWizard):
    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)  # embedded in the main window
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveFinishButtonOnEarlyPages, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")
        self.controller = controller
        self.start_page = StartPage(controller)
        self.check_pages: dict[CheckId, CheckPage] = {c: page_for(controller, c) for c in CheckId}
        self.escalation_page = EscalationPage(controller)
        self.export_page = ExportPage(controller)
        self.addPage(self.start_page)
        for page in self.check_pages.values():
            self.addPage(page)
        self.addPage(self.escalation_page)
        self.addPage(self.export_page)
        self.button(QWizard.WizardButton.NextButton).setToolTip("Next step (Alt+N)")
        self.button(QWizard.WizardButton.BackButton).setToolTip("Previous step (Alt+B)")
