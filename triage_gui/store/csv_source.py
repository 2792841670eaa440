"""Reading contact CSVs as operators produce them: any of the usual encodings and delimiters,
a phone column under one of many names, a million rows, streamed with constant memory.

Detection (encoding, delimiter, header, phone column) looks at a sample from the start only;
rows are then read one at a time. A local file and an upload's streamed content (text lines
from the API) go through the same reader, :class:`ContactRows`.

Only regular files are read: a FIFO, a device or a socket is refused from ``os.stat`` before
anything opens it (opening a FIFO blocks until a writer comes). A NUL byte anywhere, not
only in the sample, refuses the file, naming its row: a CSV text never holds one, so it is a
damaged file (a block of zeros after a crash) or binary data, and the rows around it cannot be
trusted. A Windows-1252 file with rows that are UTF-8 (two exports pasted together) is read
as detected, and :attr:`ContactRows.warnings` names the first such row and counts them:
nothing is lost (the phone numbers are ASCII, the audit is the same), but names in those rows
show as mojibake ("Ã©" for "é") until the file is re-saved in one encoding.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from triage_gui.domain.contact_audit import ContactAuditResult
from triage_gui.domain.contact_auditor import ContactAuditor, RowOutcome
from triage_gui.store import audit_pool

SAMPLE_BYTES = 64 * 1024
SAMPLE_LINES = 200
DELIMITERS = ",;\t|"

# Header names that mean "the phone number", compared without case, spaces, "_", "-", ".".
# Earlier names win when a file has several (a "phone" beside a "mobile" column).
PHONE_HEADERS = (
    "phonenumber",
    "phone",
    "msisdn",
    "e164",
    "mobile",
    "mobilenumber",
    "mobilephone",
    "cell",
    "cellphone",
    "telephone",
    "telephonenumber",
    "tel",
    "number",
    "contactnumber",
    "phoneno",
)
_HEADER_WORDS = ("phone", "mobile", "msisdn", "tel", "cell")
_PHONE_LIKE = re.compile(r"^\+?\d{7,15}$")
_SEPARATORS = str.maketrans("", "", " -.()/'")

RowSink = Callable[[RowOutcome, list[str]], None]


class ContactFileError(Exception):
    """The contact file cannot be audited; ``str()`` says why in plain words."""


class ContactFileMissing(ContactFileError):
    pass


class ContactFileIsDirectory(ContactFileError):
    pass


class ContactFileNotRegular(ContactFileError):
    """A FIFO, a device or a socket: never opened (a FIFO would block the read)."""


class ContactFileEmpty(ContactFileError):
    pass


class ContactFileNoHeader(ContactFileError):
    pass


class PhoneColumnNotFound(ContactFileError):
    def __init__(self, message: str, columns: list[str]) -> None:
        super().__init__(message)
        self.columns = columns


class ContactFileNotText(ContactFileError):
    """Binary or garbage: not a CSV in any encoding we read."""


class ContactFileDecodeError(ContactFileError):
    """Part of the file is not in the encoding detected from its start."""


class _NulByte(ContactFileNotText):
    """A NUL in a line: raised by the line screen, reported with the row by ContactRows."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} contains a NUL byte")
        self.line = line


def _nul_message(source: str, where: str) -> str:
    return (
        f"{source}: {where} contains a NUL byte: the file is damaged (a block of zeros) or not "
        "a CSV text file past its start; nothing was audited. Re-export the file."
    )


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """Plain words for a non-regular file's type (from ``os.stat().st_mode``)."""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def header_key(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.strip().lstrip("\ufeff")).lower()


