"""Typed errors of the Batch API client, each with a message a support agent can act on.

Problem+json bodies (RFC 9457) are kept as ``problem``; no error ever carries the token or an
``Authorization`` header (requests are described by method and path only).
"""

from __future__ import annotations

from typing import Any


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
        super().__init__(message)
        self.message = message
        self.status = status
        self.problem = problem or {}
        self.request = request  # "GET /v1/workspaces/ws/batch-jobs/j" — never headers

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
    """429 after the client's own retries; ``retry_after`` is the server's wait in seconds."""

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


class InvalidResponse(ApiError):
    """The server answered, but not with what the contract promises (bad JSON, wrong shape)."""

    def __init__(self, message: str, *, details: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.details = details or []
