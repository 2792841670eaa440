"""Check a diagnostics bundle against its own manifest (``triage-gui bundle verify``).

A bundle passes when the zip reads cleanly (every member's CRC), ``manifest.json`` parses,
every file it lists is present with the listed size and SHA-256, and nothing else is in the
zip (a file added later, or a second member under a listed name, would be unchecked content).
Every problem is reported, not just the first, so one run says everything that is wrong.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from triage_gui.store.bundle_writer import BUNDLE_FORMAT, MANIFEST_NAME

_CHUNK = 1 << 20


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    readable: bool = True  # False: not a zip at all (or missing), nothing could be checked
    files_checked: int = 0


def verify_bundle(path: Path | str) -> VerifyResult:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        return VerifyResult(False, [f"{path}: no such file"], readable=False)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return VerifyResult(False, [f"{path}: not a readable zip file ({exc})"], readable=False)
    with archive:
        return _verify(archive)


def _verify(archive: zipfile.ZipFile) -> VerifyResult:
    problems: list[str] = []
    members = [info.filename for info in archive.infolist()]
    for name, count in sorted(Counter(members).items()):
        if count > 1:
            problems.append(f"{name}: appears {count} times in the zip")
        if _unsafe(name):
            problems.append(f"{name}: unsafe path in the zip")
    manifest = _manifest(archive, members, problems)
    if manifest is None:
        return VerifyResult(False, problems)
    listed: dict[str, dict] = {}
    for item in manifest.get("files") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append("manifest.json: a file entry has no name")
            continue
        listed[item["name"]] = item
    checked = 0
    present = set(members)
    for name, item in listed.items():
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing from the zip")
            continue
        size, digest, error = _measure(archive, name)
        checked += 1
        if error:
            problems.append(f"{name}: {error}")
            continue
        if size != item.get("size"):
            problems.append(f"{name}: size {size} differs from the manifest's {item.get('size')}")
        if digest != item.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
    for name in sorted(present - set(listed) - {MANIFEST_NAME}):
        if not name.endswith("/"):
            problems.append(f"{name}: not listed in the manifest (added after the bundle was made)")
    return VerifyResult(not problems, problems, files_checked=checked)


def _manifest(archive: zipfile.ZipFile, members: list[str], problems: list[str]) -> dict | None:
    if MANIFEST_NAME not in members:
        problems.append(f"{MANIFEST_NAME}: missing (not a diagnostics bundle?)")
        return None
    try:
        manifest = json.loads(archive.read(MANIFEST_NAME).decode("utf-8"))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError, zlib.error) as exc:
        problems.append(f"{MANIFEST_NAME}: cannot be read ({exc})")
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST_NAME}: has no list of files")
        return None
    if manifest.get("format") != BUNDLE_FORMAT:
        problems.append(f"{MANIFEST_NAME}: unknown format {manifest.get('format')!r}")
    return manifest


def _measure(archive: zipfile.ZipFile, name: str) -> tuple[int, str, str]:
    """Size and SHA-256 of a member, reading it through (the zip's own CRC is checked too)."""
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        return 0, "", f"damaged in the zip ({exc})"
    return size, digest.hexdigest(), ""


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    return path.is_absolute() or ".." in path.parts or "\\" in name
