"""The one way our tables look and take the keyboard (findings, evidence, retries, dispatches)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

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
