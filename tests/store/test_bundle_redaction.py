"""The bundle's fast redaction gives exactly what the domain's Redactor gives (text, counts,
pseudonyms in the same order), on texts built to hit every pattern and every edge."""

from __future__ import annotations

import random
import re

import pytest

from triage_gui.domain.redaction import Redactor
from triage_gui.store.bundle_redaction import BundleRedactor

TOKEN = "tok_Fuzz-Secret-0123456789"

FRAGMENTS = [
    "+44 7700 900123",
    "+447700900123",
    "+1 (415) 555-0132",
    "(415) 555-0100",
    "415-555-0100",
    "4155550100",
    "14155550100",
    "020 7946 0958",
    "0044 20 7946 0958",
    "01.23.45.67.89",
    "07700900123",
    "447911123456",
    "447911123456.0",
    "4.47911123456E+11",
    "1.23456E+10",
    "+49 30 12345678",
    "0049 30 12345678",
    "+4402079460958",
    "+390612345678",
    "+5491112345678",
    "+9991234567",
    "+79161234567",
    "2026-11-27T23:27:00Z",
    "2026-11-25 09:58:00,123",
    "2026-11-27",
    "1-2026-11-27 23:27",
    "+1 2026-11-27T10:00",
    "15.01.2024",
    "10.0.0.1",
    "1234.5678",
    "1.234.567",
    "1700000000123",
    "3 5 0 1 2 9 4",
    "1234567",
    "12:4155550100",
    "job_4155550100",
    "rcp-4155550100",
    "4155550100ms",
    "#4155550100",
    "@4155550100",
    "/4155550100",
    "[phone#1234567 +1 **23]",
    "\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0660\u0660",
    "seq 1234567",
    '"seq":1234567,',
    '"seq":4155550100,',
    "12  34567890",
    "+44 20 7946 0958 12 calls",
    TOKEN,
    f"Bearer {TOKEN}",
    "Authorization: Basic dXNlcjpwYXNz",
    "authorization",
    ":",
    "=",
    '"',
    "bearer",
    "api_key=abc123",
    "PASSWORD",
    "?token=xyz",
    "access_token",
    "r\u0130fresh_token",
    "x",
    "dispatched",
    "attempt 1",
    ",",
    "(",
    ")",
    "-",
    ".",
    "\u00a0",
]
JOINERS = [" ", "", " ", ",", "\n", "\n\n", "\n  \n", "; ", " - "]


def _text(rng: random.Random, pieces: int) -> str:
    out = []
    for _ in range(pieces):
        out.append(rng.choice(FRAGMENTS))
        out.append(rng.choice(JOINERS))
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("mask_phones", [True, False])
def test_fast_redaction_equals_the_redactor(seed: int, mask_phones: bool) -> None:
    rng = random.Random(seed)
    region = rng.choice([None, "GB", "US"])
    slow = Redactor([TOKEN], mask_phones=mask_phones, region=region)
    fast = BundleRedactor([TOKEN], mask_phones=mask_phones, region=region)
    fast.fast_from, fast.chunk = 0, rng.choice([1, 7, 100, 1 << 22])
    for size in (3, 60, 400):  # one redactor over several files: numbering carries on
        text = _text(rng, size)
        want, got = slow.redact_text(text), fast.redact_text(text)
        assert got.text == want.text
        assert got.counts == want.counts
    assert fast.totals == slow.totals and fast.distinct_phone_numbers == slow.distinct_phone_numbers


@pytest.mark.parametrize("seed", range(200))
def test_redacting_in_blocks_equals_redacting_the_whole(seed: int) -> None:
    """A big file is redacted a block at a time (``redact_blocks``): the same bytes and counts
    as the whole text at once, wherever the blocks are cut (a keyword line reaches two non-blank
    lines ahead, across a cut too). Only the pseudonyms' numbers may differ: the redactor numbers
    a text's numbers pass by pass, so a cut changes which comes first; within the bundle one
    number keeps one pseudonym either way."""
    rng = random.Random(seed)
    region = rng.choice([None, "GB", "US"])
    text = _text(rng, rng.choice([30, 200, 800])).encode("utf-8")
    whole = BundleRedactor([TOKEN], region=region)
    blocked = BundleRedactor([TOKEN], region=region)
    whole.fast_from = blocked.fast_from = rng.choice([0, 4096])
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(1, 40))))
    if rng.random() < 0.5:  # as the writer's blocks come: whole lines
        cuts = sorted({text.rfind(b"\n", 0, c) + 1 for c in cuts} - {0})
    blocks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    want, counts = whole.redact_bytes(text)
    got = b"".join(blocked.redact_blocks(iter(blocks)))
    assert _numbered_by_appearance(got) == _numbered_by_appearance(want)
    assert blocked.totals == whole.totals and blocked.distinct_phone_numbers == whole.distinct_phone_numbers


