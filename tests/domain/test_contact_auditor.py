from __future__ import annotations

from triage_gui.domain.contact_audit import DuplicateGroup, InvalidRow
from triage_gui.domain.contact_auditor import MISSING_CELL, ContactAuditor, RowStatus


def _feed(auditor: ContactAuditor, phones: list[str | None]) -> list:
    # Spreadsheet rows: the header is row 1.
    return [auditor.add(row, phone) for row, phone in enumerate(phones, start=2)]


def test_outcomes_per_row() -> None:
    auditor = ContactAuditor("GB")
    kept, dup, bad, missing = _feed(auditor, ["07400 123456", "+44 7400 123456", "123", None])

    assert kept.status is RowStatus.KEPT and kept.is_first_occurrence
    assert kept.e164 == "+447400123456" and kept.number_type == "mobile"

    assert dup.status is RowStatus.DUPLICATE and not dup.is_first_occurrence
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
        "phone", "GB", "utf-8", ",",
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
