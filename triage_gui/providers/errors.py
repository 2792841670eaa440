"""Typed errors of the Batch API client, each with a message a support agent can act on.

Problem+json bodies (RFC 9457) are kept as ``problem``; no error ever carries the token or an
``Authorization`` header (requests are described by method and path only).

Everything an error says may come from a server we do not control (``detail``, ``title``, a
redirect's address, an exception's text), and it is shown on a terminal, in a dialog and in the
log. So every error cleans what it is given (:func:`clean_text`): control characters and ANSI
escape sequences go, line breaks become spaces, and the length is capped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

SERVER_TEXT_LIMIT = 500  # a server's detail, title or value, as quoted in a message
MESSAGE_LIMIT = 1_000  # a whole message: our words plus the server's quoted ones

# ESC-introduced sequences (CSI "ESC [ ... final", OSC "ESC ] ... BEL|ST", two-character ones)
# and the 8-bit CSI, removed whole: stripping only ESC would leave "[31m" behind.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]?")
_SPACES = re.compile(r"\s+")


def clean_text(value: object, limit: int = SERVER_TEXT_LIMIT) -> str:
    """``value`` as one printable line of at most ``limit`` characters.

    Removes escape sequences and every control or format character (C0, C1, DEL, bidi
    overrides, zero-width characters), turns line breaks and tabs into spaces and cuts the
    rest with an ellipsis. Cheap on huge input: only the first few ``limit``s are looked at.
    """
    text = value if isinstance(value, str) else str(value)
    text = text[: max(limit, 1) * 4 + 64]
    text = _ESCAPES.sub("", text)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or not _is_control(ch))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def _clean_problem(problem: dict[str, Any] | None) -> dict[str, Any]:
    """A problem+json body keeps its scalar members (cleaned, capped); nested ones are dropped."""
    if not problem:
        return {}
    clean: dict[str, Any] = {}
    for key, value in list(problem.items())[:20]:
        if isinstance(value, str):
            clean[clean_text(key, 64)] = clean_text(value)
        elif value is None or isinstance(value, bool | int | float):
            clean[clean_text(key, 64)] = value
    return clean


class ApiError(Exception):
    """Base of every error the client raises. ``str(err)`` is a plain-words message."""

    transient = False  # worth trying again later (network, 5xx, 429)

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
        request: str = "",
    ) -> None:
        message = clean_text(message, MESSAGE_LIMIT)
        super().__init__(message)
        self.message = message
        self.status = status
        self.problem = _clean_problem(problem)
        self.request = clean_text(request, 300)  # "GET /v1/workspaces/ws/batch-jobs/j" — never headers

    def __str__(self) -> str:
        return self.message


class AuthError(ApiError):
    """401: the token is missing, wrong or expired."""


class ForbiddenError(AuthError):
    """403: the token is valid but has no access to this workspace."""


class NotFound(ApiError):
    """404: the workspace, campaign, job or upload does not exist (or is not visible)."""


class RequestRejected(ApiError):
    """400 / 409 / 422: the server refused the request as sent (details in ``problem``)."""


class RateLimited(ApiError):
    """429 after the client's own retries; ``retry_after`` is the server's wait in seconds
    (finite, clamped: see ``http.retry_policy.parse_retry_after``)."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after the client's own retries."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NetworkError(ApiError):
    """The server could not be reached, the connection dropped, or it did not answer in time."""

    transient = True

    def __init__(self, message: str, *, timeout: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.timeout = timeout


class DeadlineExceeded(NetworkError):
    """A request (every attempt and wait included) or a whole paged fetch took longer than its
    overall deadline: a server that answers too slowly, e.g. a byte at a time."""

    def __init__(self, message: str, *, deadline_s: float, **kw: Any) -> None:
        super().__init__(message, timeout=True, **kw)
        self.deadline_s = deadline_s


class InvalidResponse(ApiError):
    """The server answered, but not with what the contract promises (bad JSON, wrong shape,
    an answer about something else than was asked, a list that never ends)."""

    def __init__(self, message: str, *, details: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.details = [clean_text(d) for d in (details or [])[:20]]


class ResponseTooLarge(InvalidResponse):
    """The answer's body (decoded: a gzip bomb counts at its inflated size) passed the cap."""

    def __init__(self, message: str, *, limit: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.limit = limit


class Redirected(InvalidResponse):
    """The server answered with a redirect. Redirects are never followed: the token must not
    go to another address. ``location`` is where it pointed, without query or credentials."""

    def __init__(self, message: str, *, location: str | None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.location = location


class PagingLimitExceeded(InvalidResponse):
    """A paged list went past the pages or items its caller expected (or repeated a cursor)."""
