"""How HTTP error answers and transport failures become the client's typed errors, in
plain words (problem+json read when the server sends it).

Whatever the server wrote (``detail``, ``title``, a redirect's ``Location``) is quoted cleaned
and capped (``errors.clean_text``): it ends up on a terminal and in the log.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from triage_gui.providers.errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    ForbiddenError,
    NetworkError,
    NotFound,
    RateLimited,
    Redirected,
    RequestRejected,
    ServerError,
    clean_text,
)
from triage_gui.providers.http.retry_policy import parse_retry_after


def error_for_response(response: httpx.Response, what: str) -> ApiError:
    """The typed error for an HTTP error answer (problem+json read when there is one)."""
    status = response.status_code
    problem = _problem(response)
    detail = clean_text(problem.get("detail") or problem.get("title") or response.reason_phrase or status)
    retry_after = parse_retry_after(response.headers.get("retry-after"), answer_date(response))
    kw: dict[str, Any] = {"status": status, "problem": problem, "request": what}
    if status == 401:
        return AuthError(f"The API token was refused (401: {detail}). Check or replace the token.", **kw)
    if status == 403:
        return ForbiddenError(f"The token has no access to this workspace (403: {detail}).", **kw)
    if status == 404:
        return NotFound(f"Not found: {what.split(' ', 1)[-1]} (404: {detail}).", **kw)
    if status == 429:
        wait = f" Retry after {retry_after:.0f} s." if retry_after is not None else ""
        return RateLimited(f"The server is rate-limiting requests (429).{wait}", retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(
            f"The server failed ({status}: {detail}). This is usually temporary.",
            retry_after=retry_after,
            **kw,
        )
    return RequestRejected(f"The server refused {what} ({status}: {detail}).", **kw)


def redirect_error(response: httpx.Response, what: str) -> Redirected:
    """A 3xx answer: said as such, with where it pointed (scrubbed), and never followed."""
    location = scrubbed_location(response)
    where = f" to {location}" if location else " (without saying where)"
    return Redirected(
        f"The server answered {what} with a redirect ({response.status_code}){where}. Redirects are not "
        "followed, so the token is never sent to another address: check the base URL (https://? the right host "
        "and path?).",
        location=location,
        status=response.status_code,
        request=what,
    )


def scrubbed_location(response: httpx.Response) -> str | None:
    """The redirect's target as an absolute URL without credentials, query or fragment."""
    raw = response.headers.get("location", "").strip()
    if not raw:
        return None
    try:
        target = urlsplit(urljoin(str(response.request.url), raw))
        host = target.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if target.port is not None:
            netloc += f":{target.port}"
        url = urlunsplit((target.scheme, netloc, target.path, "", ""))
    except (ValueError, RuntimeError):
        return "(an address that cannot be read)"
    return clean_text(url, 200) or None


def answer_date(response: httpx.Response) -> datetime | None:
    """The answer's ``Date`` header, if it has a readable one."""
    header = response.headers.get("date")
    if not header:
        return None
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        text = response.text.strip()
        return {"detail": clean_text(text, 200)} if text else {}
    return data if isinstance(data, dict) else {}


def network_error(exc: httpx.TransportError, what: str, base_url: str) -> NetworkError:
    if isinstance(exc, httpx.TimeoutException):
        return NetworkError(
            f"{base_url} did not answer {what} in time ({type(exc).__name__}).",
            timeout=True,
            request=what,
        )
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(f"Cannot connect to {base_url}: {exc}.", request=what)
    if isinstance(exc, httpx.LocalProtocolError):  # our own request could not be written: never echo it
        error = NetworkError(f"The request {what} could not be sent (a header value is not allowed).", request=what)
        error.transient = False
        return error
    return NetworkError(f"The connection to {base_url} failed during {what}: {exc}.", request=what)


def deadline_error(what: str, base_url: str, seconds: float, *, fetch: bool = False) -> DeadlineExceeded:
    scope = "the whole list" if fetch else "its answer"
    return DeadlineExceeded(
        f"{base_url} did not finish {scope} for {what} within {seconds:g} s (the overall deadline); "
        "the server is too slow or stalling.",
        deadline_s=seconds,
        request=what,
    )
