"""The one way our tables look and take the keyboard (findings, evidence, retries, dispatches)."""

from __future__ import annotations

from PySide6.QtCore import QMetaMethod, QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QMenu, QTableView

from triage_gui.ui.widgets.table_model import RAW_ROLE, RECIPIENT_ROLE

# Rows looked at to size a column to its contents. Qt's ResizeToContents mode measures again on
# every layout pass, and a page being shown goes through dozens: a 42k-row retry cohort took
# 1.4 s of data() calls on the GUI thread to show (336k of them, 40 passes x 8 columns x 1000
# rows). Columns are measured once per model reset instead, on this many rows.
SIZE_SAMPLE_ROWS = 50  # about two screens of rows


def read_only_table(name: str, *, row_numbers: bool = True) -> QTableView:
    """A table of whole rows that nobody types into; Tab leaves it, the arrows move inside it.

    ``name`` is what a screen reader says; without ``row_numbers`` the vertical header is hidden.
    """
    view = QTableView()
    view.setAccessibleName(name)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    if not row_numbers:
        view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    return view


def fit_columns_on_reset(view: QTableView, *, stretch: int | None = None) -> None:
    """Size the columns of ``view`` (its model set) to their contents now and after each model
    reset, from the first :data:`SIZE_SAMPLE_ROWS` rows; then they stay put (the agent may
    drag them). ``stretch``: the column that takes the remaining width."""
    header = view.horizontalHeader()
    header.setResizeContentsPrecision(SIZE_SAMPLE_ROWS)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def fit() -> None:
        model = view.model()
        for column in range(model.columnCount() if model is not None else 0):
            if column != stretch:
                view.resizeColumnToContents(column)

    view.model().modelReset.connect(fit)
    fit()


class TableMenu(QObject):
    """The context menu of a table (right click, the Menu key or Shift+F10 on its current row):
    copy the cell as shown, copy it raw (the code or value the engine wrote, where the model
    answers ``RAW_ROLE``), and find the row's recipient (where it answers ``RECIPIENT_ROLE``).

    ``find_recipient`` carries the id or number to look up; whoever owns the table connects it
    (a check page opens the recipient dialog). Without a connection the entry is not offered.
    """

    find_recipient = Signal(str)

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._requested)

    def menu_for(self, index: QModelIndex | QPersistentModelIndex) -> QMenu:
        menu = QMenu(self.view)
        menu.setAccessibleName(f"{self.view.accessibleName()} actions")
        shown = index.data() if index.isValid() else None
        raw = index.data(RAW_ROLE) if index.isValid() else None
        copy = menu.addAction("&Copy")
        copy.setEnabled(shown is not None)
        copy.triggered.connect(lambda: _copy(shown))
        copy_raw = menu.addAction("Copy &raw")
        copy_raw.setToolTip("The code or value as the engine wrote it")
        copy_raw.setEnabled(shown is not None or raw is not None)
        copy_raw.triggered.connect(lambda: _copy(raw if raw is not None else shown))
        if self.isSignalConnected(QMetaMethod.fromSignal(self.find_recipient)):
            who = index.data(RECIPIENT_ROLE) if index.isValid() else None
            find = menu.addAction("&Find this recipient…")
            find.setEnabled(bool(who))
            find.triggered.connect(lambda: self.find_recipient.emit(str(who)))
        return menu

    @Slot(QPoint)
    def _requested(self, pos: QPoint) -> None:
        # The current cell, for the mouse and the keyboard alike: a right press makes the cell
        # under it current before its menu is asked for, and the Menu key means the current one.
        index = self.view.currentIndex()
        if not index.isValid():
            index = self.view.indexAt(pos)
        if index.isValid() and self.view.indexAt(pos) != index:
            pos = self.view.visualRect(index).center()
        menu = self.menu_for(index)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()


def _copy(text: object) -> None:
    if text is not None:
        QApplication.clipboard().setText(str(text))  # setText: no QMimeData from Python (tests/ui/conftest.py)
