"""One HTTP exchange with a server that may be hostile: the client's plumbing.

Every call goes through :meth:`HttpExchange.request` (or :meth:`HttpExchange.stream_lines`
for a streamed body): bounded attempts with backoff and ``Retry-After``, an overall deadline
enforced by a watchdog (``watchdog``), the body read with a cap on its decoded size
(``body``), redirects refused (never followed: the token stays with the base URL), the
answer's ``Date`` noted (``server_clock``), every attempt noted in the request log
(``request_log``: method, path, status, time taken, request ID) and every failure a typed
``ApiError``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from triage_gui.providers.errors import ApiError, DeadlineExceeded, InvalidResponse, NetworkError, ResponseTooLarge
from triage_gui.providers.http.body import (
    BadEncoding,
    BodyDeadline,
    BodyTooLarge,
    buffered,
    iter_decoded,
    iter_lines,
    read_body,
)
from triage_gui.providers.http.error_mapping import deadline_error, error_for_response, network_error, redirect_error
from triage_gui.providers.http.limits import MIB, ClientLimits, Deadline
from triage_gui.providers.http.request_log import REQUEST_LOG, RequestLog
from triage_gui.providers.http.retry_policy import RetryConfig
from triage_gui.providers.http.server_clock import ServerClock
from triage_gui.providers.http.watchdog import SocketRegistry, watchdog

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class HttpExchange:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        headers: Callable[[], dict[str, str]],
        *,
        limits: ClientLimits,
        retry: RetryConfig,
        sleep: Callable[[float], None],
        rng: Callable[[], float],
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.limits = limits
        self.clock = ServerClock(limits.clock_plausibility_s)
        self._headers = headers
        self._retry = retry
        self._sleep = sleep
        self._rng = rng
        self._sockets = SocketRegistry()
        self.request_log: RequestLog = REQUEST_LOG

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        extra_headers: dict[str, str] | None = None,
        deadline: Deadline | None = None,
    ) -> httpx.Response:
        """One call: its attempts and the waits between them, within the request deadline (and
        the caller's, a paged fetch's, when earlier). Returns the answer with its body read."""
        what = f"{method} {path}"
        own = Deadline(self.limits.request_deadline_s)
        limit = own.within(deadline)
        headers = self._headers() | (extra_headers or {})
        # A POST is repeated only with its Idempotency-Key: the server then answers a repeat
        # with the job it created, so an ambiguous failure can never create a second job.
        repeatable = method == "GET" or "Idempotency-Key" in headers
        attempts = self._retry.attempts if repeatable else 1
        for attempt in range(1, attempts + 1):
            request = self._build(method, path, limit, params=params, json=json_body, headers=headers)
            with (
                self.request_log.attempt(method, path, params, attempt) as noted,
                watchdog(limit, self._sockets) as watch,
            ):
                try:
                    response = self.http.send(request, stream=True, follow_redirects=False)
                    noted.answered(response)
                    try:
                        return self._read(response, what, limit)
                    finally:
                        response.close()
                except httpx.TransportError as exc:
                    noted.error = type(exc).__name__
                    if watch.fired or limit.expired:
                        raise deadline_error(what, self.base_url, limit.seconds, fetch=limit is not own) from None
                    error: ApiError = network_error(exc, what, self.base_url)
                except (BodyTooLarge, BodyDeadline, BadEncoding) as exc:
                    raise self._body_error(exc, what, limit, fetch=limit is not own) from None
                except ApiError as exc:
                    error = exc
            if not error.transient or attempt == attempts:
                raise error
            self._wait_before_retry(attempt, error, what, limit)
        raise AssertionError("unreachable")  # pragma: no cover

    def stream_lines(self, path: str, deadline: Deadline) -> Generator[str, None, None]:
        """A ``GET``'s text body line by line, within ``limits.max_body_bytes`` (decoded) and
        ``deadline``. Retried only before the first line is handed out: after that a repeat
        would start again and the caller would see lines twice, so a broken stream is an error.
        """
        what = f"GET {path}"
        for attempt in range(1, self._retry.attempts + 1):
            started = False
            error: ApiError | None = None
            request = self._build("GET", path, deadline)
            with (
                self.request_log.attempt("GET", path, None, attempt) as noted,
                watchdog(deadline, self._sockets) as watch,
            ):
                try:
                    response = self.http.send(request, stream=True, follow_redirects=False)
                    noted.answered(response)
                    try:
                        if self._answered(response, what) >= 400:
                            limit = self.limits.max_error_body_bytes
                            body = read_body(response, limit=limit, deadline=deadline, truncate=True)
                            error = error_for_response(buffered(response, body), what)
                        else:
                            chunks = iter_decoded(response, limit=self.limits.max_body_bytes, deadline=deadline)
                            for line in iter_lines(chunks, response.encoding):
                                started = True
                                yield line
                            return
                    finally:
                        response.close()
                except httpx.TransportError as exc:
                    noted.error = type(exc).__name__
                    if watch.fired or deadline.expired:
                        raise deadline_error(what, self.base_url, deadline.seconds, fetch=True) from None
                    if started:
                        raise NetworkError(
                            f"The upload's content broke off part-way ({exc}); load again to audit it.",
                            request=what,
                        ) from None
                    error = network_error(exc, what, self.base_url)
                except (BodyTooLarge, BodyDeadline, BadEncoding) as exc:
                    raise self._body_error(exc, what, deadline, fetch=True) from None
            assert error is not None  # every other path returned or raised
            if not error.transient or attempt == self._retry.attempts:
                raise error
            self._wait_before_retry(attempt, error, what, deadline)

    # -- pieces ----------------------------------------------------------------------------
    def _build(self, method: str, path: str, deadline: Deadline, **kw: Any) -> httpx.Request:
        kw.setdefault("headers", self._headers())
        return self.http.build_request(
            method,
            self.base_url + path,
            timeout=_within(self.http.timeout, deadline),
            extensions={"trace": self._sockets.trace},
            **kw,
        )

    def _answered(self, response: httpx.Response, what: str) -> int:
        """Note the answer's clock; refuse a redirect. Returns the status code."""
        self.clock.note(response)
        log.debug("%s -> %s", what, response.status_code)
        if 300 <= response.status_code < 400:
            raise redirect_error(response, what)
        return response.status_code

    def _read(self, response: httpx.Response, what: str, deadline: Deadline) -> httpx.Response:
        """The answer with its body read (capped); an HTTP error answer raised as its ApiError."""
        if self._answered(response, what) < 400:
            return buffered(response, read_body(response, limit=self.limits.max_body_bytes, deadline=deadline))
        body = read_body(response, limit=self.limits.max_error_body_bytes, deadline=deadline, truncate=True)
        raise error_for_response(buffered(response, body), what)

    def _body_error(self, exc: Exception, what: str, deadline: Deadline, *, fetch: bool) -> ApiError:
        if isinstance(exc, BodyTooLarge):
            return ResponseTooLarge(
                f"The server's answer to {what} is larger than {_size(exc.limit)} (the most the app reads "
                "from one answer); it was not read further.",
                limit=exc.limit,
                request=what,
            )
        if isinstance(exc, BodyDeadline):
            return deadline_error(what, self.base_url, deadline.seconds, fetch=fetch)
        return InvalidResponse(f"The server's answer to {what} cannot be read: {exc}.", request=what)

    def _wait_before_retry(self, attempt: int, error: ApiError, what: str, deadline: Deadline) -> None:
        if isinstance(error, DeadlineExceeded):
            raise error  # the time is spent
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and math.isfinite(retry_after):
            if retry_after > self._retry.max_wait_s:
                raise error  # the caller (poller) schedules a later try instead of blocking
            delay = max(float(retry_after), 0.0)
        else:
            cap = min(self._retry.max_delay_s, self._retry.base_delay_s * 2 ** (attempt - 1))
            delay = cap * self._rng()  # full jitter
        if delay >= deadline.remaining():
            raise error  # no time left to try again within the deadline
        log.info("%s failed (%s); retry %d in %.1fs", what, error, attempt, delay)
        self._sleep(delay)


def parse_model(response: httpx.Response, model: type[M], what: str) -> M:
    """The answer's JSON as ``model``; anything else an :class:`InvalidResponse` saying why."""
    try:
        data = response.json()
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        reason = getattr(exc, "msg", None) or type(exc).__name__
        raise InvalidResponse(
            f"The server's answer to {what} is not valid JSON ({reason}).",
            status=response.status_code,
            request=what,
            details=[response.text[:200]],
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors()[:10]]
        raise InvalidResponse(
            f"The server's answer to {what} does not match the API contract: " + "; ".join(details[:3]),
            status=response.status_code,
            request=what,
            details=details,
        ) from None


def _within(timeout: httpx.Timeout, deadline: Deadline) -> httpx.Timeout:
    """Each of httpx's per-phase timeouts, but never past the deadline."""
    left = max(deadline.remaining(), 0.001)

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cap(timeout.connect), read=cap(timeout.read), write=cap(timeout.write), pool=cap(timeout.pool)
    )


def _size(n: int) -> str:
    return f"{n / MIB:g} MB" if n >= MIB else f"{n:,} bytes"
