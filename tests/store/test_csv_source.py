from __future__ import annotations

import codecs
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage_gui.domain.contact_auditor import RowOutcome
from triage_gui.store.csv_source import (
    ContactFileDecodeError,
    ContactFileEmpty,
    ContactFileError,
    ContactFileIsDirectory,
    ContactFileMissing,
    ContactFileNoHeader,
    ContactFileNotText,
    PhoneColumnNotFound,
    audit_file,
    audit_lines,
    audit_rows,
    detect_encoding,
    open_contact_file,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contacts"


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _rows(path: Path, column: str | None = None) -> tuple[list, object]:
    with open_contact_file(path, column) as rows:
        return list(rows), rows


def test_excel_cp1252_semicolon_export() -> None:
    result = audit_file(FIXTURES / "excel_cp1252_semicolon.csv", "GB")
    assert (result.encoding, result.delimiter, result.column) == ("cp1252", ";", "Mobile Phone")
    assert (result.rows, result.valid, result.unique_valid, result.invalid) == (5, 4, 3, 1)
    assert [(r.row, r.reason) for r in result.invalid_rows] == [
        (5, "number mangled by a spreadsheet (scientific notation)")
    ]
    assert [g.rows for g in result.duplicate_groups] == [[2, 4]]


def test_sheets_utf8_bom_with_quoted_commas() -> None:
    rows, source = _rows(FIXTURES / "sheets_utf8_bom.csv")
    assert (source.encoding, source.delimiter, source.column) == ("utf-8-sig", ",", "phone_number")
    assert source.header[0] == "recipient_id"  # no BOM glued to the first name
    assert rows[0] == (2, "+1 (415) 555-2671", ["r1", "Smith, Ann", "+1 (415) 555-2671"])
    result = audit_file(FIXTURES / "sheets_utf8_bom.csv", "US")
    assert result.duplicate_groups[0].rows == [2, 3]
    assert [(r.row, r.reason) for r in result.invalid_rows] == [(5, "empty")]


def test_utf16_le_tab_separated() -> None:
    result = audit_file(FIXTURES / "crm_utf16le_tab.csv", "DE")
    assert (result.encoding, result.delimiter, result.column) == ("utf-16-le", "\t", "msisdn")
    assert (result.rows, result.unique_valid, result.duplicate_rows) == (3, 2, 1)


def test_utf16_be_with_bom(tmp_path: Path) -> None:
    text = "phone|name\n+447400123456|A\n07400 123456|B\n"
    path = _write(tmp_path, "be.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    result = audit_file(path, "GB")
    assert (result.encoding, result.delimiter, result.duplicate_rows) == ("utf-16-be", "|", 1)


def test_plain_utf8_without_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.csv", "name,tel\nZoë,+447400123456\n")
    rows, source = _rows(path)
    assert source.encoding == "utf-8"
    assert rows == [(2, "+447400123456", ["Zoë", "+447400123456"])]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["id", "Phone Number", "mobile"], "Phone Number"),  # phone beats mobile
        (["id", "MSISDN"], "MSISDN"),
        (["id", " phone_number "], "phone_number"),
        (["id", "Telephone"], "Telephone"),
        (["id", "Work phone (direct)"], "Work phone (direct)"),  # contains a phone word
    ],
)
def test_phone_column_by_name(tmp_path: Path, header: list[str], expected: str) -> None:
    path = _write(tmp_path, "h.csv", ",".join(header) + "\n" + ",".join(["1"] * len(header)) + "\n")
    _, source = _rows(path)
    assert source.column == expected


def test_phone_column_by_values_when_names_say_nothing(tmp_path: Path) -> None:
    body = "".join(f"r{i},Name {i},+44 7400 1234{i:02d},{i}\n" for i in range(30))
    path = _write(tmp_path, "v.csv", "a,b,c,d\n" + body)
    _, source = _rows(path)
    assert source.column == "c"


def test_column_override(tmp_path: Path) -> None:
    path = _write(tmp_path, "o.csv", "phone,backup\n+447400123456,+447400654321\n")
    rows, source = _rows(path, column="BACKUP")
    assert source.column == "backup" and rows[0][1] == "+447400654321"


def test_column_override_unknown_lists_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "o.csv", "phone,backup\n+447400123456,x\n")
    with pytest.raises(PhoneColumnNotFound, match="no column named 'fax'; the columns are: phone, backup"):
        open_contact_file(path, "fax")


