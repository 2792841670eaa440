"""What the contact reader accepts as a file (issue 12 §4): regular files only, a NUL anywhere
refused with its row, and a Windows-1252 file with UTF-8 rows read with a warning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from triage_gui.store.csv_source import (
    SAMPLE_BYTES,
    ContactFileNotRegular,
    ContactFileNotText,
    audit_file,
    audit_lines,
    contact_rows_from_lines,
    open_contact_file,
)

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


@posix_only
@pytest.mark.timeout(20)  # before the fix, opening the FIFO blocked for ever (no writer)
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    opened: list[str] = []
    real_open = os.open

    def spy(path: object, *args: object, **kwargs: object) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", spy)
    with pytest.raises(ContactFileNotRegular, match=r"is a FIFO \(named pipe\), not a regular file"):
        open_contact_file(fifo)
    assert str(fifo) not in opened


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_is_refused() -> None:
    with pytest.raises(ContactFileNotRegular, match="is a character device"):
        open_contact_file("/dev/null")


def _long_file(path: Path, bad_line: int, bad: bytes) -> Path:
    lines = [b"phone,name"] + [b"+447400%06d,Ann" % i for i in range(5000)]
    lines[bad_line] = bad
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert path.stat().st_size > SAMPLE_BYTES and b"\x00" not in path.read_bytes()[:SAMPLE_BYTES]
    return path


def test_a_nul_past_the_sample_refuses_the_file_naming_the_row(tmp_path: Path) -> None:
    path = _long_file(tmp_path / "nul.csv", 4000, b"+447400999999,A\x00nn")
    with pytest.raises(ContactFileNotText, match="row 4001 contains a NUL byte"):
        audit_file(path, "GB")


def test_a_nul_in_streamed_lines_is_refused_too() -> None:
    lines = ["phone\n"] + [f"+4474001{i:05d}\n" for i in range(300)] + ["+447400\x00999999\n"]
    with pytest.raises(ContactFileNotText, match="row 302 contains a NUL byte"):
        audit_lines(iter(lines), "GB", source="upload:u1")
    with pytest.raises(ContactFileNotText, match="line 2 contains a NUL byte"):
        contact_rows_from_lines(iter(["phone\n", "+44\x00\n"]), source="upload:u2")


def test_utf16_text_is_not_mistaken_for_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("phone,name\n+447400123456,Zoë\n".encode("utf-16"))
    assert audit_file(path, "GB").valid == 1


def test_utf8_rows_in_a_cp1252_file_are_named_in_a_warning(tmp_path: Path) -> None:
    lines = [b"phone,name", "+447400000001,Renée".encode("cp1252")]
    lines += [b"+4474000000%02d,Ann" % i for i in range(2, 12)]
    lines[6] = "+447400000006,Zoë".encode()  # row 7
    lines[9] = "+447400000009,Ødegård".encode()  # row 10
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with open_contact_file(path) as rows:
        read = list(rows)
        assert rows.encoding == "cp1252"
        assert (rows.first_mixed_row, rows.mixed_encoding_rows) == (7, 2)
        (warning,) = rows.warnings
    assert "2 rows are UTF-8 (the first is row 7)" in warning and "Windows-1252" in warning
    assert len(read) == 11  # nothing is lost: every row is read and audited
    assert read[0][2][1] == "Renée"


def test_a_clean_cp1252_file_has_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    path.write_bytes("phone,name\r\n+447400000001,Renée\r\n+447400000002,Zoë\r\n".encode("cp1252"))
    with open_contact_file(path) as rows:
        assert len(list(rows)) == 2 and rows.warnings == [] and rows.first_mixed_row is None
