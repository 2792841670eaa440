"""A region's number types, as ``phonenumbers`` tells them, from one regular expression per length.

The library's ``_number_type_helper`` checks a national number against up to eleven patterns of
its region (premium rate, toll free, ..., fixed line, mobile), one Python call each: a length
test, a look-up in its pattern cache, ``match`` then ``fullmatch``. For a contact file of a
million distinct numbers that is most of the parsing time. :class:`Classifier` gives the same
answer from one call: the patterns a number of a given length can match, in the helper's order,
as one alternation, whose first alternative to match the whole number is the one the helper would
have found. No numbering rule of our own: the metadata's patterns and the helper's order and
fixed-line/mobile rule. ``tests/domain/test_phones.py`` compares the two on every region.
"""

from __future__ import annotations

import re

from phonenumbers import PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata

# The library's _number_type_helper tries a region's number types in this order; the first whose
# possible lengths include the number's and whose pattern matches it whole is the number's type.
TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
    ("fixed_line", PhoneNumberType.FIXED_LINE),
    ("mobile", PhoneNumberType.MOBILE),
)

# Per number length: the general pattern (None: no number of this length is valid), the types'
# patterns as one alternation with the type of each alternative's group, and the mobile pattern a
# fixed line is checked against again.
_Rules = tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[int, int], re.Pattern[str] | None]


class Classifier:
    """The library's ``_number_type_helper`` for one region's metadata (see the module's docstring);
    the rules for each number length are built the first time a number of that length comes."""

    __slots__ = ("_metadata", "_rules")

    def __init__(self, metadata: PhoneMetadata) -> None:
        self._metadata = metadata
        self._rules: dict[int, _Rules] = {}

    def classify(self, national: str) -> int:
        rules = self._rules.get(len(national))
        if rules is None:
            rules = self._rules[len(national)] = self._rules_for(len(national))
        general, types, kinds, mobile_too = rules
        if general is None or types is None or not general.fullmatch(national):
            return PhoneNumberType.UNKNOWN
        found = types.fullmatch(national)
        if found is None or found.lastindex is None:
            return PhoneNumberType.UNKNOWN
        # An alternative's own group closes after any group inside it: lastindex is its group.
        kind = kinds[found.lastindex]
        if kind == PhoneNumberType.FIXED_LINE:
            if self._metadata.same_mobile_and_fixed_line_pattern:
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            if mobile_too is not None and mobile_too.fullmatch(national):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return kind

    def _rules_for(self, length: int) -> _Rules:
        metadata = self._metadata
        general = desc_pattern(metadata.general_desc, length)
        same = metadata.same_mobile_and_fixed_line_pattern
        alternatives: list[str] = []
        kinds: dict[int, int] = {}
        group = 1
        for name, kind in TYPE_ORDER:
            if kind == PhoneNumberType.MOBILE and same:
                continue  # the helper never tests mobile on its own then
            pattern = desc_pattern(getattr(metadata, name, None), length)
            if pattern is not None:
                alternatives.append(f"({pattern.pattern})")
                kinds[group] = kind
                group += 1 + pattern.groups  # groups inside a pattern (none today) come after
        types = re.compile("|".join(alternatives)) if alternatives else None
        return general, types, kinds, desc_pattern(metadata.mobile, length)


def desc_pattern(desc: object, length: int) -> re.Pattern[str] | None:
    """The desc's pattern when a number of ``length`` digits can match it (the helper's
    ``_is_number_matching_desc``: no desc, a length not listed or no pattern: no match)."""
    if desc is None:
        return None
    lengths = getattr(desc, "possible_length", ())
    pattern = getattr(desc, "national_number_pattern", None)
    if (lengths and length not in lengths) or not pattern:
        return None
    return re.compile(pattern)