def test_no_phone_column_lists_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.csv", "name,city\nAnn,Leeds\n")
    with pytest.raises(PhoneColumnNotFound) as caught:
        open_contact_file(path)
    assert caught.value.columns == ["name", "city"]
    assert "name, city" in str(caught.value) and "--column" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContactFileMissing, match="no such file"):
        open_contact_file(tmp_path / "nope.csv")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ContactFileIsDirectory, match="is a directory"):
        open_contact_file(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", codecs.BOM_UTF8])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ContactFileEmpty, match="is empty"):
        open_contact_file(_write(tmp_path, "e.csv", content))


def test_header_only_is_zero_rows(tmp_path: Path) -> None:
    result = audit_file(_write(tmp_path, "h.csv", "phone_number\n"), "GB")
    assert result.rows == 0


def test_no_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "nh.csv", "+447400123456,Ann\n+447400654321,Bob\n")
    with pytest.raises(ContactFileNoHeader, match="first row holds phone numbers"):
        open_contact_file(path)


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(ContactFileNotText, match="binary"):
        open_contact_file(_write(tmp_path, "x.csv", png))


def test_garbage_without_nul_bytes(tmp_path: Path) -> None:
    garbage = bytes((i * 37 + 11) % 255 + 1 for i in range(4000))
    with pytest.raises(ContactFileNotText):
        open_contact_file(_write(tmp_path, "g.csv", garbage))


def test_ragged_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        "name,phone,city\nAnn,+447400123456,Leeds\nBob\nCy,+447400654321,York,extra\n,,\n\nDi,+447400111222,X\n",
    )
    rows, source = _rows(path)
    # Row 3 has no phone cell; row 4 is too wide; rows 5 and 6 are blank and skipped, but the
    # numbering still counts them like a spreadsheet does.
    assert [(n, p) for n, p, _ in rows] == [
        (2, "+447400123456"),
        (3, None),
        (4, "+447400654321"),
        (7, "+447400111222"),
    ]
    assert source.ragged_rows == 2


def test_decode_error_later_in_the_file_names_the_row(tmp_path: Path) -> None:
    # The sample is clean UTF-8; a cp1252 byte shows up far past it.
    lines = [b"phone,name"] + [b"+447400%06d,Ann" % i for i in range(5000)]
    lines[4000] = b"+447400999999,Ren\xe9e"
    path = _write(tmp_path, "late.csv", b"\n".join(lines) + b"\n")
    with (
        open_contact_file(path) as rows,
        pytest.raises(ContactFileDecodeError, match="row 4001 is not valid utf-8"),
    ):
        for _ in rows:
            pass


def test_audit_lines_same_path_as_files(tmp_path: Path) -> None:
    text = "recipient_id;phone_number\nr1;07400 123456\nr2;+44 7400 123456\nr3;nope\n"
    from_lines = audit_lines(iter(text.splitlines()), "GB", source="upload:u1")
    from_file = audit_file(_write(tmp_path, "same.csv", text), "GB")
    assert from_lines.source == "upload:u1" and from_lines.encoding is None
    assert from_lines.model_dump(exclude={"source", "encoding"}) == from_file.model_dump(exclude={"source", "encoding"})


def test_audit_lines_errors_are_contact_file_errors() -> None:
    with pytest.raises(ContactFileError):
        audit_lines(iter([]), "GB", source="upload:u2")


def test_detect_encoding_of_cut_multibyte_sample() -> None:
    sample = "phone,name\n+447400123456,Zoë".encode()[:-1]  # cut inside "ë"
    assert detect_encoding(sample) == "utf-8"


def _big_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,phone_number,name\n")
        for i in range(rows):
            handle.write(f"r{i},+4474{i % 100:02d}{i:06d},Contact number {i}\n")


def test_streams_with_constant_memory(tmp_path: Path) -> None:
    """Reading 200k rows holds a few rows at a time, not the file (~9 MB)."""
    path = tmp_path / "big.csv"
    _big_csv(path, 200_000)
    tracemalloc.start()
    try:
        count = 0
        with open_contact_file(path) as rows:
            iterator: Iterator = iter(rows)
            for _ in iterator:
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 2_000_000, peak


def test_audit_without_a_row_sink_matches_the_per_row_path(tmp_path: Path) -> None:
    """audit_file skips per-row outcomes; the cleaner's per-row path must count the same."""
    lines = ["id;phone;city"]
    for i in range(3000):
        phone = [
            f"07400 1{i % 700:05d}",
            f"+44 7400 1{i % 900:05d}",
            "n/a",
            f"+1 415 555 {i % 97:04d}",
            f"0044 161 234 {i % 50:04d}",
            "4.47400100123E+11",
        ][i % 6]
        lines.append(f"r{i};{phone};Leeds" if i % 37 else f"r{i}")  # some rows without a phone
        if i % 101 == 0:
            lines.append(";;")  # blank spreadsheet row
    path = _write(tmp_path, "mixed.csv", "\n".join(lines) + "\n")
    quick = audit_file(path, "GB")
    outcomes: list[RowOutcome] = []
    with open_contact_file(path) as rows:
        per_row = audit_rows(rows, "GB", on_row=lambda outcome, row: outcomes.append(outcome))
    assert quick.model_dump() == per_row.model_dump()
    assert len(outcomes) == quick.rows == 3000
    assert quick.ragged_rows > 0 and quick.duplicate_rows > 0 and quick.invalid > 0
