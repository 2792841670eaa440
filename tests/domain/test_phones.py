from __future__ import annotations

import dataclasses
import random

import phonenumbers
import pytest

from triage_gui.domain import phone_classifier, phones
from triage_gui.domain.phones import normalise, region_for_from_number, region_of, supported_region

GB_MOBILE = "+447400123456"


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("07400 123456", "GB"),  # national format
        ("+44 7400 123456", None),  # international format, no region needed
        ("  07400 123456\t", "GB"),  # surrounding spaces
        ("'07400 123456", "GB"),  # Excel's text marker
        ("''+447400123456", None),  # typed twice
        ("07400-123-456", "GB"),  # dashes
        ("07400.123.456", "GB"),  # dots
        ("(07400) 123 456", "GB"),  # parentheses
        ("+44 (0) 7400 123456", None),  # the British "(0)"
        ("＋４４ ７４００ １２３４５６", None),  # full-width digits and plus
        ("０７４００ １２３４５６", "GB"),  # full-width national
        ("0044 7400 123456", "GB"),  # 00 prefix, region using 00
        ("0044 7400 123456", "US"),  # 00 prefix in a region whose own prefix is 011
        ("4.47400123456E+11", "GB"),  # Excel scientific notation, exact
        ("4,47400123456E+11", "GB"),  # same with a decimal comma
        ("4.47400123456E+11", "US"),  # Excel dropped the "+": recovered as international
        ("07400 123456", "gb"),  # region case does not matter
    ],
)
def test_cleanups_reach_the_same_e164(raw: str, region: str | None) -> None:
    result = normalise(raw, region)
    assert result.valid, result
    assert result.e164 == GB_MOBILE
    assert result.reason is None
    assert result.number_type == "mobile"


@pytest.mark.parametrize(
    ("raw", "extension"),
    [("07400 123456 x123", "123"), ("07400 123456 ext. 5", "5"), ("07400123456 extension 77", "77")],
)
def test_extension_is_dropped_and_noted(raw: str, extension: str) -> None:
    result = normalise(raw, "GB")
    assert result.e164 == GB_MOBILE
    assert result.note == f"extension {extension} dropped"


def test_scientific_notation_recovery_is_noted() -> None:
    assert normalise("4.47400123456E+11", "GB").note == "recovered from scientific notation"
    assert normalise("07400 123456", "GB").note is None


@pytest.mark.parametrize("raw", ["1.2E+10", "4.47401E+11", "4.155552671E+10"])
def test_scientific_notation_that_lost_digits_is_rejected(raw: str) -> None:
    result = normalise(raw, "US")
    assert not result.valid
    assert result.e164 is None
    assert result.reason == "number mangled by a spreadsheet (scientific notation)"


def test_scientific_notation_of_a_fraction_is_not_a_number() -> None:
    assert normalise("1.25E+01", "GB").reason == "not a phone number (a decimal number)"


@pytest.mark.parametrize("raw", ["", "   ", "\t", "'"])
def test_empty_cells(raw: str) -> None:
    assert normalise(raw, "GB") == phones.PhoneResult(e164=None, valid=False, reason="empty")


def test_none_is_empty() -> None:
    assert normalise(None, "GB").reason == "empty"


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("call me", "GB", "not a phone number"),
        ("123", "GB", "too short"),
        ("+44 7400 123456 789 012", None, "too long"),
        ("07700 900123", "GB", "invalid number for GB"),  # Ofcom's drama range
        ("07400 123456", None, "no country code and no default region"),
        ("07400 123456", "XX", "no country code and unknown default region XX"),
        ("+999 1234 5678", None, "unknown country code"),
    ],
)
def test_reasons_in_plain_words(raw: str, region: str | None, reason: str) -> None:
    result = normalise(raw, region)
    assert not result.valid
    assert result.e164 is None
    assert result.reason == reason


