"""The bundle's files, each made from the case's data: the pieces :mod:`bundle_writer` packs.

Text here is raw: the writer puts every text file through the bundle's redactor. The per-call
records are the exception that proves the rule: their phone numbers are masked field by field
(:meth:`~triage_gui.store.bundle_redaction.BundleRedactor.mask_number`, the same pseudonyms),
then the file goes through the redactor like the others.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
import re
import struct
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
from pydantic import BaseModel

from triage_gui.domain.case import Case
from triage_gui.domain.classification import classify
from triage_gui.domain.csv_safety import neutralise_row
from triage_gui.domain.escalation_form import EscalationForm
from triage_gui.domain.models import CallAttempt, Record
from triage_gui.domain.report import Report, RetryCandidate

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that change how the pixels look and carry no text; everything else is dropped.
_PNG_KEEP = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs"}
)
_SAMPLED = 200  # longer lists are sized from a sample in the preview
BLOCK_LINES = 4096  # lines of a big JSON lines file made, redacted and compressed at a time
# The app's own screenshot names (ui/export/capture.py): a counter, never a phone number.
_APP_SCREENSHOT = re.compile(r"screenshot-\d{1,4}-[a-z]+\.png")


class BundleError(Exception):
    """The bundle cannot be written; the message says why."""


# -- screenshots and the form ------------------------------------------------------------------
def screenshot_members(screenshots: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Safe, unique member names. The app's own names (``screenshot-3-window.png``) are kept, so
    the form in the ticket and the bundle name the same file; any other name could hold a phone
    number, so only its digit-free letters are kept, after a counter."""
    out: list[tuple[str, bytes]] = []
    for i, (name, png) in enumerate(screenshots, start=1):
        member = f"screenshots/{name}"
        if not _APP_SCREENSHOT.fullmatch(name) or any(member == m for m, _ in out):
            stem = re.sub(r"[^A-Za-z_-]+", "-", Path(name).stem).strip("-_")[:40] or "screenshot"
            member = f"screenshots/{i:02d}-{stem}.png"
        out.append((member, png))
    return out


def form_for_bundle(form: EscalationForm, originals: Sequence[str], members: Sequence[str]) -> EscalationForm:
    """The form as the bundle holds it: its screenshots named as the bundle's members (the
    screenshot field too, unless the agent wrote it), and only those the bundle holds."""
    renamed = dict(zip(originals, members, strict=True))
    out = form.model_copy(deep=True)
    out.screenshots = list(members)
    try:
        field = out.field("screenshot")
    except KeyError:
        return out
    if not field.edited:
        field.value = ", ".join(members)
    else:
        for original, member in sorted(renamed.items(), key=lambda item: -len(item[0])):
            field.value = field.value.replace(original, member)
    return out


