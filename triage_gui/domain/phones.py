"""Phone numbers in contact files: clean up what spreadsheets do to them, then E.164.

Parsing, validation and number types are the ``phonenumbers`` library's (Google's
libphonenumber metadata); this module only undoes what people and spreadsheets do to a number
before the library sees it: Excel's text marker ``'``, full-width digits typed with an East Asian
input method, the ``00`` international prefix in files meant for any region, an extension
appended to the number, and Excel's scientific notation for long numbers.

"Valid" is libphonenumber's meaning: the number is in an assignable range for its country, not
that the line is in service.

Speed: an upload can hold a million rows, mostly distinct numbers, and ``phonenumbers`` costs
tens of microseconds per number. Four things keep it down, none of them a numbering rule of our
own: results are cached per (cleaned text, region); a cell that is already plain digits after
clean-up skips ``parse``'s generic text handling but goes through the same library steps in the
same order (see :func:`_split_plain`); the number type and validity come from one
classification instead of two (see :func:`_type_of`); and that classification tries a region's
patterns as one regular expression per number length instead of one Python call per pattern
(``domain/phone_classifier.py``). ``tests/domain/test_phones.py`` checks each shortcut against the
library's own functions on every region. (A big file is also parsed on every core:
``store/audit_pool.py``.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from triage_gui.domain.phone_classifier import Classifier

# Human-typed separators that never carry meaning in a phone number. Stripping them before the
# cache lookup makes "07400 123456" and "07400-123-456" one cache entry.
_SEPARATORS = str.maketrans("", "", " \t\u00a0\u2007\u202f-\u2010\u2011\u2012\u2013\u2014\u2015\u2212./()[]")

# Excel turns a long digit string into a number and shows it as 4.47700900123E+11 (a comma is
# the decimal mark in many European locales).
_SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$")

# Saved as displayed ("4.47701E+11"), the digits beyond the shown ones are lost for good.
_MANGLED = "number mangled by a spreadsheet (scientific notation)"

_TYPE_NAMES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}

# WORKAROUND: the library has no public "type and region in one pass" (see _type_of) and no
# public entry to its parse steps for a string that is already digits (see _split_plain).
try:
    from phonenumbers.phonemetadata import PhoneMetadata as _PhoneMetadata
    from phonenumbers.phonenumberutil import (
        _match_national_number as _match_national,
    )
    from phonenumbers.phonenumberutil import (
        _maybe_strip_national_prefix_carrier_code as _strip_national_prefix,
    )
    from phonenumbers.phonenumberutil import (
        _set_italian_leading_zeros_for_phone_number as _set_leading_zeros,
    )
    from phonenumbers.phonenumberutil import _test_number_length

    _FUSED = True
except ImportError:  # pragma: no cover - a future phonenumbers without these internals
    _FUSED = False

# Without it each of the dozen metadata patterns a number is checked against goes through
# re.compile's own cache lookup; the library's cache is one entry per metadata pattern (bounded).
# Older phonenumbers (pyproject allows 8.13) do not have it.
getattr(phonenumbers, "enable_pattern_cache", lambda: None)()

# parse() keeps the national number with its national prefix when stripping the prefix leaves a
# number of one of these lengths.
_KEEP_PREFIX = (
    phonenumbers.ValidationResult.TOO_SHORT,
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    phonenumbers.ValidationResult.INVALID_LENGTH,
)

_PARSE_REASONS: dict[int, str] = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """One cell of a contact file, normalised.

    ``e164`` is set only for valid numbers. ``note`` records a repair that kept the number
    valid but changed what was written (an extension dropped, scientific notation undone).
    """

    e164: str | None
    valid: bool
    reason: str | None = None
    number_type: str | None = None
    note: str | None = None


def _invalid(reason: str, note: str | None = None) -> PhoneResult:
    return PhoneResult(e164=None, valid=False, reason=reason, number_type=None, note=note)


def clean(raw: str) -> str:
    """The cell as ``phonenumbers`` should see it; the cache key of :func:`normalise`."""
    text = raw.strip()
    if not text.isascii():
        # Full-width digits and plus sign (＋４４…) become ASCII under compatibility folding.
        text = unicodedata.normalize("NFKC", text).strip()
    # Excel's "store as text" marker; people sometimes type it twice.
    text = text.lstrip("'").strip()
    if ("E" in text or "e" in text) and _SCIENTIFIC.match(text):
        return text  # its dot is a decimal mark, not a separator
    text = text.translate(_SEPARATORS)
    if text.startswith("00"):
        # The international prefix of most of the world; the library only knows it when the
        # default region uses it, and a US-region file may still hold "0044…".
        text = "+" + text[2:]
    return text


def normalise(raw: str | None, region: str | None) -> PhoneResult:
    """Normalise one cell to E.164 with ``region`` as the default for numbers without "+"."""
    if raw is None:
        return _invalid("empty")
    return _normalise_clean(clean(raw), _region_key(region))


def normaliser(region: str | None) -> Callable[[str], PhoneResult]:
    """:func:`normalise` with ``region`` bound once, for the million-cell loop of an audit."""
    key = _region_key(region)
    cached = _normalise_clean

    def normalise_cell(raw: str) -> PhoneResult:
        return cached(clean(raw), key)

    return normalise_cell


def _region_key(region: str | None) -> str | None:
    if not region:
        return None
    return region.strip().upper() or None


@lru_cache(maxsize=262_144)
def _normalise_clean(text: str, region: str | None) -> PhoneResult:
    if not text:
        return _invalid("empty")
    if "E" in text or "e" in text:  # the regex only on the rare cells that can match it
        scientific = _SCIENTIFIC.match(text)
        if scientific:
            return _from_scientific(scientific, region)
    return _parse(text, region, note=None)


def _from_scientific(match: re.Match[str], region: str | None) -> PhoneResult:
    lead, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    if len(fraction) > exponent:
        if fraction[exponent:].strip("0"):
            return _invalid("not a phone number (a decimal number)")
        fraction = fraction[:exponent]
    if len(fraction) < exponent:
        # The exponent stands for digits the spreadsheet no longer shows: they may have been
        # zeros, but more likely they were rounded away. Guessing would dial a stranger.
        return _invalid(_MANGLED)
    digits = lead + fraction
    note = "recovered from scientific notation"
    result = _parse(digits, region, note=note)
    if result.valid:
        return result
    # Excel also drops the "+" of an international number it turned into a figure.
    international = _parse("+" + digits, None, note=note)
    return international if international.valid else result


def _parse(text: str, region: str | None, *, note: str | None) -> PhoneResult:
    if not text.startswith("+"):
        if region is None:
            return _invalid("no country code and no default region", note)
        if region not in phonenumbers.SUPPORTED_REGIONS:
            return _invalid(f"no country code and unknown default region {region}", note)
    split = _split_plain(text, region) if _FUSED else None
    if split is None:
        return _parse_text(text, region, note=note)
    country_code, national = split
    kind = _type_of(country_code, national)
    if kind == PhoneNumberType.UNKNOWN:
        return _invalid(_invalid_reason(_number_from(country_code, national)), note)
    return PhoneResult(
        # What format_number(..., E164) writes: "+", the calling code, the national number.
        e164=f"+{country_code}{national}",
        valid=True,
        reason=None,
        number_type=_TYPE_NAMES.get(kind, "unknown"),
        note=note,
    )


def _parse_text(text: str, region: str | None, *, note: str | None) -> PhoneResult:
    """The general path: ``phonenumbers.parse`` on any text (extensions, letters, odd prefixes)."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return _invalid(_PARSE_REASONS.get(exc.error_type, "not a phone number"), note)
    if number.extension:
        dropped = f"extension {number.extension} dropped"
        note = f"{note}; {dropped}" if note else dropped
        number.extension = None
    kind = _classify(number)
    if kind is None:
        return _invalid(_invalid_reason(number), note)
    return PhoneResult(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        valid=True,
        reason=None,
        number_type=kind,
        note=note,
    )


