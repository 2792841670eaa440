"""Item models for a finding's evidence: its rows (``EvidenceTable``) and its key/values."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from triage_gui.domain.findings import EvidenceTable
from triage_gui.ui.widgets.sorting import value_sort_key

_Index = QModelIndex | QPersistentModelIndex
_NUMBER_ALIGN = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_TEXT_ALIGN = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_MAX_CELL_CHARS = 200  # a huge nested value stays readable; the tooltip holds all of it


def display_value(value: Any) -> str:
    """How one evidence value reads in a cell: nested values as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, (dict, list, tuple)):
        return compact_json(value)
    return str(value)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell_text(value: Any) -> str:
    text = display_value(value)
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


class EvidenceTableModel(QAbstractTableModel):
    """The rows behind a finding; the vertical header numbers rows as they came (1-based)."""

    def __init__(self, table: EvidenceTable | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._rows: list[list[Any]] = []
        self._total: int = 0
        if table is not None:
            self.set_table(table)

    def set_table(self, table: EvidenceTable | None) -> None:
        self.beginResetModel()
        if table is None:
            self._columns, self._rows, self._total = [], [], 0
        else:
            self._columns = list(table.columns)
            width = len(self._columns)
            # rows shorter or longer than the header are padded / cut, never a crash
            self._rows = [(list(r) + [None] * width)[:width] for r in table.rows]
            self._total = max(table.total_rows or 0, len(self._rows))
        self.endResetModel()

    @property
    def shown_rows(self) -> int:
        return len(self._rows)

    @property
    def total_rows(self) -> int:
        return self._total

    @property
    def truncated(self) -> bool:
        return self._total > len(self._rows)

    def value(self, row: int, column: int) -> Any:
        return self._rows[row][column]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = display_value(value)
            return text if len(text) > 30 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_NUMBER_ALIGN if _is_number(value) else _TEXT_ALIGN)
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(section + 1)

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        return value_sort_key(self._rows[row][column])


class KeyValueModel(QAbstractTableModel):
    """A dict as two columns (key, value); nested values are shown as compact JSON."""

    HEADERS = ("Evidence", "Value")

    def __init__(self, values: dict[str, Any] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[tuple[str, Any]] = []
        if values:
            self.set_values(values)

    def set_values(self, values: dict[str, Any] | None) -> None:
        self.beginResetModel()
        self._items = [(str(k), v) for k, v in (values or {}).items()]
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else 2

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key, value = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return key if index.column() == 0 else _cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return display_value(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_TEXT_ALIGN)  # beside its key, a number reads best close to it
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < 2 else None
        return str(section + 1)

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        key, value = self._items[row]
        return value_sort_key(key if column == 0 else value)
