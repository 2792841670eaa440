"""``triage-gui audit FILE.csv``: the upload audit on a local contact file, before upload.

Operators fix contact files themselves (runbook Level 1: "validate contact file quality for
malformed/duplicate numbers"); this reports what the duplicates check would find in the
upload and writes a cleaned file and a rejects file. The input is only ever read.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, TextIO

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.contact_auditor import MISSING_CELL, RowOutcome, RowStatus
from triage_gui.domain.phones import supported_region
from triage_gui.store.csv_source import ContactFileError, ContactRows, audit_rows, open_contact_file

SHOWN_INVALID = 20
SHOWN_GROUPS = 20
EXIT_OK = 0
EXIT_UNREADABLE = 2


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
        with open_contact_file(args.file, args.column) as rows:
            result, written = _audit(rows, region, args.file, args.out, rejects)
            ragged = rows.ragged_rows
    except ContactFileError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or args.file}: {exc.strerror or exc}")
    if args.json:
        payload: dict[str, Any] = result.model_dump(mode="json")
        payload["ragged_rows"] = ragged
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        _print_report(result, ragged, sys.stdout)
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
        return audit_rows(rows, region), None
    writer = CleanFileWriter(
        source=source,
        header=rows.header,
        delimiter=rows.delimiter,
        column_index=rows.column_index,
        out=out,
        rejects=rejects,
    )
    try:
        result = audit_rows(rows, region, on_row=writer.write)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    return result, writer


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
            if target.is_dir():
                raise ContactFileError(f"{target} is a directory")
        if len(targets) == 2 and _same_file(targets[0], targets[1]):
            raise ContactFileError("the cleaned file and the rejects file must differ")
        self._column_index = column_index
        self.clean_rows = 0
        self.reject_rows = 0
        self._files: list[tuple[IO[str], Path]] = []
        try:
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
            prefix=f".{final.name}.",
            suffix=".tmp",
            delete=False,
        )
        self._files.append((handle, final))
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        return writer

    def write(self, outcome: RowOutcome, row: list[str]) -> None:
        if outcome.status is RowStatus.KEPT:
            if self._clean is not None:
                cleaned = list(row)
                cleaned[self._column_index] = outcome.e164 or ""
                self._clean.writerow(cleaned)
            self.clean_rows += 1
        else:
            if self._rejects is not None:
                self._rejects.writerow([outcome.row, outcome.reason or "", *row])
            self.reject_rows += 1

    def commit(self) -> None:
        for handle, final in self._files:
            handle.close()
            os.replace(handle.name, final)
        self._files = []

    def abort(self) -> None:
        for handle, _ in self._files:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(handle.name)
        self._files = []


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
