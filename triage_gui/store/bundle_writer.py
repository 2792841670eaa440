"""The diagnostics bundle: one ``.zip`` an engineer can act on, with nothing secret inside.

Every text file passes through ONE :class:`~triage_gui.domain.redaction.Redactor` per bundle,
so a phone number gets the same pseudonym in ``case.json``, ``events.jsonl`` and ``app.log``;
tokens and ``Authorization`` values are removed everywhere, and phone numbers are masked unless
the agent opted in to raw numbers, which only a Level 3 escalation allows (recorded in the
manifest). PNGs keep only the chunks needed to draw them: text and metadata chunks (``tEXt``,
``zTXt``, ``iTXt``, ``eXIf``, ``tIME``, ICC profile names, anything unknown) are dropped by
rewriting the chunk stream. The form's PDF is rendered from the *redacted* HTML by a callback
(``pdf_renderer``, e.g. :func:`triage_gui.ui.export.form_pdf.html_to_pdf_bytes`), so this module needs
no Qt and the PDF cannot hold what the HTML no longer does.

``manifest.json`` lists every other file with its size and SHA-256
(:mod:`triage_gui.store.bundle_verify` checks them). The zip is written to a temp file beside
the target and renamed into place, so a cancelled or failed write leaves nothing half-done.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from triage_gui import __version__
from triage_gui.domain.case import CASE_SCHEMA_VERSION, Case
from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.csv_safety import neutralise_row
from triage_gui.domain.escalation_form import EscalationForm, build_form
from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import JobEvent
from triage_gui.domain.phones import region_for_from_number
from triage_gui.domain.redaction import RedactionCounts, Redactor
from triage_gui.domain.report import Report, RetryCandidate

BUNDLE_FORMAT = "outbound-triage-diagnostics-bundle"
BUNDLE_SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
REDACTION_REPORT_NAME = "redaction_report.json"

ProgressCallback = Callable[[int, int, str], None]  # (files done, files in all, name)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that change how the pixels look and carry no text; everything else is dropped.
_PNG_KEEP = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs"}
)
_SAMPLED = 200  # longer lists are sized from a sample in the preview
_T = TypeVar("_T")


class BundleError(Exception):
    """The bundle cannot be written; the message says why."""


class BundleRefused(BundleError):
    """The agent asked for something the rules do not allow (raw numbers below Level 3)."""


class BundleCancelled(BundleError):
    pass


@dataclass
class BundleInputs:
    case: Case
    report: Report | None = None  # None: the case's
    form: EscalationForm | None = None  # None: built from the case and report
    pdf_renderer: Callable[[str], bytes] | None = None  # redacted form HTML -> PDF bytes
    screenshots: Sequence[tuple[str, bytes]] = ()  # (name, PNG), already blacked out by the editor
    chart_png: bytes | None = None
    snapshots: Sequence[JobSnapshot] | None = None  # None: the case's
    events: Sequence[JobEvent] = ()
    contact_audit: ContactAuditResult | None = None
    retry_cohort: Sequence[RetryCandidate] | None = None  # None: the report's retry plan
    log_text: str = ""
    secrets: Sequence[str] = ()  # the API token(s): removed wherever they appear
    raw_numbers: bool = False  # opt-in, Level 3 only
    region: str | None = None  # default region for numbers without "+" (None: the from-number's)
    created_at: datetime | None = None  # None: now, in local time with its offset
    omitted: Mapping[str, str] = field(default_factory=dict)  # file -> why the caller left it out

    def effective_report(self) -> Report | None:
        return self.report if self.report is not None else self.case.report


@dataclass(frozen=True)
class BundleEntry:
    name: str
    approx_size: int
    description: str


@dataclass(frozen=True)
class BundleFile:
    name: str
    size: int
    sha256: str
    description: str


@dataclass(frozen=True)
class BundleResult:
    path: Path
    files: list[BundleFile]
    manifest: dict[str, Any]
    redactions: RedactionCounts
    size: int


@dataclass
class _Entry:
    name: str
    description: str
    estimate: Callable[[], int]
    produce: Callable[[], str | bytes]
    kind: str = "text"  # text (redacted) | png (metadata stripped) | binary (as produced)


def raw_numbers_allowed(report: Report | None) -> bool:
    """Raw phone numbers may go into a bundle only for a Level 3 (engineering) escalation."""
    return report is not None and report.escalation.level == 3


def plan_bundle(inputs: BundleInputs) -> list[BundleEntry]:
    """The preview: every file the bundle will hold, with an approximate size."""
    entries = [BundleEntry(e.name, e.estimate(), e.description) for e in _entries(inputs, {})]
    entries.append(
        BundleEntry(REDACTION_REPORT_NAME, 600 + 150 * len(entries), "what was masked, per file (counts only)")
    )
    entries.append(
        BundleEntry(MANIFEST_NAME, 800 + 180 * len(entries), "versions, IDs, and every file's size and SHA-256")
    )
    return entries


def write_bundle(
    inputs: BundleInputs,
    out_path: Path | str,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> BundleResult:
    report = inputs.effective_report()
    if inputs.raw_numbers and not raw_numbers_allowed(report):
        raise BundleRefused("raw phone numbers are only allowed in a Level 3 (engineering) bundle")
    target = Path(out_path)
    created_at = inputs.created_at or datetime.now(UTC).astimezone()
    redactor = Redactor(inputs.secrets, mask_phones=not inputs.raw_numbers, region=_region(inputs))
    rendered: dict[str, str] = {}  # redacted text of files later files derive from (form.html)
    entries = _entries(inputs, rendered)
    total = len(entries) + 2
    files: list[BundleFile] = []
    per_file: dict[str, dict[str, int]] = {}
    images: dict[str, dict[str, list[str]]] = {}
    stamp = created_at.timetuple()[:6]

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:

                def add(name: str, data: bytes, description: str) -> None:
                    if cancel is not None and cancel.is_set():
                        raise BundleCancelled("the bundle was cancelled")
                    info = zipfile.ZipInfo(name, date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)
                    files.append(BundleFile(name, len(data), hashlib.sha256(data).hexdigest(), description))
                    if progress is not None:
                        progress(len(files), total, name)

                for entry in entries:
                    if cancel is not None and cancel.is_set():
                        raise BundleCancelled("the bundle was cancelled")
                    produced = entry.produce()
                    if entry.kind == "text":
                        result = redactor.redact_text(str(produced))
                        rendered[entry.name] = result.text
                        per_file[entry.name] = result.counts.as_dict()
                        data = result.text.encode("utf-8")
                    elif entry.kind == "png":
                        data, dropped = strip_png_metadata(_as_bytes(produced))
                        images[entry.name] = {"metadata_chunks_removed": dropped}
                    else:
                        data = _as_bytes(produced)
                    add(entry.name, data, entry.description)

                redaction_report = {
                    "phone_numbers": "raw (agent opted in, Level 3)" if inputs.raw_numbers else "masked",
                    "secrets_registered": len({s.strip() for s in inputs.secrets if s.strip()}),
                    "totals": redactor.totals.as_dict(),
                    "distinct_phone_numbers": redactor.distinct_phone_numbers,
                    "files": per_file,
                    "images": images,
                }
                add(REDACTION_REPORT_NAME, _json_bytes(redaction_report), "what was masked, per file (counts only)")
                manifest = _manifest(inputs, redactor, created_at, files, entries)
                add(MANIFEST_NAME, _json_bytes(manifest), "this list")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    listed = [f for f in files if f.name != MANIFEST_NAME]
    return BundleResult(target, listed, manifest, redactor.totals, target.stat().st_size)


def _manifest(
    inputs: BundleInputs, redactor: Redactor, created_at: datetime, files: list[BundleFile], entries: list[_Entry]
) -> dict[str, Any]:
    case, report = inputs.case, inputs.effective_report()
    seen = report.model_dump(include={"workspace_id", "campaign_id", "job_id", "upload_id"}) if report else {}
    ids = {"case_id": case.case_id, "title": case.title}
    ids |= {
        key: getattr(case.inputs, key) or seen.get(key) or ""
        for key in ("workspace_id", "campaign_id", "job_id", "upload_id")
    }
    return {
        "format": BUNDLE_FORMAT,
        "schema_version": BUNDLE_SCHEMA_VERSION,
        "app_version": __version__,
        "case_schema_version": CASE_SCHEMA_VERSION,
        "created_at": created_at.isoformat(timespec="seconds"),
        "case_timezone": case.inputs.timezone,
        "case": {key: redactor.redact(value) if value else "" for key, value in ids.items()},
        "escalation_level": report.escalation.level if report else None,
        "redactions": {
            "secrets": "removed (API tokens, Authorization headers, bearer tokens, credential fields)",
            "phone_numbers": "raw (agent opted in, Level 3)"
            if inputs.raw_numbers
            else "masked (same number, same pseudonym; last 2 digits kept)",
            "raw_phone_numbers": inputs.raw_numbers,
            "png_metadata": "stripped (text, time, EXIF and unknown chunks)",
            "counts": redactor.totals.as_dict(),
            "report": REDACTION_REPORT_NAME,
        },
        "files": [{"name": f.name, "size": f.size, "sha256": f.sha256, "description": f.description} for f in files],
        "omitted": [{"name": name, "reason": why} for name, why in sorted(_omissions(inputs, entries).items())],
    }


def _omissions(inputs: BundleInputs, entries: list[_Entry]) -> dict[str, str]:
    """What a reader might look for and not find, and why (the caller's reasons win)."""
    names = {e.name for e in entries}
    usual = {
        "form.pdf": "no PDF renderer in this context",
        "chart.png": "no progress chart was captured",
        "screenshots/": "no screenshot was attached",
        "upload_audit.json": "no upload audit (the job has no upload, or it could not be fetched)",
        "retry_cohort.csv": "no analysis report, so no retry cohort",
        "app.log": "no log lines for this case",
    }
    missing = {n: why for n, why in usual.items() if not any(name.startswith(n) for name in names)}
    return missing | dict(inputs.omitted)


def _entries(inputs: BundleInputs, rendered: dict[str, str]) -> list[_Entry]:
    case, report = inputs.case, inputs.effective_report()
    shots = _screenshot_names(inputs.screenshots)
    form = inputs.form or build_form(case, report, retries=case.retries, screenshots=[name for name, _ in shots])
    snapshots = list(case.snapshots if inputs.snapshots is None else inputs.snapshots)
    case_doc = case.model_copy(update={"report": report, "snapshots": []})
    out = [
        _Entry(
            "case.json",
            "inputs, verdicts, findings, overrides, notes (snapshots: snapshots.jsonl)",
            lambda: _estimate_case(case_doc),
            lambda: case_doc.model_dump_json(indent=2),
        ),
        _Entry("form.md", "the escalation form (Markdown)", lambda: len(form.to_markdown()), form.to_markdown),
        _Entry(
            "form.html",
            "the escalation form (HTML, self-contained)",
            lambda: len(form.to_html()),
            lambda: form.to_html(
                image_src={n: p for n, p in zip(form.screenshots, [p for p, _ in shots], strict=False)}
            ),
        ),
    ]
    renderer = inputs.pdf_renderer
    if renderer is not None:
        out.append(
            _Entry(
                "form.pdf",
                "the escalation form (PDF)",
                lambda: 40_000,
                lambda: renderer(rendered.get("form.html", "")),
                kind="binary",
            )
        )
    for path, png in shots:
        out.append(_Entry(path, "screenshot (redacted by the agent)", _const(len(png)), _const(png), kind="png"))
    if inputs.chart_png:
        chart = inputs.chart_png
        out.append(_Entry("chart.png", "progress chart", lambda: len(chart), lambda: chart, kind="png"))
    out.append(
        _Entry(
            "snapshots.jsonl",
            "the job as seen over time, one snapshot per line",
            lambda: _estimate_lines(snapshots),
            lambda: _jsonl(snapshots),
        )
    )
    events = list(inputs.events)
    out.append(
        _Entry(
            "events.jsonl", "the job's events, oldest first", lambda: _estimate_lines(events), lambda: _jsonl(events)
        )
    )
    audit = inputs.contact_audit
    if audit is not None:
        out += [
            _Entry(
                "upload_audit.json",
                "the upload audit result",
                lambda: len(audit.model_dump_json(indent=2)),
                lambda: audit.model_dump_json(indent=2),
            ),
            _Entry(
                "upload_audit_invalid.csv",
                "rows with an invalid phone number",
                lambda: 40 + 40 * len(audit.invalid_rows),
                lambda: _csv(
                    ["row", "raw", "reason"], [[r.row, r.raw, r.reason] for r in audit.invalid_rows], phone_columns={1}
                ),
            ),
            _Entry(
                "upload_audit_duplicates.csv",
                "numbers that appear on more than one row",
                lambda: 30 + 40 * len(audit.duplicate_groups),
                lambda: _csv(
                    ["e164", "rows", "extra_copies"],
                    [[g.e164, ";".join(map(str, g.rows)), len(g.rows) - 1] for g in audit.duplicate_groups],
                    phone_columns={0},
                ),
            ),
        ]
    cohort = _cohort(inputs.retry_cohort, report)
    if cohort is not None:
        out.append(
            _Entry(
                "retry_cohort.csv",
                "the proposed retry cohort, and who is left out and why",
                lambda: 60 + 70 * len(cohort),
                lambda: _cohort_csv(cohort, report),
            )
        )
    if inputs.log_text:
        log_text = inputs.log_text
        out.append(
            _Entry("app.log", "the app's own log for this case", lambda: len(log_text.encode()), lambda: log_text)
        )
    return out


def _region(inputs: BundleInputs) -> str | None:
    return inputs.region or region_for_from_number(inputs.case.inputs.from_number)


def _screenshot_names(screenshots: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Safe, unique member names. A name could hold a phone number, so it is only digits-free
    letters from the original, plus a counter."""
    out = []
    for i, (name, png) in enumerate(screenshots, start=1):
        stem = re.sub(r"[^A-Za-z_-]+", "-", Path(name).stem).strip("-_")[:40] or "screenshot"
        out.append((f"screenshots/{i:02d}-{stem}.png", png))
    return out


def _cohort(explicit: Sequence[RetryCandidate] | None, report: Report | None) -> list[RetryCandidate] | None:
    if explicit is not None:
        return list(explicit)
    return list(report.retry_plan.candidates) if report is not None else None


def _cohort_csv(cohort: list[RetryCandidate], report: Report | None) -> str:
    sample = set(report.retry_plan.sample_ids) if report else set()
    rows = []
    for c in cohort:
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
    return _csv(header, rows, phone_columns={3})


def _csv(header: list[str], rows: list[list[Any]], phone_columns: Collection[int] = ()) -> str:
    """CSV text; every cell through the formula-injection neutraliser (phone columns keep "+")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row, phone_columns) for row in rows)
    return buffer.getvalue()


def _const(value: _T) -> Callable[[], _T]:
    return lambda: value


def _as_bytes(produced: str | bytes) -> bytes:
    return produced.encode("utf-8") if isinstance(produced, str) else produced


def _jsonl(items: Sequence[Any]) -> str:
    return "".join(item.model_dump_json() + "\n" for item in items)


def _estimate_lines(items: Sequence[Any]) -> int:
    if len(items) <= _SAMPLED:
        return sum(len(item.model_dump_json()) + 1 for item in items)
    step = len(items) / _SAMPLED
    sample = [items[int(i * step)] for i in range(_SAMPLED)]
    return int(sum(len(item.model_dump_json()) + 1 for item in sample) * len(items) / _SAMPLED)


def _estimate_case(case: Case) -> int:
    if case.report is None:
        return len(case.model_dump_json(indent=2))
    rest = len(case.model_dump_json(indent=2, exclude={"report": {"retry_plan": {"candidates"}}}))
    return rest + int(_estimate_lines(case.report.retry_plan.candidates) * 1.4)  # indented


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


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
