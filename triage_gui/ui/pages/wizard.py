"""The triage wizard: the runbook's steps in its order, over one case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
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
    from triage_gui.ui.widgets.verdict_strip import VerdictStrip


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
        self.verdict_strip: VerdictStrip | None = None  # beside every page, from attach_steps()
        self.addPage(self.start_page)
        # Empty stand-ins until attach_steps(): with them the wizard knows from the first frame
        # that pages follow, so it shows Next (disabled until a load), not Done; QWizard decides
        # which of the two to show only when it switches pages.
        self._page_ids = [self.addPage(QWizardPage()) for _ in range(PAGES_AFTER_START)]
        # deferred: QWizard shows the new page's buttons after it emits the switch
        self.currentIdChanged.connect(self._rescue_focus_soon)
        self.button(QWizard.WizardButton.NextButton).setToolTip("Next step (Alt+N)")
        self.button(QWizard.WizardButton.BackButton).setToolTip("Previous step (Alt+B)")

    def attach_steps(self, controller: CaseController, paths: AppPaths) -> Iterator[str]:
        """Add the pages after the start page, yielding after each (a page's first build loads
        its modules: tens of milliseconds each). The start page is left to the caller to attach
        last (``start_page.attach``), so a Load asked for while starting up runs once whatever
        listens to loads is connected and every page is there to show its result."""
        from triage_gui.ui.pages.check_page import page_for

        self._attach_verdict_strip(controller)
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

    # -- the verdict strip, and opening a step from anywhere ---------------------------------
    def _attach_verdict_strip(self, controller: CaseController) -> None:
        from triage_gui.ui.widgets.verdict_strip import VerdictStrip

        strip = self.verdict_strip = VerdictStrip()
        strip.attach(controller)
        strip.step_requested.connect(self.open_step)
        self.setSideWidget(strip)  # QWizard shows it beside every page
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QShortcut

        from triage_gui.ui.widgets.verdict_strip import STEPS

        # Ctrl+<number>, not Alt: the start page's symptoms have Alt+1..4
        for number, key in enumerate(STEPS, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda k=key: self._open_step_if_enabled(k))
        self.currentIdChanged.connect(self._mark_current_step)
        self._mark_current_step(self.currentId())

    def _open_step_if_enabled(self, key: str) -> None:
        if self.verdict_strip is not None and self.verdict_strip.chips[key].isEnabled():
            self.open_step(key)

    def step_page_id(self, key: str) -> int | None:
        """The page id of a verdict strip step ("job_health" ... "escalation", "form", "export")."""
        from triage_gui.ui.widgets.verdict_strip import STEPS

        if key not in STEPS:
            return None
        index = min(STEPS.index(key), PAGES_AFTER_START - 1)  # the form is on the export page
        return self._page_ids[index]

    def open_step(self, key: str) -> bool:
        """Open a step from anywhere, as the agent would with Next and Back: see :meth:`jump_to`.
        "form" and "export" open the export page with the focus on the form or on the bundle."""
        page_id = self.step_page_id(key)
        if page_id is None or not self.jump_to(page_id):
            return False
        export = self.export_page
        if export is not None and self.currentPage() is export:
            target = getattr(export, "fields_box" if key == "form" else "bundle_button", None)
            if key in ("form", "export") and isinstance(target, QWidget):
                if key == "form":
                    target.setFocus()
                    target.focusNextChild()  # its first field
                else:
                    target.setFocus()
        return True

    def jump_to(self, page_id: int) -> bool:
        """Go to ``page_id`` the way Next and Back would: back through the pages visited, or
        forward one page at a time, each checked as Next checks it (complete, then validated);
        stops at the first page that says no and returns False. Back stays consistent: the
        history is the pages walked. The pages passed on the way are not painted."""
        if page_id not in self.pageIds() or self.currentId() == -1:
            return False
        if page_id == self.currentId():
            return True
        self.setUpdatesEnabled(False)
        try:
            if page_id in self.visitedIds():
                while self.currentId() != page_id:
                    self.back()
                return True
            while self.currentId() != page_id:
                page = self.currentPage()
                before = self.currentId()
                if page is None or not page.isComplete() or self.nextId() == -1:
                    return False
                self.next()  # validates the page first, as the Next button does
                if self.currentId() == before:
                    return False
            return True
        finally:
            self.setUpdatesEnabled(True)

    def _mark_current_step(self, page_id: int) -> None:
        if self.verdict_strip is None:
            return
        from triage_gui.ui.widgets.verdict_strip import STEPS

        key = None
        if page_id in self._page_ids:
            key = STEPS[self._page_ids.index(page_id)]
            if key == "form":
                key = "export"
        self.verdict_strip.set_current(key)

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

    def _rescue_focus_soon(self, _page_id: int) -> None:
        self._rescue_focus()  # now, and once QWizard has shown the new page's buttons
        QTimer.singleShot(0, self, self._rescue_focus)

    def _rescue_focus(self) -> None:
        """After a page switch the focus may be left on a button QWizard hid while its frame was
        hidden (Next, on reaching the last page): it goes to the new page's first stop."""
        focus = QApplication.focusWidget()
        if focus is None or focus.isVisible() or not self.isAncestorOf(focus):
            return
        page = self.currentPage()
        if page is None:
            return
        from PySide6.QtCore import Qt  # not at import: the Qt namespace costs the first frame ~15 ms

        widget = page.nextInFocusChain()
        while widget is not None and widget is not page:
            takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
            if page.isAncestorOf(widget) and takes_tab and widget.isVisible() and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
            widget = widget.nextInFocusChain()

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
