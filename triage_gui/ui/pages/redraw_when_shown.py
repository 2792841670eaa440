"""A page redraws for each new report only while it is on screen.

Every poll brings a new report; redrawing the pages nobody looks at stalled the GUI thread on
large jobs. A hidden page is marked stale and redrawn once, when it is next shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtWidgets import QWidget

from triage_gui.domain.report import Report
from triage_gui.ui.case.controller import CaseController


class RedrawWhenShown(QObject):
    def __init__(self, page: QWidget, controller: CaseController, render: Callable[[Report], None]) -> None:
        super().__init__(page)
        self._page = page
        self._controller = controller
        self._render = render
        self.stale = False
        controller.report_changed.connect(self.report_arrived)
        page.installEventFilter(self)

    @Slot(object)
    def report_arrived(self, report: Report) -> None:
        if self._page.isVisible():
            self.stale = False
            self._render(report)
        else:
            self.stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.stale and self._controller.report is not None:
            self.stale = False
            self._render(self._controller.report)
        return False
