"""``bundle verify`` on hostile zips (issue 12 §4): what it reads is bounded, and every failure is
one plain sentence with the documented exit code (1 mismatch, 2 unreadable), never a traceback."""

from __future__ import annotations

import json
import os
import struct
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage_gui.cli.main import main
from triage_gui.domain.case import Case, CaseInputs
from triage_gui.store import bundle_verify
from triage_gui.store.bundle_verify import MAX_MANIFEST_BYTES, MAX_MEMBERS, verify_bundle
from triage_gui.store.bundle_writer import MANIFEST_NAME, BundleInputs, write_bundle

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    case = Case(created_at=T0, updated_at=T0, inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    path = tmp_path / "bundle.zip"
    write_bundle(BundleInputs(case=case, log_text="a log line\n", created_at=T0), path)
    return path


def _copy(source: Path, target: Path, *, replace: dict[str, bytes] | None = None) -> Path:
    """A copy of the bundle with members replaced."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, (replace or {}).get(name, old.read(name)))
    return target


def _patch(path: Path, name: str, *, method: int | None = None, flags: int = 0) -> Path:
    """Set a member's compression method, or add general-purpose flags, in both its headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == name.encode():
            break
        central = data.find(b"PK\x01\x02", central + 4)
    assert central >= 0
    for flags_at in (local + 6, central + 8):
        struct.pack_into("<H", data, flags_at, struct.unpack_from("<H", data, flags_at)[0] | flags)
    if method is not None:
        for method_at in (local + 8, central + 10):
            struct.pack_into("<H", data, method_at, method)
    path.write_bytes(bytes(data))
    return path


def _check(path: Path, capsys: pytest.CaptureFixture[str], code: int, words: str) -> None:
    """The CLI gives ``code`` and says ``words`` in one line, with no traceback."""
    assert main(["bundle", "verify", str(path)]) == code
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert words in text and "Traceback" not in text
    assert main(["bundle", "verify", "--json", str(path)]) == code
    payload = json.loads(capsys.readouterr().out)
    assert any(words in problem for problem in payload["problems"])
    assert all("\n" not in problem for problem in payload["problems"])


def test_an_encrypted_member_is_a_mismatch_not_a_crash(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    encrypted = _patch(_copy(bundle, tmp_path / "enc.zip"), "app.log", flags=0x1)
    result = verify_bundle(encrypted)
    assert result.readable and not result.ok
    assert result.problems == ["app.log: encrypted (the app never encrypts a bundle's files); not checked"]
    _check(encrypted, capsys, 1, "app.log: encrypted")


def test_an_unknown_compression_method_is_a_mismatch_not_a_crash(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = _patch(_copy(bundle, tmp_path / "odd.zip"), "app.log", method=99)
    result = verify_bundle(odd)
    assert result.readable and result.problems == [
        "app.log: compressed with method 99, which this tool does not read; not checked"
    ]
    _check(odd, capsys, 1, "compressed with method 99")
    manifest_odd = _patch(_copy(bundle, tmp_path / "m.zip"), MANIFEST_NAME, method=99)
    assert verify_bundle(manifest_odd).problems == [
        "manifest.json: compressed with method 99, which this tool does not read; not read"
    ]


@pytest.mark.parametrize("depth", [100_000, 40])
def test_a_deeply_nested_manifest_is_refused(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    nested = b'{"files": [], "x": ' + b"[" * depth + b"]" * depth + b"}"
    path = _copy(bundle, tmp_path / "deep.zip", replace={MANIFEST_NAME: nested})
    result = verify_bundle(path)
    assert result.readable and not result.ok
    assert len(result.problems) == 1 and "manifest.json: nested" in result.problems[0]
    _check(path, capsys, 1, "manifest.json: nested")


def test_a_padded_manifest_is_not_read_into_memory(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        manifest = archive.read(MANIFEST_NAME)
    padded = manifest.rstrip() + b" " * (64 << 20)  # still valid JSON, and it used to say OK
    path = _copy(bundle, tmp_path / "padded.zip", replace={MANIFEST_NAME: padded})
    tracemalloc.start()
    try:
        result = verify_bundle(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.ok and result.readable
    assert result.problems == [
        f"manifest.json: {len(padded)} bytes, more than the limit of {MAX_MANIFEST_BYTES}; not read"
    ]
    assert peak < 8 << 20, peak
    _check(path, capsys, 1, "manifest.json: 67")


def test_a_manifest_lying_about_its_size_is_still_bounded(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        manifest = archive.read(MANIFEST_NAME)
    path = _copy(bundle, tmp_path / "big.zip", replace={MANIFEST_NAME: manifest + b" " * 5000})
    monkeypatch.setattr(bundle_verify, "MAX_MANIFEST_BYTES", len(manifest) + 100)
    monkeypatch.setattr(bundle_verify, "_member_refusal", lambda info, limit=0: "")  # trust the header
    assert verify_bundle(path).problems == [f"manifest.json: more than {len(manifest) + 100} bytes; not read"]


def test_member_and_total_size_bounds(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_verify, "MAX_MEMBER_BYTES", 10)
    result = verify_bundle(bundle)
    assert result.readable and not result.ok
    assert "app.log: 11 bytes, more than the limit of 10; not checked" in result.problems
    monkeypatch.setattr(bundle_verify, "MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(bundle_verify, "MAX_TOTAL_BYTES", 100)
    assert any("add up to more than 100 bytes; not checked" in p for p in verify_bundle(bundle).problems)


def test_too_many_members_are_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(MAX_MEMBERS + 1):
            archive.writestr(f"f{i}", b"")
    result = verify_bundle(path)
    assert not result.readable and not result.ok
    assert result.problems == [
        f"{path}: lists {MAX_MEMBERS + 1} members, more than a diagnostics bundle holds (at most {MAX_MEMBERS}); "
        "not checked"
    ]
    _check(path, capsys, 2, f"lists {MAX_MEMBERS + 1} members")


def test_a_huge_central_directory_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long-names.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(20):
            archive.writestr(f"{i:02d}" + "n" * 2000, b"")
    monkeypatch.setattr(bundle_verify, "MAX_DIRECTORY_BYTES", 10_000)
    result = verify_bundle(path)
    assert not result.readable and "its directory of members is" in result.problems[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.timeout(20)  # opening a FIFO without a writer blocks
def test_a_fifo_is_not_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "bundle.zip"
    os.mkfifo(fifo)
    assert not verify_bundle(fifo).readable
    _check(fifo, capsys, 2, "not a regular file")


def test_an_unexpected_error_is_a_sentence(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(archive: object) -> object:
        raise MemoryError("out of memory")

    monkeypatch.setattr(bundle_verify, "_verify", broken)
    result = verify_bundle(bundle)
    assert not result.readable and result.problems == [f"{bundle}: could not be checked (MemoryError: out of memory)"]