def _classify(number: phonenumbers.PhoneNumber) -> str | None:
    """The number type, or None when the number is not valid (the public call as fallback)."""
    kind = _number_type_once(number) if _FUSED else phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return None
    return _TYPE_NAMES.get(kind, "unknown")


def _number_type_once(number: phonenumbers.PhoneNumber) -> int:
    if number.country_code is None:
        return PhoneNumberType.UNKNOWN  # as number_type: no calling code, no region
    return _type_of(number.country_code, phonenumbers.national_significant_number(number))


def _type_of(country_code: int, national: str) -> int:
    """``phonenumbers.number_type`` with the region's classification reused, not redone.

    In libphonenumber ``is_valid_number(n)`` is ``number_type(n) != UNKNOWN``: both pick the
    region (for shared calling codes such as +1 or +44, by classifying the number against each
    region in turn) and then classify it again against that region. The naive sequence
    ``is_valid_number`` + ``number_type`` therefore classifies a +44 number four times; this
    classifies it once, with :class:`~triage_gui.domain.phone_classifier.Classifier` (the library's
    ``_number_type_helper``).
    """
    for classifier, leading_digits in _regions_of(country_code):
        # Same order and rule as the library's _region_code_for_number_from_list.
        if leading_digits is not None:
            if leading_digits.match(national):
                return classifier.classify(national)
            continue
        kind = classifier.classify(national)
        if kind != PhoneNumberType.UNKNOWN:
            return kind
    return PhoneNumberType.UNKNOWN


