"""Item models for a finding's evidence: its rows (``EvidenceTable``) and its key/values."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt

from triage_gui.domain.findings import EvidenceTable
from triage_gui.ui.widgets.sorting import value_sort_key
from triage_gui.ui.widgets.table_model import LEFT_ALIGN, RIGHT_ALIGN, RowTableModel

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


class EvidenceTableModel(RowTableModel[list[Any]]):
    """The rows behind a finding; the vertical header numbers rows as they came (1-based)."""

    def __init__(self, table: EvidenceTable | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._total: int = 0
        if table is not None:
            self.set_table(table)

    def set_table(self, table: EvidenceTable | None) -> None:
        with self.resetting():
            if table is None:
                self._columns, self._rows, self._total = [], [], 0
            else:
                self._columns = list(table.columns)
                width = len(self._columns)
                # rows shorter or longer than the header are padded / cut, never a crash
                self._rows = [(list(r) + [None] * width)[:width] for r in table.rows]
                self._total = max(table.total_rows or 0, len(self._rows))

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

    def headers(self) -> list[str]:
        return self._columns

    def cell(self, item: list[Any], row: int, column: int, role: int) -> Any:
        value = item[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = display_value(value)
            return text if len(text) > 30 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT_ALIGN if _is_number(value) else LEFT_ALIGN
        return None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        return value_sort_key(self._rows[row][column])


class KeyValueModel(RowTableModel[tuple[str, Any]]):
    """A dict as two columns (key, value); nested values are shown as compact JSON."""

    HEADERS = ("Evidence", "Value")

    def __init__(self, values: dict[str, Any] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        if values:
            self.set_values(values)

    def set_values(self, values: dict[str, Any] | None) -> None:
        self.set_rows((str(k), v) for k, v in (values or {}).items())

    def cell(self, item: tuple[str, Any], row: int, column: int, role: int) -> Any:
        key, value = item
        if role == Qt.ItemDataRole.DisplayRole:
            return key if column == 0 else _cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return display_value(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT_ALIGN  # beside its key, a number reads best close to it
        return None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        key, value = self._rows[row]
        return value_sort_key(key if column == 0 else value)
