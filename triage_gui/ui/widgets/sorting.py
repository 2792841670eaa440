"""Sorting by typed keys: numbers as numbers, words case-blind, blanks last.

Qt's default proxy compares display strings (so "10" < "9"); our models instead answer
``sort_key(row, column)`` with a Python tuple, and :class:`KeySortProxy` compares those.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel


class SortKeyed(Protocol):
    def sort_key(self, row: int, column: int) -> tuple[Any, ...]: ...


def value_sort_key(value: Any) -> tuple[Any, ...]:
    """Blanks after everything, numbers before words, words case-blind."""
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).casefold())


class KeySortProxy(QSortFilterProxyModel):
    """A sort proxy over a model that implements ``sort_key`` (stable: ties keep source order)."""

    def lessThan(
        self,
        left: QModelIndex | QPersistentModelIndex,
        right: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        source = self.sourceModel()
        key = getattr(source, "sort_key", None)
        if key is None:
            return super().lessThan(left, right)
        return key(left.row(), left.column()) < key(right.row(), right.column())
