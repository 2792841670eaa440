from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from triage_gui.domain import phones as phones_module
from triage_gui.domain.contact_audit import DuplicateGroup, InvalidRow
from triage_gui.domain.contact_auditor import MISSING_CELL, ContactAuditor, RowStatus, normalise_cells


def _feed(auditor: ContactAuditor, phones: list[str | None]) -> list:
    # Spreadsheet rows: the header is row 1.
    return [auditor.add(row, phone) for row, phone in enumerate(phones, start=2)]


def test_outcomes_per_row() -> None:
    auditor = ContactAuditor("GB")
    kept, dup, bad, missing = _feed(auditor, ["07400 123456", "+44 7400 123456", "123", None])

    assert kept.status is RowStatus.KEPT
    assert kept.e164 == "+447400123456" and kept.number_type == "mobile"

    assert dup.status is RowStatus.DUPLICATE
    assert (dup.duplicate_of, dup.reason, dup.e164) == (2, "duplicate of row 2", "+447400123456")

    assert bad.status is RowStatus.REJECTED and bad.reason == "too short" and bad.e164 is None
    assert missing.status is RowStatus.REJECTED and missing.reason == MISSING_CELL


def test_result_fills_every_field() -> None:
    auditor = ContactAuditor("gb")
    _feed(
        auditor,
        [
            "07400 123456",  # 2 kept
            "0161 234 5678",  # 3 kept (fixed line)
            "",  # 4 empty
            "+447400123456",  # 5 duplicate of 2
            "07400-123-456",  # 6 duplicate of 2
            "0161 234 5678",  # 7 duplicate of 3
            "1.2E+10",  # 8 mangled
            "+1 800 555 0100",  # 9 kept (toll free)
        ],
    )
    result = auditor.result("contacts.csv", "phone", "utf-8", ",")
    assert result.source == "contacts.csv"
    assert (result.column, result.region, result.encoding, result.delimiter) == (
        "phone",
        "GB",
        "utf-8",
        ",",
    )
    assert (result.rows, result.valid, result.invalid, result.unique_valid) == (8, 6, 2, 3)
    assert result.invalid_rows == [
        InvalidRow(row=4, raw="", reason="empty"),
        InvalidRow(row=8, raw="1.2E+10", reason="number mangled by a spreadsheet (scientific notation)"),
    ]
    assert result.invalid_rows_total == 2
    assert result.duplicate_groups == [
        DuplicateGroup(e164="+447400123456", rows=[2, 5, 6]),
        DuplicateGroup(e164="+441612345678", rows=[3, 7]),
    ]
    assert result.duplicate_groups_total == 2
    assert result.duplicate_rows == 3
    # Distinct valid numbers, so the types add up to the cleaned file's rows.
    assert result.number_types == {"mobile": 1, "fixed_line": 1, "toll_free": 1}
    assert sum(result.number_types.values()) == result.unique_valid
    assert result.error is None


def test_caps_keep_totals_exact() -> None:
    auditor = ContactAuditor("GB", keep_invalid_rows=3, keep_duplicate_groups=2)
    phones: list[str | None] = ["bad"] * 10
    for n in range(5):  # five numbers, each twice
        phones += [f"07400 12345{n}", f"+44 7400 12345{n}"]
    _feed(auditor, phones)
    result = auditor.result("x.csv")
    assert [r.row for r in result.invalid_rows] == [2, 3, 4]
    assert result.invalid_rows_total == 10
    assert len(result.duplicate_groups) == 2
    assert result.duplicate_groups_total == 5
    assert result.duplicate_rows == 5
    assert result.duplicate_groups[0] == DuplicateGroup(e164="+447400123450", rows=[12, 13])


def test_group_rows_include_every_later_copy() -> None:
    auditor = ContactAuditor("GB")
    _feed(auditor, ["07400 123456"] * 50)
    (group,) = auditor.result("x").duplicate_groups
    assert group.rows == list(range(2, 52))


def test_without_region_only_international_numbers_pass() -> None:
    auditor = ContactAuditor(None)
    _, national = _feed(auditor, ["+44 7400 123456", "07400 123456"])
    assert national.reason == "no country code and no default region"
    assert auditor.result("x").region is None


def test_empty_audit() -> None:
    result = ContactAuditor("GB").result("empty.csv")
    assert (result.rows, result.valid, result.unique_valid, result.duplicate_groups) == (0, 0, 0, [])


def test_memory_is_per_distinct_number_not_per_row() -> None:
    """100k rows of 1k distinct numbers: the auditor holds 1k entries, not 100k."""
    auditor = ContactAuditor("GB", keep_duplicate_groups=10)
    for row in range(2, 100_002):
        auditor.add(row, f"07400 1{row % 1000:05d}")
    result = auditor.result("big")
    assert result.unique_valid == 1000
    assert result.duplicate_rows == 99_000
    assert len(auditor._first_row) == 1000
    assert len(auditor._group_rows) == 10


