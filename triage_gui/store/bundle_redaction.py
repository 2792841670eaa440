"""The bundle's redaction, fast on big files: the same result as ``Redactor.redact_text``.

A 100k-recipient case puts ~16 MB of JSON lines through the redactor, and its patterns cost
about 4 s over that much text although almost no line holds anything to redact. So
:meth:`BundleRedactor.redact_text` first finds the lines that *could* change, cheaply, and runs
the domain's redactor over those lines alone (joined in their order), then puts them back. The
result is the one ``Redactor.redact_text`` gives for the whole text (same text, same counts,
same pseudonyms in the same order), because:

- **Phone numbers** (and their spreadsheet forms) never span a line: no pattern matches a
  newline, and the look-arounds treat a line's edge (a newline) as they treat the text's edge.
  A line can only gain a pseudonym if :data:`_CANDIDATE` matches it: a start where a number
  may begin (the same look-behinds as the domain's patterns) with 7 or more digits after it,
  separators between them or 10 in a row, and not an ISO date or timestamp; or a spreadsheet
  form. That depends only on which characters are digits, so it is tested once per *shape* of
  line (digits replaced by ``0``): a JSON lines file has a handful of shapes.
- **Secrets** are literal strings without a newline (a secret with one: the whole text is
  redacted the slow way); a line holding one is redacted.
- **Authorization headers, bearer tokens and credential fields** start at a keyword
  (:data:`_KEYWORD`, as case-blind as the patterns) and may reach, across white space only,
  the second non-blank line after it: that line and those after it up to there are redacted
  together, as they stand in the text.
- **Pseudonyms** are numbered in order of first sight: the lines that could change keep their
  order, and the others hold no number.

:meth:`BundleRedactor.mask_number` masks one phone number from a field (per-call records: 100k
distinct numbers), giving the pseudonym ``redact_text`` would give it, from the same table. A
clean E.164 number (``+`` and digits) whose national number starts without a national prefix
is masked without parsing it (``phonenumbers`` would return it unchanged); anything else goes
through the redactor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate

from triage_gui.domain.redaction import MIN_SECRET_LENGTH, RedactionCounts, RedactionResult, Redactor

_SEP = r"[+ .\-\u00a0()]"  # what may stand between the digits of a written number (and "+")
_RUN = r"[\d+ .\-\u00a0()]"
_SEVEN = rf"(?=(?:{_SEP}*\d){{7}})"  # at least 7 digits ahead, separators only between them
_NATIONAL_START = r"(?<![\w+@/#])(?<!\d[:.])(?<!\w-)"  # as the domain's national numbers
_CANDIDATE = re.compile(
    # a national number starting with a digit: not a date alone, not a timestamp
    rf"{_NATIONAL_START}(?!\d{{4}}-\d{{2}}-\d{{2}}(?!{_RUN}))(?!\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}})"
    rf"{_SEVEN}(?:\d+{_SEP}+\d|\d{{10}})"
    rf"|{_NATIONAL_START}\({_SEVEN}"  # ... or with "("
    rf"|(?<![\w+])\+{_SEVEN}"  # an international one
    r"|(?<![\w.+\-])(?:\d{7,15}\.0|\d{11}|\d\.\d{5})"  # spreadsheet forms
)
_REACHES_ON = re.compile(r"""["']?\s*(?:[:=]\s*["']?)?""")  # after a keyword, to the end of its line
SAFE_CUT_TRIES = 256  # lines looked back for a place to cut a block (see BundleRedactor._safe_cut)
_KEYWORD = re.compile(r"(?i)authorization|bearer|token|api[_-]?key|client[_-]?secret|password|passwd")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _tail_start(data: bytes, cut: int, non_blank: int) -> int:
    """The start of the line, before ``cut`` (just after a newline), that is the ``non_blank``-th
    last line not white space only; -1 when there are fewer."""
    end = cut - 1  # the newline ending the last line
    while end >= 0:
        start = data.rfind(b"\n", 0, end) + 1
        text = data[start:end].decode("utf-8", "replace")
        non_blank -= bool(text) and not text.isspace()
        if not non_blank:
            return start
        if start == 0:
            return -1
        end = start - 1
    return -1


def _reaches_next_line(text: str) -> bool:
    """Whether a line's redaction can take in the lines after it: a credential keyword with
    nothing after it but a quote, a ``:`` or ``=`` and spaces (the domain's patterns let white
    space, a newline included, stand between such a keyword and its value)."""
    return any(_REACHES_ON.fullmatch(text, m.end()) for m in _KEYWORD.finditer(text))


def _line_at(data: bytes, at: int) -> tuple[int, int]:
    end = data.find(b"\n", at)
    return data.rfind(b"\n", 0, at) + 1, len(data) if end < 0 else end


def _following(data: bytes, end: int, non_blank: int) -> list[tuple[int, int]]:
    """The lines after the one ending at ``end``, up to and including the ``non_blank``-th
    line that is not white space only (as the patterns' ``\\s`` sees it)."""
    out = []
    while non_blank and end < len(data):
        line = _line_at(data, end + 1)
        out.append(line)
        text = data[line[0] : line[1]].decode("utf-8")
        non_blank -= bool(text) and not text.isspace()
        end = line[1]
    return out


class BundleRedactor(Redactor):
    """A :class:`Redactor` for one bundle: the same results, faster on long texts."""

    fast_from = 4096  # shorter texts go straight to the redactor
    chunk = 1 << 22  # bytes of a long text looked at in one go (whole lines)

    def __init__(self, secrets: Iterable[str] = (), *, mask_phones: bool = True, region: str | None = None) -> None:
        secrets = list(secrets)
        super().__init__(secrets, mask_phones=mask_phones, region=region)
        self._literal_secrets = sorted({s.strip() for s in secrets if len(s.strip()) >= MIN_SECRET_LENGTH})
        self._holds_secret = (
            re.compile("|".join(re.escape(s) for s in self._literal_secrets)).search if self._literal_secrets else None
        )
        # only a secret of digits (and "+") can stand inside a phone number
        self._digit_secrets = any(set(s) <= set("+0123456789") for s in self._literal_secrets)
        self._secret_with_newline = any("\n" in s for s in self._literal_secrets)  # then: the slow way
        self._field_numbers = 0  # numbers masked by mask_number (counted in totals)
        self._by_span: dict[tuple[str, bool], str] = {}
        self._ends: dict[tuple[str, tuple[bool, ...], int, bool], int | None] = {}

    @property
    def totals(self) -> RedactionCounts:
        return super().totals + RedactionCounts(phone_numbers=self._field_numbers)

    def redact_text(self, text: str) -> RedactionResult:
        data, counts = self.redact_to_bytes(text)
        return RedactionResult(data.decode("utf-8"), counts)

    def redact_to_bytes(self, text: str) -> tuple[bytes, RedactionCounts]:
        """:meth:`redact_text`, UTF-8 encoded (what a file holds)."""
        if len(text) < self.fast_from or self._secret_with_newline:
            result = super().redact_text(text)
            return result.text.encode("utf-8"), result.counts
        return self.redact_bytes(text.encode("utf-8"))

    def redact_bytes(self, data: bytes) -> tuple[bytes, RedactionCounts]:
        """:meth:`redact_text` of UTF-8 text, as UTF-8: only the lines that could change are
        decoded and redacted."""
        if len(data) < self.fast_from or self._secret_with_newline:
            result = super().redact_text(data.decode("utf-8"))
            return result.text.encode("utf-8"), result.counts
        spans = self._spans_to_redact(data)
        if not spans:
            return data, super().redact_text("").counts  # zero counts, the same bookkeeping
        result = super().redact_text(b"\n".join(data[a:b] for a, b in spans).decode("utf-8"))
        redacted = result.text.encode("utf-8").split(b"\n")
        if len(redacted) != len(spans):  # cannot happen (no replacement holds a newline)
            raise AssertionError("redaction changed the number of lines")
        out, done = [], 0
        for (start, end), line in zip(spans, redacted, strict=True):
            out += [data[done:start], line]
            done = end
        out.append(data[done:])
        return b"".join(out), result.counts

    def redact_blocks(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """:meth:`redact_bytes` of the concatenation of ``blocks`` (UTF-8 text), a block at a
        time, without the whole text in memory at once (a 1M-recipient case's ``calls.jsonl`` is
        ~300 MB) or one long join holding the GIL. The same text and counts as at once; only
        the pseudonyms' numbers may differ (the redactor numbers a text's numbers pass by pass,
        so where a text is cut changes which comes first; one number keeps one pseudonym).
        A block is cut after its last line that nothing before can reach past (a credential
        keyword ending its line reaches up to two non-blank lines ahead); what follows the cut
        waits for the next block."""
        if self._secret_with_newline:  # the slow way needs the whole text
            yield self.redact_bytes(b"".join(blocks))[0]
            return
        waiting: list[bytes] = []  # text not redacted yet, in order
        for block in blocks:
            cut = self._safe_cut(block, context_before=bool(waiting))
            if not cut:
                waiting.append(block)
                continue
            head = b"".join([*waiting, block[:cut]]) if waiting else block[:cut]
            yield self.redact_bytes(head)[0]
            waiting = [block[cut:]] if cut < len(block) else []
        if waiting:
            yield self.redact_bytes(b"".join(waiting))[0]

    @staticmethod
    def _safe_cut(data: bytes, *, context_before: bool = False) -> int:
        """Where ``data`` may be cut: after a newline, with no line from the second-to-last
        non-blank line before the cut on that could reach past it. 0 when there is none within
        :data:`SAFE_CUT_TRIES` lines of the end, or when the lines that decide it are not all in
        ``data`` (``context_before``: text before ``data`` is not redacted yet, and ``data`` may
        start in the middle of a line)."""
        cut = data.rfind(b"\n") + 1
        for _ in range(SAFE_CUT_TRIES):
            if cut <= 0:
                return 0
            start = _tail_start(data, cut, non_blank=2)
            if start < 0:  # fewer than two non-blank lines before the cut
                if context_before:
                    return 0
                start = 0
            elif start == 0 and context_before:
                return 0
            reaching_at = None
            at = start
            for line in data[start:cut].split(b"\n"):
                if _reaches_next_line(line.decode("utf-8", "replace")):
                    reaching_at = at
                    break
                at += len(line) + 1
            if reaching_at is None:
                return cut
            cut = reaching_at
        return 0

    def _spans_to_redact(self, data: bytes) -> list[tuple[int, int]]:
        """(start, end) in ``data`` of each line that could change, in order."""
        chosen: set[tuple[int, int]] = set()
        risky: dict[bytes, tuple[bool, bool]] = {}  # shape -> (may hold a number, has a keyword)
        base = 0
        while True:  # a chunk of whole lines at a time: the shapes are copies
            stop = data.find(b"\n", base + self.chunk)
            stop = len(data) if stop < 0 else stop
            shapes = data[base:stop].translate(_DIGITS_TO_ZERO).split(b"\n")
            marked = []
            for i, shape in enumerate(shapes):
                found = risky.get(shape)
                if found is None:
                    decoded = shape.decode("utf-8")
                    found = risky[shape] = (
                        self.mask_phones and _CANDIDATE.search(decoded) is not None,
                        _KEYWORD.search(decoded) is not None,
                    )
                if found[0] or found[1]:
                    marked.append((i, found[1]))
            if marked:
                starts = list(accumulate((len(shape) + 1 for shape in shapes), initial=base))
                for i, keyword in marked:
                    span = (starts[i], starts[i] + len(shapes[i]))
                    chosen.add(span)
                    if keyword:
                        chosen.update(_following(data, span[1], 2))
            if stop >= len(data):
                break
            base = stop + 1
        for secret in self._literal_secrets:
            needle = secret.encode("utf-8")
            at = data.find(needle)
            while at >= 0:
                chosen.add(_line_at(data, at))
                at = data.find(needle, at + 1)
        return sorted(chosen)

    def mask_number(self, number: str) -> str:
        """One phone number from a field, masked as ``redact`` masks it standing alone (and
        with its pseudonym from the same table); unchanged when phone numbers are kept."""
        if not self.mask_phones or not number:
            return number
        pseudonym = self._fast_pseudonym(number)
        if pseudonym is None:
            return self.redact(number)
        self._field_numbers += 1
        return pseudonym

    def _fast_pseudonym(self, number: str) -> str | None:
        """The pseudonym of a clean E.164 number (``+``, then 7-15 ASCII digits, the first not
        0) without asking phonenumbers (see :func:`_fast_country_code`); None when it must be
        asked."""
        digits = number[1:]
        if (
            not 8 <= len(number) <= 16
            or number[0] != "+"
            or not (digits.isascii() and digits.isdigit())
            or digits[0] == "0"
            or (self._digit_secrets and self._holds_secret is not None and self._holds_secret(number))
        ):
            return None
        pseudonym = self._pseudonyms.get(number)  # the key: its E.164 form, itself
        if pseudonym is not None:
            return pseudonym if _fast_country_code(number) is not None else None
        country = _fast_country_code(number)
        if country is None:
            return None
        pseudonym = self._pseudonyms[number] = f"[phone#{len(self._pseudonyms) + 1} +{country} **{number[-2:]}]"
        return pseudonym

    # -- the redactor's own steps, faster: each asks phonenumbers, which costs ~12 us a call
    def _pseudonym(self, span: str, international: bool) -> str:
        """The parent's; a clean E.164 span the fast way, any other remembered (a span's
        pseudonym never changes once given)."""
        known = self._by_span.get((span, international))
        if known is None:
            known = (self._fast_pseudonym(span) if international else None) or super()._pseudonym(span, international)
            self._by_span[(span, international)] = known
        return known

    def _longest_phone(  # type: ignore[override]  # the parent's is static; called on self
        self, run: str, pieces: list[tuple[int, int]], usable: list[bool], i: int, international: bool
    ) -> int | None:
        """The parent's (a pure function of its arguments), remembered."""
        key = (run, tuple(usable), i, international)
        if key not in self._ends:
            self._ends[key] = Redactor._longest_phone(run, pieces, usable, i, international)
        return self._ends[key]


def _fast_country_code(number: str) -> int | None:
    """The country code of a ``+`` and 7-15 digits number when ``phonenumbers`` would give the
    number back unchanged as its E.164 form: the country code is one it knows (the first of 1-3
    digits that is, as it reads them), and no national prefix starts the rest (which it might
    strip). None when that cannot be told without parsing the number."""
    found = _country_of(number[1:4])
    if found is None:
        return None
    country, size, strip = found
    if strip is not None and strip.match(number[1 + size :]):
        return None  # phonenumbers might strip a prefix: let it decide
    return country


@lru_cache(maxsize=1024)
def _country_of(first: str) -> tuple[int, int, re.Pattern[str] | None] | None:
    """(country code, its length, the national prefix pattern) for a number's first 3 digits."""
    for size in (1, 2, 3):
        strip = _national_prefix(int(first[:size]))
        if strip is not None:
            return int(first[:size]), size, strip if isinstance(strip, re.Pattern) else None
    return None


@lru_cache(maxsize=512)
def _national_prefix(country_code: int) -> re.Pattern[str] | bool | None:
    """None: not a country code; False: its numbers have no national prefix to strip; else
    the pattern phonenumbers tries at the start of a national number."""
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    if country_code not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return None
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    prefix = metadata.national_prefix_for_parsing if metadata is not None else None
    return re.compile(prefix) if prefix else False