@cache  # one entry per calling code in use
def _regions_of(country_code: int) -> tuple[tuple[Classifier, re.Pattern[str] | None], ...]:
    """The regions to classify a number of this calling code against, in the library's order.

    With one region the library takes it without looking at its leading digits; with several it
    takes the first whose leading digits match, or else the first that classifies the number.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return ()
    if len(regions) == 1:
        metadata = _PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
        return () if metadata is None else ((Classifier(metadata), None),)
    found = []
    for region in regions:
        metadata = _PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        leading = metadata.leading_digits
        found.append((Classifier(metadata), re.compile(leading) if leading is not None else None))
    return tuple(found)


def _split_plain(text: str, region: str | None) -> tuple[int, str] | None:
    """(calling code, national significant number) as ``phonenumbers.parse`` finds them, for a
    cell that is plain ASCII digits after clean-up, with or without a leading "+".

    ``parse`` spends most of its time on text it cannot assume is clean (RFC 3966, letters,
    extensions, punctuation, Unicode digits). For plain digits what remains is below, in parse's
    order, with the library's own helpers and metadata. Whatever parse might read another way
    (unknown calling code, leading international prefix, a length parse rejects) gives None: the
    caller then parses the text.
    """
    if text[:1] == "+":
        digits = text[1:]
        if not (3 <= len(digits) <= 20 and digits.isascii() and digits.isdigit()):
            return None
        if digits[0] == "0":
            return None  # no calling code starts with 0; parse retries it as a national number
        for size in (1, 2, 3):
            country_code = int(digits[:size])
            if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        national = digits[size:]
        metadata = _metadata_of(country_code)
    else:
        if region is None or not (2 <= len(text) <= 17 and text.isascii() and text.isdigit()):
            return None
        national_rules = _national_rules(region)
        if national_rules is None:
            return None
        metadata, international_prefix, country_code, own_code = national_rules
        if international_prefix is not None and international_prefix.match(text):
            return None  # parse may read it as an international call from the region
        national = text
        if text.startswith(own_code):  # perhaps the region's calling code without "+"
            national, metadata = _own_code_dropped(text, own_code, country_code, metadata)
    if metadata is None or len(national) < 2:
        return None
    prefix = _national_prefix(metadata)
    # The library's own first step: no national prefix at the start, nothing stripped.
    if prefix is not None and prefix.match(national):
        _, stripped, prefix_found = _strip_national_prefix(national, metadata)
        if prefix_found and _test_number_length(stripped, metadata) not in _KEEP_PREFIX:
            national = stripped
    if not 2 <= len(national) <= 17:
        return None
    return country_code, national


def _own_code_dropped(
    text: str, own_code: str, country_code: int, metadata: _PhoneMetadata
) -> tuple[str, _PhoneMetadata | None]:
    """Digits starting with the default region's calling code, as parse reads them (its
    ``_maybe_extract_country_code``): without the code when the number was no national number
    of the region before and is one after, or was too long; the metadata parse goes on with."""
    general = metadata.general_desc
    _, potential, _ = _strip_national_prefix(text[len(own_code) :], metadata)
    if (not _match_national(text, general, False) and _match_national(potential, general, False)) or (
        _test_number_length(text, metadata) == phonenumbers.ValidationResult.TOO_LONG
    ):
        return potential, _metadata_of(country_code)  # parse: the calling code's main region
    return text, metadata


def _national_prefix(metadata: _PhoneMetadata) -> re.Pattern[str] | None:
    """The region's ``national_prefix_for_parsing``, compiled once (None: the region has none)."""
    found = _NATIONAL_PREFIXES.get(id(metadata))
    if found is None:
        text = metadata.national_prefix_for_parsing
        found = _NATIONAL_PREFIXES[id(metadata)] = (metadata, re.compile(text) if text else None)
    return found[1]


