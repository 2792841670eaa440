"""How the client retries: bounded attempts, exponential backoff with full jitter, and the
server's ``Retry-After``; plus the contract's ID rule, checked before any request."""

from __future__ import annotations

import email.utils
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from triage_gui.domain.vocabulary import ID_PATTERN

_ID_RE = re.compile(ID_PATTERN)
_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")

MAX_RETRY_AFTER_S = 300.0  # a server asking for longer gets this: never a poll days out


@dataclass(frozen=True)
class RetryConfig:
    """Bounded retries: ``attempts`` tries in all, waits capped by ``max_wait_s``."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_wait_s: float = 60.0  # a Retry-After longer than this is handed to the caller instead


def check_id(value: str, what: str = "ID") -> str:
    """IDs are opaque but constrained by the contract; refuse bad ones before any request."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        shown = value[:80] if isinstance(value, str) else value
        raise ValueError(f"{what} {shown!r} is not valid: use 1–64 letters, digits, '_' or '-'.")
    return value


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and _ID_RE.fullmatch(value) is not None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Defensive: anything but digits or a date (``nan``, ``inf``, ``1e400``, ``-5``) is ignored
    (None: the caller's own backoff applies), and the result is always finite and clamped to
    0..:data:`MAX_RETRY_AFTER_S`. ``now`` is the moment the date is measured from: the
    answer's own ``Date`` when the caller has it, so a server with a wrong clock still means
    what it says; else the workstation's clock.
    """
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        if len(value) > 12:  # "999999999999999…": more than the cap anyway
            return MAX_RETRY_AFTER_S
        return _clamp(float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return _clamp((when - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _clamp(seconds: float) -> float | None:
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
