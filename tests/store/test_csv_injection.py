"""CSV injection (issue 12 §4): every CSV the app writes neutralises cells a spreadsheet would
run as a formula, the OWASP way, and leaves the phone column's "+" alone."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage_gui.domain.case import Case, CaseInputs
from triage_gui.domain.contact_audit import ContactAuditResult, DuplicateGroup, InvalidRow
from triage_gui.domain.csv_safety import is_formula_like, neutralise_cell, neutralise_record, neutralise_row
from triage_gui.domain.report import RetryCandidate
from triage_gui.store.bundle_verify import verify_bundle
from triage_gui.store.bundle_writer import BundleInputs, write_bundle

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PAYLOADS = ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_formula_cells_get_a_quote(value: str) -> None:
    assert neutralise_cell(value) == "'" + value
    assert is_formula_like(value)


@pytest.mark.parametrize("value", ["  =1+1", " @SUM(A1)", "\n-1"])
def test_leading_whitespace_does_not_hide_a_formula(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "Ann", "07400 123456", "a=b", "'=already quoted", "  plain", "4.5", "x-1"])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert neutralise_cell(value) == value
    assert neutralise_cell(neutralise_cell("=1")) == "'=1"  # idempotent


def test_non_strings_pass_through() -> None:
    assert neutralise_row([3, None, -5, "=x"]) == [3, None, -5, "'=x"]


@pytest.mark.parametrize("phone", ["+447700900001", "+44 7700 900001", "+1 (415) 555-0132", "+*********01"])
def test_phone_column_keeps_its_plus(phone: str) -> None:
    assert neutralise_cell(phone, phone=True) == phone
    assert neutralise_cell(phone) == "'" + phone  # the same text outside a phone column
    assert neutralise_row(["+1", phone], phone_columns={1}) == ["'+1", phone]
    assert neutralise_record({"id": "=x", "number": phone}, phone_keys={"number"}) == {"id": "'=x", "number": phone}


@pytest.mark.parametrize("value", ["+1+SUM(A1)", "+44 7700 cmd|x", "=447700900001", "-447700900001", " +447700900001"])
def test_phone_column_still_neutralises_what_is_not_a_number(value: str) -> None:
    assert neutralise_cell(value, phone=True) == "'" + value


def _csv_member(path: Path, name: str) -> list[list[str]]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_bundle_csvs_are_neutralised(tmp_path: Path) -> None:
    case = Case(created_at=T0, updated_at=T0, inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    audit = ContactAuditResult(
        source="upload:u1",
        invalid_rows=[InvalidRow(row=2, raw='=HYPERLINK("http://evil","x")', reason="not a phone number")],
        duplicate_groups=[DuplicateGroup(e164="+447700900001", rows=[3, 4])],
    )
    cohort = [
        RetryCandidate(
            recipient_id="@SUM(1)", included=False, reason="=bad", e164="+447700900002", last_failure_code="-1+2"
        )
    ]
    path = tmp_path / "b.zip"
    write_bundle(BundleInputs(case=case, contact_audit=audit, retry_cohort=cohort, created_at=T0), path)
    assert verify_bundle(path).ok
    invalid = _csv_member(path, "upload_audit_invalid.csv")
    assert invalid[1] == ["2", '\'=HYPERLINK("http://evil","x")', "not a phone number"]
    duplicates = _csv_member(path, "upload_audit_duplicates.csv")
    # Phone columns are not quoted (the redactor then masks the number: "[phone#1 +44 **01]").
    assert duplicates[1][0].startswith("[phone#")
    header, row = _csv_member(path, "retry_cohort.csv")
    cells = dict(zip(header, row, strict=True))
    assert cells["recipient_id"] == "'@SUM(1)"
    assert cells["reason"] == "'=bad"
    assert cells["last_failure_code"] == "'-1+2"
    assert cells["phone_number"].startswith("[phone#")
