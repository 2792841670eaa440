"""Our own classification of call failures: transient (worth retrying) or permanent.

The runbook says "Retry only when failures are transient (provider timeout, temporary
unavailability)" and "Do not mass-retry invalid numbers or permanently failed payloads". The
server's ``retryable`` flag can be missing or wrong and a job's ``retry_policy.retryable_codes``
is whatever an operator typed, so neither decides: where they disagree with this table, the
checks report it as a finding (issue #3, "Decisions").

The table is read in this order, first answer wins:

1. the platform's failure ``code`` (the contract's list);
2. the SIP final response status, by the classes of RFC 3261 section 21:

   * 4xx *Request Failure* is definitive for this request: the same request to the same
     destination fails again (404 Not Found, 484 Address Incomplete, 403 Forbidden…) — except
     the statuses RFC 3261 itself describes as temporary: 408 Request Timeout, 480 Temporarily
     Unavailable (section 21.4.18: "the callee's end system was contacted successfully but the
     callee is currently unavailable") and 486 Busy Here (21.4.24: "the callee is not willing or
     able to take additional calls at this end system" *at this time*);
   * 5xx *Server Failure* means the server erred, not the request (section 21.5), so 500, 502,
     503 Service Unavailable (may carry Retry-After) and 504 Server Time-out are transient;
     other 5xx (501 Not Implemented, 505 Version Not Supported, 513 Message Too Large) say the
     request itself cannot be served there, so they stay ``unknown`` for a human;
   * 6xx *Global Failure* (section 21.6) is definitive everywhere: 600 Busy Everywhere, 603
     Decline, 604 Does Not Exist Anywhere, 606 Not Acceptable — permanent;

3. the Q.850 cause (ITU-T Q.850, as carried in SIP's ``Reason: Q.850;cause=N`` header, RFC
   3326) found in the failure code or its message, either as "cause N" or as the cause's name
   ("user busy", "unallocated number").

Anything else is ``unknown``: never retried automatically, listed for a human.
"""

from __future__ import annotations

import re
from functools import lru_cache

from triage_gui.domain.models import Failure, RetryPolicy
from triage_gui.domain.report import FailureClass

TRANSIENT_CODES: frozenset[str] = frozenset(
    {
        "provider_timeout",
        "temporarily_unavailable",
        "rate_limited",
        "network_error",
        "busy",
        "no_answer",
    }
)
PERMANENT_CODES: frozenset[str] = frozenset(
    {
        "invalid_number",
        "number_not_in_service",
        "do_not_call",
        "payload_invalid",
        "declined",
        "carrier_blocked",
    }
)

# RFC 3261 statuses that describe a temporary condition (see the module docstring).
TRANSIENT_SIP_STATUSES: frozenset[int] = frozenset({408, 480, 486, 500, 502, 503, 504})

# ITU-T Q.850 cause values by whether the same call may succeed later. Causes that only say
# "the call ended" (16 normal clearing, 31 normal unspecified) are deliberately absent.
_Q850_TRANSIENT: dict[int, str] = {
    17: "user busy",
    18: "no user responding",
    19: "no answer from user",
    20: "subscriber absent",
    27: "destination out of order",
    34: "no circuit/channel available",
    38: "network out of order",
    41: "temporary failure",
    42: "switching equipment congestion",
    44: "requested circuit/channel not available",
    47: "resource unavailable",
    102: "recovery on timer expiry",
}
_Q850_PERMANENT: dict[int, str] = {
    1: "unallocated number",
    2: "no route to specified transit network",
    3: "no route to destination",
    21: "call rejected",
    22: "number changed",
    28: "invalid number format",
    29: "facility rejected",
    50: "requested facility not subscribed",
    55: "incoming calls barred",
    57: "bearer capability not authorized",
    58: "bearer capability not presently available",
    65: "bearer capability not implemented",
}

_Q850_CAUSE = re.compile(r"cause\s*[=:#]?\s*(\d{1,3})\b", re.IGNORECASE)
_WORDS = re.compile(r"[^a-z0-9]+")


def _phrase(text: str) -> str:
    """Lower-case words separated by single spaces: "No_Answer-From user" -> "no answer from user"."""
    return " ".join(_WORDS.split(text.lower())).strip()