def strip_png_metadata(data: bytes) -> tuple[bytes, list[str]]:
    """The PNG with only the chunks needed to draw it; returns it and the chunk types dropped."""
    if not data.startswith(_PNG_SIGNATURE):
        raise BundleError("an image is not a PNG file")
    out, dropped, pos = [_PNG_SIGNATURE], [], len(_PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise BundleError("a PNG file is truncated")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise BundleError("a PNG file is truncated")
        chunk = data[pos:end]
        crc = struct.unpack(">I", chunk[-4:])[0]
        if zlib.crc32(chunk[4:-4]) != crc:
            raise BundleError(f"a PNG file is damaged (bad checksum in its {kind.decode('latin-1')!r} chunk)")
        if kind in _PNG_KEEP:
            out.append(chunk)
        else:
            dropped.append(kind.decode("latin-1"))
        pos = end
        if kind == b"IEND":
            break  # anything after IEND is not part of the image (and could hide text)
    if pos < len(data):
        dropped.append("trailing data")
    return b"".join(out), dropped


# -- tables ------------------------------------------------------------------------------------
def cohort(explicit: Sequence[RetryCandidate] | None, report: Report | None) -> list[RetryCandidate] | None:
    if explicit is not None:
        return list(explicit)
    return list(report.retry_plan.candidates) if report is not None else None


def cohort_csv(candidates: list[RetryCandidate], report: Report | None) -> str:
    sample = set(report.retry_plan.sample_ids) if report else set()
    rows = []
    for c in candidates:
        group = ("sample" if c.recipient_id in sample else "remainder") if c.included else "excluded"
        rows.append(
            [
                c.recipient_id,
                group,
                c.reason,
                c.e164 or "",
                c.last_failure_code or "",
                c.failure_class.value if c.failure_class else "",
                c.attempts,
            ]
        )
    header = ["recipient_id", "cohort", "reason", "phone_number", "last_failure_code", "failure_class", "attempts"]
    return csv_text(header, rows, phone_columns={3})


def calls_jsonl(calls: Sequence[CallAttempt], mask: Callable[[str], str]) -> bytes:
    """:func:`calls_jsonl_blocks` as one text."""
    return b"".join(calls_jsonl_blocks(calls, mask))


def calls_jsonl_blocks(
    calls: Sequence[CallAttempt], mask: Callable[[str], str], *, lines: int | None = None
) -> Iterator[bytes]:
    """One call attempt a line (UTF-8 JSON): its masked number (``mask``: the bundle's
    pseudonyms) and our failure class first, then the attempt's other fields as the API names
    them (as in ``events.jsonl``), its raw number and dispatch key (the IDs again) left out. In
    blocks of ``lines`` whole lines (:data:`BLOCK_LINES`): a 1M-recipient case's ~300 MB is never
    one object, nor one join that holds the GIL for half a second."""
    encode = msgspec.json.encode
    kept = [name for name in CallAttempt.__struct_fields__ if name not in _CALL_LEFT_OUT]
    fields = operator.attrgetter(*kept)
    step = lines or BLOCK_LINES
    for first in range(0, len(calls), step):
        out: list[bytes] = []
        for call in calls[first : first + step]:
            number = mask(call.phone_number)
            if '"' in number or "\\" in number or not number.isprintable():
                number = json.dumps(number, ensure_ascii=False)[1:-1]
            failure_class = classify(call.failure).value if call.failure is not None else ""
            head = f'{{"phone_number":"{number}","failure_class":"{failure_class}",'
            out += (head.encode("utf-8"), encode(dict(zip(kept, fields(call), strict=True)))[1:], b"\n")
        yield b"".join(out)


_CALL_LEFT_OUT = {"phone_number", "dispatch_key"}


def csv_text(header: list[str], rows: list[list[Any]], phone_columns: Collection[int] = ()) -> str:
    """CSV text; every cell through the formula-injection neutraliser (phone columns keep "+")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row, phone_columns) for row in rows)
    return buffer.getvalue()


def requests_jsonl(records: Sequence[Mapping[str, Any]]) -> str:
    """The HTTP request log, one request per line, oldest first."""
    return "".join(json.dumps(dict(r), ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def jsonl(items: Sequence[BaseModel | Record]) -> bytes:
    """One JSON object a line, UTF-8: a model as ``model_dump_json()`` writes it (its serializer
    called directly: the same, faster), a record (an event) as ``msgspec`` does, the same way."""
    return b"".join(jsonl_blocks(items))


def jsonl_blocks(items: Sequence[BaseModel | Record], *, lines: int | None = None) -> Iterator[bytes]:
    """:func:`jsonl` in blocks of ``lines`` whole lines (:data:`BLOCK_LINES`)."""
    step = lines or BLOCK_LINES
    for first in range(0, len(items), step):
        yield b"".join(_json(item) + b"\n" for item in items[first : first + step])


def _json(item: BaseModel | Record) -> bytes:
    if isinstance(item, Record):
        return msgspec.json.encode(item)
    return item.__pydantic_serializer__.to_json(item)


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- sizes for the preview ---------------------------------------------------------------------
def estimate_lines(items: Sequence[Any]) -> int:
    if len(items) <= _SAMPLED:
        return sum(len(_json(item)) + 1 for item in items)
    step = len(items) / _SAMPLED
    sample = [items[int(i * step)] for i in range(_SAMPLED)]
    return int(sum(len(_json(item)) + 1 for item in sample) * len(items) / _SAMPLED)


# Each candidate is a row of retry_cohort.csv; the planned recipients are its rows not excluded.
_CASE_LEFT_OUT = {"report": {"retry_plan": {"candidates", "recipient_ids"}}}


def case_json(case: Case, *, candidates: bool = False) -> str:
    """The case as JSON; the retry plan's candidates and planned recipient ids left out unless
    ``candidates``: they are the rows of ``retry_cohort.csv`` (a 1M-recipient job has ~400k
    candidates, ~10 indented lines each)."""
    return case.model_dump_json(indent=2, exclude=None if candidates else _CASE_LEFT_OUT)


def estimate_case(case: Case, *, candidates: bool = False) -> int:
    if not candidates or case.report is None:
        return len(case_json(case))
    return len(case_json(case)) + int(estimate_lines(case.report.retry_plan.candidates) * 1.4)  # indented


def estimate_calls(calls: Sequence[CallAttempt]) -> int:
    return estimate_lines(calls)  # the number is shorter masked, the class adds about as much


# -- where the bundle goes ---------------------------------------------------------------------
def free_name(target: Path) -> Path:
    """``target``, or when a file of that name exists the first free ``<stem>-2.zip``, ``-3``..."""
    if not os.path.lexists(target):
        return target
    n = 2
    while os.path.lexists(candidate := target.with_name(f"{target.stem}-{n}{target.suffix}")):
        n += 1
    return candidate


def place(tmp: Path, target: Path, *, overwrite: bool) -> Path:
    """Move the finished temp file to ``target`` (replacing it only with ``overwrite``), or to the
    next free name; never over a file that appeared in the meantime. Returns where it went."""
    if overwrite:
        os.replace(tmp, target)
        return target
    for _ in range(1000):
        where = free_name(target)
        try:
            os.link(tmp, where)  # fails if the name was taken since: no silent overwrite
        except FileExistsError:
            continue
        except OSError:  # no hard links here (some shares): claim the name, then replace it
            try:
                os.close(os.open(where, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            os.replace(tmp, where)
            return where
        tmp.unlink()
        return where
    raise BundleError(f"no free file name next to {target}")
