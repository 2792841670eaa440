"""A typed ``httpx`` client for the Batch Outbound API (../shared/api-contract.md).

It relies on the contract, not on our simulator: pages end only when ``next_cursor`` is null,
unknown fields are ignored by the models, and errors are problem+json. Transient failures
(timeouts, connection errors, 5xx, 429) are retried a bounded number of times with exponential
backoff and full jitter, honouring ``Retry-After``. The one non-idempotent call (creating a
retry job) is retried only because it always carries the same ``Idempotency-Key``, which makes
the server answer a repeat with the job it already created.

It also distrusts the server (docs/failure-modes.md): every answer is read with a cap on its
decoded size and within an overall deadline (``ClientLimits``), paged lists are bounded and
de-duplicated (``paging.PagedItems``), redirects are refused (the token stays with the base
URL), an answer about something else than was asked is a contract error
(``answer_checks``), ``Retry-After`` and ``Date`` are taken within sane bounds, and what the
server wrote reaches messages cleaned. The token itself is checked when the client is made.
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from triage_gui import __version__
from triage_gui.domain.models import BatchJob, CallAttempt, Campaign, JobEvent, Page, RecordPage, Upload, Workspace
from triage_gui.domain.token_check import check_token
from triage_gui.providers.batch_v1 import answer_checks as checks
from triage_gui.providers.batch_v1 import records
from triage_gui.providers.batch_v1.paging import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_PAGES,
    MAX_PAGE_LIMIT,
    AnyPage,
    PagedItems,
    PageOverlap,
    iter_all,
)
from triage_gui.providers.http import limits as _limits
from triage_gui.providers.http.body import ACCEPT_ENCODING
from triage_gui.providers.http.exchange import HttpExchange, parse_model
from triage_gui.providers.http.limits import ClientLimits, Deadline
from triage_gui.providers.http.retry_policy import RetryConfig, check_id, parse_retry_after
from triage_gui.providers.http.server_clock import ServerClockReadings

if TYPE_CHECKING:
    from triage_gui.providers.http.abortable_transport import AbortableTransport

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P")  # a paged list's item

__all__ = [
    "BatchApiClient",
    "ClientLimits",
    "PageOverlap",
    "PagedItems",
    "RetryConfig",
    "RetryResult",
    "check_id",
    "iter_all",
    "parse_retry_after",
]


@dataclass(frozen=True)
class _Settings:
    timeout: httpx.Timeout | float | None
    verify: bool | str | ssl.SSLContext
    trust_env: bool
    transport: httpx.BaseTransport | None
    retry: RetryConfig | None
    sleep: Callable[[float], None]
    rng: Callable[[], float]


@dataclass(frozen=True)
class RetryResult:
    job: BatchJob
    created: bool  # False when the server answered a repeat of the same Idempotency-Key


class BatchApiClient(ServerClockReadings):
    """One workspace-agnostic client per base URL and token.

    ``http`` may be injected (tests, custom TLS/proxy set-up); otherwise one is built with
    connect/read timeouts and TLS verification on. ``sleep`` and ``rng`` are injectable so
    backoff can be tested without waiting; ``limits`` bounds what a server can make it read.
    Raises ``ValueError`` (never quoting the token) when the token could not be sent as a header.
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
        limits: ClientLimits | None = None,
    ) -> None:
        check_token(token)
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.limits = limits or _limits.DEFAULT_LIMITS
        self._owns_http = http is None
        # what a sibling (another connection to the same server, see sibling()) is made with
        self._made_with = _Settings(timeout, verify, trust_env, transport, retry, sleep, rng)
        self._abortable: AbortableTransport | None = None
        if http is None:
            from triage_gui.providers.http.tls import context_for

            verify = context_for(self.base_url, verify, trust_env=trust_env)
        self._http = http or httpx.Client(
            timeout=timeout if timeout is not None else httpx.Timeout(15.0, connect=5.0),
            verify=verify,
            trust_env=trust_env,
            transport=transport,
        )
        self._exchange = HttpExchange(
            self._http,
            self.base_url,
            self._headers,
            limits=self.limits,
            retry=retry or RetryConfig(),
            sleep=sleep,
            rng=rng,
        )
        self._clock = self._exchange.clock
        # Lists that repeated items (same id): each a contract finding for the caller to report.
        self.page_overlaps: list[PageOverlap] = []

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def sibling(self) -> BatchApiClient | None:
        """Another client of the same server, token and settings, with a connection of its own,
        for a list fetched on another thread beside this client's (a client serves one thread at
        a time: its deadlines shut down its own sockets). It reads the same server clock and
        records repeated items in the same list. None when this client was given its HTTP client,
        or a transport other than an :class:`AbortableTransport` (which it makes again: the
        sibling's own, ended by :meth:`abort`). Close it when done."""
        made = self._made_with
        if not self._owns_http:
            return None
        transport: AbortableTransport | None = None
        if made.transport is not None:
            from triage_gui.providers.http.abortable_transport import AbortableTransport
            from triage_gui.providers.http.tls import context_for

            if type(made.transport) is not AbortableTransport:
                return None
            verify = context_for(self.base_url, made.verify, trust_env=made.trust_env)
            transport = AbortableTransport(verify=verify, trust_env=made.trust_env)
        sibling = BatchApiClient(
            self.base_url,
            self._token,
            timeout=made.timeout,
            verify=made.verify,
            trust_env=made.trust_env,
            transport=transport,
            retry=made.retry,
            sleep=made.sleep,
            rng=made.rng,
            limits=self.limits,
        )
        sibling._exchange.clock = sibling._clock = self._clock
        sibling.page_overlaps = self.page_overlaps
        sibling._abortable = transport
        return sibling

    def abort(self) -> None:
        """End this client's requests in flight now, and refuse later ones, when it is a
        sibling with an abortable transport of its own (else nothing: its caller aborts it)."""
        if self._abortable is not None:
            self._abortable.abort()

    def __enter__(self) -> BatchApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the token
        return f"BatchApiClient(base_url={self.base_url!r})"

    # -- endpoints -------------------------------------------------------------------------
    def get_workspace(self, ws: str) -> Workspace:
        path = f"/v1/workspaces/{check_id(ws, 'Workspace ID')}"
        workspace = self._get_model(path, Workspace)
        checks.check_workspace(workspace, ws, f"GET {path}")
        return workspace

    def get_campaign(self, ws: str, campaign_id: str) -> Campaign:
        path = f"{self._ws(ws)}/campaigns/{check_id(campaign_id, 'Campaign ID')}"
        campaign = self._get_model(path, Campaign)
        checks.check_campaign(campaign, campaign_id, f"GET {path}")
        return campaign

    def get_job(self, ws: str, job_id: str) -> BatchJob:
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}"
        job = self._get_model(path, BatchJob)
        checks.check_job(job, f"GET {path}", workspace=ws, job_id=job_id)
        return job

    def get_upload(self, ws: str, upload_id: str) -> Upload:
        path = f"{self._ws(ws)}/uploads/{check_id(upload_id, 'Upload ID')}"
        upload = self._get_model(path, Upload)
        checks.check_upload(upload, upload_id, f"GET {path}")
        return upload

    def list_jobs(
        self,
        ws: str,
        *,
        campaign_id: str | None = None,
        upload_id: str | None = None,
        created_after: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        deadline: Deadline | None = None,
    ) -> Page[BatchJob]:
        path = f"{self._ws(ws)}/batch-jobs"
        params = _params(
            campaign_id=campaign_id,
            upload_id=upload_id,
            created_after=_iso(created_after),
            cursor=cursor,
            limit=_limit(limit),
        )
        page = self._get_model(path, Page[BatchJob], params, deadline)
        for i, job in enumerate(page.items):
            checks.check_job(
                job, f"GET {path}", workspace=ws, prefix=f"items[{i}].", campaign_id=campaign_id, upload_id=upload_id
            )
        return page

    def list_calls(
        self,
        ws: str,
        job_id: str,
        *,
        status: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        deadline: Deadline | None = None,
    ) -> RecordPage[CallAttempt]:
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/calls"
        params = _params(status=status, cursor=cursor, limit=_limit(limit))
        page = records.CALLS.decode(self._request("GET", path, params=params, deadline=deadline), f"GET {path}")
        checks.check_calls(page.items, f"GET {path}")
        return page

    def list_events(
        self,
        ws: str,
        job_id: str,
        *,
        after: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        deadline: Deadline | None = None,
    ) -> RecordPage[JobEvent]:
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/events"
        params = _params(after=after, cursor=cursor, limit=_limit(limit))
        page = records.EVENTS.decode(self._request("GET", path, params=params, deadline=deadline), f"GET {path}")
        checks.check_events(page.items, f"GET {path}", after=after)
        return page

    def iter_jobs(
        self,
        ws: str,
        *,
        max_items: int | None = 10_000,
        max_pages: int = DEFAULT_MAX_PAGES,
        stop_after: int | None = None,
        deadline_s: float | None = None,
        **filters: Any,
    ) -> PagedItems[BatchJob]:
        """Every job of the list (filters as ``list_jobs``); bounds as ``paging.PagedItems``."""
        return self._paged(
            lambda c, d: self.list_jobs(ws, cursor=c, limit=MAX_PAGE_LIMIT, deadline=d, **filters),
            f"GET {self._ws(ws)}/batch-jobs",
            max_items,
            max_pages,
            stop_after,
            deadline_s,
        )

    def iter_calls(
        self,
        ws: str,
        job_id: str,
        *,
        status: str | None = None,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        max_pages: int = DEFAULT_MAX_PAGES,
        stop_after: int | None = None,
        deadline_s: float | None = None,
    ) -> PagedItems[CallAttempt]:
        """Every call attempt of a job. ``max_items`` is a plausibility bound (e.g. from the
        job's counters): past it the fetch fails (contract error), it never returns part."""
        return self._paged(
            lambda c, d: self.list_calls(ws, job_id, status=status, cursor=c, limit=MAX_PAGE_LIMIT, deadline=d),
            f"GET {self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/calls",
            max_items,
            max_pages,
            stop_after,
            deadline_s,
            key=_call_key,
        )

    def iter_events(
        self,
        ws: str,
        job_id: str,
        *,
        after: int | None = None,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        max_pages: int = DEFAULT_MAX_PAGES,
        stop_after: int | None = None,
        deadline_s: float | None = None,
    ) -> PagedItems[JobEvent]:
        """Every event of a job with ``seq > after``; ``stop_after=N`` takes the first N only."""
        return self._paged(
            lambda c, d: self.list_events(ws, job_id, after=after, cursor=c, limit=MAX_PAGE_LIMIT, deadline=d),
            f"GET {self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/events",
            max_items,
            max_pages,
            stop_after,
            deadline_s,
            key=_event_key,
        )

    def iter_upload_lines(
        self, ws: str, upload_id: str, *, deadline_s: float | None = None
    ) -> Generator[str, None, None]:
        """The uploaded CSV, streamed line by line (never held whole in memory), within
        ``limits.max_body_bytes`` (decoded) and the fetch deadline.

        Retried only before the first line is handed out: after that a repeat would start the
        file again and the caller would see its rows twice, so a broken stream is an error.
        """
        path = f"{self._ws(ws)}/uploads/{check_id(upload_id, 'Upload ID')}/content"
        yield from self._exchange.stream_lines(path, Deadline(deadline_s or self.limits.fetch_deadline_s))

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
        if (
            not idempotency_key
            or len(idempotency_key) > 255
            or not all(0x21 <= ord(c) <= 0x7E for c in idempotency_key)
        ):
            raise ValueError("An Idempotency-Key (1–255 visible ASCII characters) is required to launch a retry.")
        path = f"{self._ws(ws)}/batch-jobs/{check_id(job_id, 'Job ID')}/retries"
        body = {"recipient_ids": list(recipient_ids), "note": note}
        response = self._request("POST", path, json_body=body, extra_headers={"Idempotency-Key": idempotency_key})
        job = self._parse(response, BatchJob, f"POST {path}")
        checks.check_job(job, f"POST {path}", workspace=ws, parent_job_id=job_id)
        return RetryResult(job=job, created=response.status_code == 201)

    # -- plumbing --------------------------------------------------------------------------
    def _ws(self, ws: str) -> str:
        return f"/v1/workspaces/{check_id(ws, 'Workspace ID')}"

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json, application/problem+json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": f"outbound-triage/{__version__}",
        }

    def _paged(
        self,
        fetch: Callable[[str | None, Deadline | None], AnyPage[P]],
        what: str,
        max_items: int | None,
        max_pages: int,
        stop_after: int | None,
        deadline_s: float | None,
        key: Callable[[P], object] | None = None,
    ) -> PagedItems[P]:
        return PagedItems(
            fetch,
            what=what,
            max_items=max_items,
            max_pages=max_pages,
            stop_after=stop_after,
            deadline=Deadline(deadline_s or self.limits.fetch_deadline_s),
            on_overlap=self.page_overlaps.append,
            key=key,
        )

    def _get_model(
        self, path: str, model: type[M], params: dict[str, Any] | None = None, deadline: Deadline | None = None
    ) -> M:
        response = self._request("GET", path, params=params, deadline=deadline)
        return self._parse(response, model, f"GET {path}")

    def _parse(self, response: httpx.Response, model: type[M], what: str) -> M:
        """The answer as ``model``, validated straight from its bytes (pydantic's own JSON
        parser: no ``json.loads`` tree of dicts first). Anything that fails there is read again
        the general way, which says why in the same words as ever (and reads what only
        ``json.loads`` reads: a BOM, UTF-16, lone surrogates)."""
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            return parse_model(response, model, what)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        extra_headers: dict[str, str] | None = None,
        deadline: Deadline | None = None,
    ) -> httpx.Response:
        return self._exchange.request(
            method, path, params=params, json_body=json_body, extra_headers=extra_headers, deadline=deadline
        )


def _call_key(call: CallAttempt) -> object:
    return call.id  # paging.item_key's answer for a call, without its look-ups


def _event_key(event: JobEvent) -> object:
    return event.seq  # reported as str(seq), as paging.item_key gives it


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
