"""Column sizing that stays cheap on big tables (the retry cohort has one row per recipient)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QVBoxLayout, QWidget

from triage_gui.ui.widgets.table_view import SIZE_SAMPLE_ROWS, fit_columns_on_reset, read_only_table


class CountingModel(QAbstractTableModel):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows
        self.calls = 0

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.rows

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.calls += 1
        if role == Qt.ItemDataRole.DisplayRole:
            return "x" * (1 + (index.row() * 7 + index.column()) % 30)
        return None

    def reset_to(self, rows: int) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


def test_a_big_table_is_measured_on_a_sample_not_on_every_layout_pass(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    view = read_only_table("Big")
    model = CountingModel(40_000)
    view.setModel(model)
    fit_columns_on_reset(view, stretch=3)
    QVBoxLayout(host).addWidget(view)
    host.resize(800, 500)
    host.show()
    qtbot.waitExposed(host)
    for width in (700, 900, 650, 1000, 820):  # layout passes, as when a page is shown
        host.resize(width, 500)
        qtbot.wait(5)
    model.reset_to(30_000)  # a new cohort: measured again, once
    qtbot.wait(20)
    header = view.horizontalHeader()
    assert header.sectionResizeMode(0) is QHeaderView.ResizeMode.Interactive
    assert header.sectionResizeMode(3) is QHeaderView.ResizeMode.Stretch
    assert header.resizeContentsPrecision() == SIZE_SAMPLE_ROWS
    assert view.columnWidth(0) > 0
    # ResizeToContents would have asked for hundreds of thousands of cells here
    assert model.calls < 20_000, model.calls
