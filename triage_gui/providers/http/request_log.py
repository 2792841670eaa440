"""The app's recent HTTP requests, for the diagnostics bundle (``http_requests.jsonl``).

:class:`~triage_gui.providers.http.exchange.HttpExchange` notes every attempt of every request
here: when it started (UTC), the method, the path (a query's secret-looking values removed),
the answer's status (None: no answer, see ``error``), the time taken in milliseconds (the body
read included), the server's request ID when its answer carried one, and the attempt number.
Nothing else: no headers, no bodies, never the token. The log keeps the last
:data:`CAPACITY` requests of the process (both providers, every connection), in memory only.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

CAPACITY = 2000
# The answer headers a server names its request by (the first one present wins).
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-trace-id", "x-amzn-requestid", "x-correlation-id")
_SECRET_KEY = re.compile(r"(?i)token|key|secret|password|passwd|signature|sig$|auth|credential|session")
_REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class RequestRecord:
    at: str  # when the attempt started, UTC, ISO 8601
    method: str
    path: str
    status: int | None
    duration_ms: int
    request_id: str
    attempt: int
    error: str  # the failure's kind when there was no usable answer ("" otherwise)


class RequestLog:
    """A bounded, thread-safe list of the latest requests."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[dict[str, Any]]:
        """Oldest first, as plain dicts (what the bundle writes). Each record's own ``__dict__``
        copied: its fields are plain values, and ``dataclasses.asdict`` (which copies deeply)
        took 30-70 ms for 2,000 records on the GUI thread as the bundle dialog opened."""
        with self._lock:
            records = list(self._records)
        return [dict(vars(r)) for r in records]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    @contextmanager
    def attempt(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, attempt: int = 1
    ) -> Iterator[_Pending]:
        """Time one attempt; call :meth:`_Pending.answered` with the response when it comes."""
        pending = _Pending(datetime.now(UTC), time.perf_counter())
        try:
            yield pending
        except BaseException as exc:
            pending.error = type(exc).__name__
            raise
        finally:
            self.add(
                RequestRecord(
                    at=pending.started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    method=method,
                    path=safe_path(path, params),
                    status=pending.status,
                    duration_ms=round((time.perf_counter() - pending.clock) * 1000),
                    request_id=pending.request_id,
                    attempt=attempt,
                    error=pending.error if pending.status is None or pending.status < 400 else "",
                )
            )


@dataclass
class _Pending:
    started: datetime
    clock: float
    status: int | None = None
    request_id: str = ""
    error: str = ""

    def answered(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.request_id = request_id(response.headers)


def request_id(headers: httpx.Headers | Mapping[str, str]) -> str:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)[:200]
    return ""


def safe_path(path: str, params: Mapping[str, Any] | None = None) -> str:
    """The path with its query (``params`` added), the values of secret-looking keys removed."""
    base, _, query = path.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    pairs += [(str(k), str(v)) for k, v in (params or {}).items() if v is not None]
    if not pairs:
        return base
    kept = [(k, _REDACTED if _SECRET_KEY.search(k) else v) for k, v in pairs]
    return base + "?" + urlencode(kept, safe="[]/:,")


REQUEST_LOG = RequestLog()  # the process's log
