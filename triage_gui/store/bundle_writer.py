"""The diagnostics bundle: one ``.zip`` an engineer can act on, with nothing secret inside.

Every text file passes through ONE redactor per bundle (a
:class:`~triage_gui.store.bundle_redaction.BundleRedactor`: the domain's
:class:`~triage_gui.domain.redaction.Redactor`, fast on long files), so a phone number gets the
same pseudonym in ``case.json``, ``events.jsonl``, ``calls.jsonl`` and ``app.log``; tokens and
``Authorization`` values are removed everywhere, and phone numbers are masked unless the agent
opted in to raw numbers, which only a Level 3 escalation allows (recorded in the manifest).
PNGs keep only the chunks needed to draw them: text and metadata chunks (``tEXt``, ``zTXt``,
``iTXt``, ``eXIf``, ``tIME``, ICC profile names, anything unknown) are dropped by rewriting the
chunk stream. The form's PDF is rendered from the *redacted* HTML by a callback
(``pdf_renderer``, e.g. :func:`triage_gui.ui.export.form_pdf.html_to_pdf_bytes`), so this module needs
no Qt and the PDF cannot hold what the HTML no longer does. The form in the bundle names its
screenshots as the bundle's members are named (``screenshots/…``).

For the engineer, besides the case: ``calls.jsonl`` (every call attempt, its number masked),
``http_requests.jsonl`` (the app's recent requests: method, path, status, time taken, request
ID; :mod:`triage_gui.providers.http.request_log`) and ``app.log`` (the app's own log, its last
~1 MB, :func:`triage_gui.store.log_setup.log_tail`, redacted again). These come after the older
files, so those are numbered (pseudonyms) as they always were.

``manifest.json`` lists every other file with its size and SHA-256 and names the ``provider``
(:mod:`triage_gui.store.bundle_verify` checks them). The zip is written to a temp file beside
the target (each file compressed on a thread of its own while the next is made) and then moved
into place: a cancelled or failed write leaves nothing half-done, and an existing file is never
replaced unless the caller says so (``overwrite``): the bundle goes to ``name-2.zip`` instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import queue
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_gui import __version__
from triage_gui.domain.case import CASE_SCHEMA_VERSION, Case
from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.escalation_form import EscalationForm
from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import CallAttempt, JobEvent
from triage_gui.domain.phones import region_for_from_number
from triage_gui.domain.redaction import RedactionCounts
from triage_gui.domain.report import Report, RetryCandidate
from triage_gui.store import bundle_files as files
from triage_gui.store import bundle_plan as plan
from triage_gui.store.bundle_files import BundleError, strip_png_metadata
from triage_gui.store.bundle_redaction import BundleRedactor

__all__ = [
    "BUNDLE_FORMAT",
    "MANIFEST_NAME",
    "BundleCancelled",
    "BundleError",
    "BundleInputs",
    "BundleRefused",
    "BundleResult",
    "plan_bundle",
    "raw_numbers_allowed",
    "strip_png_metadata",
    "write_bundle",
]

BUNDLE_FORMAT = "outbound-triage-diagnostics-bundle"
BUNDLE_SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
REDACTION_REPORT_NAME = "redaction_report.json"

ProgressCallback = Callable[[int, int, str], None]  # (files done, files in all, name)
# Deflate's fastest level: the big files are JSON lines and CSV, which it still shrinks about
# tenfold, at a quarter of level 6's time (a 100k-recipient case: ~30 MB of text).
COMPRESS_LEVEL = 1
QUEUED_BLOCKS = 4  # blocks of a big file between the thread making them and the one compressing
_RENDERED = frozenset({"form.html"})  # redacted texts a later file is made from (form.pdf)


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
    # the chart's PNG, or what makes it (called on the writer's thread: encoding is ~20 ms)
    chart_png: bytes | Callable[[], bytes] | None = None
    snapshots: Sequence[JobSnapshot] | None = None  # None: the case's
    events: Sequence[JobEvent] = ()
    contact_audit: ContactAuditResult | None = None
    retry_cohort: Sequence[RetryCandidate] | None = None  # None: the report's retry plan
    log_text: str = ""  # the app's own log (already scrubbed; redacted again)
    log_file: Path | None = None  # or its file: the tail is read when the bundle is written (a worker)
    calls: Sequence[CallAttempt] = ()  # every call attempt: the per-call records
    http_requests: Sequence[Mapping[str, Any]] = ()  # the HTTP request log (providers.http.request_log)
    provider: str = ""  # the platform API the case was read from (batch_v1, elevenlabs)
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


def raw_numbers_allowed(report: Report | None) -> bool:
    """Raw phone numbers may go into a bundle only for a Level 3 (engineering) escalation."""
    return report is not None and report.escalation.level == 3


def plan_bundle(inputs: BundleInputs) -> list[BundleEntry]:
    """The preview: every file the bundle will hold, with an approximate size."""
    entries = [BundleEntry(e.name, e.estimate(), e.description) for e in plan.entries(inputs, {}, None)]
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
    overwrite: bool = False,
) -> BundleResult:
    """Write the bundle to ``out_path``; when a file of that name exists, to the next free name
    (``name-2.zip``...) unless ``overwrite``. The result's ``path`` says where it went."""
    report = inputs.effective_report()
    if inputs.raw_numbers and not raw_numbers_allowed(report):
        raise BundleRefused("raw phone numbers are only allowed in a Level 3 (engineering) bundle")
    target = Path(out_path)
    created_at = inputs.created_at or datetime.now(UTC).astimezone()
    redactor = BundleRedactor(inputs.secrets, mask_phones=not inputs.raw_numbers, region=_region(inputs))
    rendered: dict[str, str] = {}  # redacted text of files later files derive from (form.html)
    entries = plan.entries(inputs, rendered, redactor)
    total = len(entries) + 2
    written: list[BundleFile] = []
    per_file: dict[str, dict[str, int]] = {}
    left_out: dict[str, str] = {}  # files that could not be made, and why
    images: dict[str, dict[str, list[str]]] = {}
    stamp = created_at.timetuple()[:6]

    def stop_if_cancelled() -> None:
        if cancel is not None and cancel.is_set():
            raise BundleCancelled("the bundle was cancelled")

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "w+b") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf,
            _Packer(zf) as packer,
        ):

            def add(name: str, data: bytes, description: str) -> None:
                stop_if_cancelled()
                packer.pack(_new_info(name, stamp), data)
                written.append(BundleFile(name, len(data), hashlib.sha256(data).hexdigest(), description))
                if progress is not None:
                    progress(len(written), total, name)

            for entry in entries:
                stop_if_cancelled()
                before = redactor.totals
                try:
                    produced = entry.produce()  # may mask numbers field by field (calls.jsonl)
                except OSError as exc:
                    if entry.kind != "png":
                        raise
                    # a picture that cannot be made (the chart's PNG encoding): left out, said why
                    left_out[entry.name] = f"it could not be made ({exc})"
                    continue
                if not isinstance(produced, str | bytes):
                    if entry.kind == "text":
                        # a big JSON lines file, in blocks: made, redacted, hashed and compressed
                        # a block at a time, never whole in memory
                        blocks = redactor.redact_blocks(produced)
                        size, digest = packer.pack_blocks(_new_info(entry.name, stamp), blocks, stop_if_cancelled)
                        per_file[entry.name] = _minus(redactor.totals, before).as_dict()
                        written.append(BundleFile(entry.name, size, digest, entry.description))
                        if progress is not None:
                            progress(len(written), total, entry.name)
                        continue
                    produced = b"".join(produced)
                if entry.kind == "text":
                    if isinstance(produced, bytes):  # UTF-8 text
                        data, _counts = redactor.redact_bytes(produced)
                    else:
                        data, _counts = redactor.redact_to_bytes(produced)
                    del produced  # a big file's text: not kept while the next one is made
                    if entry.name in _RENDERED:
                        rendered[entry.name] = data.decode("utf-8")
                    # the file's own count, numbers masked field by field included
                    per_file[entry.name] = _minus(redactor.totals, before).as_dict()
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
            add(REDACTION_REPORT_NAME, files.json_bytes(redaction_report), "what was masked, per file (counts only)")
            manifest = _manifest(
                dataclasses.replace(inputs, omitted={**inputs.omitted, **left_out}) if left_out else inputs,
                redactor,
                created_at,
                written,
                [e for e in entries if e.name not in left_out],
            )
            add(MANIFEST_NAME, files.json_bytes(manifest), "this list")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        target = files.place(tmp, target, overwrite=overwrite)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    listed = [f for f in written if f.name != MANIFEST_NAME]
    return BundleResult(target, listed, manifest, redactor.totals, target.stat().st_size)


