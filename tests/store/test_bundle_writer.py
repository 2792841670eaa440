"""The diagnostics bundle, end to end against the real simulator: nothing secret gets out.

A token and raw phone numbers are planted where real ones turn up (the agent's notes, the app's
log, a screenshot's PNG text chunk, the chart's EXIF chunk); after a full fetch + analyse +
bundle, every member of the zip is searched as bytes for the token (whole and halves) and every
written form of the numbers, digits-only included.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
import zipfile
import zlib
from datetime import datetime
from pathlib import Path

import msgspec
import phonenumbers
import pytest

from triage_gui import __version__
from triage_gui.domain.analysis import analyse
from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.incident import IncidentData
from triage_gui.domain.report import Escalation, Report
from triage_gui.domain.vocabulary import CheckId, Verdict
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.batch_v1.provider import BatchV1Provider
from triage_gui.services.bundle_assembly import case_from_incident, write_check_bundle
from triage_gui.services.incident_loading import FetchRequest, fetch_incident
from triage_gui.simulator import ManualClock, Simulator
from triage_gui.store import bundle_files
from triage_gui.store.bundle_files import BLOCK_LINES
from triage_gui.store.bundle_verify import verify_bundle
from triage_gui.store.bundle_writer import (
    MANIFEST_NAME,
    BundleCancelled,
    BundleError,
    BundleInputs,
    BundleRefused,
    plan_bundle,
    strip_png_metadata,
    write_bundle,
)

TOKEN = "tok_Pl4nted-Secret-9f8e7d6c5b4a"
# (as planted in the notes, as planted elsewhere) for three numbers
UK = ("+44 7700 900123", "+447700900123")
US = ("+1 (415) 555-0132", "+1 415-555-0132")
DE = ("+49 30 12345678", "0049 30 12345678")
PLANTED = (UK, US, DE)
SIG = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*extra: tuple[bytes, bytes]) -> bytes:
    """A real 2x2 RGB PNG with ``extra`` chunks before the pixels."""
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00\x00\xff\x00" for _ in range(2)))
    return (
        SIG
        + _chunk(b"IHDR", header)
        + b"".join(_chunk(k, d) for k, d in extra)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def chunk_types(data: bytes) -> list[str]:
    types, pos = [], len(SIG)
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        types.append(kind.decode())
        pos += 12 + length
    return types


@pytest.fixture(scope="module")
def dirty_upload() -> tuple[IncidentData, Report]:
    with Simulator(scenarios=["dirty_upload"], token=TOKEN, clock=ManualClock()) as sim:
        info = sim.scenario("dirty_upload")
        with BatchApiClient(sim.base_url or "", sim.token, timeout=10.0) as client:
            data = fetch_incident(
                BatchV1Provider(client), FetchRequest(workspace_id=info.workspace_id, job_id=info.job_id)
            )
    return data, analyse(data)


def _inputs(data: IncidentData, report: Report, **overrides) -> BundleInputs:
    case = case_from_incident(data, report)
    case.notes["job_health"] = f"Customer rang from {UK[0]}, then {US[0]} and {DE[0]}; their token is {TOKEN}"
    case.overrides[CheckId.DUPLICATES] = VerdictOverride(
        verdict=Verdict.FAIL, reason="customer confirms repeats", at=report.generated_at
    )
    log_text = (
        f"2026-11-25 09:58:00 INFO  triage_gui.api GET /v1/workspaces/ws_demo Authorization: Bearer {TOKEN}\n"
        f"2026-11-25 09:58:01 INFO  triage_gui.ui PLANTED-A {UK[1]} PLANTED-B {US[1]} PLANTED-C {DE[1]}\n"
        f"2026-11-25 09:58:02 DEBUG triage_gui.api env TRIAGE_API_TOKEN={TOKEN}\n"
    )
    text = f"Comment\x00caller {UK[1]} {US[1]} {DE[1]} token {TOKEN}".encode()
    itxt = b"Description\x00\x00\x00en\x00\x00" + f"{UK[0]} {TOKEN}".encode()
    screenshot = png(
        (b"tEXt", text),
        (b"iTXt", itxt),
        (b"zTXt", b"Note\x00\x00" + zlib.compress(TOKEN.encode())),
        (b"tIME", b"\x07\xea\x0b\x19\x09\x3a\x00"),
    )
    chart = png((b"eXIf", b"MM\x00*" + UK[1].encode()), (b"tEXt", b"Software\x00pyqtgraph"))
    fields = dict(
        case=case,
        report=report,
        screenshots=[(f"customer {UK[0]} page.png", screenshot)],
        chart_png=chart,
        events=data.events,
        contact_audit=data.contact_audit,
        log_text=log_text,
        secrets=[TOKEN],
    )
    fields.update(overrides)
    return BundleInputs(**fields)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _leak_forms(data: IncidentData) -> list[str]:
    """Every form of a secret or number that must not appear in any file."""
    forms = [TOKEN, TOKEN[: len(TOKEN) // 2], TOKEN[len(TOKEN) // 2 :]]
    for written in PLANTED:
        for text in written:
            forms += [text, re.sub(r"\D", "", text), "+" + re.sub(r"\D", "", text).removeprefix("00")]
    for c in data.calls:  # the simulator's own valid numbers, as E.164 and as digits only
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(c.phone_number, None))
        except phonenumbers.NumberParseException:
            valid = False
        if valid:
            forms += [c.phone_number, c.phone_number.lstrip("+")]
    return sorted(set(forms))


def test_full_run_bundle_hides_tokens_and_numbers_and_verifies(
    qapp, dirty_upload: tuple[IncidentData, Report], tmp_path: Path
) -> None:
    from PySide6.QtGui import QImage

    from triage_gui.ui.export.form_pdf import html_to_pdf_bytes

    data, report = dirty_upload
    inputs = _inputs(data, report, pdf_renderer=html_to_pdf_bytes)
    seen: list[tuple[int, int, str]] = []
    out = tmp_path / "bundle.zip"
    result = write_bundle(inputs, out, progress=lambda done, total, name: seen.append((done, total, name)))

    members = _members(out)
    assert sorted(members) == sorted(
        [
            "app.log",
            "case.json",
            "chart.png",
            "events.jsonl",
            "form.html",
            "form.md",
            "form.pdf",
            MANIFEST_NAME,
            "redaction_report.json",
            "retry_cohort.csv",
            "screenshots/01-customer-page.png",
            "snapshots.jsonl",
            "upload_audit.json",
            "upload_audit_duplicates.csv",
            "upload_audit_invalid.csv",
        ]
    )
    # The manifest's checksums, recomputed by hand; every other member is listed.
    manifest = json.loads(members[MANIFEST_NAME])
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(members) - {MANIFEST_NAME}
    for name, item in listed.items():
        assert item["size"] == len(members[name]) and item["sha256"] == hashlib.sha256(members[name]).hexdigest(), name
    assert verify_bundle(out).ok
    assert manifest["app_version"] == __version__ and manifest["case"]["job_id"] == data.job.id
    assert datetime.fromisoformat(manifest["created_at"]).utcoffset() is not None
    assert manifest["redactions"]["raw_phone_numbers"] is False
    assert [s[0] for s in seen] == list(range(1, len(members) + 1)) and {s[1] for s in seen} == {len(members)}
    assert result.files == [f for f in result.files if f.name != MANIFEST_NAME] and len(result.files) == len(listed)

    # Bytes search over every member, images' metadata included.
    forms = _leak_forms(data)
    assert len(forms) > 20
    leaks = {(name, form) for name, blob in members.items() for form in forms if form.encode() in blob}
    assert not leaks

    # One redactor per bundle: the same number has the same pseudonym in every file.
    log = members["app.log"].decode()
    assert "Authorization: [REDACTED]" in log and "TRIAGE_API_TOKEN=[REDACTED]" in log
    pseudonyms = re.findall(r"PLANTED-. (\[phone#\d+ [^\]]+\])", log)
    assert len(pseudonyms) == 3 and len(set(pseudonyms)) == 3
    uk, us, de = pseudonyms
    assert uk.endswith("+44 **23]") and us.endswith("+1 **32]") and de.endswith("+49 **78]")
    note = f"Customer rang from {uk}, then {us} and {de}; their token is [REDACTED]"
    for name in ("case.json", "form.md", "form.html"):
        assert note in members[name].decode(), name

    # Screenshots and chart keep only what draws them, and still draw.
    for name in ("screenshots/01-customer-page.png", "chart.png"):
        assert chunk_types(members[name]) == ["IHDR", "IDAT", "IEND"]
        image = QImage.fromData(members[name])
        assert not image.isNull() and image.width() == 2
    redaction = json.loads(members["redaction_report.json"])
    assert redaction["images"]["screenshots/01-customer-page.png"]["metadata_chunks_removed"] == [
        "tEXt",
        "iTXt",
        "zTXt",
        "tIME",
    ]
    assert redaction["files"]["app.log"]["secrets"] >= 2 and redaction["files"]["app.log"]["phone_numbers"] == 3
    assert redaction["distinct_phone_numbers"] >= 3
    assert members["form.pdf"].startswith(b"%PDF")
    case_doc = json.loads(members["case.json"])  # still valid JSON after redaction
    assert case_doc["overrides"]["duplicates"]["reason"] == "customer confirms repeats"

    # bundle verify catches a member rewritten after the fact, and a file slipped in.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, blob in members.items():
            archive.writestr(name, blob.replace(b"Customer rang", b"Customer sang") if name == "case.json" else blob)
        archive.writestr("extra.txt", b"not in the manifest")
    problems = verify_bundle(tampered).problems
    assert any(p.startswith("case.json: SHA-256 differs") for p in problems)
    assert any(p.startswith("extra.txt: not listed") for p in problems)


def test_plan_lists_what_write_writes_with_sizes(dirty_upload: tuple[IncidentData, Report], tmp_path: Path) -> None:
    data, report = dirty_upload
    inputs = _inputs(data, report)
    plan = plan_bundle(inputs)
    result = write_bundle(inputs, tmp_path / "b.zip")
    assert [e.name for e in plan] == [f.name for f in result.files] + [MANIFEST_NAME]
    actual = {f.name: f.size for f in result.files}
    for entry in plan:
        assert entry.approx_size > 0 and entry.description
        if entry.name in actual and actual[entry.name] > 2000:
            assert 0.5 < entry.approx_size / actual[entry.name] < 2, entry
    assert "form.pdf" in {o["name"] for o in result.manifest["omitted"]}


def test_raw_numbers_only_for_level_3_and_recorded(dirty_upload: tuple[IncidentData, Report], tmp_path: Path) -> None:
    data, report = dirty_upload
    assert report.escalation.level < 3
    with pytest.raises(BundleRefused, match="Level 3"):
        write_bundle(_inputs(data, report, raw_numbers=True), tmp_path / "raw.zip")
    assert list(tmp_path.iterdir()) == []
    level3 = report.model_copy(update={"escalation": Escalation(level=3, title="Engineering escalation")})
    out = write_bundle(_inputs(data, level3, raw_numbers=True), tmp_path / "raw.zip").path
    members = _members(out)
    assert UK[0] in members["case.json"].decode()
    assert not any(TOKEN.encode() in blob for blob in members.values())
    manifest = json.loads(members[MANIFEST_NAME])
    assert manifest["redactions"]["raw_phone_numbers"] is True
    assert json.loads(members["redaction_report.json"])["phone_numbers"].startswith("raw")


def test_cancel_leaves_nothing_and_a_rewrite_never_replaces_the_old_bundle_silently(
    dirty_upload: tuple[IncidentData, Report], tmp_path: Path
) -> None:
    data, report = dirty_upload
    cancel = threading.Event()

    def progress(done: int, _total: int, _name: str) -> None:
        if done == 3:
            cancel.set()

    out = tmp_path / "b.zip"
    with pytest.raises(BundleCancelled):
        write_bundle(_inputs(data, report), out, progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"an older bundle")
    again = write_bundle(_inputs(data, report), out)  # re-exported: the next free name
    assert again.path == tmp_path / "b-2.zip" and verify_bundle(again.path).ok
    assert out.read_bytes() == b"an older bundle"
    third = write_bundle(_inputs(data, report), out)
    assert third.path == tmp_path / "b-3.zip"
    replaced = write_bundle(_inputs(data, report), out, overwrite=True)  # asked for: replaced
    assert replaced.path == out and verify_bundle(out).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b-2.zip", "b-3.zip", "b.zip"]


def test_headless_check_bundle_with_a_screenshot(tmp_path: Path) -> None:
    with Simulator(scenarios=["retry_loop"], token=TOKEN, clock=ManualClock()) as sim:
        info = sim.scenario("retry_loop")
        with BatchApiClient(sim.base_url or "", sim.token, timeout=10.0) as client:
            data = fetch_incident(
                BatchV1Provider(client), FetchRequest(workspace_id=info.workspace_id, job_id=info.job_id)
            )
    report = analyse(data)
    shot = png((b"tEXt", f"Author\x00{UK[1]}".encode()))
    result = write_check_bundle(
        tmp_path / "check.zip", data, report, token=TOKEN, screenshot_png=shot, log_text=f"GET with Bearer {TOKEN}\n"
    )
    members = _members(result.path)
    assert "screenshots/01-screenshot.png" in members and "chart.png" not in members
    assert verify_bundle(result.path).ok
    omitted = {o["name"]: o["reason"] for o in result.manifest["omitted"]}
    assert "headless" in omitted["chart.png"] and "form.pdf" in omitted
    forms = _leak_forms(data)
    assert not [(n, f) for n, blob in members.items() for f in forms if f.encode() in blob]
    form = members["form.md"].decode()
    assert "| Screenshot | screenshots/01-screenshot.png |" in form
    assert f"| Batch Job ID | {info.job_id} |" in form.replace("\\_", "_")
    with pytest.raises(BundleError, match="not a PNG"):
        write_check_bundle(tmp_path / "bad.zip", data, report, token=TOKEN, screenshot_png=b"GIF89a...")
    assert not (tmp_path / "bad.zip").exists()


def test_png_stripping_rejects_damaged_files() -> None:
    good = png((b"tEXt", b"k\x00v"))
    stripped, dropped = strip_png_metadata(good + b"trailing secret")
    assert chunk_types(stripped) == ["IHDR", "IDAT", "IEND"] and dropped == ["tEXt", "trailing data"]
    with pytest.raises(BundleError, match="not a PNG"):
        strip_png_metadata(b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(BundleError, match="truncated"):
        strip_png_metadata(good[:40])
    broken = bytearray(good)
    broken[20] ^= 0xFF  # inside IHDR: its checksum no longer matches
    with pytest.raises(BundleError, match="bad checksum"):
        strip_png_metadata(bytes(broken))


def test_big_files_are_written_in_blocks_and_verify(dirty_upload: tuple[IncidentData, Report], tmp_path: Path) -> None:
    """events.jsonl and calls.jsonl longer than a block (BLOCK_LINES lines) are made, redacted
    and compressed a block at a time: every line is there, once, in order, and the manifest's
    size and SHA-256 are those of the file in the zip."""
    data, report = dirty_upload
    events = [msgspec.structs.replace(e, seq=i) for i in range(2 * BLOCK_LINES + 7) for e in data.events[:1]]
    calls = [data.calls[i % len(data.calls)] for i in range(BLOCK_LINES + 3)]
    result = write_bundle(_inputs(data, report, events=events, calls=calls), tmp_path / "big.zip")
    assert verify_bundle(result.path).ok
    members = _members(result.path)
    lines = members["events.jsonl"].decode().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(len(events)))
    assert len(members["calls.jsonl"].decode().splitlines()) == len(calls)
    listed = {f.name: f for f in result.files}
    for name in ("events.jsonl", "calls.jsonl"):
        assert listed[name].size == len(members[name])
        assert listed[name].sha256 == hashlib.sha256(members[name]).hexdigest()
    assert TOKEN.encode() not in members["events.jsonl"] + members["calls.jsonl"]


def test_a_cancel_in_the_middle_of_a_big_file_leaves_nothing(
    dirty_upload: tuple[IncidentData, Report], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, report = dirty_upload
    cancel = threading.Event()
    blocks = bundle_files.jsonl_blocks
    pulled: list[int] = []

    def cancelled_after_one(items, *, lines=None):  # type: ignore[no-untyped-def]
        big = len(items) > BLOCK_LINES  # the events, not the few snapshots
        for i, block in enumerate(blocks(items, lines=lines)):
            if big:
                pulled.append(i)
            yield block
            if big and i == 0:
                cancel.set()  # the compressing thread has the file open now

    monkeypatch.setattr(bundle_files, "jsonl_blocks", cancelled_after_one)
    events = [msgspec.structs.replace(data.events[0], seq=i) for i in range(3 * BLOCK_LINES)]
    threads = threading.active_count()
    with pytest.raises(BundleCancelled):
        write_bundle(_inputs(data, report, events=events), tmp_path / "b.zip", cancel=cancel)
    assert pulled == [0, 1]  # stopped at the next block, not at the end of the file
    assert list(tmp_path.iterdir()) == []
    assert threading.active_count() == threads  # the compressing thread is gone too


def test_the_retry_candidates_are_in_the_cohort_file_not_twice(
    dirty_upload: tuple[IncidentData, Report], tmp_path: Path
) -> None:
    data, report = dirty_upload
    assert report.retry_plan.candidates  # the scenario has failed recipients
    result = write_bundle(_inputs(data, report), tmp_path / "b.zip")
    members = _members(result.path)
    plan = json.loads(members["case.json"])["report"]["retry_plan"]
    assert "candidates" not in plan and "recipient_ids" not in plan
    assert plan["excluded"] == report.retry_plan.excluded and plan["sample_ids"] == report.retry_plan.sample_ids
    rows = [r.split(",") for r in members["retry_cohort.csv"].decode().splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(c.recipient_id for c in report.retry_plan.candidates)
    assert sorted(r[0] for r in rows if r[1] != "excluded") == report.retry_plan.recipient_ids
    described = {f.name: f.description for f in result.files}
    assert "retry_cohort.csv" in described["case.json"]


def test_a_chart_that_cannot_be_encoded_is_left_out_with_the_reason(
    dirty_upload: tuple[IncidentData, Report], tmp_path: Path
) -> None:
    """The chart's PNG is made on the writer's thread; if that fails the bundle is still
    written, without it, and the manifest says why (as it did when the GUI thread encoded it)."""
    data, report = dirty_upload

    def failing_chart() -> bytes:
        raise OSError("could not encode the chart as PNG")

    result = write_bundle(_inputs(data, report, chart_png=failing_chart), tmp_path / "b.zip")
    assert verify_bundle(result.path).ok
    members = _members(result.path)
    assert "chart.png" not in members
    omitted = {o["name"]: o["reason"] for o in json.loads(members[MANIFEST_NAME])["omitted"]}
    assert "could not encode the chart" in omitted["chart.png"]
