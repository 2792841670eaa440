"""The one way our tables look and take the keyboard (findings, evidence, retries, dispatches)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


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
