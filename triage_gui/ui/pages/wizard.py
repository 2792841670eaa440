"""The triage wizard: the runbook's steps in its order, over one case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QWidget, QWizard, QWizardPage

from triage_gui.domain.vocabulary import CheckId
from triage_gui.ui.pages.start_page import StartPage

PAGES_AFTER_START = len(CheckId) + 2  # the four checks, escalation, export

if TYPE_CHECKING:
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.case.controller import CaseController
    from triage_gui.ui.pages.check_page import CheckPage
    from triage_gui.ui.pages.escalation_page import EscalationPage
    from triage_gui.ui.pages.export_page import ExportPage


class TriageWizard(QWizard):
    """Made with just the start page, which is all the app's first frame shows; then
    :meth:`attach_steps` adds the checks, escalation and export pages, one step at a time,
    while the agent can already type.

    The main window embeds it through a layout: reparenting a QWizard (a QDialog) that way
    drops its window type, so it becomes a child widget with no window flags to set (setting
    them would touch the ``Qt`` namespace: see docs/performance.md, "Cold start").

    Being a dialog, a QWizard would hide itself on Escape (reject) and on Done (accept): in a
    window that is the whole app, and the window stays empty. Here neither hides it: Escape does
    nothing, Done hands the case on (``case_done``) and the page stays. Closing is the window's.
    """

    case_done = Signal()  # Done on the last page: the case is handed on (the page has marked it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveFinishButtonOnEarlyPages, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")
        self.start_page = StartPage()
        self.check_pages: dict[CheckId, CheckPage] = {}
        self.escalation_page: EscalationPage | None = None
        self.export_page: ExportPage | None = None
        self.addPage(self.start_page)
        # Empty stand-ins until attach_steps(): with them the wizard knows from the first frame
        # that pages follow, so it shows Next (disabled until a load), not Done; QWizard decides
        # which of the two to show only when it switches pages.
        self._page_ids = [self.addPage(QWizardPage()) for _ in range(PAGES_AFTER_START)]
        self.button(QWizard.WizardButton.NextButton).setToolTip("Next step (Alt+N)")
        self.button(QWizard.WizardButton.BackButton).setToolTip("Previous step (Alt+B)")

    def attach_steps(self, controller: CaseController, paths: AppPaths) -> Iterator[str]:
        """Add the pages after the start page, yielding after each (a page's first build loads
        its modules: tens of milliseconds each). The start page is left to the caller to attach
        last (``start_page.attach``), so a Load asked for while starting up runs once whatever
        listens to loads is connected and every page is there to show its result."""
        from triage_gui.ui.pages.check_page import page_for

        page_ids = iter(self._page_ids)
        for check in CheckId:
            page = page_for(controller, check, paths)
            self.check_pages[check] = page
            self._put(next(page_ids), page)
            yield f"page {check.value}"
        from triage_gui.ui.pages.escalation_page import EscalationPage

        self.escalation_page = EscalationPage(controller)
        self._put(next(page_ids), self.escalation_page)
        yield "page escalation"
        from triage_gui.ui.pages.export_page import ExportPage

        self.export_page = ExportPage(controller, paths=paths)
        self._put(next(page_ids), self.export_page)
        yield "page export"

    # -- a dialog's ways to close, which a wizard that is the window's content must not take ----
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Cancel):
            event.accept()  # Escape is not an action here: nothing is lost, nothing closes
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Nothing: rejecting would reset the pages and hide the wizard (the case on screen)."""

    def done(self, result: int) -> None:
        """Done (accept) checks the last page and hands the case on, without hiding anything;
        any other outcome does nothing."""
        if result == QDialog.DialogCode.Accepted.value and self.validateCurrentPage():
            self.case_done.emit()

    def focusNextPrevChild(self, next: bool) -> bool:
        """Focus stays where the agent put it while QWizard hides its contents for a moment.

        Each time a page's ``completeChanged`` is emitted, or a page's title or layout changes,
        QWizard hides the frame that holds its pages and buttons while it re-lays them out; Qt
        then moves the focus out of the hidden frame to the next widget that can take it, which
        here (a wizard inside a window) is outside the wizard: the demo's scenario picker took
        every keystroke after the first. A real move (Tab, a page switch) goes on as usual."""
        if self._focus_in_relaid_frame():
            return True  # handled: the focus stays, and is visible again when the frame shows
        return super().focusNextPrevChild(next)

    def _focus_in_relaid_frame(self) -> bool:
        focus = QApplication.focusWidget()
        if focus is None or focus.isVisible() or not self.isVisible() or not self.isAncestorOf(focus):
            return False
        widget: QWidget | None = focus
        while widget is not None and widget is not self:
            if widget.isHidden() and widget.parentWidget() is not self:
                return False  # a page, or a widget on it, was hidden: the focus must move on
            widget = widget.parentWidget()
        return True

    def _put(self, page_id: int, page: QWizardPage) -> None:
        """Put ``page`` in place of the stand-in with ``page_id`` (never the current page: the
        agent cannot leave the start page before a load, and a load waits for the pages)."""
        stand_in = self.page(page_id)
        self.removePage(page_id)
        self.setPage(page_id, page)
        if stand_in is not None:
            stand_in.deleteLater()