_Q850_PHRASES: tuple[tuple[str, FailureClass], ...] = tuple(
    sorted(
        [(_phrase(name), FailureClass.TRANSIENT) for name in _Q850_TRANSIENT.values()]
        + [(_phrase(name), FailureClass.PERMANENT) for name in _Q850_PERMANENT.values()],
        key=lambda item: -len(item[0]),  # longest first: "no user responding" before "user"
    )
)


def classify(failure: Failure | None) -> FailureClass:
    """Our class for one failed attempt; ``unknown`` when nothing in the table applies."""
    if failure is None:
        return FailureClass.UNKNOWN
    return classify_parts(failure.code, failure.sip_status, failure.message)


@lru_cache(maxsize=8192)
def classify_parts(code: str | None, sip_status: int | None, message: str = "") -> FailureClass:
    """:func:`classify` on plain values (cached: a job repeats a handful of combinations)."""
    by_code = classify_code(code)
    if by_code is not FailureClass.UNKNOWN:
        return by_code
    by_sip = classify_sip(sip_status)
    if by_sip is not FailureClass.UNKNOWN:
        return by_sip
    return classify_q850(f"{code or ''} {message or ''}")


def classify_code(code: str | None) -> FailureClass:
    """Step 1: the platform's failure code (the contract's list)."""
    key = (code or "").strip().lower()
    if key in TRANSIENT_CODES:
        return FailureClass.TRANSIENT
    if key in PERMANENT_CODES:
        return FailureClass.PERMANENT
    return FailureClass.UNKNOWN


def classify_sip(sip_status: int | None) -> FailureClass:
    """Step 2: the SIP final response status by RFC 3261's response classes."""
    if sip_status is None:
        return FailureClass.UNKNOWN
    if sip_status in TRANSIENT_SIP_STATUSES:
        return FailureClass.TRANSIENT
    if 400 <= sip_status <= 499 or 600 <= sip_status <= 699:
        return FailureClass.PERMANENT
    return FailureClass.UNKNOWN


def classify_q850(text: str) -> FailureClass:
    """Step 3: a Q.850 cause number ("cause=17") or cause name ("user busy") in the text."""
    match = _Q850_CAUSE.search(text)
    if match:
        cause = int(match.group(1))
        if cause in _Q850_TRANSIENT:
            return FailureClass.TRANSIENT
        if cause in _Q850_PERMANENT:
            return FailureClass.PERMANENT
    words = f" {_phrase(text)} "
    for phrase, failure_class in _Q850_PHRASES:
        if f" {phrase} " in words:
            return failure_class
    return FailureClass.UNKNOWN


def server_disagrees(failure: Failure | None) -> bool:
    """The server's ``retryable`` flag contradicts our class.

    A missing flag, or a failure we cannot classify, is no disagreement: there is nothing to
    contradict.
    """
    if failure is None or failure.retryable is None:
        return False
    ours = classify(failure)
    if ours is FailureClass.UNKNOWN:
        return False
    return failure.retryable != (ours is FailureClass.TRANSIENT)


def policy_disagrees(code: str, retry_policy: RetryPolicy) -> bool:
    """The job's retry policy treats ``code`` against our table.

    Either a transient code the policy will not retry (recipients lose a retry they should
    get) or a permanent code it will retry (the runbook's "non-retryable failures retried").
    Codes outside our table are no disagreement.
    """
    ours = classify_code(code)
    if ours is FailureClass.UNKNOWN:
        return False
    listed = code.strip().lower() in {c.strip().lower() for c in retry_policy.retryable_codes}
    return listed != (ours is FailureClass.TRANSIENT)


def policy_disagreements(retry_policy: RetryPolicy) -> dict[str, dict[str, str]]:
    """Every code of our table, or of the policy, on which the policy disagrees with us.

    code -> {"ours": "transient"|"permanent", "policy": "retried"|"not retried"}.
    """
    codes = sorted(TRANSIENT_CODES | PERMANENT_CODES | set(retry_policy.retryable_codes))
    out: dict[str, dict[str, str]] = {}
    for code in codes:
        if policy_disagrees(code, retry_policy):
            ours = classify_code(code)
            out[code] = {
                "ours": ours.value,
                "policy": "not retried" if ours is FailureClass.TRANSIENT else "retried",
            }
    return out
