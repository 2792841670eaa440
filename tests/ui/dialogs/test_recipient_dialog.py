"""Find a recipient (issue #13): type a number in another format, press Enter, see every attempt;
numbers masked until shown; reachable from a check page's table rows."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from tests.domain import factories as f
from triage_gui.domain import analysis
from triage_gui.domain.case import Case
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.vocabulary import CheckId
from triage_gui.providers.connection import Connection
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.dialogs.recipient_dialog import AttemptsModel, RecipientDialog
from triage_gui.ui.pages.check_page import CheckPage

pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")

NUMBER = "+447911000001"
MASKED = "+**********01"


def incident():
    calls = [
        f.failed(1, "busy", attempt=1, at=900),
        f.failed(1, "invalid_number", attempt=2, at=600),
        f.call(2),
        f.call("rcp_dup", number=NUMBER),  # the same number under another id (a duplicate upload)
    ]
    return f.incident(f.job(counters=f.counters_for(calls)), calls)


def source(data=None):
    now = datetime(2026, 11, 25, tzinfo=UTC)
    return SimpleNamespace(
        data=data if data is not None else incident(),
        settings=AnalysisSettings(default_region="GB"),
        case=Case(created_at=now, updated_at=now),
    )


def shown_dialog(qtbot, src=None) -> RecipientDialog:
    dialog = RecipientDialog(src or source())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def column(dialog: RecipientDialog, col: int) -> list[str]:
    return [dialog.model.index(r, col).data() for r in range(dialog.model.rowCount())]


def test_a_number_typed_in_another_format_finds_every_attempt(qtbot):
    dialog = shown_dialog(qtbot)
    assert dialog.focusWidget() is dialog.query  # the field takes the typing at once
    qtbot.keyClicks(dialog.query, "07911 000001")
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter searched; it did not close the dialog
    assert column(dialog, AttemptsModel.RECIPIENT) == ["rcp_00001", "rcp_00001", "rcp_dup"]
    assert column(dialog, AttemptsModel.CODE) == ["busy", "invalid_number", "—"]
    assert column(dialog, AttemptsModel.SIP) == ["486", "404", "—"]
    assert column(dialog, AttemptsModel.CLASS) == ["transient", "permanent", "—"]
    assert all(t.endswith("UTC") for t in column(dialog, AttemptsModel.QUEUED))
    assert column(dialog, AttemptsModel.RETRY) == ["", "No retry queued", "Reached; no retry queued"]
    assert column(dialog, AttemptsModel.NUMBER) == [MASKED] * 3
    assert "2 recipients" in dialog.status.text() and NUMBER not in dialog.status.text()


def test_show_numbers_is_a_deliberate_toggle(qtbot):
    dialog = shown_dialog(qtbot)
    qtbot.keyClicks(dialog.query, "rcp_00001")
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert column(dialog, AttemptsModel.NUMBER) == [MASKED, MASKED]
    assert not dialog.numbers_button.isChecked()
    assert dialog.numbers_button.accessibleName() == "Show phone numbers"
    qtbot.mouseClick(dialog.numbers_button, Qt.MouseButton.LeftButton)
    assert column(dialog, AttemptsModel.NUMBER) == [NUMBER, NUMBER]
    qtbot.mouseClick(dialog.numbers_button, Qt.MouseButton.LeftButton)
    assert column(dialog, AttemptsModel.NUMBER) == [MASKED, MASKED]
    # never saved: a new dialog starts masked
    assert not shown_dialog(qtbot).numbers_button.isChecked()


def test_a_number_from_a_masked_row_stays_masked_in_the_field(qtbot):
    dialog = shown_dialog(qtbot)
    dialog.look_up(NUMBER)
    assert dialog.query.text() == MASKED
    assert len(column(dialog, AttemptsModel.RECIPIENT)) == 3
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)  # searching again searches the number, not the mask
    assert len(column(dialog, AttemptsModel.RECIPIENT)) == 3
    qtbot.mouseClick(dialog.numbers_button, Qt.MouseButton.LeftButton)
    assert dialog.query.text() == NUMBER


def test_nothing_found_and_no_case(qtbot):
    dialog = shown_dialog(qtbot)
    qtbot.keyClicks(dialog.query, "nobody")
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.model.rowCount() == 0 and "not a number" in dialog.status.text()
    empty = shown_dialog(qtbot, SimpleNamespace(**{**vars(source()), "data": None}))
    empty.look_up("rcp_00001")
    assert empty.status.text().startswith("No job is loaded")


def test_the_model_passes_the_model_tester(qtmodeltester, qtbot):
    dialog = shown_dialog(qtbot)
    dialog.look_up("rcp_00001")
    qtmodeltester.check(dialog.model)


def test_a_check_page_row_opens_the_lookup_on_the_open_case(qtbot):
    """The page's "Find this recipient" reads the case through the controller (``data``,
    ``settings``, ``case.retries``)."""
    controller = CaseController(Connection(base_url="http://127.0.0.1:9", token="t"), AnalysisSettings())
    try:
        data = incident()
        controller.data = data  # as a load leaves it
        page = CheckPage(controller, CheckId.DUPLICATES)
        qtbot.addWidget(page)
        page.show()
        qtbot.waitExposed(page)
        page._on_report(analysis.analyse(data))
        dialog = page.find_recipient("rcp_00002")
        assert dialog.isVisible()
        assert column(dialog, AttemptsModel.RECIPIENT) == ["rcp_00002"]
        assert page.find_recipient() is dialog  # one per page
        # and from a row of the findings view's tables, through its context menu
        page.findings.find_recipient_requested.emit("rcp_dup")
        assert column(dialog, AttemptsModel.RECIPIENT) == ["rcp_dup"]
        dialog.close()
    finally:
        controller.stop()


def test_the_dialogs_own_rows_offer_copy_raw(qtbot):
    dialog = shown_dialog(qtbot)
    dialog.look_up("rcp_00001")
    rect = dialog.table.visualRect(dialog.model.index(0, AttemptsModel.STATUS))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.RightButton, pos=rect.center())
    QTimer.singleShot(0, lambda: qtbot.keyClick(QApplication.activePopupWidget(), "r"))
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, rect.center(), dialog.table.viewport().mapToGlobal(QPoint(rect.center()))
    )
    QApplication.sendEvent(dialog.table.viewport(), event)
    assert QApplication.clipboard().text() == "failed"
