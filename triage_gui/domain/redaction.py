"""Text redaction shared by the log filter and the diagnostics bundle.

What is removed, and how:

- **Known secrets** (API tokens registered with :meth:`Redactor.add_secret`) are replaced
  entirely by ``[REDACTED]`` wherever they appear, longest first so no fragment survives.
- **Authorization headers** (``Authorization: …``, ``"authorization": "…"``,
  ``Proxy-Authorization``) lose their whole value, scheme included, up to the end of the line
  or the closing quote: ``Authorization: [REDACTED]``.
- **Bearer tokens** anywhere else: ``Bearer [REDACTED]``.
- **Credential fields** (``api_token=…``, ``access_token: …``, ``api_key=…``, ``password=…``,
  ``TRIAGE_API_TOKEN=…``, a ``token=`` query parameter): the value becomes ``[REDACTED]``.
- **Phone numbers** (with ``mask_phones``) become ``[phone#N +CC **DD]``: ``N`` numbers the
  distinct numbers in order of first sight within one :class:`Redactor`, so the same number
  always gets the same pseudonym (a bundle stays readable: "#3 failed twice"); ``+CC`` is the
  country calling code when it is known (written with ``+`` or ``00``, or a ``region`` was
  given); ``DD`` are the last two digits. The pseudonym is derived from a counter only, so it
  cannot be reversed (a hash of a phone number could be, by trying every number), and it holds
  too few digits to be taken for a phone number itself: redacting twice changes nothing.

Which digit runs count as phone numbers (heuristics; privacy wins when in doubt). Runs of digit
groups (separated by one space, hyphen, dot or parentheses) are cut at white space into pieces,
and the longest run of pieces (up to six) that reads as one number is masked, then the next:

- ``+`` followed by 7–15 digits; when a longer run would also fit, the longest one phonenumbers
  calls a possible number wins (``+44 20 7946 0958 12 calls`` keeps the ``12``).
- Grouped national formats with 7–15 digits: ``(415) 555-0100``, ``415-555-0100``,
  ``020 7946 0958``, ``0044 20 7946 0958``, ``01.23.45.67.89``. A row of numbers separated by
  single spaces with 7–15 digits in all may be masked too (columns two spaces apart are not).
- A bare digit run only when it looks like a number to dial: ``0`` + 9–10 digits (national
  trunk prefix), ``00`` + 9–13 digits, or a 10/11-digit North American number
  (``[2-9]XX[2-9]XXXXXX``, optionally after ``1``). Other bare runs (counters, Unix timestamps)
  stay. Seven-digit local numbers without a separator are therefore not masked.
- Spreadsheet forms: international digits that lost their ``+`` (11–15 digits that
  phonenumbers calls possible with a ``+``), the same as a float (``447911123456.0``) or in
  scientific notation (``4.47911123456E+11``); raw cells reach logs and the upload audit.
- Never masked: ISO dates and timestamps (``2024-01-15T10:00:00Z``), dates like
  ``15.01.2024``, times, IPv4 addresses, decimals (``1234.5678``), dotted thousands
  (``1.234.567``), and digits glued to letters, ``_`` or ``-`` (``job_4155550100``,
  ``rcpt-4155550100``, ``4155550100ms``).

Pure: no I/O. A :class:`Redactor` keeps the pseudonym table, so it is not thread-safe; callers
that share one between threads (the log filter) hold a lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields

REDACTED = "[REDACTED]"

# Shorter strings would shred ordinary text if treated as secrets; real API tokens are far longer.
MIN_SECRET_LENGTH = 4

_NOT_REDACTED = r"(?!\[REDACTED\])"

_AUTHORIZATION = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)" + _NOT_REDACTED + r"([^\s\"'][^\r\n\"']*)"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)" + _NOT_REDACTED + r"([A-Za-z0-9\-._~+/]+=*)")
_CREDENTIAL_FIELD = re.compile(
    r"(?i)(\b(?:triage_api_token|api[_-]?token|access[_-]?token|refresh[_-]?token|api[_-]?key"
    r"|client[_-]?secret|password|passwd)[\"']?\s*[:=]\s*[\"']?|[?&]token=)" + _NOT_REDACTED + r"([^\s\"'&,;]+)"
)

# Separators between digit groups of a written phone number: one space / hyphen / dot, or a
# parenthesis with an optional separator beside it ("+44 (0)20", "(415) 555").
_SEP = r"(?:[ .\-\u00a0]?\(|\)[ .\-\u00a0]?|[ .\-\u00a0])"
_GROUPS = rf"\(?\d+(?:{_SEP}\d+)*"
_PHONE_OR_KEEP = re.compile(
    # Timestamps and dates are matched first so no phone number is looked for inside them.
    r"(?P<keep>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)"
    rf"|(?<![\w+])(?P<intl>\+ ?{_GROUPS})"
    rf"|(?<![\w+@/#])(?<!\d[:.])(?<!\w-)(?P<national>{_GROUPS})"
)
# A run of digit groups may hold several numbers, or a number beside a date or a counter: it is
# cut at white space into pieces, and these pieces can never be part of a phone number.
_NEVER_PHONE_PIECE = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # ISO date
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{4}"  # 15.01.2024, 01/15/2024
    r"|\d+\.\d+"  # decimal
    r"|\d{1,3}(?:\.\d{3})+"  # dotted thousands
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # IPv4 address
)
# A piece glued to what follows (a unit, a time "10:00", a decimal) is not a phone number either.
_GLUED = re.compile(r"[\w@/]|[:.\-]\d")
_MAX_PIECES = 6
_DIGITS = re.compile(r"\d")
_BARE_DIALLABLE = re.compile(
    r"0[1-9]\d{8,9}"  # national trunk prefix: 07700900123, 02079460958, 0301234567
    r"|00[1-9]\d{8,12}"  # international prefix instead of "+"
    r"|1?[2-9]\d{2}[2-9]\d{6}"  # North American numbering plan
)


# Spreadsheet forms of a phone number (see Redactor._mask_spreadsheet_numbers).
_SPREADSHEET_NUMBER = re.compile(
    r"(?<![\w.+\-])(?:"
    r"(?P<sci>\d\.\d{5,14})[eE]\+?(?P<exp>\d{1,2})"  # 4.47911123456E+11
    r"|(?P<float>\d{7,15})\.0+"  # 447911123456.0
    r"|(?P<bare>[1-9]\d{10,14})"  # 447911123456 (international, "+" lost)
    r")(?![\w.\-]|:\d)"
)


def _spreadsheet_digits(match: re.Match[str]) -> str | None:
    if match.group("sci") is not None:
        mantissa, exponent = match.group("sci"), int(match.group("exp"))
        whole, fraction = mantissa.split(".")
        if len(fraction) > exponent or not 7 <= exponent + 1 <= 15:
            return None  # not a whole number of phone length
        return whole + fraction + "0" * (exponent - len(fraction))
    if match.group("float") is not None:
        return match.group("float")
    digits = match.group("bare")
    return digits if _is_possible_number("+" + digits) else None


@dataclass(frozen=True)
class RedactionCounts:
    """How many things one call (or one file, or a whole bundle) had redacted."""

    secrets: int = 0
    authorization_headers: int = 0
    bearer_tokens: int = 0
    credential_fields: int = 0
    phone_numbers: int = 0

    def __add__(self, other: RedactionCounts) -> RedactionCounts:
        return RedactionCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RedactionResult:
    text: str
    counts: RedactionCounts


class Redactor:
    """Removes secrets and masks phone numbers in free text; see the module docstring."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        *,
        mask_phones: bool = True,
        region: str | None = None,
    ) -> None:
        self.mask_phones = mask_phones
        # With a region, "020 7946 0958" and "+44 20 7946 0958" share one pseudonym.
        self._region = region
        self._secrets: set[str] = set()
        self._secret_pattern: re.Pattern[str] | None = None
        self._pseudonyms: dict[str, str] = {}
        self._totals = RedactionCounts()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Redact this exact string from now on (too-short strings are ignored, see above)."""
        secret = secret.strip()
        if len(secret) < MIN_SECRET_LENGTH or secret in self._secrets:
            return
        self._secrets.add(secret)
        ordered = sorted(self._secrets, key=len, reverse=True)
        self._secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))

    @property
    def totals(self) -> RedactionCounts:
        """Everything this redactor has redacted so far (a bundle's summary)."""
        return self._totals

    @property
    def distinct_phone_numbers(self) -> int:
        return len(self._pseudonyms)

    def redact(self, text: str) -> str:
        return self.redact_text(text).text

    def redact_text(self, text: str) -> RedactionResult:
        counts: dict[str, int] = {}
        if self._secret_pattern is not None:
            text, counts["secrets"] = self._secret_pattern.subn(REDACTED, text)
        text, counts["authorization_headers"] = _AUTHORIZATION.subn(rf"\1{REDACTED}", text)
        text, counts["bearer_tokens"] = _BEARER.subn(rf"\1{REDACTED}", text)
        text, counts["credential_fields"] = _CREDENTIAL_FIELD.subn(rf"\1{REDACTED}", text)
        if self.mask_phones:
            text, spreadsheet = self._mask_spreadsheet_numbers(text)
            text, counts["phone_numbers"] = self._mask_phones(text)
            counts["phone_numbers"] += spreadsheet
        result = RedactionResult(text, RedactionCounts(**counts))
        self._totals = self._totals + result.counts
        return result

    def _mask_spreadsheet_numbers(self, text: str) -> tuple[str, int]:
        """Numbers as spreadsheets and exports write them: international digits without the
        "+" (``447911123456``), as a float (``447911123456.0``) or in scientific notation
        (``4.47911123456E+11``). The contract passes raw cells through when the platform could
        not normalise them, and the upload audit lists invalid cells verbatim."""
        masked = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal masked
            digits = _spreadsheet_digits(match)
            if digits is None:
                return match.group(0)
            masked += 1
            if len(digits) >= 11 and _is_possible_number("+" + digits):
                return self._pseudonym("+" + digits, True)
            return self._pseudonym(digits, False)

        return _SPREADSHEET_NUMBER.sub(replace, text), masked

    def _mask_phones(self, text: str) -> tuple[str, int]:
        masked = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal masked
            if match.group("keep") is not None:
                return match.group(0)
            glued = _GLUED.match(text, match.end()) is not None
            out, count = self._mask_run(match.group(0), match.group("intl") is not None, glued)
            masked += count
            return out

        return _PHONE_OR_KEEP.sub(replace, text), masked

    def _mask_run(self, run: str, international: bool, glued: bool) -> tuple[str, int]:
        """Mask the phone numbers in one run of digit groups, longest numbers first."""
        pieces = [m.span() for m in re.finditer(r"\S+", run)]
        usable = [_NEVER_PHONE_PIECE.fullmatch(run[a:b].strip("()")) is None for a, b in pieces]
        if glued:
            usable[-1] = False
        out: list[str] = []
        count, i, copied_to = 0, 0, 0
        while i < len(pieces):
            end = self._longest_phone(run, pieces, usable, i, international and i == 0)
            if end is None:
                i += 1
                continue
            start, stop = pieces[i][0], pieces[end - 1][1]
            out.append(run[copied_to:start])
            out.append(self._pseudonym(run[start:stop], international and i == 0))
            copied_to, count, i = stop, count + 1, end
        out.append(run[copied_to:])
        return "".join(out), count

    @staticmethod
    def _longest_phone(
        run: str, pieces: list[tuple[int, int]], usable: list[bool], i: int, international: bool
    ) -> int | None:
        ends = []
        for end in range(i + 1, min(len(pieces), i + _MAX_PIECES) + 1):
            if not usable[end - 1]:
                break
            ends.append(end)
        candidates = [
            end for end in reversed(ends) if _looks_like_phone(run[pieces[i][0] : pieces[end - 1][1]], international)
        ]
        if international:
            # "+44 20 7946 0958 12": the trailing counter is not part of the number.
            for end in candidates:
                if _is_possible_number(run[pieces[i][0] : pieces[end - 1][1]]):
                    return end
        return candidates[0] if candidates else None

    def _pseudonym(self, span: str, international: bool) -> str:
        import phonenumbers  # loaded on first use: it is a tenth of the app's cold start

        digits = "".join(_DIGITS.findall(span))
        e164 = self._e164(span, digits, international)
        key = e164 or digits
        pseudonym = self._pseudonyms.get(key)
        if pseudonym is None:
            country = ""
            if e164 is not None:
                country = f"+{phonenumbers.parse(e164, None).country_code} "
            pseudonym = f"[phone#{len(self._pseudonyms) + 1} {country}**{digits[-2:]}]"
            self._pseudonyms[key] = pseudonym
        return pseudonym

    def _e164(self, span: str, digits: str, international: bool) -> str | None:
        import phonenumbers  # loaded on first use: it is a tenth of the app's cold start

        if international:
            candidate, region = span, None
        elif digits.startswith("00"):
            candidate, region = "+" + digits[2:], None
        elif self._region is not None:
            candidate, region = span, self._region
        else:
            return None
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _looks_like_phone(span: str, international: bool) -> bool:
    digits = "".join(_DIGITS.findall(span))
    if not 7 <= len(digits) <= 15:
        return False
    if international:
        return True
    groups = re.findall(r"\d+", span)
    if len(groups) == 1:
        return _BARE_DIALLABLE.fullmatch(digits) is not None
    # "3 5 0 1 2 9 4" is a row of small counters and "1700000000123 3" a timestamp beside a
    # counter, not numbers someone wrote down.
    return (
        len(groups) <= _MAX_PIECES
        and sum(1 for g in groups if len(g) == 1) <= 1
        and len(groups[0]) <= 5
        and max(len(g) for g in groups) <= 8
    )


def _is_possible_number(span: str) -> bool:
    import phonenumbers  # loaded on first use: it is a tenth of the app's cold start

    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(span, None))
    except phonenumbers.NumberParseException:
        return False
