"""Cursor paging as the contract describes it: opaque cursors, clamped limits.

A cursor is URL-safe base64 of ``{"k": <position>, "f": <filter fingerprint>}``. The position
is a key, not an offset into a moving list (the last job's ``[created_at, id]``, the next
attempt's index in queue order, the last event's ``seq``), so items appearing between two page
requests never shift a page. The fingerprint ties a cursor to the filters it was made with:
reusing it with other filters is a client bug and gets a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class PagingError(ValueError):
    """A bad ``limit`` or ``cursor`` (the handler answers 400 with this message)."""


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise PagingError(f"limit must be an integer, got {raw!r}") from None
    if limit < 1:
        raise PagingError("limit must be at least 1")
    return min(limit, MAX_LIMIT)


def fingerprint(scope: str, filters: Mapping[str, str | None]) -> str:
    canonical = json.dumps([scope, sorted((k, v) for k, v in filters.items() if v)])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(position: Any, fp: str) -> str:
    raw = json.dumps({"k": position, "f": fp}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, fp: str) -> Any:
    """The position in ``cursor``, or None for the first page."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position, made_for = data["k"], data["f"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise PagingError("cursor is not one this server issued") from None
    if made_for != fp:
        raise PagingError("cursor was issued for other filters: repeat the same filters")
    return position
