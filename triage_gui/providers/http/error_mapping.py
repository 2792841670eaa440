"""How HTTP error answers and transport failures become the client's typed errors, in
plain words (problem+json read when the server sends it)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from triage_gui.providers.errors import (
    ApiError,
    AuthError,
    ForbiddenError,
    NetworkError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
)
from triage_gui.providers.http.retry_policy import parse_retry_after


def error_for_response(response: httpx.Response, what: str) -> ApiError:
    """The typed error for an HTTP error answer (problem+json read when there is one)."""
    status = response.status_code
    problem = _problem(response)
    detail = problem.get("detail") or problem.get("title") or response.reason_phrase
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    kw: dict[str, Any] = {"status": status, "problem": problem, "request": what}
    if status == 401:
        return AuthError(f"The API token was refused (401: {detail}). Check or replace the token.", **kw)
    if status == 403:
        return ForbiddenError(f"The token has no access to this workspace (403: {detail}).", **kw)
    if status == 404:
        return NotFound(f"Not found: {what.split(' ', 1)[1]} (404: {detail}).", **kw)
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


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"detail": response.text[:200].strip()} if response.text.strip() else {}
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
    return NetworkError(f"The connection to {base_url} failed during {what}: {exc}.", request=what)
