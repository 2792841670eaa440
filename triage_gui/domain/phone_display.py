"""Phone numbers on screen: masked one way everywhere, shown whole only when the agent asks.

The rule itself is :func:`triage_gui.domain.retry_cohort.mask_number` (the last two digits stay:
enough to tell numbers apart on a call, not to dial); this module applies it to what the app
shows besides the retry cohort: evidence cells, values nested in evidence, and numbers written
inside a sentence (a finding's summary).
"""

from __future__ import annotations

import re

from triage_gui.domain.retry_cohort import mask_number

__all__ = ["PHONE_FIELDS", "is_phone_field", "mask_number", "mask_numbers_in_text", "masked"]

# Names (evidence keys, table columns) whose values are phone numbers.
PHONE_FIELDS = frozenset({"e164", "phone", "phone_number", "number", "from_number", "to_number"})

# A number in E.164 inside a sentence ("The job's from_number (+442071838751) differs…"): "+" and
# 7 to 15 digits, not part of a longer token. Dates, ids and counts never start with "+".
_E164_IN_TEXT = re.compile(r"(?<![\w+])\+[1-9]\d{6,14}(?![\d])")


def is_phone_field(name: str) -> bool:
    return name.strip().casefold() in PHONE_FIELDS


def masked(value: object) -> str:
    """One phone-number cell, masked. A cell without digits ("n/a") has nothing to hide."""
    if value is None or value == "":
        return mask_number(None)
    text = str(value)
    if not any(c.isdigit() for c in text):
        return text
    return mask_number(text)


def mask_numbers_in_text(text: str) -> str:
    """Every E.164 number inside ``text`` masked, the words around it kept."""
    return _E164_IN_TEXT.sub(lambda m: mask_number(m.group(0)), text)