def detect_encoding(sample: bytes) -> str:
    """The codec for a file starting with ``sample`` (raises ContactFileNotText)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    if b"\x00" in sample:
        raise ContactFileNotText("the file looks binary (it contains NUL bytes), not a CSV text file")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ContactFileNotText(
            "the file is neither UTF-8, UTF-16 nor Windows-1252 text "
            f"(byte 0x{sample[exc.start]:02x} at offset {exc.start})"
        ) from None
    return "cp1252"


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return controls <= len(text) // 100


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter of a CSV sample: ``csv.Sniffer`` checked against the header's shape."""
    sample = "\n".join(line.rstrip("\r\n") for line in lines[:50])
    candidates: list[str] = []
    with contextlib.suppress(csv.Error):
        candidates.append(csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter)
    candidates.extend(d for d in DELIMITERS if d not in candidates)
    # The sniffer errs on one-column files and on numbers with dashes or dots; keep the first
    # candidate (sniffer's first) that gives the header more than one field and most rows
    # as many fields as the header.
    best, best_score = ",", -1.0
    for rank, delimiter in enumerate(candidates):
        rows = list(csv.reader(lines[:50], delimiter=delimiter))
        rows = [row for row in rows if row]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for row in rows if len(row) == width) / len(rows)
        score = consistent - rank * 0.01
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _phone_like_share(values: list[str]) -> float:
    filled = [v for v in values if v.strip()]
    if not filled:
        return 0.0
    hits = sum(1 for v in filled if _PHONE_LIKE.match(v.strip().translate(_SEPARATORS)))
    return hits / len(filled)


def detect_phone_column(header: list[str], sample_rows: list[list[str]], column: str | None) -> int:
    """Index of the phone column: ``column`` if given, else by name, else by the values."""
    keys = [header_key(name) for name in header]
    if column is not None:
        for index, name in enumerate(header):
            if name.strip().lstrip("\ufeff") == column:
                return index
        wanted = header_key(column)
        if wanted in keys:
            return keys.index(wanted)
        raise PhoneColumnNotFound(f"no column named {column!r}; the columns are: {', '.join(header)}", header)
    for name in PHONE_HEADERS:
        if name in keys:
            return keys.index(name)
    for index, key in enumerate(keys):
        if any(word in key for word in _HEADER_WORDS):
            return index
    shares = [_phone_like_share([row[i] if i < len(row) else "" for row in sample_rows]) for i in range(len(header))]
    if shares and max(shares) >= 0.5:
        return shares.index(max(shares))
    raise PhoneColumnNotFound(
        "no phone column found (looked for a header such as phone, phone_number, mobile, "
        f"msisdn, telephone, and for a column of phone numbers); the columns are: "
        f"{', '.join(header)}. Name one with --column.",
        header,
    )