def _mixed_phones(count: int) -> list[str | None]:
    """National and international writings of a few hundred numbers, junk and missing cells."""
    rnd = random.Random(21)
    phones: list[str | None] = []
    for _ in range(count):
        roll = rnd.random()
        n = rnd.randint(0, 399)
        if roll < 0.3:
            phones.append(f"07400 1{n:05d}")
        elif roll < 0.5:
            phones.append(f"+44 7400 1{n:05d}")
        elif roll < 0.6:
            phones.append(f"0044 161 234 {n:04d}")
        elif roll < 0.7:
            phones.append(f"+1 (415) 555-{n:04d}")
        elif roll < 0.75:
            phones.append(f"+39 06 1234 {n:04d}")  # Italian: the leading zero stays
        elif roll < 0.8:
            phones.append(f"07700 900{n:03d}")  # Ofcom's drama range: invalid
        elif roll < 0.85:
            phones.append(f"+44 7400 1{n:05d} x{n}")
        elif roll < 0.9:
            phones.append(rnd.choice(["", "n/a", "123", "1.2E+10", "4.47400100123E+11", None]))
        else:
            phones.append("".join(rnd.choice("0123456789") for _ in range(rnd.randint(4, 14))))
    return phones


def test_add_rows_keeps_the_same_books_as_add() -> None:
    phones = _mixed_phones(3000)
    one_by_one = ContactAuditor("GB", keep_invalid_rows=50, keep_duplicate_groups=40)
    _feed(one_by_one, phones)
    in_bulk = ContactAuditor("GB", keep_invalid_rows=50, keep_duplicate_groups=40)
    in_bulk.add_rows((row, phone, []) for row, phone in enumerate(phones, start=2))
    expected = one_by_one.result("x.csv").model_dump()
    assert in_bulk.result("x.csv").model_dump() == expected
    assert expected["duplicate_groups_total"] > 40 and expected["invalid_rows_total"] > 50


def test_add_rows_counts_rows_read_before_a_failure() -> None:
    def rows() -> Iterator[tuple[int, str | None, list[str]]]:
        yield 2, "07400 123456", []
        yield 3, "nope", []
        raise ValueError("the source failed")

    auditor = ContactAuditor("GB")
    with pytest.raises(ValueError):
        auditor.add_rows(rows())
    result = auditor.result("x")
    assert (result.rows, result.valid, result.invalid) == (2, 1, 1)


def test_parse_shortcut_changes_no_audit_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole audit, with and without the plain-digits shortcut, on a few thousand rows."""
    phones = _mixed_phones(4000)
    rows = [(row, phone, []) for row, phone in enumerate(phones, start=2)]
    phones_module.cache_clear()
    fast = ContactAuditor("GB")
    fast.add_rows(rows)
    fast_outcomes = _feed(ContactAuditor("GB"), phones)
    monkeypatch.setattr(phones_module, "_split_plain", lambda text, region: None)
    phones_module.cache_clear()
    try:
        slow = ContactAuditor("GB")
        slow.add_rows(rows)
        slow_outcomes = _feed(ContactAuditor("GB"), phones)
    finally:
        phones_module.cache_clear()
    result = fast.result("x").model_dump()
    assert result == slow.result("x").model_dump()
    assert fast_outcomes == slow_outcomes
    assert {outcome.status for outcome in fast_outcomes} == set(RowStatus)
    assert result["duplicate_groups_total"] > 100 and set(result["number_types"]) >= {
        "mobile",
        "fixed_line",
        "fixed_line_or_mobile",
    }


def test_cells_normalised_elsewhere_keep_the_same_books() -> None:
    """add_cells and add(cell=...) with normalise_cells' tuples (what worker processes send)
    count what add_rows and add count, row for row."""
    phones = _mixed_phones(3000)
    rows = [(row, phone, []) for row, phone in enumerate(phones, start=2)]
    cells = normalise_cells(phones, "GB")
    in_bulk = ContactAuditor("GB", keep_invalid_rows=50, keep_duplicate_groups=40)
    in_bulk.add_rows(rows)
    by_chunk = ContactAuditor("GB", keep_invalid_rows=50, keep_duplicate_groups=40)
    for start in range(0, len(rows), 128):
        by_chunk.add_cells(rows[start : start + 128], cells[start : start + 128])
    assert by_chunk.result("x").model_dump() == in_bulk.result("x").model_dump()
    one_by_one = _feed(ContactAuditor("GB"), phones)
    with_cells = ContactAuditor("GB")
    given = [with_cells.add(row, phone, cell=cell) for (row, phone, _), cell in zip(rows, cells, strict=True)]
    assert given == one_by_one
    assert {outcome.status for outcome in given} == set(RowStatus)
    assert any(outcome.note for outcome in given)  # extensions dropped, scientific notation undone
