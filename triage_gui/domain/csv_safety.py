"""CSV injection ("formula injection"): cells a spreadsheet would run as a formula.

Every CSV the app writes (the audit's cleaned and rejects files, the bundle's CSVs, the retry
cohort export) passes its cells through :func:`neutralise_cell`, the OWASP way: a cell whose
first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote
in front, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it.

Decisions:

- Leading whitespace does not hide a trigger: ``" =HYPERLINK(…)"`` is quoted too, because
  importers that trim spaces (LibreOffice's "Trim spaces", many scripts) would evaluate it.
- Phone columns keep their ``+``: a cell of a column the writer names as a phone column is
  left as is when it is ``+`` followed only by digits, spaces and ``( ) . - / *`` (an E.164
  number such as ``+447700900001``, a formatted one, or a masked one like ``+*********01``).
  Without a letter, quote, ``!``, ``|``, ``:`` or ``&`` such a cell cannot call a function,
  reference a cell or start DDE; at worst a spreadsheet computes arithmetic on it. Any other
  cell of a phone column is neutralised like the rest.
- A value already starting with ``'`` is left alone, so neutralising twice changes nothing.
- Non-string cells (row numbers, counts) are written as they are.

The quote is part of the written value (the cleaned file's ``'=x`` is what a platform would
import); that is the accepted cost of the rule, and only cells that begin like a formula pay it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import TypeVar

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_PHONE_SHAPED = re.compile(r"\+[0-9*][0-9*() ./-]*")

T = TypeVar("T")


def is_formula_like(value: str) -> bool:
    """True when a spreadsheet could read ``value`` as a formula (see the module's rules)."""
    if not value:
        return False
    if value[0] in FORMULA_TRIGGERS:
        return True
    if not value[0].isspace():
        return False
    stripped = value.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def neutralise_cell(value: T, *, phone: bool = False) -> T | str:
    """``value`` safe to write in a CSV cell; ``phone``: the cell is in a phone column."""
    if not isinstance(value, str) or not is_formula_like(value):
        return value
    if phone and _PHONE_SHAPED.fullmatch(value):
        return value
    return "'" + value


def neutralise_row(row: Iterable[T], phone_columns: Collection[int] = ()) -> list[T | str]:
    """A row with every cell through :func:`neutralise_cell`; ``phone_columns``: indexes."""
    out: list[T | str] = list(row)
    for index, cell in enumerate(out):
        # The common case (a cell starting with a letter or digit) costs one test.
        if isinstance(cell, str) and cell and (cell[0] in FORMULA_TRIGGERS or cell[0].isspace()):
            out[index] = neutralise_cell(cell, phone=index in phone_columns)
    return out


def neutralise_record(record: Mapping[str, T], phone_keys: Collection[str] = ()) -> dict[str, T | str]:
    """A ``csv.DictWriter`` row with every value through :func:`neutralise_cell`."""
    return {key: neutralise_cell(value, phone=key in phone_keys) for key, value in record.items()}
