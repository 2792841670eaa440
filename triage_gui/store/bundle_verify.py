"""Check a diagnostics bundle against its own manifest (``triage-gui bundle verify``).

A bundle passes when the zip reads cleanly (every member's CRC), ``manifest.json`` parses,
every file it lists is present with the listed size and SHA-256, and nothing else is in the
zip (a file added later, or a second member under a listed name, would be unchecked content).
Every problem is reported, not just the first, so one run says everything that is wrong.

A bundle may come from anywhere, so what is read is bounded and every failure is a plain
sentence, never a traceback:

- Before the zip is opened: only a regular file is read, and its central directory (which
  :mod:`zipfile` reads whole into memory) must be at most :data:`MAX_DIRECTORY_BYTES` and list
  at most :data:`MAX_MEMBERS` members. Failing that, nothing is checked (``readable=False``).
- In the zip: the manifest is read only up to :data:`MAX_MANIFEST_BYTES` and nested at most
  :data:`MAX_MANIFEST_DEPTH` deep; a member is hashed only if it is not encrypted, uses a
  compression method :mod:`zipfile` reads, declares at most :data:`MAX_MEMBER_BYTES`, and the
  members hashed so far add up to at most :data:`MAX_TOTAL_BYTES`. Each refusal is a problem
  (``readable=True``, a mismatch): a bundle the app wrote never breaks these bounds.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import stat
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from triage_gui.store.bundle_writer import BUNDLE_FORMAT, MANIFEST_NAME

MAX_MEMBERS = 1_000  # a bundle holds a dozen files and a few screenshots
MAX_DIRECTORY_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 4 << 20  # a real manifest is a few KB
MAX_MANIFEST_DEPTH = 32  # a real manifest is 3 deep
MAX_MEMBER_BYTES = 1 << 30  # case.json of a million-recipient job is a few hundred MB
MAX_TOTAL_BYTES = 4 << 30
_READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    OSError,  # bz2 reports bad data as OSError
    EOFError,
    zlib.error,
    lzma.LZMAError,
    RuntimeError,  # encrypted
    NotImplementedError,  # compression method
    ValueError,
)
_CHUNK = 1 << 20
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    readable: bool = True  # False: not a zip at all (or missing), nothing could be checked
    files_checked: int = 0


def verify_bundle(path: Path | str) -> VerifyResult:
    try:
        refusal = _refusal_before_opening(Path(path))
        if refusal:
            return VerifyResult(False, [f"{path}: {refusal}"], readable=False)
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        return VerifyResult(False, [f"{path}: no such file"], readable=False)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return VerifyResult(False, [f"{path}: not a readable zip file ({exc})"], readable=False)
    try:
        with archive:
            return _verify(archive)
    except Exception as exc:  # the last resort: a sentence rather than a traceback
        return VerifyResult(False, [f"{path}: could not be checked ({type(exc).__name__}: {exc})"], readable=False)


def _refusal_before_opening(path: Path) -> str:
    """Why the zip must not be opened at all ("" when it may be): not a regular file, or a
    central directory beyond the bounds (read from the end-of-central-directory record)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        return "not a regular file (a directory, FIFO or device); a bundle is a .zip file"
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        tail_start = max(0, size - _EOCD.size - 0xFFFF)
        handle.seek(tail_start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            return ""  # not a zip: zipfile says so in its words
        members, directory = _EOCD.unpack_from(tail, at)[4:6]
        if (members == 0xFFFF or directory == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
            sig, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
            if sig == b"PK\x06\x07" and offset + _ZIP64_EOCD.size <= size:
                handle.seek(offset)
                record = handle.read(_ZIP64_EOCD.size)
                if record[:4] == b"PK\x06\x06":
                    members, directory = _ZIP64_EOCD.unpack(record)[7:9]
    if members > MAX_MEMBERS:
        return f"lists {members} members, more than a diagnostics bundle holds (at most {MAX_MEMBERS}); not checked"
    if directory > MAX_DIRECTORY_BYTES:
        return (
            f"its directory of members is {directory} bytes, more than a diagnostics bundle's "
            f"(at most {MAX_DIRECTORY_BYTES}); not checked"
        )
    return ""


def _verify(archive: zipfile.ZipFile) -> VerifyResult:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:  # the end record undercounted them
        return VerifyResult(
            False, [f"the zip holds {len(infos)} members, more than {MAX_MEMBERS}; not checked"], readable=False
        )
    problems: list[str] = []
    members = [info.filename for info in infos]
    for name, count in sorted(Counter(members).items()):
        if count > 1:
            problems.append(f"{name}: appears {count} times in the zip")
        if _unsafe(name):
            problems.append(f"{name}: unsafe path in the zip")
    manifest = _manifest(archive, members, problems)
    if manifest is None:
        return VerifyResult(False, problems)
    listed: dict[str, dict[str, Any]] = {}
    for item in manifest.get("files") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append("manifest.json: a file entry has no name")
            continue
        listed[item["name"]] = item
    checked = total = 0
    present = set(members)
    for name, item in listed.items():
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing from the zip")
            continue
        info = archive.getinfo(name)
        total += info.file_size
        refusal = _member_refusal(info) or (
            f"the files so far add up to more than {MAX_TOTAL_BYTES} bytes" if total > MAX_TOTAL_BYTES else ""
        )
        if refusal:
            problems.append(f"{name}: {refusal}; not checked")
            continue
        size, digest, error = _measure(archive, info)
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


def _member_refusal(info: zipfile.ZipInfo, limit: int | None = None) -> str:
    """Why a member is not read ("" when it is read); ``limit``: its size bound."""
    limit = MAX_MEMBER_BYTES if limit is None else limit
    if info.flag_bits & 0x1:
        return "encrypted (the app never encrypts a bundle's files)"
    if info.compress_type not in _READABLE_METHODS:
        return f"compressed with method {info.compress_type}, which this tool does not read"
    if info.file_size > limit:
        return f"{info.file_size} bytes, more than the limit of {limit}"
    return ""


def _manifest(archive: zipfile.ZipFile, members: list[str], problems: list[str]) -> dict[str, Any] | None:
    if MANIFEST_NAME not in members:
        problems.append(f"{MANIFEST_NAME}: missing (not a diagnostics bundle?)")
        return None
    info = archive.getinfo(MANIFEST_NAME)
    refusal = _member_refusal(info, MAX_MANIFEST_BYTES)
    if refusal:
        problems.append(f"{MANIFEST_NAME}: {refusal}; not read")
        return None
    try:
        with archive.open(info) as member:
            data = member.read(MAX_MANIFEST_BYTES + 1)  # the declared size may lie
        if len(data) > MAX_MANIFEST_BYTES:
            problems.append(f"{MANIFEST_NAME}: more than {MAX_MANIFEST_BYTES} bytes; not read")
            return None
        manifest = json.loads(data.decode("utf-8"))
    except RecursionError:
        problems.append(f"{MANIFEST_NAME}: nested too deeply to be a manifest; not read")
        return None
    except _MEMBER_ERRORS as exc:  # ValueError covers bad JSON and bad UTF-8
        problems.append(f"{MANIFEST_NAME}: cannot be read ({exc})")
        return None
    if _depth(manifest) > MAX_MANIFEST_DEPTH:
        problems.append(f"{MANIFEST_NAME}: nested more than {MAX_MANIFEST_DEPTH} levels deep; not read")
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST_NAME}: has no list of files")
        return None
    if manifest.get("format") != BUNDLE_FORMAT:
        problems.append(f"{MANIFEST_NAME}: unknown format {manifest.get('format')!r}")
    return manifest


def _depth(value: object) -> int:
    """How deep lists and objects nest in parsed JSON (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_MANIFEST_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, str, str]:
    """Size and SHA-256 of a member, reading it through (the zip's own CRC is checked too)."""
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    return size, "", f"more than the limit of {MAX_MEMBER_BYTES} bytes; not checked"
    except _MEMBER_ERRORS as exc:
        return 0, "", f"damaged in the zip ({exc})"
    return size, digest.hexdigest(), ""


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name)
    return path.is_absolute() or ".." in path.parts or "\\" in name
