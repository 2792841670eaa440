"""The contact-file (upload) audit: valid, invalid and duplicate recipients, row by row.

Fed one row at a time (a local CSV or an upload's streamed content), so a million-row file
costs one dict entry per distinct number, not a copy of the file. Duplicates are judged after
E.164 normalisation: "07400 123456" and "+44 7400 123456" are one recipient. Row numbers are
spreadsheet rows (the header is row 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from triage_gui.domain.contact_audit import ContactAuditResult, DuplicateGroup, InvalidRow
from triage_gui.domain.phones import PhoneResult, normalise, normaliser

MISSING_CELL = "no phone cell (the row is shorter than the header)"

# What the audit needs of one normalised phone cell: (E.164, number type, note) when valid,
# (None, None, note, reason) when not. A plain tuple, so that a worker process sends a million
# of them at little cost (store/audit_pool.py); :func:`normalise_cells` makes them.
Cell = tuple[str | None, str | None, str | None, str | None]
_MISSING: Cell = (None, None, None, MISSING_CELL)


def normalise_cells(cells: Iterable[str | None], region: str | None) -> list[Cell]:
    """Each phone cell as the auditor judges it (None: the row has no phone cell)."""
    normalise_cell = normaliser(region)
    return [_MISSING if raw is None else _cell(normalise_cell(raw)) for raw in cells]


def _cell(result: PhoneResult) -> Cell:
    if result.valid and result.e164 is not None:
        return (result.e164, result.number_type, result.note, None)
    return (None, None, result.note, result.reason or "invalid")


class RowStatus(StrEnum):
    KEPT = "kept"  # first row holding this number: goes to the cleaned file
    DUPLICATE = "duplicate"  # a later row with an earlier row's number
    REJECTED = "rejected"  # no valid number


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What the audit decided for one row; what a cleaner needs to write it out."""

    row: int
    status: RowStatus
    e164: str | None = None
    reason: str | None = None  # why rejected, or "duplicate of row N"
    duplicate_of: int | None = None
    number_type: str | None = None
    note: str | None = None  # a repair that kept the number (extension dropped, ...)


