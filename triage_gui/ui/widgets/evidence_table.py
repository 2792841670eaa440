"""Item models for a finding's evidence: its rows (``EvidenceTable``) and its key/values.

Both read in plain words (``domain/evidence_words.py``): "Idle for: 20 min", not "idle_s: 1200";
the raw key or value is the tooltip and ``RAW_ROLE`` ("Copy raw"). Phone numbers are masked until
the agent shows them (:meth:`set_numbers_shown`, never saved).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from triage_gui.domain.evidence_words import (
    label,
    phone_columns,
    phone_keys,
    raw_text,
    recipient_query,
    value_text,
)
from triage_gui.domain.findings import EvidenceTable
from triage_gui.domain.phone_display import masked
from triage_gui.ui.widgets.sorting import value_sort_key
from triage_gui.ui.widgets.table_model import LEFT_ALIGN, RAW_ROLE, RECIPIENT_ROLE, RIGHT_ALIGN, RowTableModel

_MAX_CELL_CHARS = 200  # a huge nested value stays readable; the tooltip holds all of it


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


class _MaskingModel(RowTableModel[Any]):
    """A model whose phone numbers show masked until :meth:`set_numbers_shown`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._numbers_shown = False

    @property
    def numbers_shown(self) -> bool:
        return self._numbers_shown

    def set_numbers_shown(self, shown: bool) -> None:
        if shown == self._numbers_shown:
            return
        self._numbers_shown = shown
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.columnCount() - 1))

    def _raw(self, value: Any, phone: bool) -> str:
        """The value as written; a number stays masked while numbers are hidden."""
        if phone and not self._numbers_shown and value not in (None, ""):
            return masked(value)
        return raw_text(value)


class EvidenceTableModel(_MaskingModel):
    """The rows behind a finding; the vertical header numbers rows as they came (1-based)."""

    def __init__(self, table: EvidenceTable | None = None, parent: Any = None, *, finding_id: str = "") -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._headers: list[str] = []  # the columns in words, worded once per table (Qt asks per cell)
        self._phones: frozenset[int] = frozenset()
        self._total: int = 0
        if table is not None:
            self.set_table(table, finding_id=finding_id)

    def set_table(self, table: EvidenceTable | None, *, finding_id: str = "") -> None:
        with self.resetting():
            if table is None:
                self._columns, self._headers, self._rows, self._total = [], [], [], 0
                self._phones = frozenset()
            else:
                self._columns = list(table.columns)
                self._headers = [label(c) for c in self._columns]
                width = len(self._columns)
                # rows shorter or longer than the header are padded / cut, never a crash
                self._rows = [(list(r) + [None] * width)[:width] for r in table.rows]
                self._total = max(table.total_rows or 0, len(self._rows))
                self._phones = phone_columns(finding_id, self._columns)

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
        return self._headers

    def header_tip(self, section: int) -> str | None:
        return self._columns[section] if 0 <= section < len(self._columns) else None

    def cell(self, item: list[Any], row: int, column: int, role: int) -> Any:
        value = item[column]
        phone = column in self._phones
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _cut(value_text(self._columns[column], value, mask=not self._numbers_shown, phone=phone))
        if role == Qt.ItemDataRole.ToolTipRole:
            shown = value_text(self._columns[column], value, mask=not self._numbers_shown, phone=phone)
            raw = self._raw(value, phone)
            if raw != shown and value is not None:
                return f"{shown}\n{raw}" if len(shown) <= _MAX_CELL_CHARS else raw
            return shown if len(shown) > 30 else None
        if role == RAW_ROLE:
            return self._raw(value, phone)
        if role == RECIPIENT_ROLE:
            return recipient_query(self._columns, item, self._phones)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT_ALIGN if _is_number(value) else LEFT_ALIGN
        return None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        return value_sort_key(self._rows[row][column])


class KeyValueModel(_MaskingModel):
    """A finding's evidence as two columns: what (in words) and its value (with its unit)."""

    HEADERS = ("Evidence", "Value")

    def __init__(self, values: dict[str, Any] | None = None, parent: Any = None, *, finding_id: str = "") -> None:
        super().__init__(parent)
        self._phones: frozenset[str] = frozenset()
        if values:
            self.set_values(values, finding_id=finding_id)

    def set_values(self, values: dict[str, Any] | None, *, finding_id: str = "") -> None:
        values = values or {}
        self._phones = phone_keys(finding_id, values)
        self.set_rows((str(k), v) for k, v in values.items())

    def key(self, row: int) -> str:
        return str(self._rows[row][0])

    def cell(self, item: tuple[str, Any], row: int, column: int, role: int) -> Any:
        key, value = item
        phone = key in self._phones
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                return label(key)
            return _cut(value_text(key, value, mask=not self._numbers_shown, phone=phone))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return f"{label(key)} (code: {key})"
            shown = value_text(key, value, mask=not self._numbers_shown, phone=phone)
            raw = self._raw(value, phone)
            return shown if raw == shown else f"{shown}\nAs written: {raw}"
        if role == RAW_ROLE:
            return key if column == 0 else self._raw(value, phone)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT_ALIGN  # beside its key, a number reads best close to it
        return None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        key, value = self._rows[row]
        return value_sort_key(label(key) if column == 0 else value)
