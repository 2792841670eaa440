"""Result of auditing a contact file (upload): rows, valid/invalid numbers, duplicates.

Produced by :mod:`triage_gui.domain.contact_auditor` from rows of a CSV (local file or the
upload's content fetched from the API); consumed by the duplicates check and the bundle.
Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class InvalidRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int
    raw: str
    reason: str  # e.g. "empty", "not a number", "invalid for region GB", "too short"


class DuplicateGroup(BaseModel):
    model_config = ConfigDict(frozen=True)

    e164: str
    rows: list[int]  # every row holding this number, the kept (first) one included


class ContactAuditResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str  # file name or "upload:<id>"
    column: str | None = None  # the phone column used
    region: str | None = None  # default region for numbers without "+"
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0  # data rows (header excluded)
    valid: int = 0
    invalid: int = 0
    unique_valid: int = 0  # distinct E.164 numbers among valid rows
    invalid_rows: list[InvalidRow] = Field(default_factory=list)  # capped, see invalid_rows_total
    invalid_rows_total: int = 0
    duplicate_groups: list[DuplicateGroup] = Field(default_factory=list)  # capped
    duplicate_groups_total: int = 0
    duplicate_rows: int = 0  # rows that repeat an earlier row's number (extra copies)
    number_types: dict[str, int] = Field(default_factory=dict)  # "mobile": 812, ...
    ragged_rows: int = 0  # rows whose width differs from the header's
    error: str | None = None  # the file could not be read (the reason, in plain words)
