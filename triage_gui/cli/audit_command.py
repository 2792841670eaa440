"""``triage-gui audit FILE.csv``: the upload audit on a local contact file, before upload.

Operators fix contact files themselves (runbook Level 1: "validate contact file quality for
malformed/duplicate numbers"); this reports what the duplicates check would find in the
upload and writes a cleaned file and a rejects file. The input is only ever read.

Files: input and outputs must be regular files (an output may also be a new path); a FIFO,
a device or a directory is refused with exit 2 before anything is written (``--out
/dev/null`` once replaced the device with a file of contacts). Cells that a spreadsheet would
run as a formula are neutralised (:mod:`triage_gui.domain.csv_safety`). Outputs are written to
``.<name>.<pid>.<random>.tmp`` beside the target and renamed into place at the end; SIGTERM,
SIGHUP and Ctrl-C remove them (exit 128 + the signal's number, 130 for Ctrl-C), and each run
first removes such files of earlier runs when their process is gone or they have not been
written to for an hour (what a SIGKILL or a power cut leaves).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any, TextIO

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.contact_auditor import MISSING_CELL, RowOutcome, RowStatus
from triage_gui.domain.csv_safety import neutralise_row
from triage_gui.domain.phones import supported_region
from triage_gui.store.csv_source import ContactFileError, ContactRows, audit_rows, file_kind, open_contact_file

SHOWN_INVALID = 20
SHOWN_GROUPS = 20
EXIT_OK = 0
EXIT_UNREADABLE = 2
STALE_TEMP_SECONDS = 3600  # a temp file not written to for this long belongs to a dead run
# Ctrl-C, SIGTERM (kill, systemd, CI timeouts) and SIGHUP (the terminal closed; not on Windows).
_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Interrupted(BaseException):
    """A termination signal arrived during the audit (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.csv", help="the contact file (CSV); never modified")
    parser.add_argument(
        "--region",
        default=None,
        help="default country (ISO code, e.g. GB) for numbers written without '+'; "
        "use the country of the campaign's from-number",
    )
    parser.add_argument("--column", default=None, help="the phone column (default: detected)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the audit result) and nothing else")
    parser.add_argument(
        "--out",
        metavar="CLEAN.csv",
        default=None,
        help="write the cleaned file: one row per E.164 number (first occurrence), numbers in E.164",
    )
    parser.add_argument(
        "--rejects",
        metavar="REJECTS.csv",
        default=None,
        help="where rows left out go, with row number and reason (default: <out stem>.rejects.csv)",
    )


def run(args: argparse.Namespace) -> int:
    region = None
    if args.region:
        region = supported_region(args.region)
        if region is None:
            return _fail(f"unknown region {args.region!r}: use an ISO country code such as GB or US")
    rejects = args.rejects
    if args.out and not rejects:
        out = Path(args.out)
        rejects = str(out.with_name(f"{out.stem}.rejects.csv"))
    try:
        with _signals_raise_interrupted(), open_contact_file(args.file, args.column) as rows:
            result, written = _audit(rows, region, args.file, args.out, rejects)
            ragged, warnings = rows.ragged_rows, rows.warnings
    except ContactFileError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.file}: {exc.strerror or exc}")
    except Interrupted as exc:
        return _stopped(signal.Signals(exc.signum))
    except KeyboardInterrupt:  # off the main thread, where our handler is not installed
        return _stopped(signal.SIGINT)
    if args.json:
        payload: dict[str, Any] = result.model_dump(mode="json")
        payload["ragged_rows"] = ragged
        payload["warnings"] = warnings
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        _print_report(result, ragged, sys.stdout)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if written is not None:
        note = _written_note(written, args.out, rejects)
        print(note, file=sys.stderr if args.json else sys.stdout)
    if result.invalid and region is None and _any_without_region(result):
        print(
            "hint: numbers without '+' need a default country: pass --region "
            "(the country of the campaign's from-number)",
            file=sys.stderr,
        )
    return EXIT_OK


def _audit(
    rows: ContactRows, region: str | None, source: str, out: str | None, rejects: str | None
) -> tuple[ContactAuditResult, CleanFileWriter | None]:
    if out is None and rejects is None:
        result = audit_rows(rows, region)
        _raise_if_signalled()
        return result, None
    writer = CleanFileWriter(
        source=source,
        header=rows.header,
        delimiter=rows.delimiter,
        column_index=rows.column_index,
        out=out,
        rejects=rejects,
    )
    write = writer.write

    def on_row(outcome: RowOutcome, row: list[str]) -> None:
        if _Deferral.received is not None:
            _raise_if_signalled()
        write(outcome, row)

    try:
        result = audit_rows(rows, region, on_row=on_row)
        _raise_if_signalled()
        writer.commit()
    except BaseException:
        writer.abort()  # also after a failed rename: what was not renamed is removed
        raise
    return result, writer


