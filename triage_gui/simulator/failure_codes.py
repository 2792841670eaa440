"""Call failures as the platform reports them: code, SIP status, message, ``retryable`` flag.

The contract lists the codes and says the server's ``retryable`` flag can be missing or wrong;
the scenarios use :func:`failure` with ``flag=`` to make it so on purpose, and record where.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

TRANSIENT_CODES: Final = frozenset(
    {
        "provider_timeout",
        "temporarily_unavailable",
        "rate_limited",
        "network_error",
        "busy",
        "no_answer",
    }
)
PERMANENT_CODES: Final = frozenset(
    {
        "invalid_number",
        "number_not_in_service",
        "do_not_call",
        "payload_invalid",
        "declined",
        "carrier_blocked",
    }
)

# The SIP statuses a carrier typically answers with for each code (None: no SIP exchange).
_SIP: Final[dict[str, tuple[int | None, ...]]] = {
    "provider_timeout": (408, 504),
    "temporarily_unavailable": (503, 480),
    "rate_limited": (503,),
    "network_error": (None, 500),
    "busy": (486, 600),
    "no_answer": (480, 408),
    "invalid_number": (404, 484),
    "number_not_in_service": (404, 410),
    "do_not_call": (603, 607),
    "payload_invalid": (None,),
    "declined": (603,),
    "carrier_blocked": (403, 608),
}

_MESSAGES: Final[dict[str, str]] = {
    "provider_timeout": "Carrier did not answer the INVITE in time",
    "temporarily_unavailable": "Carrier temporarily unavailable",
    "rate_limited": "Carrier rate limit reached",
    "network_error": "Media gateway connection reset",
    "busy": "Callee busy",
    "no_answer": "No answer before ring timeout",
    "invalid_number": "Number is not a valid phone number",
    "number_not_in_service": "Number not in service",
    "do_not_call": "Recipient is on the do-not-call list",
    "payload_invalid": "Recipient payload failed validation (phone_number missing)",
    "declined": "Callee declined the call",
    "carrier_blocked": "Call blocked by the terminating carrier",
}


class _Unset(Enum):
    """The default of :func:`failure`'s ``flag``: None already means "flag missing"."""

    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class Failure:
    """One failure outcome; shared between attempts (a few distinct objects per job)."""

    code: str
    sip_status: int | None
    message: str
    retryable: bool | None

    @property
    def transient(self) -> bool:
        """The contract's classification (not the server's flag)."""
        return self.code in TRANSIENT_CODES

    @property
    def flag_disagrees(self) -> bool:
        """The server's flag is missing or says the opposite of the contract's classification."""
        return self.retryable is None or self.retryable != self.transient

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "sip_status": self.sip_status,
            "message": self.message,
            "retryable": self.retryable,
        }


_CACHE: dict[tuple[str, int, bool | None | _Unset], Failure] = {}


def failure(code: str, variant: int = 0, flag: bool | None | _Unset = _UNSET) -> Failure:
    """The failure for ``code``; ``variant`` picks among its SIP statuses.

    ``flag`` overrides the server's ``retryable`` flag (``None`` = missing); by default it is
    the correct one.
    """
    key = (code, variant, flag)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    sips = _SIP[code]
    retryable = (code in TRANSIENT_CODES) if isinstance(flag, _Unset) else flag
    made = Failure(code, sips[variant % len(sips)], _MESSAGES[code], retryable)
    _CACHE[key] = made
    return made
