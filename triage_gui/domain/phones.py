"""Phone numbers in contact files: clean up what spreadsheets do to them, then E.164.

Parsing, validation and number types are the ``phonenumbers`` library's (Google's
libphonenumber metadata); this module only undoes what people and spreadsheets do to a number
before the library sees it: Excel's text marker ``'``, full-width digits typed with an East Asian
input method, the ``00`` international prefix in files meant for any region, an extension
appended to the number, and Excel's scientific notation for long numbers.

"Valid" is libphonenumber's meaning: the number is in an assignable range for its country, not
that the line is in service.

Speed: an upload can hold a million rows and ``phonenumbers`` costs tens of microseconds per
number, so results are cached per (cleaned text, region) and the number type and validity come
from one classification instead of two (see :func:`_classify`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

# Human-typed separators that never carry meaning in a phone number. Stripping them before the
# cache lookup makes "07400 123456" and "07400-123-456" one cache entry.
_SEPARATORS = str.maketrans(
    "", "", " \t\u00a0\u2007\u202f-\u2010\u2011\u2012\u2013\u2014\u2015\u2212./()[]"
)

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

try:  # WORKAROUND: the library has no public "type and region in one pass"; see _classify.
    from phonenumbers.phonemetadata import PhoneMetadata as _PhoneMetadata
    from phonenumbers.phonenumberutil import (
        COUNTRY_CODE_TO_REGION_CODE as _COUNTRY_CODE_TO_REGION_CODE,
    )
    from phonenumbers.phonenumberutil import _number_type_helper as _type_helper

    _FUSED = True
except ImportError:  # pragma: no cover - a future phonenumbers without these internals
    _FUSED = False

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
    if _SCIENTIFIC.match(text):
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


def _region_key(region: str | None) -> str | None:
    if not region:
        return None
    return region.strip().upper() or None


@lru_cache(maxsize=262_144)
def _normalise_clean(text: str, region: str | None) -> PhoneResult:
    if not text:
        return _invalid("empty")
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
    """The number type, or None when the number is not valid.

    In libphonenumber ``is_valid_number(n)`` is ``number_type(n) != UNKNOWN``: both pick the
    region (for shared calling codes such as +1 or +44, by classifying the number against each
    region in turn) and then classify it again against that region. The naive sequence
    ``is_valid_number`` + ``number_type`` therefore classifies a +44 number four times; this
    classifies it once. ``tests/domain/test_phones.py`` checks the equivalence with the public
    functions; without the library's internals it falls back to the public call.
    """
    kind = _number_type_once(number) if _FUSED else phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return None
    return _TYPE_NAMES.get(kind, "unknown")


def _number_type_once(number: phonenumbers.PhoneNumber) -> int:
    """``phonenumbers.number_type`` with the region's classification reused, not redone."""
    regions = _COUNTRY_CODE_TO_REGION_CODE.get(number.country_code)
    if not regions:
        return PhoneNumberType.UNKNOWN
    national = phonenumbers.national_significant_number(number)
    if len(regions) == 1:
        metadata = _PhoneMetadata.metadata_for_region_or_calling_code(
            number.country_code, regions[0]
        )
        return PhoneNumberType.UNKNOWN if metadata is None else _type_helper(national, metadata)
    # Same order and rule as the library's _region_code_for_number_from_list.
    for region in regions:
        metadata = _PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if re.match(metadata.leading_digits, national):
                return _type_helper(national, metadata)
            continue
        kind = _type_helper(national, metadata)
        if kind != PhoneNumberType.UNKNOWN:
            return kind
    return PhoneNumberType.UNKNOWN


def _invalid_reason(number: phonenumbers.PhoneNumber) -> str:
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.TOO_SHORT:
        return "too short"
    if possible == phonenumbers.ValidationResult.TOO_LONG:
        return "too long"
    if possible == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
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