class _Deferral:
    """Signals that arrived while renames or deletions were under way (see _signals_held)."""

    depth = 0
    pending: int | None = None
    # The last signal raised as Interrupted. Python drops an exception a signal handler raises
    # while it runs a callback that cannot raise (a fork hook of logging's, a __del__): the run
    # would then go on and end with 0. The audit checks this at every row and before it commits.
    received: int | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _Deferral.depth:
        _Deferral.pending = signum  # raised when the critical section ends
        return
    _Deferral.received = signum
    raise Interrupted(signum)


def _raise_if_signalled() -> None:
    """Raises the signal an ignored handler exception lost (see ``_Deferral.received``)."""
    if _Deferral.received is not None:
        raise Interrupted(_Deferral.received)


@contextlib.contextmanager
def _signals_raise_interrupted() -> Iterator[None]:
    """For the command's duration, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the
    main thread, so the writer's cleanup runs; the previous handlers are restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    _Deferral.received = None
    previous = {signum: signal.signal(signum, _on_signal) for signum in _SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _Deferral.pending = _Deferral.received = None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """A critical section (creating, renaming or removing the temp files): a signal arriving
    in it is raised at its end, so two renames happen together and no temp file escapes."""
    _Deferral.depth += 1
    try:
        yield
    finally:
        _Deferral.depth -= 1
        if not _Deferral.depth and _Deferral.pending is not None:
            signum, _Deferral.pending = _Deferral.pending, None
            raise Interrupted(signum)  # the signal wins over an exception under way


def _stopped(signum: signal.Signals) -> int:
    # Outputs are renamed into place whole or not at all: no temporary file is left either way.
    print(f"triage-gui audit: stopped by {signum.name}; no partial output left", file=sys.stderr)
    return 128 + int(signum)


def _fail(message: str) -> int:
    print(f"triage-gui audit: {message}", file=sys.stderr)
    return EXIT_UNREADABLE


def _any_without_region(result: ContactAuditResult) -> bool:
    return any("no default region" in row.reason for row in result.invalid_rows)


def _written_note(writer: CleanFileWriter, out: str | None, rejects: str | None) -> str:
    parts = []
    if out:
        parts.append(f"wrote {out} ({writer.clean_rows} rows)")
    if rejects:
        parts.append(f"wrote {rejects} ({writer.reject_rows} rows left out, with reasons)")
    if writer.stale_removed:
        parts.append(f"removed {writer.stale_removed} temporary file(s) an interrupted run left")
    return "; ".join(parts)


def _print_report(result: ContactAuditResult, ragged: int, out: TextIO) -> None:
    w = out.write
    w(f"Contact file: {result.source}\n")
    delimiter = {"\t": "tab"}.get(result.delimiter or "", result.delimiter or "?")
    w(
        f"  encoding {result.encoding}, delimiter {delimiter!r}, phone column "
        f"{result.column!r}, default region {result.region or 'none'}\n"
    )
    w(f"Rows:        {result.rows}\n")
    w(f"Valid:       {result.valid} ({result.unique_valid} distinct numbers)\n")
    w(f"Invalid:     {result.invalid}\n")
    w(
        f"Duplicates:  {result.duplicate_rows} extra rows in "
        f"{result.duplicate_groups_total} groups (after E.164 normalisation)\n"
    )
    if ragged:
        w(f"Ragged rows: {ragged} rows have a different number of columns than the header\n")
    if result.number_types:
        types = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in result.number_types.items())
        w(f"Number types (distinct valid numbers): {types}\n")
    if result.invalid_rows:
        w("\nInvalid rows:\n")
        for row in result.invalid_rows[:SHOWN_INVALID]:
            shown = f" ({row.raw!r})" if row.raw and row.reason != MISSING_CELL else ""
            w(f"  row {row.row}: {row.reason}{shown}\n")
        if result.invalid_rows_total > SHOWN_INVALID:
            w(f"  … and {result.invalid_rows_total - SHOWN_INVALID} more\n")
    if result.duplicate_groups:
        w("\nDuplicate groups (number: rows):\n")
        for group in result.duplicate_groups[:SHOWN_GROUPS]:
            rows = ", ".join(str(r) for r in group.rows[:10])
            more = f", … ({len(group.rows)} rows)" if len(group.rows) > 10 else ""
            w(f"  {group.e164}: rows {rows}{more}\n")
        if result.duplicate_groups_total > SHOWN_GROUPS:
            w(f"  … and {result.duplicate_groups_total - SHOWN_GROUPS} more\n")


class CleanFileWriter:
    """Writes the cleaned contact file and the rejects file while the audit streams.

    Cleaned: the header, then the first row of each valid E.164 number with the phone cell
    rewritten in E.164. Rejects: every other row (invalid or duplicate) with its spreadsheet
    row number and the reason, so that cleaned + rejects account for every input row. Both are
    UTF-8 and use the input's delimiter; both are written to temporary files beside the target
    and renamed into place only when the whole input was read, so a failure leaves no half file.
    Every cell goes through :func:`neutralise_row`; the phone column keeps its ``+``.
    Targets must be regular files or new paths (:func:`check_output_target`).
    """

    def __init__(
        self,
        *,
        source: str | os.PathLike[str] | None,
        header: list[str],
        delimiter: str,
        column_index: int,
        out: str | os.PathLike[str] | None,
        rejects: str | os.PathLike[str] | None,
    ) -> None:
        targets = [Path(p) for p in (out, rejects) if p is not None]
        for target in targets:
            if source is not None and _same_file(Path(source), target):
                raise ContactFileError(f"refusing to overwrite the input file {source}")
            check_output_target(target)
        if len(targets) == 2 and _same_file(targets[0], targets[1]):
            raise ContactFileError("the cleaned file and the rejects file must differ")
        self._column_index = column_index
        self._rejects_phone = {column_index + 2}  # after "row" and "reason"
        self.clean_rows = 0
        self.reject_rows = 0
        self.stale_removed = sum(remove_stale_temp_files(target) for target in targets)
        self._files: list[tuple[IO[str], Path]] = []
        try:
            with _signals_held():
                self._clean = self._open(out, delimiter, header)
                self._rejects = self._open(rejects, delimiter, ["row", "reason", *header])
        except BaseException:
            self.abort()
            raise

    def _open(self, target: str | os.PathLike[str] | None, delimiter: str, header: list[str]) -> Any:
        if target is None:
            return None
        final = Path(target)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in commit/abort
            "w",
            encoding="utf-8",
            newline="",
            dir=final.parent or Path("."),
            prefix=f".{final.name}.{os.getpid()}.",  # the pid tells a later run whether it is stale
            suffix=".tmp",
            delete=False,
        )
        self._files.append((handle, final))
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(neutralise_row(header))
        return writer

    def write(self, outcome: RowOutcome, row: list[str]) -> None:
        if outcome.status is RowStatus.KEPT:
            if self._clean is not None:
                cleaned = neutralise_row(row)
                cleaned[self._column_index] = outcome.e164 or ""  # E.164: "+" and digits, left as is
                self._clean.writerow(cleaned)
            self.clean_rows += 1
        else:
            if self._rejects is not None:
                self._rejects.writerow(neutralise_row([outcome.row, outcome.reason or "", *row], self._rejects_phone))
            self.reject_rows += 1

    def commit(self) -> None:
        with _signals_held():
            for handle, final in self._files:
                handle.close()
                check_output_target(final)  # again: the path may have changed while we read
                os.replace(handle.name, final)
            self._files = []

    def abort(self) -> None:
        with _signals_held():
            for handle, _ in self._files:
                handle.close()
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(handle.name)
            self._files = []


def check_output_target(target: Path) -> None:
    """Refuse an output path that exists and is not a regular file (a symlink to one is fine)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return  # a new file (or a dangling symlink, replaced like a file)
    except OSError as exc:
        raise ContactFileError(f"{target}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise ContactFileError(
            f"{target} is {file_kind(mode)}: outputs are written only to regular files (or new paths)"
        )


def remove_stale_temp_files(target: Path, *, now: float | None = None) -> int:
    """Remove temp files an earlier, killed run left beside ``target``; returns how many.

    Ours are ``.<name>.<pid>.<random>.tmp`` (``.<name>.<random>.tmp`` before the pid was
    added). One is stale when its pid is no running process (POSIX; on Windows signalling a
    pid would kill it) or when it has not been written to for :data:`STALE_TEMP_SECONDS`. A
    live audit writing the same target from another process is left alone.
    """
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.tmp")
    cutoff = (time.time() if now is None else now) - STALE_TEMP_SECONDS
    removed = 0
    try:
        entries = list(os.scandir(target.parent or Path(".")))
    except OSError:
        return 0
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            pid = int(match.group(1)) if match.group(1) else None
            if info.st_mtime < cutoff or (pid is not None and pid != os.getpid() and not _pid_alive(pid)):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # unknown: only the age rule applies
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