@pytest.mark.parametrize(
    ("raw", "region", "e164", "kind"),
    [
        ("0161 234 5678", "GB", "+441612345678", "fixed_line"),
        ("(415) 555-2671", "US", "+14155552671", "fixed_line_or_mobile"),
        ("415.555.2671", "US", "+14155552671", "fixed_line_or_mobile"),
        ("+1 800 555 0100", None, "+18005550100", "toll_free"),
        ("030 12345678", "DE", "+493012345678", "fixed_line"),
        ("0151 23456789", "DE", "+4915123456789", "mobile"),
        ("+44 1481 256789", "GB", "+441481256789", "fixed_line"),  # Guernsey shares +44
        ("+1 264 497 1234", "US", "+12644971234", "fixed_line"),  # Anguilla shares +1
    ],
)
def test_national_and_international_formats(raw: str, region: str | None, e164: str, kind: str) -> None:
    result = normalise(raw, region)
    assert (result.e164, result.valid, result.number_type) == (e164, True, kind)


def test_result_is_frozen_and_cached() -> None:
    first = normalise("07400 123456", "GB")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.e164 = "x"  # type: ignore[misc]
    # One cache entry for every way of writing the same cell.
    assert normalise("07400-123-456", "GB") is first


def _random_numbers(count: int) -> list[phonenumbers.PhoneNumber]:
    rnd = random.Random(7)
    codes = [1, 7, 44, 49, 33, 39, 61, 262, 590, 599, 800, 882, 86, 91, 234, 971]
    out = []
    for _ in range(count):
        text = f"+{rnd.choice(codes)}{rnd.randint(10**6, 10**11)}"
        try:
            out.append(phonenumbers.parse(text, None))
        except phonenumbers.NumberParseException:
            continue
    return out


def test_one_pass_classification_matches_the_library() -> None:
    """The fast path must say exactly what is_valid_number + number_type say."""
    numbers = _random_numbers(4000)
    assert len(numbers) > 3000
    valid_seen = 0
    for number in numbers:
        kind = phones._number_type_once(number)
        assert kind == phonenumbers.number_type(number), number
        assert (kind != phonenumbers.PhoneNumberType.UNKNOWN) == phonenumbers.is_valid_number(number)
        valid_seen += phonenumbers.is_valid_number(number)
    assert valid_seen > 300  # the sample holds valid numbers too, not only rejects


def test_region_of() -> None:
    assert region_of("+447400123456") == "GB"
    assert region_of("+441481256789") == "GG"
    assert region_of("+14155552671") == "US"
    assert region_of("+80012345678") is None  # non-geographic
    assert region_of("not a number") is None
    assert region_of("") is None


def test_region_for_from_number() -> None:
    assert region_for_from_number("+44 20 7946 0000") == "GB"
    assert region_for_from_number("+1 415 555 2671") == "US"
    assert region_for_from_number("4155552671") is None  # no country to give
    assert region_for_from_number(None) is None


def test_supported_region() -> None:
    assert supported_region(" gb ") == "GB"
    assert supported_region("XX") is None
    assert supported_region("") is None


