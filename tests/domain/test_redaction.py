from __future__ import annotations

import re

import pytest

from triage_gui.domain.redaction import REDACTED, RedactionCounts, Redactor

PSEUDONYM = re.compile(r"\[phone#\d+ (?:\+\d{1,3} )?\*\*\d\d\]")


@pytest.mark.parametrize(
    ("text", "kept_digits"),
    [
        ("failed for +14155550100: busy", "00"),
        ("failed for +1 (415) 555-0100", "00"),
        ("+44 20 7946 0958", "58"),
        ("+44 (0)20 7946 0958", "58"),
        ("+49-30-1234567", "67"),
        ("(415) 555-0100", "00"),
        ("415-555-0100", "00"),
        ("415.555.0100", "00"),
        ("020 7946 0958", "58"),
        ("07700 900123", "23"),
        ("01.23.45.67.89", "89"),
        ("0044 20 7946 0958", "58"),
        ("4155550100", "00"),
        ("07700900123", "23"),
        ("00442079460958", "58"),
        ("csv row: r7,4155550101,bad", "01"),
        ('"phone_number": "+447700900123"', "23"),
    ],
)
def test_phone_numbers_are_masked_keeping_the_last_two_digits(text, kept_digits):
    out = Redactor().redact(text)
    found = PSEUDONYM.findall(out)
    assert len(found) == 1, out
    assert found[0].endswith(f"**{kept_digits}]")
    assert sum(ch.isdigit() for ch in out) < 7  # nothing dialable is left


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-15T10:00:00Z",
        "2024-01-15T10:00:00.123456+01:00",
        "2024-01-15 10:00:00",
        "on 15.01.2024 at 12:34:56",
        "job_4155550100 rcpt-4155550100 cmp_20240115",
        "counters total=1234567 succeeded=987654 failed=12",
        "ts=1700000000 ms=1700000000123",
        "client 192.168.100.200 and 127.0.0.1",
        "ratio 1234.5678 and 1.234.567 calls",
        "counts: 3 5 0 1 2 9 4",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "took 4155550100ms",
        "timezone +01:00",
    ],
)
def test_timestamps_ids_and_counters_are_left_alone(text):
    result = Redactor().redact_text(text)
    assert result.text == text
    assert result.counts.total == 0


def test_the_same_number_gets_the_same_pseudonym_and_others_a_new_one():
    r = Redactor()
    first = r.redact("+14155550100 failed")
    again = r.redact("retry of +1 415 555 0100")
    other = r.redact("+14155550199 failed")
    assert first.split()[0] == "[phone#1"
    assert PSEUDONYM.search(again).group(0) == PSEUDONYM.search(first).group(0)
    assert PSEUDONYM.search(other).group(0) == "[phone#2 +1 **99]"
    assert r.distinct_phone_numbers == 2


def test_pseudonyms_are_per_redactor_and_do_not_encode_the_number():
    # Numbered by first sight, so the same number in two bundles has unrelated pseudonyms and
    # nothing (no hash) could be brute-forced back into the number.
    a, b = Redactor(), Redactor()
    a.redact("+14155550123")
    assert b.redact("+447700900123") == "[phone#1 +44 **23]"
    assert a.redact("+447700900123") == "[phone#2 +44 **23]"


def test_a_region_links_national_and_international_writing():
    r = Redactor(region="GB")
    assert r.redact("020 7946 0958") == r.redact("+44 20 7946 0958") == "[phone#1 +44 **58]"


def test_two_numbers_in_one_run_are_masked_separately():
    out = Redactor().redact("4155550100 07700900123 +1 415 555 0100 4155550101")
    assert len(PSEUDONYM.findall(out)) == 4
    assert PSEUDONYM.sub("", out).strip() == ""


def test_a_counter_after_an_international_number_stays():
    assert Redactor().redact("+44 20 7946 0958 12 calls") == "[phone#1 +44 **58] 12 calls"