# id(metadata) -> (metadata, its pattern): metadata objects live as long as the library's registry
# (the entry holds its own, so an id is never reused for another)
_NATIONAL_PREFIXES: dict[int, tuple[_PhoneMetadata, re.Pattern[str] | None]] = {}


@cache  # one entry per calling code in use
def _metadata_of(country_code: int) -> _PhoneMetadata | None:
    region = phonenumbers.region_code_for_country_code(country_code)
    return _PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)


@cache  # one entry per default region in use
def _national_rules(region: str) -> tuple[_PhoneMetadata, re.Pattern[str] | None, int, str] | None:
    """(metadata, international prefix, calling code, calling code as text) of a region."""
    metadata = _PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    prefix = metadata.international_prefix
    code = metadata.country_code
    return metadata, re.compile(prefix) if prefix is not None else None, code, str(code)


def _number_from(country_code: int, national: str) -> phonenumbers.PhoneNumber:
    """The ``PhoneNumber`` parse would have built from :func:`_split_plain`'s result."""
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    _set_leading_zeros(national, number)
    return number


def _invalid_reason(number: phonenumbers.PhoneNumber) -> str:
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.TOO_SHORT:
        return "too short"
    if possible == phonenumbers.ValidationResult.TOO_LONG:
        return "too long"
    if possible == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
        return "unknown country code"
    if number.country_code is None:
        return "unknown country code"
    where = phonenumbers.region_code_for_country_code(number.country_code)
    if where == phonenumbers.UNKNOWN_REGION:
        return "unknown country code"
    if where == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return f"invalid number for +{number.country_code}"
    return f"invalid number for {where}"


def region_of(e164: str | None) -> str | None:
    """The ISO region ("GB") of an E.164 number; None when unknown or not geographic."""
    if not e164:
        return None
    try:
        number = phonenumbers.parse(clean(e164), None)
    except NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if not region or region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    return str(region)


def region_for_from_number(from_number: str | None) -> str | None:
    """Default region for a campaign's contacts: the country of its caller ID (issue #3).

    A from-number without "+" has no country to give, so None (the caller then asks for
    ``--region`` or the settings' value).
    """
    if not from_number:
        return None
    text = clean(from_number)
    if not text.startswith("+"):
        return None
    return region_of(text)


def cache_clear() -> None:
    """Forget cached results (benchmarks measure cold runs)."""
    _normalise_clean.cache_clear()


def supported_region(region: str | None) -> str | None:
    """``region`` as an ISO code phonenumbers knows ("gb" -> "GB"); None if empty or unknown."""
    key = _region_key(region)
    return key if key in phonenumbers.SUPPORTED_REGIONS else None