def _plain_digit_cells(count: int, seed: int) -> list[tuple[str, str]]:
    """(cell, default region) pairs as clean-up leaves them: "+" and digits, or national digits.

    Built from the library's example numbers of every region and type, with the last digits
    changed (so both valid and invalid numbers), written internationally, internationally with
    the national prefix kept ("+44 0…", "+39 06…"), nationally with the prefix, or as bare
    digits; plus random digit strings behind every calling code.
    """
    rnd = random.Random(seed)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    kinds = [
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.UAN,
    ]
    examples = [
        (region, example)
        for region in regions
        for kind in kinds
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    cells = []
    for _ in range(count):
        region = rnd.choice(regions)
        roll = rnd.random()
        if roll < 0.6:
            home, example = rnd.choice(examples)
            national = phonenumbers.national_significant_number(example)
            cut = rnd.randint(0, min(4, len(national)))
            tail = "".join(rnd.choice("0123456789") for _ in range(cut + rnd.choice([-1, 0, 0, 1])))
            national = national[: len(national) - cut] + tail
            style = rnd.random()
            if style < 0.4:
                cell = f"+{example.country_code}{national}"
            elif style < 0.5:
                cell = f"+{example.country_code}0{national}"
            elif style < 0.8:
                region = home
                prefix = phonenumbers.PhoneMetadata.metadata_for_region(home).national_prefix
                cell = (prefix or "") + national
            elif style < 0.9:
                # the calling code without "+" ("1 408 …" in a US file), national prefix or not
                region = home
                prefix = phonenumbers.PhoneMetadata.metadata_for_region(home).national_prefix
                cell = f"{example.country_code}{(prefix or '') if rnd.random() < 0.3 else ''}{national}"
            else:
                cell = national
        elif roll < 0.85:
            digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(0, 15)))
            cell = f"+{rnd.choice(codes)}{digits}"
        else:
            cell = ("+" if rnd.random() < 0.3 else "") + "".join(
                rnd.choice("0123456789") for _ in range(rnd.randint(1, 19))
            )
        if cell.strip("+"):
            cells.append((cell, region))
    return cells


def test_plain_digits_split_exactly_like_parse() -> None:
    """The parse shortcut finds what phonenumbers.parse finds, or steps aside."""
    cells = _plain_digit_cells(60_000, seed=5)
    assert len(cells) >= 50_000
    taken = stripped = leading_zero = valid = own_code = 0
    for cell, region in cells:
        split = phones._split_plain(cell, region)
        try:
            parsed = phonenumbers.parse(cell, region)
        except phonenumbers.NumberParseException:
            assert split is None, (cell, region, split)
            continue
        if split is None:
            continue
        taken += 1
        country_code, national = split
        number = phones._number_from(country_code, national)
        assert number == parsed, (cell, region)
        assert national == phonenumbers.national_significant_number(parsed)
        assert f"+{country_code}{national}" == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        written = cell[1 + len(str(country_code)) :] if cell.startswith("+") else cell
        stripped += len(national) < len(written)
        own_code += not cell.startswith("+") and len(national) + len(str(country_code)) <= len(cell)
        leading_zero += bool(parsed.italian_leading_zero)
        valid += phonenumbers.is_valid_number(parsed)
    # The sample exercises every branch: most cells take the shortcut, some with a national
    # prefix dropped, some keeping a leading zero (Italy, ...), valid and invalid alike.
    assert taken > 40_000
    assert stripped > 1_000
    assert leading_zero > 100
    assert own_code > 1_000  # the calling code written without "+", dropped as parse drops it
    assert 5_000 < valid < taken - 5_000


def _mixed_cells(count: int, seed: int) -> list[str]:
    """Cells as contact files hold them: every format clean-up knows, junk, and repeats."""
    rnd = random.Random(seed)
    examples = [
        example
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    junk = [
        "",
        "n/a",
        "call me",
        "0",
        "+",
        "++44 7400 123456",
        "+0044 7400123456",
        "1-800-FLOWERS",
        "tel:+1-415-555-2671",
        "٠٧٤٠٠١٢٣٤٥٦",
        "1.2E+10",
        "07400 12",
    ]
    cells: list[str] = []
    for _ in range(count):
        example = rnd.choice(examples)
        national = phonenumbers.national_significant_number(example)
        if rnd.random() < 0.3:
            national = national[:-2] + f"{rnd.randint(0, 99):02d}"
        full = f"{example.country_code}{national}"
        roll = rnd.random()
        if roll < 0.25:
            cell = f"+{example.country_code} {national[:3]} {national[3:]}"
        elif roll < 0.35:
            cell = f"00{full}"
        elif roll < 0.5:
            cell = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        elif roll < 0.55:
            cell = f"+{full} ext. {rnd.randint(1, 999)}"
        elif roll < 0.6:
            cell = f"'{full}"
        elif roll < 0.65:
            cell = f"{full[0]}.{full[1:]}E+{len(full) - 1}"
        elif roll < 0.7:
            cell = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"+{full}")
        elif roll < 0.78:
            cell = rnd.choice(junk)
        elif roll < 0.88 and cells:
            cell = rnd.choice(cells)
        else:
            cell = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(3, 16)))
        cells.append(cell)
    return cells