def _numbered_by_appearance(data: bytes) -> bytes:
    labels: dict[bytes, bytes] = {}
    return re.sub(rb"phone#\d+", lambda m: labels.setdefault(m.group(), b"phone#%d" % (len(labels) + 1)), data)


def test_a_keyword_at_the_end_of_a_block_reaches_into_the_next() -> None:
    block_a = b"x" * 5000 + b"\nAuthorization:\n"
    block_b = b"\n  Basic dXNlcjpwYXNz\nmore\n"
    whole = BundleRedactor([TOKEN]).redact_bytes(block_a + block_b)[0]
    assert b"dXNlcjpwYXNz" not in whole  # the value two lines on is a credential
    assert b"".join(BundleRedactor([TOKEN]).redact_blocks(iter([block_a, block_b]))) == whole


@pytest.mark.parametrize(
    ("line", "cut"),
    [
        ("token expired {i} for +44 7700 9{n:05d}", True),  # a keyword in passing: reaches nowhere
        ("call +44 7700 9{n:05d} seq {i} password:", False),  # each line's value could be on the next
    ],
)
def test_keyword_lines_and_where_blocks_are_cut(line: str, cut: bool) -> None:
    """Lines that name a keyword in passing are cut as any others; a run of lines ending with a
    credential keyword cannot be cut anywhere, so the text waits (each block looked back a
    bounded number of lines, not all that waits) and comes out at the end. Either way: the
    same as at once."""
    lines = [line.format(i=i, n=i % 1000) for i in range(5000)]
    text = ("\n".join(lines) + "\n").encode()
    blocks = [text[i : i + 2000] for i in range(0, len(text), 2000)]
    want = BundleRedactor([TOKEN]).redact_bytes(text)[0]
    out = list(BundleRedactor([TOKEN]).redact_blocks(iter(blocks)))
    assert _numbered_by_appearance(b"".join(out)) == _numbered_by_appearance(want)
    assert b"7700" not in b"".join(out)
    assert (len(out) > 1) is cut


def test_lines_with_nothing_to_redact_are_not_redacted_again() -> None:
    line = '{"seq":12345,"at":"2026-11-27T23:27:00Z","type":"dispatched","recipient_id":"rcp_000001"}'
    text = "\n".join(line.replace("12345", str(10000 + i)) for i in range(2000))
    fast = BundleRedactor([TOKEN])
    assert fast._spans_to_redact(text.encode()) == []
    result = fast.redact_text(text + f"\ncall +44 7700 900123 now {TOKEN}")
    assert result.text.endswith("call [phone#1 +44 **23] now [REDACTED]") and result.counts.total == 2


def test_a_secret_with_a_newline_is_redacted_the_slow_way() -> None:
    secret = "abcd\nefgh"
    text = "x" * 5000 + "abcd\nefgh"
    assert BundleRedactor([secret]).redact_text(text).text == Redactor([secret]).redact_text(text).text


NUMBERS = [
    "+14155550123",
    "+447700900123",
    "+4402079460958",  # a national prefix after the country code: phonenumbers strips it
    "+390612345678",  # Italian leading zero
    "+5491112345678",  # Argentina: a national prefix pattern with groups
    "+9991234567",  # no such country code
    "+12345",  # too short to be E.164 here
    "+14155550123",  # seen before
    "4155550100",  # not E.164: through the redactor
    "+1 415 555 0199",
    "not a number",
    "",
    f"+1415{TOKEN}",
    "+79161234567",
    "+8613812345678",
]


@pytest.mark.parametrize("region", [None, "US"])
def test_mask_number_gives_the_redactors_pseudonym(region: str | None) -> None:
    slow = Redactor([TOKEN], region=region)
    fast = BundleRedactor([TOKEN], region=region)
    for number in NUMBERS:
        assert fast.mask_number(number) == slow.redact(number), number
    # and the table is shared with the text redaction
    text = "then " + " and ".join(NUMBERS)
    assert fast.redact_text(text).text == slow.redact_text(text).text
    assert fast.totals == slow.totals


def test_mask_number_keeps_numbers_when_they_are_not_masked() -> None:
    assert BundleRedactor(mask_phones=False).mask_number("+14155550123") == "+14155550123"
