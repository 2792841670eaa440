"""Contact lists as people upload them: names, phone numbers in human formats, and mistakes.

Every number is generated valid for ``phonenumbers`` from ranges checked against its metadata
(US geographic area codes with a non-N11 exchange, UK mobiles 074/075/078, German mobiles
015x/016x/017x), so no per-number validation is needed while building 100k rows; the tests
check the generated numbers with ``phonenumbers.is_valid_number``. The cell shows each number
the way a person or a spreadsheet wrote it (national, international, spaces, dashes, dots).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

COLUMNS = ("recipient_id", "first_name", "last_name", "phone_number")

_US_AREAS = (
    212,
    213,
    214,
    206,
    303,
    305,
    312,
    404,
    408,
    414,
    415,
    503,
    510,
    512,
    602,
    615,
    617,
    619,
    646,
    702,
    713,
    718,
    720,
    773,
    786,
    818,
    901,
    917,
    919,
    980,
)
_DE_PREFIXES = (
    "151",
    "152",
    "157",
    "159",
    "160",
    "162",
    "170",
    "171",
    "172",
    "173",
    "174",
    "175",
    "176",
    "177",
    "178",
    "179",
)
_FIRST = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Mateo",
    "Sophia",
    "Lucas",
    "Mia",
    "Ethan",
    "Amelia",
    "James",
    "Harper",
    "Aiden",
    "Evelyn",
    "José",
    "Zoë",
    "Chloé",
    "Björn",
    "Siobhán",
    "Priya",
    "Wei",
    "Fatima",
    "Omar",
    "Grace",
    "Daniel",
    "Aaliyah",
    "Lena",
    "Tomás",
    "Ingrid",
    "Kwame",
    "Yuki",
    "Marta",
    "Hannah",
    "Samuel",
    "Nadia",
)
_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "O'Brien",
    "Müller",
    "Schmidt",
    "Kowalski",
    "Patel",
    "Okafor",
    "Kim",
    "Rossi",
    "Dubois",
    "Novak",
    "Haddad",
    "Silva",
    "Evans",
)

# What spreadsheets and people put in a phone cell instead of a number, with the reason a
# contact auditor would give.
MALFORMED_CELLS: tuple[tuple[str, str], ...] = (
    ("", "empty"),
    ("N/A", "not a number"),
    ("call after 5pm", "not a number"),
    ("555-01", "too short"),
    ("12345", "too short"),
    ("1.2E+10", "scientific notation"),
    ("4.47701E+11", "scientific notation"),
    ("+1 (212) 55", "too short"),
    ("tbd", "not a number"),
)


@dataclass(frozen=True, slots=True)
class UploadRow:
    """One data row of an upload; ``row`` is the spreadsheet row (the header is row 1)."""

    row: int
    recipient_id: str
    first_name: str
    last_name: str
    cell: str
    e164: str | None  # what the platform normalises the cell to; None when it cannot

    @property
    def dial_number(self) -> str:
        """``phone_number`` as CallAttempt shows it: E.164, else the raw cell (the contract)."""
        return self.e164 if self.e164 is not None else self.cell


@dataclass
class UploadData:
    id: str
    filename: str
    created_at: float
    rows: list[UploadRow]
    columns: tuple[str, ...] = COLUMNS
    duplicate_rows: list[int] = field(default_factory=list)  # rows repeating an earlier number
    invalid_rows: list[int] = field(default_factory=list)

    def csv_chunks(self, rows_per_chunk: int = 2000) -> Iterator[bytes]:
        """The file as uploaded, in chunks, so 100k rows are never one string in memory."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        for start in range(0, len(self.rows), rows_per_chunk):
            for r in self.rows[start : start + rows_per_chunk]:
                writer.writerow((r.recipient_id, r.first_name, r.last_name, r.cell))
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        rest = buffer.getvalue()
        if rest:
            yield rest.encode("utf-8")


class NumberFactory:
    """Unique valid numbers for one upload, mostly from ``home`` ("US", "GB" or "DE")."""

    def __init__(self, rng: random.Random, home: str, foreign_share: float = 0.06) -> None:
        self._rng = rng
        self.home = home
        self._foreign_share = foreign_share
        self._seen: set[str] = set()

    def e164(self, country: str | None = None) -> str:
        rng = self._rng
        if country is None:
            if rng.random() < self._foreign_share:
                country = rng.choice([c for c in ("US", "GB", "DE") if c != self.home])
            else:
                country = self.home
        while True:
            number = _GENERATORS[country](rng)
            if number not in self._seen:
                self._seen.add(number)
                return number

    def cell(self, e164: str) -> str:
        """``e164`` as a person typed it; national formats only for home-country numbers."""
        return human_format(self._rng, e164, national_ok=_country_of(e164) == self.home)


