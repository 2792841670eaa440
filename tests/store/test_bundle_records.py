"""The bundle's newer files: per-call records, the HTTP request log, the app's log, the
provider in the manifest, screenshot names the form shares, and where a re-export goes."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest

from tests.store.test_bundle_writer import png
from triage_gui.domain.case import Case, CaseInputs
from triage_gui.domain.escalation_form import build_form
from triage_gui.domain.models import CallAttempt, CallAttemptSchema, CallStatus, Failure
from triage_gui.store import bundle_files
from triage_gui.store.bundle_verify import verify_bundle
from triage_gui.store.bundle_writer import BundleInputs, write_bundle

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TOKEN = "tok_Records-Secret-5e4d3c2b1a"
UK, US = "+447700900123", "+14155550132"


def _calls() -> list[CallAttempt]:
    failed = Failure(code="no_answer", sip_status=480, message=f"callee {US} did not answer")
    return [
        CallAttempt(id="att_1", recipient_id="rcp_1", phone_number=UK, status=CallStatus.SUCCEEDED, queued_at=T0),
        CallAttempt(id="att_2", recipient_id="rcp_2", phone_number=US, status=CallStatus.FAILED, failure=failed),
        CallAttempt(id="att_3", recipient_id="rcp_2", phone_number=US, attempt=2, status=CallStatus.FAILED),
        CallAttempt(id="att_4", recipient_id="rcp_3", phone_number="0044 7700 900999", status=CallStatus.FAILED),
    ]


def _case() -> Case:
    case = Case(created_at=T0, updated_at=T0, inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    case.notes["job_health"] = f"customer says {US} was never called"
    return case


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_per_call_records_mask_numbers_with_the_bundles_pseudonyms(tmp_path: Path) -> None:
    requests = [
        {"at": "2026-11-25T09:00:00.000Z", "method": "GET", "path": f"/v1/jobs/job_1?api_key={TOKEN}", "status": 200},
    ]
    inputs = BundleInputs(
        case=_case(),
        calls=_calls(),
        http_requests=requests,
        log_text=f"GET with Bearer {TOKEN} for {UK}\n",
        secrets=[TOKEN],
        provider="elevenlabs",
        created_at=T0,
    )
    result = write_bundle(inputs, tmp_path / "b.zip")
    members = _members(result.path)
    assert not any(TOKEN.encode() in blob or UK.encode() in blob or US.encode() in blob for blob in members.values())
    calls = [json.loads(line) for line in members["calls.jsonl"].decode().splitlines()]
    assert [c["id"] for c in calls] == ["att_1", "att_2", "att_3", "att_4"]
    uk, us = calls[0]["phone_number"], calls[1]["phone_number"]
    assert re.fullmatch(r"\[phone#\d+ \+44 \*\*23\]", uk) and us.endswith("+1 **32]")
    assert calls[2]["phone_number"] == us and calls[2]["attempt"] == 2  # same number, same pseudonym
    assert calls[3]["phone_number"].startswith("[phone#") and "900999" not in members["calls.jsonl"].decode()
    assert calls[1]["failure_class"] == "transient" and calls[1]["failure"]["sip_status"] == 480
    assert calls[1]["failure"]["message"] == f"callee {us} did not answer"
    assert calls[0]["failure_class"] == "" and calls[0]["queued_at"] == "2026-11-25T09:00:00Z"
    assert "dispatch_key" not in calls[0] and "recipient_id" in calls[0]
    # the same pseudonyms as in the files before it (the case's notes, the log)
    assert us in members["case.json"].decode() and uk in members["app.log"].decode()
    report = json.loads(members["redaction_report.json"])
    assert report["files"]["calls.jsonl"]["phone_numbers"] == 5  # four numbers, one in a message
    http = [json.loads(line) for line in members["http_requests.jsonl"].decode().splitlines()]
    assert http[0]["path"] == "/v1/jobs/job_1?api_key=[REDACTED]" and http[0]["status"] == 200
    manifest = json.loads(members["manifest.json"])
    assert manifest["provider"] == "elevenlabs"
    assert {"calls.jsonl", "http_requests.jsonl", "app.log"} <= {f["name"] for f in manifest["files"]}
    assert verify_bundle(result.path).ok


def test_a_tampered_per_call_record_fails_verification(tmp_path: Path) -> None:
    path = write_bundle(BundleInputs(case=_case(), calls=_calls(), created_at=T0), tmp_path / "b.zip").path
    members = _members(path)
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, blob in members.items():
            archive.writestr(name, blob.replace(b"att_2", b"att_9") if name == "calls.jsonl" else blob)
    assert any(p.startswith("calls.jsonl: SHA-256 differs") for p in verify_bundle(tampered).problems)


def test_without_calls_or_requests_the_manifest_says_why(tmp_path: Path) -> None:
    result = write_bundle(BundleInputs(case=_case(), created_at=T0), tmp_path / "b.zip")
    omitted = {o["name"] for o in result.manifest["omitted"]}
    assert {"calls.jsonl", "http_requests.jsonl"} <= omitted
    # no provider given: the case's own, when it records one
    assert result.manifest["provider"] == str(getattr(_case().inputs, "provider", "") or "")


def test_the_forms_screenshot_names_are_the_bundles_members(tmp_path: Path) -> None:
    case = _case()
    case.screenshots = ["screenshot-1-window.png", "screenshot-2-page.png", "screenshot-3-screen.png"]
    form = build_form(case, None, screenshots=case.screenshots)  # as the export page builds it
    shots = [("screenshot-1-window.png", png()), ("customer +44 7700 900123.png", png())]  # #2 unreadable
    inputs = BundleInputs(case=case, form=form, screenshots=shots, created_at=T0)
    members = _members(write_bundle(inputs, tmp_path / "b.zip").path)
    in_zip = sorted(n for n in members if n.startswith("screenshots/"))
    assert in_zip == ["screenshots/02-customer.png", "screenshots/screenshot-1-window.png"]
    markdown = members["form.md"].decode().replace("\\_", "_")
    listed = re.search(r"\| Screenshot \| (.*) \|", markdown)
    assert listed is not None and sorted(listed.group(1).split(", ")) == in_zip
    html = members["form.html"].decode()
    assert all(f"src='{name}'" in html or f'src="{name}"' in html for name in in_zip)


def test_an_agents_own_screenshot_text_gets_the_bundles_names() -> None:
    case = _case()
    form = build_form(case, None, screenshots=["screenshot-1-window.png"])
    form.set_value("screenshot", "see screenshot-1-window.png (the failing row)")
    out = bundle_files.form_for_bundle(form, ["screenshot-1-window.png"], ["screenshots/screenshot-1-window.png"])
    assert out.field("screenshot").value == "see screenshots/screenshot-1-window.png (the failing row)"
    assert form.field("screenshot").value.startswith("see screenshot-1")  # the page's form is not changed


def test_a_name_taken_meanwhile_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "b.zip"
    target.write_bytes(b"first")
    real = bundle_files.free_name
    calls = []

    def racing(path: Path) -> Path:  # another export takes b-2.zip between the look and the move
        name = real(path)
        if not calls:
            name.write_bytes(b"second")
        calls.append(name)
        return name

    monkeypatch.setattr(bundle_files, "free_name", racing)
    tmp = tmp_path / "partial"
    tmp.write_bytes(b"third")
    assert bundle_files.place(tmp, target, overwrite=False) == tmp_path / "b-3.zip"
    assert [(tmp_path / n).read_bytes() for n in ("b.zip", "b-2.zip", "b-3.zip")] == [b"first", b"second", b"third"]
    assert not tmp.exists()


def test_per_call_lines_are_the_attempts_as_pydantic_writes_them(tmp_path: Path) -> None:
    """The lines are what they were when calls were pydantic models: the schema's own JSON."""

    odd = CallAttempt(
        id='att_"quoted"\n',
        recipient_id="rcp_\u00e9\u2028",
        phone_number="",
        status=CallStatus.FAILED,
        failure=Failure(code="x\\y", sip_status=None, message="tab\there", retryable=False),
        queued_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        dispatched_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        ended_at=datetime(2026, 1, 2, 3, 4, 5),
    )
    calls = [*_calls(), odd]
    lines = bundle_files.calls_jsonl(calls, lambda n: f"<{n}>").decode().split("\n")[:-1]
    assert len(lines) == len(calls)
    for call, line in zip(calls, lines, strict=True):
        got = json.loads(line)
        schema = CallAttemptSchema.model_validate(msgspec.to_builtins(call))
        want = json.loads(schema.model_dump_json(exclude={"dispatch_key", "phone_number"}))
        assert got.pop("phone_number") == f"<{call.phone_number}>"
        got.pop("failure_class")
        assert got == want and list(got) == list(want)  # the same values, the same order


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 25, 10, 0, 5, 250000, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC),
        datetime(2026, 11, 25, 10, 0, 5, 123456),  # a server's naive time, kept naive
        datetime(2026, 11, 25, 10, 0, 5, 1, tzinfo=UTC),
    ],
)
def test_event_lines_are_byte_for_byte_what_pydantic_wrote(at: datetime) -> None:
    """events.jsonl was each event's ``model_dump_json()``; the records write the same bytes."""
    from triage_gui.domain.models import EventType, JobEvent, JobEventSchema

    event = JobEvent(seq=5, at=at, type=EventType.DISPATCHED, recipient_id=None, detail='é\u2028"x"\\')
    line = bundle_files.jsonl([event])
    assert line == JobEventSchema(**msgspec.structs.asdict(event)).model_dump_json().encode() + b"\n"
