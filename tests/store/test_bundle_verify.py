"""``verify_bundle``: every listed file present and unchanged, nothing added, the zip intact."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage_gui.domain.case import Case, CaseInputs
from triage_gui.store.bundle_verify import verify_bundle
from triage_gui.store.bundle_writer import MANIFEST_NAME, BundleInputs, write_bundle

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_bundle(path: Path) -> Path:
    case = Case(created_at=T0, updated_at=T0, title="verify me", inputs=CaseInputs(workspace_id="ws_1", job_id="job_1"))
    case.notes["job_health"] = "counters frozen"
    write_bundle(BundleInputs(case=case, log_text="one line\n", created_at=T0), path)
    return path


def rewrite(
    source: Path, target: Path, *, change: dict[str, bytes | None] | None = None, extra: dict[str, bytes] | None = None
) -> Path:
    """A copy of the zip with members replaced (None: removed) or added."""
    change = change or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = change.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "bundle.zip")


def test_an_untouched_bundle_verifies(bundle: Path) -> None:
    result = verify_bundle(bundle)
    assert result.ok and result.readable and result.problems == []
    with zipfile.ZipFile(bundle) as archive:
        assert result.files_checked == len(archive.namelist()) - 1  # all but the manifest itself


def test_a_rewritten_member_is_caught(bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        log = archive.read("app.log")
    same_size = rewrite(bundle, tmp_path / "t1.zip", change={"app.log": log.replace(b"one", b"two")})
    result = verify_bundle(same_size)
    assert not result.ok and result.readable
    assert result.problems == ["app.log: SHA-256 differs from the manifest (the file was changed)"]
    longer = verify_bundle(rewrite(bundle, tmp_path / "t2.zip", change={"app.log": log + b"more\n"}))
    assert [p.split(":")[0] for p in longer.problems] == ["app.log", "app.log"]
    assert "size" in longer.problems[0]


def test_added_missing_and_duplicated_members_are_caught(bundle: Path, tmp_path: Path) -> None:
    extra = verify_bundle(rewrite(bundle, tmp_path / "a.zip", extra={"screenshots/evil.png": b"x"}))
    assert extra.problems == ["screenshots/evil.png: not listed in the manifest (added after the bundle was made)"]
    missing = verify_bundle(rewrite(bundle, tmp_path / "m.zip", change={"case.json": None}))
    assert missing.problems == ["case.json: listed in the manifest but missing from the zip"]
    with zipfile.ZipFile(bundle) as archive:
        original = archive.read("case.json")
    twice = rewrite(bundle, tmp_path / "d.zip")
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(twice, "a") as archive:
        archive.writestr("case.json", original + b" ")
    assert "case.json: appears 2 times in the zip" in verify_bundle(twice).problems
    traversal = verify_bundle(rewrite(bundle, tmp_path / "p.zip", extra={"../outside.txt": b"x"}))
    assert "../outside.txt: unsafe path in the zip" in traversal.problems


def test_manifest_problems(bundle: Path, tmp_path: Path) -> None:
    no_manifest = verify_bundle(rewrite(bundle, tmp_path / "n.zip", change={MANIFEST_NAME: None}))
    assert not no_manifest.ok and no_manifest.readable
    assert no_manifest.problems == ["manifest.json: missing (not a diagnostics bundle?)"]
    garbled = verify_bundle(rewrite(bundle, tmp_path / "g.zip", change={MANIFEST_NAME: b"{not json"}))
    assert garbled.problems[0].startswith("manifest.json: cannot be read")
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
    manifest["files"] = [f for f in manifest["files"] if f["name"] != "app.log"]
    edited = verify_bundle(rewrite(bundle, tmp_path / "e.zip", change={MANIFEST_NAME: json.dumps(manifest).encode()}))
    assert edited.problems == ["app.log: not listed in the manifest (added after the bundle was made)"]


def test_unreadable_files(tmp_path: Path, bundle: Path) -> None:
    missing = verify_bundle(tmp_path / "nope.zip")
    assert not missing.ok and not missing.readable and "no such file" in missing.problems[0]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip file at all")
    assert not verify_bundle(junk).readable
    # A damaged member (bytes flipped inside the compressed data) is a problem, not a crash.
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo("case.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + 25):
        data[i] ^= 0x55
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    result = verify_bundle(damaged)
    assert result.readable and not result.ok
    assert any(p.startswith("case.json:") for p in result.problems)
