"""How HTTP error answers and transport failures become the client's typed errors, in
plain words (problem+json read when the server sends it).

Whatever the server wrote (``detail``, ``title``, a redirect's ``Location``) is quoted cleaned
and capped (``errors.clean_text``): it ends up on a terminal and in the log.

A transport failure is said in plain words with its units ("nothing answered at
127.0.0.1:8080 (connection refused)", "did not answer ... within 10 s"); the library's raw text
("ConnectError: [Errno 111] Connection refused") rides along as the error's note
(``err.__notes__``, see :func:`raw_detail`) for a tooltip, a copy button and the log.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from triage_gui.domain.plain_errors import plain_os_error
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
    where = _host_port(base_url)
    if isinstance(exc, httpx.TimeoutException):
        within = _within(exc)
        if isinstance(exc, httpx.ConnectTimeout):
            text = f"Cannot connect to {where}: it did not accept the connection{within}."
        else:
            text = f"{where} did not answer {what}{within}."
        error = NetworkError(text, timeout=True, request=what)
    elif isinstance(exc, httpx.ConnectError):
        reason = _reason(exc, where)
        named = where.rsplit(":", 1)[0] in reason  # the reason says where already
        error = NetworkError(f"Cannot connect{'' if named else ' to ' + where}: {reason}.", request=what)
    elif isinstance(exc, httpx.LocalProtocolError):  # our own request could not be written: never echo it
        error = NetworkError(f"The request {what} could not be sent (a header value is not allowed).", request=what)
        error.transient = False
        return error
    else:
        error = NetworkError(f"The connection to {where} broke during {what}: {_reason(exc, where)}.", request=what)
    error.add_note(_raw(exc))
    return error


def raw_detail(error: BaseException) -> str:
    """The technical text behind a plain-words error (its notes), or "" when it has none."""
    return " · ".join(str(note) for note in getattr(error, "__notes__", ()))


def _raw(exc: BaseException) -> str:
    text = clean_text(str(exc), 300)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _reason(exc: BaseException, where: str) -> str:
    """The failure in plain words; an unknown one keeps the library's words (less any errno)."""
    text = clean_text(str(exc), 300)
    if not text:
        return "the connection failed (no reason given)"
    words = plain_os_error(text).rstrip(".")
    if words[1:2].islower():
        words = words[:1].lower() + words[1:]
    if words.startswith("that name could not be found"):
        return f"the name {where.rsplit(':', 1)[0]} could not be found (DNS lookup failed)"
    return words.replace("nothing answered there", f"nothing answered at {where}")


def _within(exc: httpx.TimeoutException) -> str:
    """ " within 10 s" from the request's own timeout for this phase, else " in time"."""
    phase = {
        httpx.ConnectTimeout: "connect",
        httpx.ReadTimeout: "read",
        httpx.WriteTimeout: "write",
        httpx.PoolTimeout: "pool",
    }.get(type(exc))
    try:
        timeouts = exc.request.extensions.get("timeout") or {}
    except RuntimeError:  # no request attached
        timeouts = {}
    seconds = timeouts.get(phase) if phase else None
    return f" within {seconds:g} s" if isinstance(seconds, int | float) else " in time"


def _host_port(base_url: str) -> str:
    """ "127.0.0.1:8080" or "api.example.com" (the default port of the scheme left out)."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return clean_text(base_url, 200)
    if not host:
        return clean_text(base_url, 200)
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port is not None else host


def deadline_error(what: str, base_url: str, seconds: float, *, fetch: bool = False) -> DeadlineExceeded:
    scope = "the whole list" if fetch else "its answer"
    return DeadlineExceeded(
        f"{base_url} did not finish {scope} for {what} within {seconds:g} s (the overall deadline); "
        "the server is too slow or stalling.",
        deadline_s=seconds,
        request=what,
    )