@pytest.mark.parametrize("region", ["GB", "US", "DE", "IT", None])
def test_shortcut_and_general_path_agree_on_mixed_cells(region: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = _mixed_cells(3000, seed=13)
    phones.cache_clear()
    fast = [normalise(cell, region) for cell in cells]
    monkeypatch.setattr(phones, "_split_plain", lambda text, region: None)
    phones.cache_clear()
    try:
        slow = [normalise(cell, region) for cell in cells]
    finally:
        phones.cache_clear()
    assert fast == slow
    assert sum(result.valid for result in fast) > 300


def test_normaliser_binds_the_region() -> None:
    assert phones.normaliser(" gb ")("07400 123456") == normalise("07400 123456", "GB")
    assert phones.normaliser(None)("07400 123456").reason == "no country code and no default region"


def _national_numbers(metadata: object, region: str, rnd: random.Random, count: int) -> list[str]:
    """Example numbers of every type of the region, with their last digits changed (valid and
    invalid numbers of every type), and random digit strings of every plausible length."""
    examples = [
        phonenumbers.national_significant_number(example)
        for kind in range(11)
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    out = []
    for _ in range(count):
        if examples and rnd.random() < 0.7:
            number = rnd.choice(examples)
            cut = rnd.randint(0, min(5, len(number)))
            tail = "".join(rnd.choice("0123456789") for _ in range(cut + rnd.choice([-1, 0, 0, 1])))
            number = number[: len(number) - cut] + tail
        else:
            number = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 17)))
        if number:
            out.append(number)
    return out


def test_the_classifier_types_numbers_as_the_library_does() -> None:
    """phone_classifier.Classifier (one regular expression per number length) against the library's own
    _number_type_helper, on every region and non-geographic calling code."""
    from phonenumbers.phonemetadata import PhoneMetadata
    from phonenumbers.phonenumberutil import _number_type_helper

    rnd = random.Random(17)
    metadata = [
        (region, PhoneMetadata.metadata_for_region(region)) for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]
    metadata += [
        ("001", PhoneMetadata.metadata_for_nongeo_region(code))
        for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    ]
    kinds: set[int] = set()
    checked = 0
    for region, meta in metadata:
        assert meta is not None, region
        classifier = phone_classifier.Classifier(meta)
        for number in _national_numbers(meta, region, rnd, 120):
            expected = _number_type_helper(number, meta)
            assert classifier.classify(number) == expected, (region, number)
            kinds.add(expected)
            checked += 1
    assert checked > 25_000
    assert kinds == set(range(11)) | {phonenumbers.PhoneNumberType.UNKNOWN}  # every type met


def test_the_classifier_keeps_each_patterns_own_groups_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a metadata pattern ever hold groups of its own, each number still gets its type."""
    import re

    from phonenumbers.phonemetadata import PhoneMetadata
    from phonenumbers.phonenumberutil import _number_type_helper

    plain = phone_classifier.desc_pattern

    def with_a_group(desc: object, length: int) -> re.Pattern[str] | None:
        pattern = plain(desc, length)
        return None if pattern is None else re.compile(f"(?:({pattern.pattern}))")

    monkeypatch.setattr(phone_classifier, "desc_pattern", with_a_group)
    rnd = random.Random(3)
    for region in ("GB", "US", "DE", "IT", "IN", "BR"):
        meta = PhoneMetadata.metadata_for_region(region)
        classifier = phone_classifier.Classifier(meta)
        for number in _national_numbers(meta, region, rnd, 300):
            assert classifier.classify(number) == _number_type_helper(number, meta), (region, number)