class ContactAuditor:
    """Accumulates rows into a :class:`ContactAuditResult`.

    ``region`` is the default for numbers written without "+": by issue #3's rule the country
    of the campaign's from-number unless the operator chose another (``--region``, settings).
    """

    def __init__(
        self,
        region: str | None,
        *,
        keep_invalid_rows: int = 500,
        keep_duplicate_groups: int = 500,
    ) -> None:
        self.region = region.strip().upper() if region and region.strip() else None
        self._keep_invalid = keep_invalid_rows
        self._keep_groups = keep_duplicate_groups
        # E.164 digits as an int -> first row; negated once the number is seen again, so
        # "already counted as a group" costs no second structure. An int key is half a str's
        # size, and injective because no calling code starts with 0.
        self._first_row: dict[int, int] = {}
        # Later rows, only for the groups that will be reported (capped).
        self._group_rows: dict[int, list[int]] = {}
        self._rows = 0
        self._valid = 0
        self._invalid_rows: list[InvalidRow] = []
        self._invalid_total = 0
        self._groups_total = 0
        self._number_types: Counter[str] = Counter()

    def add(
        self, row_number: int, raw_phone: str | None, row: list[str] | None = None, *, cell: Cell | None = None
    ) -> RowOutcome:
        """Audit one data row. ``raw_phone`` None means the row has no phone cell at all.

        ``row`` is accepted for symmetry with the cleaner's loop; the audit itself needs only
        the phone cell, so it is not kept. ``cell``: the phone cell already normalised
        (:func:`normalise_cells`, perhaps in another process).
        """
        del row
        self._rows += 1
        if cell is None:
            cell = _MISSING if raw_phone is None else _cell(normalise(raw_phone, self.region))
        e164, number_type, note, reason = cell
        if e164 is None:
            reason = reason or "invalid"
            self._reject(row_number, "" if raw_phone is None else raw_phone, reason)
            return RowOutcome(row=row_number, status=RowStatus.REJECTED, reason=reason, note=note)
        self._valid += 1
        key = int(e164[1:])
        first = self._first_row.get(key)
        if first is None:
            self._first_row[key] = row_number
            self._number_types[number_type or "unknown"] += 1
            return RowOutcome(row=row_number, status=RowStatus.KEPT, e164=e164, number_type=number_type, note=note)
        first_row = self._repeat(key, first, row_number)
        return RowOutcome(
            row=row_number,
            status=RowStatus.DUPLICATE,
            e164=e164,
            reason=f"duplicate of row {first_row}",
            duplicate_of=first_row,
            number_type=number_type,
            note=note,
        )

    def add_cells(self, rows: Sequence[tuple[int, str | None, object]], cells: Sequence[Cell]) -> None:
        """Audit ``(row_number, raw_phone, row)`` rows whose phone cells are already normalised
        (``cells[i]`` is ``rows[i]``'s): :meth:`add_rows`'s bookkeeping, without the parsing."""
        first_rows = self._first_row
        number_types = self._number_types
        valid = 0
        for (row_number, raw_phone, _), (e164, number_type, _note, reason) in zip(rows, cells, strict=True):
            if e164 is None:
                self._reject(row_number, "" if raw_phone is None else raw_phone, reason or "invalid")
                continue
            valid += 1
            key = int(e164[1:])
            first = first_rows.get(key)
            if first is None:
                first_rows[key] = row_number
                number_types[number_type or "unknown"] += 1
            else:
                self._repeat(key, first, row_number)
        self._rows += len(rows)
        self._valid += valid

    def add_rows(self, rows: Iterable[tuple[int, str | None, object]]) -> None:
        """Audit ``(row_number, raw_phone, row)`` rows when nobody reads a per-row outcome.

        The same bookkeeping as :meth:`add`, without building a :class:`RowOutcome` per row: on
        a million-row file the outcome objects and attribute updates cost more than the
        duplicate check itself.
        """
        normalise_cell = normaliser(self.region)
        first_rows = self._first_row
        number_types = self._number_types
        rows_seen = valid = 0
        try:
            for row_number, raw_phone, _ in rows:
                rows_seen += 1
                if raw_phone is None:
                    self._reject(row_number, "", MISSING_CELL)
                    continue
                result = normalise_cell(raw_phone)
                e164 = result.e164
                if not result.valid or e164 is None:
                    self._reject(row_number, raw_phone, result.reason or "invalid")
                    continue
                valid += 1
                key = int(e164[1:])
                first = first_rows.get(key)
                if first is None:
                    first_rows[key] = row_number
                    number_types[result.number_type or "unknown"] += 1
                else:
                    self._repeat(key, first, row_number)
        finally:
            # Counted as read even when the source fails part-way (a decode error).
            self._rows += rows_seen
            self._valid += valid

    def _repeat(self, key: int, first: int, row_number: int) -> int:
        """Record a later row of an already seen number; returns the number's first row."""
        if first > 0:
            self._first_row[key] = -first
            self._groups_total += 1
            if len(self._group_rows) < self._keep_groups:
                self._group_rows[key] = []
            first_row = first
        else:
            first_row = -first
        later = self._group_rows.get(key)
        if later is not None:
            later.append(row_number)
        return first_row

    def _reject(self, row_number: int, raw: str, reason: str) -> None:
        self._invalid_total += 1
        if len(self._invalid_rows) < self._keep_invalid:
            self._invalid_rows.append(InvalidRow(row=row_number, raw=raw, reason=reason))

    @property
    def rows(self) -> int:
        return self._rows

    def result(
        self,
        source: str,
        column: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        *,
        error: str | None = None,
    ) -> ContactAuditResult:
        groups = [
            DuplicateGroup(e164=f"+{key}", rows=[-self._first_row[key], *later])
            for key, later in self._group_rows.items()
        ]
        groups.sort(key=lambda group: group.rows[0])
        unique_valid = len(self._first_row)
        return ContactAuditResult(
            source=source,
            column=column,
            region=self.region,
            encoding=encoding,
            delimiter=delimiter,
            rows=self._rows,
            valid=self._valid,
            invalid=self._invalid_total,
            unique_valid=unique_valid,
            invalid_rows=list(self._invalid_rows),
            invalid_rows_total=self._invalid_total,
            duplicate_groups=groups,
            duplicate_groups_total=self._groups_total,
            duplicate_rows=self._valid - unique_valid,
            number_types=dict(self._number_types.most_common()),
            error=error,
        )
