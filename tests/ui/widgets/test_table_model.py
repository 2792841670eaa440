"""The shared read-only row model and table view, and the retry cohort's model and edit logic."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan
from triage_gui.domain.retry_cohort import propose_cohort
from triage_gui.ui.widgets.cohort_model import CohortModel, apply_edit, deselect_choices, replay_edits
from triage_gui.ui.widgets.table_model import RIGHT_ALIGN, RowTableModel
from triage_gui.ui.widgets.table_view import read_only_table


class Pairs(RowTableModel[tuple[str, int]]):
    HEADERS = ("Name", "Count")
    RIGHT_ALIGNED = frozenset({1})
    COLUMN_TIPS = {0: "who"}

    def texts(self, item: tuple[str, int], row: int) -> tuple[str, str]:
        return item[0], str(item[1])


def test_a_row_model_answers_texts_alignment_tips_and_headers(qtmodeltester):
    model = Pairs()
    model.set_rows([("b", 10), ("A", 9)])
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    assert model.index(0, 1).data() == "10"
    assert model.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole) == "10"
    assert model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) == RIGHT_ALIGN
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "who"
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Count"
    assert model.headerData(2, Qt.Orientation.Horizontal) is None
    assert model.headerData(1, Qt.Orientation.Vertical) == "2"
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(QModelIndex()) is None
    assert model.row_at(1) == ("A", 9)
    # by default a column sorts by what it reads, case-blind
    assert model.sort_key(0, 0) > model.sort_key(1, 0)


def test_rows_replaced_are_one_reset(qtbot):
    model = Pairs()
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_rows([("x", 1)])
    assert model.rowCount() == 1
    model.NUMBERED_ROWS = False
    assert model.headerData(0, Qt.Orientation.Vertical) is None


class CountedPairs(Pairs):
    """Counts how often a row's texts are made, and reads a suffix that can change."""

    def __init__(self) -> None:
        super().__init__()
        self.made = 0
        self.suffix = ""

    def texts(self, item: tuple[str, int], row: int) -> tuple[str, str]:
        self.made += 1
        return item[0] + self.suffix, str(item[1])

    def set_suffix(self, suffix: str) -> None:
        self.suffix = suffix
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 1))


def test_a_rows_texts_are_made_once_while_qt_asks_the_same_row(qtbot):
    model = CountedPairs()
    model.set_rows([("a", 1), ("b", 2)])
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    for column in (0, 1):
        for role in roles:
            model.index(0, column).data(role)
    assert model.made == 1  # one row, two columns, two roles: made once
    assert model.index(1, 0).data() == "b"
    assert model.made == 2
    # any change is seen at once: a dataChanged, a reset
    model.set_suffix("!")
    assert model.index(1, 0).data() == "b!"
    model.set_rows([("b", 2)])  # an equal row, another object: made again
    model.suffix = "?"
    model.set_rows([("b", 2)])
    assert model.index(0, 0).data() == "b?"


def test_read_only_table_takes_whole_rows_and_lets_tab_leave(qtbot):
    view = read_only_table("Things", row_numbers=False)
    qtbot.addWidget(view)
    assert view.accessibleName() == "Things"
    assert view.selectionBehavior() is QAbstractItemView.SelectionBehavior.SelectRows
    assert view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not view.tabKeyNavigation() and not view.wordWrap()
    assert view.verticalHeader().isHidden()
    numbered = read_only_table("Numbered")
    qtbot.addWidget(numbered)
    assert not numbered.verticalHeader().isHidden()


def retry_plan() -> RetryPlan:
    def candidate(rid: str, code: str | None, cls: FailureClass | None, included: bool = True) -> RetryCandidate:
        return RetryCandidate(
            recipient_id=rid,
            included=included,
            reason="transient failure" if included else "invalid_number",
            e164=f"+4479460001{rid[-2:]}",
            last_failure_code=code,
            failure_class=cls,
            attempts=1,
        )

    candidates = [
        candidate("r_01", "provider_timeout", FailureClass.TRANSIENT),
        candidate("r_02", "provider_timeout", FailureClass.TRANSIENT),
        candidate("r_03", "temporarily_unavailable", FailureClass.TRANSIENT),
        candidate("r_04", "invalid_number", FailureClass.PERMANENT, included=False),
    ]
    return RetryPlan(
        recipient_ids=["r_01", "r_02", "r_03"],
        sample_ids=["r_01", "r_02", "r_03"],
        excluded={"invalid_number": 1},
        candidates=candidates,
    )


def test_deselect_choices_count_the_selected_by_code_then_class():
    cohort = propose_cohort(retry_plan(), "ws", "job")
    assert deselect_choices(cohort) == [
        ("code provider_timeout (2 selected)", "code:provider_timeout"),
        ("code temporarily_unavailable (1 selected)", "code:temporarily_unavailable"),
        ("class transient (3 selected)", "class:transient"),
    ]
    assert deselect_choices(apply_edit(cohort, ("class", "transient"))) == []


def test_edits_replay_on_a_new_proposal_in_order():
    plan = retry_plan()
    edits = [("code", "provider_timeout"), ("in", "r_02")]
    cohort = replay_edits(propose_cohort(plan, "ws", "job"), edits)
    assert cohort.recipient_ids == ["r_02", "r_03"]
    assert replay_edits(cohort, []) is cohort


def test_cohort_model_groups_checks_and_updates_in_place(qtbot, qtmodeltester):
    plan = retry_plan()
    model = CohortModel()
    cohort = propose_cohort(plan, "ws", "job")
    model.set_cohort(cohort, plan)
    qtmodeltester.check(model)
    assert [model.member(r).recipient_id for r in range(model.rowCount())] == ["r_01", "r_02", "r_03", "r_04"]
    assert model.index(3, CohortModel.GROUP).data() == "excluded"
    assert model.index(3, CohortModel.REASON).data() == "invalid number"  # a plan key in words
    assert model.index(0, CohortModel.NUMBER).data() == "+**********01"
    assert model.index(0, CohortModel.ATTEMPTS).data(Qt.ItemDataRole.TextAlignmentRole) is not None
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    index = model.index(0, CohortModel.RECIPIENT)
    assert model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    with qtbot.waitSignal(model.edited) as edited:
        assert model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert edited.args == ["r_01", False]
    # the same rows again: a data change, not a reset (the view keeps its selection)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.set_cohort(apply_edit(cohort, ("out", "r_01")), plan)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