class _Packer:
    """Compresses each file into the zip on a thread of its own while the next file is made
    (zlib and the checksums let go of the GIL): one file at a time, in order. A file given in
    blocks goes to that thread a few blocks at a time, through a bounded queue."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self._zf = zf
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-zip")
        self._pending: Future[None] | None = None

    def pack(self, info: zipfile.ZipInfo, data: bytes) -> None:
        self._wait()
        self._pending = self._pool.submit(self._zf.writestr, info, data, compresslevel=COMPRESS_LEVEL)

    def pack_blocks(self, info: zipfile.ZipInfo, blocks: Iterable[bytes], check: Callable[[], None]) -> tuple[int, str]:
        """Write ``blocks`` as one file; its size and SHA-256. ``check`` runs before each block
        (it raises to stop: the file is then left unfinished, and the zip with it)."""
        self._wait()
        handoff: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_BLOCKS)
        self._pending = self._pool.submit(self._write_blocks, info, handoff)
        digest, size = hashlib.sha256(), 0
        try:
            for block in blocks:
                check()
                digest.update(block)
                size += len(block)
                self._hand(handoff, block)
        except BaseException:
            # stopped (a cancel, a failure): the compressing thread is told the file ends, at
            # once, whatever it has not taken yet dropped (the zip is abandoned anyway)
            while True:
                try:
                    handoff.get_nowait()
                except queue.Empty:
                    break
            handoff.put_nowait(None)  # fits: this thread alone puts, and it just emptied the queue
            raise
        self._hand(handoff, None)  # the end of the file
        self._wait()
        return size, digest.hexdigest()

    def _hand(self, handoff: queue.Queue[bytes | None], block: bytes | None) -> None:
        """Put ``block`` on the queue; if the compressing thread has failed, raise its error."""
        while True:
            try:
                handoff.put(block, timeout=0.1)
                return
            except queue.Full:
                pending = self._pending
                if pending is not None and pending.done():
                    pending.result()  # raises the thread's error
                    return  # it has finished: nothing more to give it

    def _write_blocks(self, info: zipfile.ZipInfo, handoff: queue.Queue[bytes | None]) -> None:
        info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]  # what writestr sets
        with self._zf.open(info, "w", force_zip64=True) as out:
            while (block := handoff.get()) is not None:
                out.write(block)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # a failed write is raised here

    def __enter__(self) -> _Packer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._wait()
        finally:
            self._pool.shutdown(wait=True)  # before the zip writes its directory


def _new_info(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _minus(after: RedactionCounts, before: RedactionCounts) -> RedactionCounts:
    return RedactionCounts(**{k: v - before.as_dict()[k] for k, v in after.as_dict().items()})


def _manifest(
    inputs: BundleInputs,
    redactor: BundleRedactor,
    created_at: datetime,
    written: list[BundleFile],
    entries: list[plan.Entry],
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
        "provider": inputs.provider or str(getattr(case.inputs, "provider", "") or ""),
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
        "files": [{"name": f.name, "size": f.size, "sha256": f.sha256, "description": f.description} for f in written],
        "omitted": [{"name": name, "reason": why} for name, why in sorted(plan.omissions(inputs, entries).items())],
    }


def _region(inputs: BundleInputs) -> str | None:
    return inputs.region or region_for_from_number(inputs.case.inputs.from_number)


def _as_bytes(produced: str | bytes) -> bytes:
    return produced.encode("utf-8") if isinstance(produced, str) else produced
