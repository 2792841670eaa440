"""A read-only table over a list of Python objects: one object a row, one header a column.

The tables of the app (findings, evidence, retry candidates, the cohort, the first dispatches)
differ only in how a row reads; the Qt plumbing (counts, index checks, headers, a reset) lives
here once. A model answers :meth:`RowTableModel.texts` (what each column reads, for the eye and
for screen readers alike) or overrides :meth:`RowTableModel.cell` for roles beyond that, and
``sort_key`` where the display text does not sort right (see ``sorting.KeySortProxy``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from triage_gui.ui.widgets.sorting import value_sort_key

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")

# Roles every table of the app may answer beyond Qt's: the cell as the engine wrote it (a code,
# an ISO time; "Copy raw" copies it), and the recipient a row is about (an id or a number, for
# "Find this recipient"; any column of the row answers the same).
RAW_ROLE = int(Qt.ItemDataRole.UserRole) + 1
RECIPIENT_ROLE = int(Qt.ItemDataRole.UserRole) + 2

RIGHT_ALIGN = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT_ALIGN = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    HEADERS: ClassVar[tuple[str, ...]] = ()
    RIGHT_ALIGNED: ClassVar[frozenset[int]] = frozenset()  # columns of numbers
    COLUMN_TIPS: ClassVar[Mapping[int, str]] = {}  # one fixed tooltip for a whole column
    # the vertical header numbers rows from 1; views that hide it may answer nothing instead
    NUMBERED_ROWS: ClassVar[bool] = True

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []
        # The last row's texts: Qt asks a cell for several roles, and a row for each column,
        # in a row (sizing a column asks ~8 roles of 50 rows); texts() makes the whole row.
        self._memo: tuple[object, int, Sequence[str]] | None = None
        self.dataChanged.connect(self._forget_texts)
        self.modelReset.connect(self._forget_texts)
        self.layoutChanged.connect(self._forget_texts)

    # -- what a model says ---------------------------------------------------------------
    def headers(self) -> Sequence[str]:
        return self.HEADERS

    def texts(self, item: RowT, row: int) -> Sequence[str]:
        """The row as it reads, one text per column."""
        raise NotImplementedError

    def cell(self, item: RowT, row: int, column: int, role: int) -> Any:
        """One role of one cell (the index is known to be in range)."""
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.row_texts(item, row)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.RIGHT_ALIGNED:
            return RIGHT_ALIGN
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.COLUMN_TIPS.get(column)
        return None

    def row_texts(self, item: RowT, row: int) -> Sequence[str]:
        """:meth:`texts`, made once while Qt asks the same row again (forgotten on any change)."""
        memo = self._memo
        if memo is not None and memo[0] is item and memo[1] == row:
            return memo[2]
        texts = self.texts(item, row)
        self._memo = (item, row, texts)
        return texts

    def _forget_texts(self, *_args: object) -> None:
        self._memo = None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        return value_sort_key(self.data(self.index(row, column)))

    def header_tip(self, section: int) -> str | None:
        """The tooltip of a column's header (e.g. the raw name behind a worded one)."""
        return None

    # -- rows ----------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[RowT]) -> None:
        with self.resetting():
            self._rows = list(rows)

    @contextmanager
    def resetting(self) -> Iterator[None]:
        """Everything changed inside the block is one model reset."""
        self.beginResetModel()
        try:
            yield
        finally:
            self._memo = None
            self.endResetModel()

    def row_at(self, row: int) -> RowT:
        return self._rows[row]

    # -- Qt ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or not (0 <= row < len(self._rows) and 0 <= column < len(self.headers())):
            return None
        return self.cell(self._rows[row], row, column, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return self.header_tip(section)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            headers = self.headers()
            return headers[section] if 0 <= section < len(headers) else None
        return str(section + 1) if self.NUMBERED_ROWS else None