class ContactRows:
    """A contact CSV being read: its detected shape, and its data rows one at a time.

    Iterating yields ``(row_number, raw_phone, row)``; ``raw_phone`` is None when the row is too
    short to have the phone cell. ``ragged_rows`` counts rows whose width differs from the
    header's, as they are read.
    """

    def __init__(
        self,
        lines: Iterable[str],
        *,
        source: str,
        encoding: str | None,
        column: str | None = None,
        closer: IO[Any] | None = None,
    ) -> None:
        self.source = source
        self.encoding = encoding
        self._closer = closer
        self._lines = _screened(lines)
        self._row_number = 1
        self.ragged_rows = 0
        self.mixed_encoding_rows = 0  # rows that are UTF-8 in a file read as Windows-1252
        self.first_mixed_row: int | None = None
        try:
            self._detect(column)
        except _NulByte as exc:
            self.close()
            raise ContactFileNotText(_nul_message(source, f"line {exc.line}")) from None
        except UnicodeDecodeError as exc:
            self.close()
            raise ContactFileDecodeError(
                f"{source}: the start of the file is not valid {encoding} ({exc.reason})"
            ) from None
        except csv.Error as exc:
            self.close()
            raise ContactFileError(f"{source}: the start of the file is not valid CSV: {exc}") from None
        except ContactFileError:
            self.close()
            raise

    def _detect(self, column: str | None) -> None:
        head = list(itertools.islice(self._lines, SAMPLE_LINES))
        if not any(line.strip().lstrip("\ufeff").strip() for line in head):
            raise ContactFileEmpty(f"{self.source} is empty (no header, no rows)")
        if not _looks_like_text("".join(head)):
            raise ContactFileNotText(f"{self.source} looks binary or garbled, not a CSV text file")
        # Leading blank lines are not the header; row numbers still count them.
        while head and not head[0].strip():
            head.pop(0)
            self._row_number += 1
        self.delimiter = detect_delimiter(head)
        self._reader = csv.reader(itertools.chain(head, self._lines), delimiter=self.delimiter)
        self.header = [name.strip().lstrip("\ufeff") for name in next(self._reader)]
        self._check_header()
        self._sample = list(itertools.islice(self._reader, SAMPLE_LINES))
        self.column_index = detect_phone_column(self.header, self._sample, column)
        self.column = self.header[self.column_index]

    def _check_header(self) -> None:
        if not any(self.header):
            raise ContactFileNoHeader(f"{self.source}: the first row is empty, not a header")
        if any(_PHONE_LIKE.match(cell.translate(_SEPARATORS)) for cell in self.header):
            raise ContactFileNoHeader(
                f"{self.source}: the first row holds phone numbers, not column names; "
                "add a header row (for example: phone_number)"
            )

    @property
    def warnings(self) -> list[str]:
        """What the reader noticed without refusing the file, in plain words."""
        if self.first_mixed_row is None:
            return []
        count = self.mixed_encoding_rows
        return [
            f"{self.source}: the file mixes encodings: {count} row{'s are' if count != 1 else ' is'} UTF-8 "
            f"(the first is row {self.first_mixed_row}) in a file read as Windows-1252; accented letters "
            "there show as mojibake (e.g. 'Ã©' for 'é'). Phone numbers are unaffected; re-save the file "
            "in one encoding (UTF-8)."
        ]

    def __iter__(self) -> Iterator[tuple[int, str | None, list[str]]]:
        width = len(self.header)
        index = self.column_index
        number = self._row_number
        check_mixed = self.encoding == "cp1252"
        try:
            for row in itertools.chain(self._sample, self._reader):
                number += 1
                raw_phone = row[index] if index < len(row) else None
                if not raw_phone and not any(cell.strip() for cell in row):
                    # A blank line, or one of only delimiters (spreadsheets export trailing
                    # ";;;" rows): it takes a spreadsheet row but holds no contact.
                    continue
                if len(row) != width:
                    self.ragged_rows += 1
                if check_mixed and _utf8_in_cp1252(row):
                    self.mixed_encoding_rows += 1
                    if self.first_mixed_row is None:
                        self.first_mixed_row = number
                yield number, raw_phone, row
        except _NulByte:
            raise ContactFileNotText(_nul_message(self.source, f"row {number + 1}")) from None
        except UnicodeDecodeError as exc:
            raise ContactFileDecodeError(
                f"{self.source}: row {number + 1} is not valid {self.encoding} "
                f"({exc.reason}); re-save the file as UTF-8"
            ) from None
        except csv.Error as exc:
            raise ContactFileError(f"{self.source}: row {number + 1} is not valid CSV: {exc}") from None

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> ContactRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _screened(lines: Iterable[str]) -> Iterator[str]:
    """The lines, refusing one with a NUL (checked on every line, not just the sample)."""
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise _NulByte(number)
        yield line