def test_masking_can_be_turned_off():
    assert Redactor(mask_phones=False).redact("+14155550100") == "+14155550100"


def test_known_secrets_are_removed_entirely_longest_first():
    r = Redactor(["abcd1234", "abcd1234efgh"])
    out = r.redact("a=abcd1234efgh b=abcd1234 c=xabcd1234x")
    assert "abcd" not in out and "efgh" not in out and "1234" not in out
    assert out == f"a={REDACTED} b={REDACTED} c=x{REDACTED}x"


def test_too_short_secrets_are_ignored_rather_than_shredding_text():
    r = Redactor(["ab"])
    assert r.redact("about tabs") == "about tabs"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer tok_123.abc", f"Authorization: {REDACTED}"),
        ("authorization=Basic dXNlcjpwYXNz", f"authorization={REDACTED}"),
        ("{'Authorization': 'Bearer xyz', 'Accept': '*/*'}", f"{{'Authorization': '{REDACTED}', 'Accept': '*/*'}}"),
        ('"Proxy-Authorization": "Negotiate abc"', f'"Proxy-Authorization": "{REDACTED}"'),
        ("sent Bearer eyJhbGciOi.J9x-_y= along", f"sent Bearer {REDACTED} along"),
        ("(b'authorization', b'Bearer s3cr3t')", f"(b'authorization', b'Bearer {REDACTED}')"),
        (
            "TRIAGE_API_TOKEN=zzz-top api_key: k1 access_token=t1&x=1",
            f"TRIAGE_API_TOKEN={REDACTED} api_key: {REDACTED} access_token={REDACTED}&x=1",
        ),
        ("GET /v1/x?token=abc&limit=5", f"GET /v1/x?token={REDACTED}&limit=5"),
    ],
)
def test_authorization_values_bearer_tokens_and_credential_fields(text, expected):
    assert Redactor().redact(text) == expected


def test_authorization_value_is_replaced_as_a_whole_never_partially():
    out = Redactor().redact("Authorization: Bearer part1 part2 part3")
    assert out == f"Authorization: {REDACTED}"


def test_redacting_twice_changes_nothing_more():
    r = Redactor(["s3cr3t-token"])
    once = r.redact_text("Authorization: Bearer s3cr3t-token to +14155550100 s3cr3t-token")
    twice = r.redact_text(once.text)
    assert twice.text == once.text
    assert twice.counts.total == 0


def test_counts_per_call_and_totals_across_calls():
    r = Redactor(["my-secret-token"])
    first = r.redact_text("my-secret-token +14155550100 +14155550100\nAuthorization: x")
    assert first.counts == RedactionCounts(secrets=1, authorization_headers=1, phone_numbers=2)
    second = r.redact_text("Bearer abcdef and 020 7946 0958")
    assert second.counts == RedactionCounts(bearer_tokens=1, phone_numbers=1)
    assert r.totals == first.counts + second.counts
    assert r.totals.total == 6
    assert r.totals.as_dict()["phone_numbers"] == 3


def test_added_secrets_apply_from_then_on():
    r = Redactor()
    assert r.redact("token-abc-123") == "token-abc-123"
    r.add_secret("token-abc-123")
    assert r.redact("x token-abc-123 y") == f"x {REDACTED} y"


def test_spreadsheet_forms_of_a_number_are_masked_consistently():
    from triage_gui.domain.redaction import Redactor

    redactor = Redactor()
    out = redactor.redact("row 7: 447911123456.0 | row 8: 4.47911123456E+11 | row 9: 447911123456 | +44 7911 123456")
    assert "7911123456" not in out and "4.479" not in out
    pseudonyms = set(re.findall(r"\[phone#\d+ [^\]]*\]", out))
    assert len(pseudonyms) == 1  # the same number, four spellings, one pseudonym
    # ordinary numbers stay: a counter, a timestamp in ms, a decimal, an id
    kept = "total 1500 at 1732550400000 ratio 0.25 job_447911123456 took 12.5 s"
    assert redactor.redact(kept) == kept
