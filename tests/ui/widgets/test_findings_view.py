from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from triage_gui.domain.findings import EvidenceTable, Finding
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.evidence_table import EvidenceTableModel, KeyValueModel
from triage_gui.ui.widgets.findings_view import FindingsModel, FindingsView
from triage_gui.ui.widgets.sorting import KeySortProxy
from triage_gui.ui.widgets.table_model import RAW_ROLE


def sample_findings() -> list[Finding]:
    return [
        Finding(id="a_pass", verdict=Verdict.PASS, summary="Counters moved.", evidence={"processed": 10}),
        Finding(id="b_unknown", verdict=Verdict.UNKNOWN, summary="No events were readable."),
        Finding(
            id="c_fail",
            verdict=Verdict.FAIL,
            summary="No dispatch for 42 min.",
            evidence={"waiting_for_permit": 600, "permits": {"in_use": 10, "limit": 10}},
            table=EvidenceTable(
                columns=["recipient", "attempts"], rows=[["r_9", 9], ["r_10", 10], ["r_100", 100]], total_rows=250
            ),
        ),
        Finding(
            id="d_warn",
            verdict=Verdict.WARN,
            summary="Upload has 20 more rows.",
            table=EvidenceTable(columns=["row", "number"], rows=[[2, "+44"]]),
        ),
    ]


def column(view, model_column: int) -> list[str]:
    proxy = view.model()
    return [proxy.index(r, model_column).data() for r in range(proxy.rowCount())]


def test_models_pass_the_model_tester(qtmodeltester):
    findings = FindingsModel()
    findings.set_findings(sample_findings())
    qtmodeltester.check(findings)
    rows = EvidenceTableModel(sample_findings()[2].table)
    qtmodeltester.check(rows)
    kv = KeyValueModel({"a": 1, "nested": {"x": [1, 2]}, "none": None})
    qtmodeltester.check(kv)
    qtmodeltester.check(EvidenceTableModel())


def test_findings_model_shows_icon_and_word(qapp):
    model = FindingsModel()
    model.set_findings(sample_findings())
    index = model.index(2, FindingsModel.VERDICT)
    assert index.data() == "FAIL"
    assert not index.data(Qt.ItemDataRole.DecorationRole).isNull()
    # the id reads as words (issue #13); the code is the tooltip and what "Copy raw" copies
    assert model.index(2, FindingsModel.FINDING).data() == "C fail"
    assert "c_fail" in model.index(2, FindingsModel.FINDING).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(2, FindingsModel.FINDING).data(RAW_ROLE) == "c_fail"
    assert model.index(2, FindingsModel.SUMMARY).data() == "No dispatch for 42 min."
    assert model.finding(3).id == "d_warn"


def test_view_sorts_worst_first_and_selects_the_first_row(qtbot):
    view = FindingsView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.finding_selected) as selected:
        view.set_findings(sample_findings())
    assert column(view.table, FindingsModel.VERDICT) == ["FAIL", "WARN", "UNKNOWN", "PASS"]
    assert selected.args[0].id == "c_fail"
    assert view.selected_finding().id == "c_fail"
    # the detail pane shows its evidence and its rows, with the truncation said
    assert "C fail" in view.detail_title.text() and "c_fail" not in view.detail_title.text()
    assert "c_fail" in view.detail_title.toolTip()
    assert view.evidence_model.rowCount() == 2
    assert view.evidence_model.index(0, 0).data() == "Waiting for a permit"
    assert view.evidence_model.index(1, 1).data() == "In use: 10; Limit: 10"
    assert view.evidence_model.index(1, 1).data(RAW_ROLE) == '{"in_use":10,"limit":10}'
    assert view.rows_model.rowCount() == 3
    assert "showing 3 of 250 rows" in view.rows_label.text()
    assert not view.rows.isHidden()


def test_header_click_sorts_by_severity_both_ways(qtbot):
    view = FindingsView()
    qtbot.addWidget(view)
    view.set_findings(sample_findings())
    view.table.sortByColumn(FindingsModel.VERDICT, Qt.SortOrder.AscendingOrder)
    assert column(view.table, FindingsModel.VERDICT) == ["PASS", "UNKNOWN", "WARN", "FAIL"]
    view.table.sortByColumn(FindingsModel.FINDING, Qt.SortOrder.AscendingOrder)
    assert column(view.table, FindingsModel.FINDING) == ["A pass", "B unknown", "C fail", "D warn"]


def test_keyboard_moves_the_selection_and_updates_the_detail(qtbot):
    view = FindingsView()
    qtbot.addWidget(view)
    view.set_findings(sample_findings())
    view.show()
    qtbot.waitExposed(view)
    view.table.setFocus()
    with qtbot.waitSignal(view.finding_selected) as selected:
        qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert selected.args[0].id == "d_warn"
    assert "showing" not in view.rows_label.text()
    assert view.rows_label.text().endswith("1 row")
    with qtbot.waitSignal(view.finding_selected) as selected:
        qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert selected.args[0].id == "b_unknown"
    assert view.rows.isHidden() and view.evidence.isHidden()


def test_no_findings_says_so(qtbot):
    view = FindingsView()
    qtbot.addWidget(view)
    view.set_findings(sample_findings())
    view.set_findings([])
    assert view.selected_finding() is None
    assert view.detail_title.text() == "No findings."
    assert view.rows.isHidden()


def test_evidence_rows_sort_numbers_numerically_and_keep_row_numbers(qapp):
    model = EvidenceTableModel(
        EvidenceTable(columns=["n", "name"], rows=[[9, "b"], [100, "A"], [10, None], [2.5, "c"]])
    )
    proxy = KeySortProxy()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(4)] == ["2.5", "9", "10", "100"]
    # the row number travels with its row
    assert [proxy.headerData(r, Qt.Orientation.Vertical) for r in range(4)] == ["4", "1", "3", "2"]
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 1).data() for r in range(4)] == ["A", "b", "c", "—"]
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight.value
    assert not model.truncated


def test_ragged_rows_do_not_crash(qapp):
    model = EvidenceTableModel(EvidenceTable(columns=["a", "b"], rows=[[1], [1, 2, 3]]))
    assert model.index(0, 1).data() == "—"
    assert model.columnCount() == 2
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.rowCount(QModelIndex()) == 2


def test_a_refresh_keeps_the_agents_selected_finding(qtbot):
    view = FindingsView()
    qtbot.addWidget(view)
    findings = sample_findings()
    view.set_findings(findings)
    first = view.selected_finding()
    other = next(f for f in findings if f.id != first.id)
    row = next(r for r, f in enumerate(view.findings_in_view_order()) if f.id == other.id)
    view.table.selectRow(row)
    assert view.selected_finding().id == other.id
    refreshed = [f.model_copy(update={"summary": f.summary + " (later)"}) for f in findings]
    view.set_findings(refreshed)  # a live poll brings the same findings with new numbers
    assert view.selected_finding().id == other.id
    assert view.selected_finding().summary.endswith("(later)")
    view.set_findings([f for f in refreshed if f.id != other.id])  # gone: back to the first
    assert view.selected_finding().id == view.findings_in_view_order()[0].id