def _utf8_in_cp1252(row: list[str]) -> bool:
    """True when a row read as Windows-1252 is really UTF-8 (its bytes decode as UTF-8)."""
    if all(cell.isascii() for cell in row):
        return False
    try:
        "\x1f".join(row).encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _open_regular(file_path: Path) -> IO[bytes]:
    """Open a regular file for reading; anything else is refused before it is opened."""
    try:
        mode = os.stat(file_path).st_mode
        if stat.S_ISDIR(mode):
            raise ContactFileIsDirectory(f"{file_path} is a directory, not a CSV file")
        _refuse_unless_regular(file_path, mode)
        # O_NONBLOCK: should the path have become a FIFO since the stat, the open returns at
        # once and the fstat below refuses it. It changes nothing for a regular file.
        fd = os.open(file_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ContactFileMissing(f"{file_path}: no such file") from None
    except PermissionError:
        raise ContactFileError(f"{file_path}: permission denied") from None
    try:
        _refuse_unless_regular(file_path, os.fstat(fd).st_mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _refuse_unless_regular(file_path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise ContactFileNotRegular(f"{file_path} is {file_kind(mode)}, not a regular file: copy the data to a file")


def open_contact_file(path: str | os.PathLike[str], column: str | None = None) -> ContactRows:
    """Open a local contact CSV for streaming; the caller closes it (or uses ``with``)."""
    file_path = Path(path)
    raw = _open_regular(file_path)
    try:
        sample = raw.read(SAMPLE_BYTES)
        if not sample.strip():
            raise ContactFileEmpty(f"{file_path} is empty (no header, no rows)")
        encoding = detect_encoding(sample)
        raw.seek(0)
        lines = _decoded_lines(raw, encoding)
        # A TextIOWrapper is closed by its owner: left to the garbage collector once the
        # lines are read, it would close the file with a ResourceWarning.
        closer = lines if isinstance(lines, io.TextIOWrapper) else raw
        return ContactRows(lines, source=str(path), encoding=encoding, column=column, closer=closer)
    except BaseException:
        raw.close()
        raise


def _decoded_lines(raw: IO[bytes], encoding: str) -> Iterable[str]:
    if encoding.startswith("utf-16"):
        # The BOM told the byte order; "utf-16" reads it and drops it.
        return io.TextIOWrapper(raw, encoding="utf-16", newline="")
    if encoding == "utf-8-sig":
        raw.seek(len(codecs.BOM_UTF8))
        encoding = "utf-8"
    # Line by line rather than through a TextIOWrapper, so that a byte the encoding cannot
    # decode is reported on its own row, not on the row where a read-ahead chunk began.
    return (line.decode(encoding) for line in raw)


def contact_rows_from_lines(lines: Iterable[str], *, source: str, column: str | None = None) -> ContactRows:
    """Contact rows from text lines (the upload's content streamed from the API)."""
    return ContactRows(lines, source=source, encoding=None, column=column)


def audit_rows(
    rows: ContactRows, region: str | None, *, on_row: RowSink | None = None, workers: int | None = None
) -> ContactAuditResult:
    """The audit of ``rows``; ``on_row`` gets each row's outcome, in row order. A big file's
    phone cells are parsed by worker processes when that is safe (``audit_pool``); ``workers``:
    how many (1: none; default: one per CPU)."""
    auditor = ContactAuditor(region)
    work = audit_pool.plan(rows, auditor.region, workers=workers)
    if work.chunks is not None:
        try:
            for chunk, cells in work.chunks:
                if on_row is None:
                    auditor.add_cells(chunk, cells)
                    continue
                for (number, raw_phone, row), cell in zip(chunk, cells, strict=True):
                    on_row(auditor.add(number, raw_phone, row, cell=cell), row)
        finally:
            # the workers end now, not when the generator is collected: an exception kept
            # alive (a task's Future holds it) would keep the generator, and them, alive
            work.chunks.close()
    elif on_row is None:
        auditor.add_rows(work.rows or ())
    else:
        add = auditor.add
        for number, raw_phone, row in work.rows or ():
            on_row(add(number, raw_phone, row), row)
    result = auditor.result(rows.source, rows.column, rows.encoding, rows.delimiter)
    return result.model_copy(update={"ragged_rows": rows.ragged_rows})


def audit_file(
    path: str | os.PathLike[str], region: str | None, column: str | None = None, *, workers: int | None = None
) -> ContactAuditResult:
    with open_contact_file(path, column) as rows:
        return audit_rows(rows, region, workers=workers)


def audit_lines(
    lines: Iterable[str], region: str | None, *, source: str, column: str | None = None
) -> ContactAuditResult:
    with contact_rows_from_lines(lines, source=source, column=column) as rows:
        return audit_rows(rows, region)
