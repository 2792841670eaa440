"""Findings in plain words, numbers masked with a deliberate reveal, the codes one step away
(issue #13), driven by clicks and the context menu as an agent would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QTableView

from triage_gui.domain.findings import EvidenceTable, Finding
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.evidence_table import EvidenceTableModel, KeyValueModel
from triage_gui.ui.widgets.findings_view import FindingsView

NUMBER = "+447911000001"
# what the offscreen platform says when a menu pops up
pytestmark = pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")


def findings() -> list[Finding]:
    return [
        Finding(
            id="stalled",
            verdict=Verdict.FAIL,
            summary="No dispatch for 12 min.",
            evidence={"idle_s": 750, "threshold_s": 600.0, "work_left": 12_345, "brand_new_key": 3},
            table=EvidenceTable(columns=["recipient_id", "attempts"], rows=[["rcp_00001", 2]]),
        ),
        Finding(
            id="upload_duplicates",
            verdict=Verdict.WARN,
            summary=f"The number {NUMBER} is in the upload twice.",
            evidence={"duplicate_groups": 1},
            table=EvidenceTable(columns=["e164", "rows", "row numbers"], rows=[[NUMBER, 2, "2, 7"]]),
        ),
    ]


def shown_view(qtbot) -> FindingsView:
    view = FindingsView()
    qtbot.addWidget(view)
    view.set_findings(findings())
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def select(qtbot, view: FindingsView, finding_id: str) -> None:
    row = next(r for r, f in enumerate(view.findings_in_view_order()) if f.id == finding_id)
    rect = view.table.visualRect(view.proxy.index(row, 1))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_finding().id == finding_id


def context_menu_pick(qtbot, table: QTableView, row: int, column: int, key: str) -> None:
    """Right-click a cell and press ``key`` in the menu that opens. (The right press makes the cell
    current; the context-menu event that a platform sends after it is sent here by hand.)"""
    rect = table.visualRect(table.model().index(row, column))
    assert rect.isValid()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.RightButton, pos=rect.center())

    opened = []

    def press() -> None:
        menu = QApplication.activePopupWidget()
        opened.append(menu)
        if menu is not None:
            qtbot.keyClick(menu, key)

    QTimer.singleShot(0, press)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, rect.center(), table.viewport().mapToGlobal(rect.center())
    )
    QApplication.sendEvent(table.viewport(), event)
    assert opened and opened[0] is not None, "no context menu opened"


def test_evidence_reads_in_words_with_units_and_the_code_in_the_tooltip(qtbot):
    view = shown_view(qtbot)
    select(qtbot, view, "stalled")
    words = {
        view.evidence_proxy.index(r, 0).data(): view.evidence_proxy.index(r, 1).data()
        for r in range(view.evidence_proxy.rowCount())
    }
    assert words == {"Idle for": "12 min 30 s", "Threshold": "10 min", "Work left": "12,345", "Brand new key": "3"}
    assert "idle_s" in view.evidence_proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert view.table.model().index(0, 1).data() == "Dispatch stalled"
    assert "stalled" in view.detail_title.toolTip()
    # the rows' headers read as words too, with the raw column name as their tooltip
    assert view.rows_proxy.headerData(0, Qt.Orientation.Horizontal) == "Recipient"
    assert view.rows_proxy.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "recipient_id"


def test_copy_raw_from_the_context_menu_copies_the_code(qtbot):
    view = shown_view(qtbot)
    select(qtbot, view, "stalled")
    row = next(r for r in range(view.evidence_proxy.rowCount()) if view.evidence_proxy.index(r, 0).data() == "Idle for")
    context_menu_pick(qtbot, view.evidence, row, 0, "r")  # Copy &raw
    assert QApplication.clipboard().text() == "idle_s"
    context_menu_pick(qtbot, view.evidence, row, 1, "r")
    assert QApplication.clipboard().text() == "750"
    context_menu_pick(qtbot, view.evidence, row, 1, "c")  # &Copy: as shown
    assert QApplication.clipboard().text() == "12 min 30 s"
    context_menu_pick(qtbot, view.table, 0, 1, "r")  # the findings table: the finding's id
    assert QApplication.clipboard().text() == view.findings_in_view_order()[0].id


def test_numbers_are_masked_until_the_agent_shows_them(qtbot):
    view = shown_view(qtbot)
    select(qtbot, view, "upload_duplicates")
    masked = "+**********01"
    assert not view.numbers_button.isChecked()
    assert view.numbers_button.accessibleName() == "Show phone numbers"
    assert view.rows_proxy.index(0, 0).data() == masked
    assert NUMBER not in view.detail_title.text() and masked in view.detail_title.text()
    summary = view.proxy.index(view.table.currentIndex().row(), 2).data()
    assert NUMBER not in summary
    # neither the tooltip nor Copy raw gives the hidden number away
    assert NUMBER not in (view.rows_proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) or "")
    context_menu_pick(qtbot, view.rows, 0, 0, "r")
    assert QApplication.clipboard().text() == masked

    qtbot.mouseClick(view.numbers_button, Qt.MouseButton.LeftButton)
    assert view.numbers_shown
    assert view.rows_proxy.index(0, 0).data() == NUMBER
    assert NUMBER in view.detail_title.text()
    context_menu_pick(qtbot, view.rows, 0, 0, "r")
    assert QApplication.clipboard().text() == NUMBER

    qtbot.mouseClick(view.numbers_button, Qt.MouseButton.LeftButton)
    assert view.rows_proxy.index(0, 0).data() == masked


def test_find_this_recipient_from_a_row(qtbot):
    view = shown_view(qtbot)
    select(qtbot, view, "stalled")
    with qtbot.waitSignal(view.find_recipient_requested) as asked:
        context_menu_pick(qtbot, view.rows, 0, 1, "f")  # &Find this recipient…
    assert asked.args == ["rcp_00001"]
    select(qtbot, view, "upload_duplicates")
    with qtbot.waitSignal(view.find_recipient_requested) as asked:
        context_menu_pick(qtbot, view.rows, 0, 1, "f")
    assert asked.args == [NUMBER]  # the number itself; the dialog masks it in its field


def test_the_keyboards_context_menu_acts_on_the_current_cell(qtbot):
    view = shown_view(qtbot)
    select(qtbot, view, "stalled")
    view.evidence.setFocus()
    qtbot.keyClick(view.evidence, Qt.Key.Key_Down)  # onto the first row
    qtbot.keyClick(view.evidence, Qt.Key.Key_Down)  # and the second
    current = view.evidence.currentIndex()
    assert current.row() == 1
    opened = []

    def press() -> None:
        menu = QApplication.activePopupWidget()
        opened.append(menu)
        if menu is not None:
            qtbot.keyClick(menu, "r")

    QTimer.singleShot(0, press)
    # the Menu key: the platform sends the focused table a keyboard context-menu event
    pos = QPoint(5, 5)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, pos, view.evidence.mapToGlobal(pos))
    QApplication.sendEvent(view.evidence, event)
    assert opened and opened[0] is not None
    assert QApplication.clipboard().text() == view.evidence_model.key(view.evidence_proxy.mapToSource(current).row())


def test_the_models_pass_the_model_tester(qtmodeltester):
    table = EvidenceTableModel(findings()[1].table, finding_id="upload_duplicates")
    qtmodeltester.check(table)
    table.set_numbers_shown(True)
    qtmodeltester.check(table)
    qtmodeltester.check(KeyValueModel({"from_number": NUMBER, "idle_s": 5}))