def _us(rng: random.Random) -> str:
    exchange = rng.randint(200, 999)
    while exchange % 100 == 11 or exchange in (555, 950, 958, 959, 976):
        exchange = rng.randint(200, 999)
    return f"+1{rng.choice(_US_AREAS)}{exchange}{rng.randint(0, 9999):04d}"


def _gb(rng: random.Random) -> str:
    return f"+447{rng.choice('458')}{rng.randint(0, 99_999_999):08d}"


def _de(rng: random.Random) -> str:
    prefix = rng.choice(_DE_PREFIXES)
    digits = 7 if prefix in ("160", "170", "171", "175") else 8
    return f"+49{prefix}{rng.randint(0, 10**digits - 1):0{digits}d}"


_GENERATORS = {"US": _us, "GB": _gb, "DE": _de}


def _country_of(e164: str) -> str:
    if e164.startswith("+1"):
        return "US"
    if e164.startswith("+44"):
        return "GB"
    return "DE"


def human_format(rng: random.Random, e164: str, *, national_ok: bool = True) -> str:
    country = _country_of(e164)
    pick = rng.random()
    national: tuple[str, ...]
    international: tuple[str, ...]
    if country == "US":
        a, x, n = e164[2:5], e164[5:8], e164[8:]
        national = (
            f"({a}) {x}-{n}",
            f"{a}-{x}-{n}",
            f"{a}.{x}.{n}",
            f"{a} {x} {n}",
            f"1-{a}-{x}-{n}",
            f"{a}{x}{n}",
        )
        international = (f"+1 {a}-{x}-{n}", e164, f"+1 ({a}) {x}-{n}", f"+1 {a} {x} {n}")
    elif country == "GB":
        body = e164[3:]
        national = (
            f"0{body[:4]} {body[4:]}",
            f"0{body[:4]}-{body[4:7]}-{body[7:]}",
            f"0{body}",
            f"0044 {body[:4]} {body[4:]}",
        )
        international = (f"+44 {body[:4]} {body[4:]}", e164, f"+44 (0){body[:4]} {body[4:]}")
    else:
        body = e164[3:]
        national = (
            f"0{body[:3]} {body[3:]}",
            f"0{body[:3]}-{body[3:7]} {body[7:]}",
            f"0{body[:3]}/{body[3:]}",
        )
        international = (f"+49 {body[:3]} {body[3:]}", e164, f"+49 (0){body[:3]} {body[3:]}")
    if national_ok and pick < 0.7:
        return rng.choice(national)
    return rng.choice(international)


def build_upload(
    rng: random.Random,
    *,
    upload_id: str,
    filename: str,
    created_at: float,
    rows: int,
    home: str,
    duplicate_share: float = 0.0,
    malformed_share: float = 0.0,
) -> UploadData:
    """An upload of ``rows`` data rows; optionally with repeated numbers and malformed cells.

    A duplicate repeats an earlier row's number in another format (what merging two exports
    does); a malformed cell is one of :data:`MALFORMED_CELLS`.
    """
    numbers = NumberFactory(rng, home)
    made: list[UploadRow] = []
    duplicates: list[int] = []
    invalid: list[int] = []
    for index in range(rows):
        row = index + 2
        recipient_id = f"rcp_{index + 1:06d}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        roll = rng.random()
        if made and roll < malformed_share:
            cell, _reason = rng.choice(MALFORMED_CELLS)
            e164 = None
            invalid.append(row)
        elif roll < malformed_share + duplicate_share and any(r.e164 for r in made[-50:]):
            earlier = rng.choice([r for r in made[-200:] if r.e164 is not None])
            e164 = earlier.e164
            assert e164 is not None
            cell = numbers.cell(e164)
            duplicates.append(row)
        else:
            e164 = numbers.e164()
            cell = numbers.cell(e164)
        made.append(UploadRow(row, recipient_id, first, last, cell, e164))
    return UploadData(upload_id, filename, created_at, made, duplicate_rows=duplicates, invalid_rows=invalid)
