"""A typed ``httpx`` client for the Batch Outbound API (../shared/api-contract.md).

It relies on the contract, not on our simulator: pages end only when ``next_cursor`` is null,
unknown fields are ignored by the models, and errors are problem+json. Transient failures
(timeouts, connection errors, 5xx, 429) are retried a bounded number of times with exponential
backoff and full jitter, honouring ``Retry-After``. The one non-idempotent call (creating a
retry job) is retried only because it always carries the same ``Idempotency-Key``, which makes
the server answer a repeat with the job it already created.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from triage_gui import __version__
from triage_gui.domain.models import (
    BatchJob,
    CallAttempt,
    Campaign,
    JobEvent,
    Page,
    Upload,
    Workspace,
)
from triage_gui.providers.batch_v1.paging import MAX_PAGE_LIMIT, iter_all
from triage_gui.providers.errors import (
    ApiError,
    InvalidResponse,
    NetworkError,
)
from triage_gui.providers.http.error_mapping import error_for_response, network_error
from triage_gui.providers.http.retry_policy import RetryConfig, check_id, parse_retry_after

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

__all__ = ["BatchApiClient", "RetryConfig", "RetryResult", "check_id", "iter_all", "parse_retry_after"]


@dataclass(frozen=True)
class RetryResult:
    job: BatchJob
    created: bool  # False when the server answered a repeat of the same Idempotency-Key


class BatchApiClient:
    """One workspace-agnostic client per base URL and token.

    ``http`` may be injected (tests, custom TLS/proxy set-up); otherwise one is built with
    connect/read timeouts and TLS verification on. ``sleep`` and ``rng`` are injectable so
    backoff can be tested without waiting.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        verify: bool | str | ssl.SSLContext = True,
        trust_env: bool = True,
        retry: RetryConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._retry = retry or RetryConfig()
        self._sleep = sleep
        self._rng = rng
        self._owns_http = http is None
        if http is None:
            from triage_gui.providers.http.tls import context_for

            verify = context_for(self.base_url, verify, trust_env=trust_env)
        self._http = http or httpx.Client(
            timeout=timeout if timeout is not None else httpx.Timeout(15.0, connect=5.0),
            verify=verify,
            trust_env=trust_env,
            transport=transport,
        )
        self._clock_offset: timedelta | None = None  # server clock - local clock

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> BatchApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the token
        return f"BatchApiClient(base_url={self.base_url!r})"

    # -- the server's clock ----------------------------------------------------------------
    def server_now(self) -> datetime:
        """The server's clock (from the last response's ``Date``), else the workstation's."""
        now = datetime.now(UTC)
        return now + self._clock_offset if self._clock_offset is not None else now

    @property
    def knows_server_clock(self) -> bool:
        return self._clock_offset is not None

    def _note_server_date(self, response: httpx.Response) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            server = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=UTC)
        self._clock_offset = server - datetime.now(UTC)

    # -- endpoints -------------------------------------------------------------------------
    def get_workspace(self, ws: str) -> Workspace:
        return self._get_model(f"/v1/workspaces/{check_id(ws, 'Workspace ID')}", Workspace)

    def get_campaign(self, ws: str, campaign_id: str) -> Campaign:
        path = f"{self._ws(ws)}/campaigns/{check_id(campaign_id, 'Campaign ID')}"
        return self._get_model(path, Campaign)

    def get_job(self, ws: str, job_id: str) -> BatchJob:
        return self._get_model(f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}", BatchJob)

    def get_upload(self, ws: str, upload_id: str) -> Upload:
        path = f"{self._ws(ws)}/uploads/{check_id(upload_id, 'Upload ID')}"
        return self._get_model(path, Upload)

    def list_jobs(
        self,
        ws: str,
        *,
        campaign_id: str | None = None,
        upload_id: str | None = None,
        created_after: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[BatchJob]:
        params = _params(
            campaign_id=campaign_id,
            upload_id=upload_id,
            created_after=_iso(created_after),
            cursor=cursor,
            limit=_limit(limit),
        )
        return self._get_model(f"{self._ws(ws)}/batch-jobs", Page[BatchJob], params)

    def list_calls(
        self,
        ws: str,
        job_id: str,
        *,
        status: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[CallAttempt]:
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/calls"
        params = _params(status=status, cursor=cursor, limit=_limit(limit))
        return self._get_model(path, Page[CallAttempt], params)

    def list_events(
        self,
        ws: str,
        job_id: str,
        *,
        after: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[JobEvent]:
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/events"
        params = _params(after=after, cursor=cursor, limit=_limit(limit))
        return self._get_model(path, Page[JobEvent], params)

    def iter_jobs(self, ws: str, *, max_items: int | None = 10_000, **filters: Any) -> Iterator[BatchJob]:
        return iter_all(lambda c: self.list_jobs(ws, cursor=c, limit=MAX_PAGE_LIMIT, **filters), max_items)

    def iter_calls(
        self, ws: str, job_id: str, *, status: str | None = None, max_items: int | None = None
    ) -> Iterator[CallAttempt]:
        return iter_all(
            lambda c: self.list_calls(ws, job_id, status=status, cursor=c, limit=MAX_PAGE_LIMIT),
            max_items,
        )

    def iter_events(
        self, ws: str, job_id: str, *, after: int | None = None, max_items: int | None = None
    ) -> Iterator[JobEvent]:
        return iter_all(
            lambda c: self.list_events(ws, job_id, after=after, cursor=c, limit=MAX_PAGE_LIMIT),
            max_items,
        )

    def iter_upload_lines(self, ws: str, upload_id: str) -> Generator[str, None, None]:
        """The uploaded CSV, streamed line by line (never held whole in memory).

        Retried only before the first line is handed out: after that a repeat would start the
        file again and the caller would see its rows twice, so a broken stream is an error.
        """
        path = f"{self._ws(ws)}/uploads/{check_id(upload_id, 'Upload ID')}/content"
        url = self.base_url + path
        what = f"GET {path}"
        for attempt in range(1, self._retry.attempts + 1):
            started = False
            try:
                with self._http.stream("GET", url, headers=self._headers()) as response:
                    self._note_server_date(response)
                    if response.status_code >= 400:
                        response.read()
                        error = error_for_response(response, what)
                        if error.transient and attempt < self._retry.attempts:
                            self._wait_before_retry(attempt, error, what)
                            continue
                        raise error
                    for line in response.iter_lines():
                        started = True
                        yield line
                    return
            except httpx.TransportError as exc:
                error = network_error(exc, what, self.base_url)
                if started:
                    raise NetworkError(
                        f"The upload's content broke off part-way ({exc}); load again to audit it.",
                        request=what,
                    ) from None
                if attempt < self._retry.attempts:
                    self._wait_before_retry(attempt, error, what)
                    continue
                raise error from None

    def create_retry(
        self,
        ws: str,
        job_id: str,
        recipient_ids: list[str],
        *,
        idempotency_key: str,
        note: str = "",
    ) -> RetryResult:
        """``POST .../retries``. Retried on ambiguous failures with the SAME key only."""
        if not idempotency_key or len(idempotency_key) > 255:
            raise ValueError("An Idempotency-Key (1–255 characters) is required to launch a retry.")
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/retries"
        body = {"recipient_ids": list(recipient_ids), "note": note}
        response = self._request("POST", path, json_body=body, extra_headers={"Idempotency-Key": idempotency_key})
        job = self._parse(response, BatchJob, f"POST {path}")
        return RetryResult(job=job, created=response.status_code == 201)

    # -- plumbing --------------------------------------------------------------------------
    def _ws(self, ws: str) -> str:
        return f"/v1/workspaces/{check_id(ws, 'Workspace ID')}"

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"outbound-triage/{__version__}",
        }

    def _get_model(self, path: str, model: type[M], params: dict[str, Any] | None = None) -> M:
        response = self._request("GET", path, params=params)
        return self._parse(response, model, f"GET {path}")

    def _parse(self, response: httpx.Response, model: type[M], what: str) -> M:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidResponse(
                f"The server's answer to {what} is not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc}).",
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

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        what = f"{method} {path}"
        headers = self._headers() | (extra_headers or {})
        # A POST is repeated only with its Idempotency-Key: the server then answers a repeat
        # with the job it created, so an ambiguous failure can never create a second job.
        repeatable = method == "GET" or "Idempotency-Key" in headers
        attempts = self._retry.attempts if repeatable else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(
                    method, self.base_url + path, params=params, json=json_body, headers=headers
                )
            except httpx.TransportError as exc:
                error: ApiError = network_error(exc, what, self.base_url)
            else:
                self._note_server_date(response)
                log.debug("%s -> %s", what, response.status_code)
                if response.status_code < 400:
                    return response
                error = error_for_response(response, what)
            if not error.transient or attempt == attempts:
                raise error
            self._wait_before_retry(attempt, error, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_before_retry(self, attempt: int, error: ApiError, what: str) -> None:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self._retry.max_wait_s:
                raise error  # the caller (poller) schedules a later try instead of blocking
            delay = retry_after
        else:
            cap = min(self._retry.max_delay_s, self._retry.base_delay_s * 2 ** (attempt - 1))
            delay = cap * self._rng()  # full jitter
        log.info("%s failed (%s); retry %d in %.1fs", what, error, attempt, delay)
        self._sleep(delay)


def _params(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _limit(limit: int | None) -> int | None:
    return None if limit is None else max(1, min(int(limit), MAX_PAGE_LIMIT))
