from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage_gui.cli.main import main
from triage_gui.domain.contact_audit import ContactAuditResult

CONTACTS = (
    "recipient_id;name;phone_number\r\n"
    "r1;Ann;07400 123456\r\n"  # 2 kept
    "r2;Bob;+44 7400 123456\r\n"  # 3 duplicate of 2
    "r3;Cy;123\r\n"  # 4 too short
    "r4;Di;0161 234 5678\r\n"  # 5 kept
    "r5;Ed\r\n"  # 6 ragged, no phone cell
    "r6;Fay;0044 161 234 5678\r\n"  # 7 duplicate of 5
    "r7;Gus;'4.47400654321E+11\r\n"  # 8 kept (Excel-mangled but exact)
)


@pytest.fixture()
def contacts(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_bytes(CONTACTS.encode("cp1252"))
    return path


def test_human_report(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(contacts), "--region", "GB"]) == 0
    out = capsys.readouterr().out
    assert "phone column 'phone_number', default region GB" in out
    assert "Rows:        7" in out
    assert "Valid:       5 (3 distinct numbers)" in out
    assert "Invalid:     2" in out
    assert "Duplicates:  2 extra rows in 2 groups" in out
    assert "Ragged rows: 1" in out
    assert "row 4: too short ('123')" in out
    assert "+447400123456: rows 2, 3" in out
    assert "+441612345678: rows 5, 7" in out
    assert "mobile 2, fixed line 1" in out


def test_json_is_one_object_and_nothing_else(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(contacts), "--region", "gb", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)  # raises if anything else is on stdout
    assert captured.out.count("\n") == 1
    result = ContactAuditResult.model_validate(payload)
    assert (result.rows, result.valid, result.invalid, result.unique_valid) == (7, 5, 2, 3)
    assert result.region == "GB" and result.delimiter == ";"
    assert payload["ragged_rows"] == 1
    assert [g.rows for g in result.duplicate_groups] == [[2, 3], [5, 7]]


def test_many_invalid_rows_are_summarised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("phone\n" + "nope\n" * 25, encoding="utf-8")
    assert main(["audit", str(path), "--region", "GB"]) == 0
    out = capsys.readouterr().out
    assert "row 21: not a phone number" in out
    assert "row 22:" not in out
    assert "… and 5 more" in out


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_out_writes_clean_and_rejects_and_leaves_input(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = contacts.read_bytes()
    clean = contacts.parent / "clean.csv"
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(clean)]) == 0
    assert contacts.read_bytes() == before
    assert _read(clean) == [
        ["recipient_id", "name", "phone_number"],
        ["r1", "Ann", "+447400123456"],
        ["r4", "Di", "+441612345678"],
        ["r7", "Gus", "+447400654321"],
    ]
    assert _read(contacts.parent / "clean.rejects.csv") == [
        ["row", "reason", "recipient_id", "name", "phone_number"],
        ["3", "duplicate of row 2", "r2", "Bob", "+44 7400 123456"],
        ["4", "too short", "r3", "Cy", "123"],
        ["6", "no phone cell (the row is shorter than the header)", "r5", "Ed"],
        ["7", "duplicate of row 5", "r6", "Fay", "0044 161 234 5678"],
    ]
    assert "wrote" in capsys.readouterr().out
    # No temporary files left beside the outputs.
    assert sorted(p.name for p in contacts.parent.iterdir()) == [
        "clean.csv",
        "clean.rejects.csv",
        "contacts.csv",
    ]


def test_rejects_path_override_and_json_stays_clean(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean, rejects = contacts.parent / "c.csv", contacts.parent / "why.csv"
    code = main(["audit", str(contacts), "--region", "GB", "--json", "--out", str(clean), "--rejects", str(rejects)])
    assert code == 0
    json.loads(capsys.readouterr().out)
    assert len(_read(clean)) == 4 and len(_read(rejects)) == 5


def test_refuses_to_overwrite_input(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = contacts.read_bytes()
    assert main(["audit", str(contacts), "--out", str(contacts)]) == 2
    assert "refusing to overwrite the input" in capsys.readouterr().err
    assert contacts.read_bytes() == before
    rejects_onto_input = ["audit", str(contacts), "--out", str(contacts.parent / "x.csv"), "--rejects", str(contacts)]
    assert main(rejects_onto_input) == 2
    assert contacts.read_bytes() == before
    assert not (contacts.parent / "x.csv").exists()


def test_unreadable_midway_leaves_no_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Past the 64 KiB the encoding is detected from: clean UTF-8 up to there.
    lines = [b"phone"] + [b"+447400%06d" % i for i in range(10_000)]
    lines[9000] = b"+44740\xe9"
    path = tmp_path / "late.csv"
    path.write_bytes(b"\n".join(lines))
    clean = tmp_path / "clean.csv"
    assert main(["audit", str(path), "--out", str(clean)]) == 2
    assert "row 9001 is not valid utf-8" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "no such file"),
        (["."], "is a directory"),
        (["contacts.csv", "--column", "fax"], "no column named 'fax'"),
        (["contacts.csv", "--region", "Narnia"], "unknown region 'Narnia'"),
    ],
)
def test_exit_2_with_clear_message(
    contacts: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(contacts.parent)
    assert main(["audit", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.startswith("triage-gui audit: ")


def test_hint_when_no_region(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(contacts), "--json"]) == 0
    captured = capsys.readouterr()
    # Only numbers with a country survive: "+44…", "0044…", and the scientific-notation one
    # (Excel drops the "+" of international numbers, so it is recovered as one).
    assert json.loads(captured.out)["invalid"] == 4
    assert "pass --region" in captured.err


def test_real_subprocess(contacts: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "triage_gui", "audit", str(contacts), "--region", "GB", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unique_valid"] == 3
    missing = subprocess.run(
        [sys.executable, "-m", "triage_gui", "audit", str(contacts.parent / "nope.csv")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stdout == "" and "no such file" in missing.stderr
