"""``triage-gui bundle verify FILE.zip``: exit 0 when intact, 1 listing each mismatch, 2 when unreadable."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage_gui.cli.main import main
from triage_gui.domain.case import Case, CaseInputs
from triage_gui.store.bundle_writer import BundleInputs, write_bundle

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    case = Case(created_at=T0, updated_at=T0, inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    path = tmp_path / "bundle.zip"
    write_bundle(BundleInputs(case=case, log_text="a log line\n"), path)
    return path


def _tamper(bundle: Path, target: Path) -> Path:
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, data + b"x" if name == "app.log" else data)
        new.writestr("notes.txt", b"slipped in")
    return target


def test_verify_ok(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bundle", "verify", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and "files match the manifest" in out


def test_verify_lists_every_mismatch(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = _tamper(bundle, tmp_path / "tampered.zip")
    assert main(["bundle", "verify", str(tampered)]) == 1
    out = capsys.readouterr().out
    assert "app.log: size" in out and "app.log: SHA-256 differs" in out
    assert "notes.txt: not listed in the manifest" in out
    assert "FAILED:" in out and "3 problem(s)" in out
    assert main(["bundle", "verify", "--json", str(tampered)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["readable"] is True and len(payload["problems"]) == 3


def test_verify_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip", encoding="utf-8")
    assert main(["bundle", "verify", str(junk)]) == 2
    assert "not a readable zip file" in capsys.readouterr().err
    assert main(["bundle", "verify", str(tmp_path / "missing.zip")]) == 2


def test_verify_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bundle"])
    assert exit_info.value.code == 2
    assert "verify" in capsys.readouterr().err


def test_the_installed_command_exits_non_zero_on_a_mismatch(bundle: Path, tmp_path: Path) -> None:
    tampered = _tamper(bundle, tmp_path / "tampered.zip")
    run = subprocess.run(
        [sys.executable, "-m", "triage_gui", "bundle", "verify", str(tampered)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "notes.txt: not listed" in run.stdout


def test_verify_checks_the_per_call_records_and_request_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage_gui.domain.models import CallAttempt

    case = Case(created_at=T0, updated_at=T0, inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    calls = [CallAttempt(id=f"att_{i}", recipient_id=f"rcp_{i}", phone_number=f"+1415555{i:04d}") for i in range(50)]
    requests = [{"method": "GET", "path": "/v1/jobs/job_1", "status": 200, "duration_ms": 12, "request_id": "r1"}]
    path = write_bundle(BundleInputs(case=case, calls=calls, http_requests=requests), tmp_path / "b.zip").path
    assert main(["bundle", "verify", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(tampered, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            new.writestr(name, data.replace(b"r1", b"r2") if name == "http_requests.jsonl" else data)
    assert main(["bundle", "verify", str(tampered)]) == 1
    assert "http_requests.jsonl: SHA-256 differs" in capsys.readouterr().out
