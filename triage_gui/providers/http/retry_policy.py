"""How the client retries: bounded attempts, exponential backoff with full jitter, and the
server's ``Retry-After``; plus the contract's ID rule, checked before any request."""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from triage_gui.domain.models import ID_PATTERN

_ID_RE = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class RetryConfig:
    """Bounded retries: ``attempts`` tries in all, waits capped by ``max_wait_s``."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_wait_s: float = 60.0  # a Retry-After longer than this is handed to the caller instead


def check_id(value: str, what: str = "ID") -> str:
    """IDs are opaque but constrained by the contract; refuse bad ones before any request."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValueError(f"{what} {value!r} is not valid: use 1–64 letters, digits, '_' or '-'.")
    return value


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
