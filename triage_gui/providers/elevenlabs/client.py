"""A typed client for ElevenLabs' Agents Platform batch calling (read, and one POST).

Built on ``providers/http`` like the Batch API's client: every answer read with a cap on its
decoded size and within an overall deadline, redirects refused (the key stays with the base URL),
``Retry-After`` honoured within bounds, the server's ``Date`` noted, every failure a typed error.
What is ElevenLabs' own:

- the key goes in ``xi-api-key``; error bodies are ElevenLabs' (``error_bodies``);
- GETs are tried again on network errors, 5xx and 429 (``too_many_concurrent_requests``,
  ``system_busy``); a POST is NEVER sent twice: batch submit has no idempotency key, so an
  ambiguous submit is looked up by name, not re-sent (the official SDK re-sends POSTs on
  408/409/429/5xx by default, one reason the app does not use it at run time);
- lists page with ``last_doc``/``next_doc`` (batches) and ``cursor``/``next_cursor``
  (conversations), bounded like every list of the app (``batch_v1.paging.PagedItems``);
- a few conversations at a time may be read in parallel: each worker has its own lane (its own
  connection pool and deadline watchdog), since a watchdog aborts every socket of its client.
"""

from __future__ import annotations

import queue
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from triage_gui import __version__
from triage_gui.domain.models import Page
from triage_gui.domain.token_check import check_token
from triage_gui.providers.base import FetchCancelled
from triage_gui.providers.batch_v1.paging import DEFAULT_MAX_PAGES, PagedItems, PageOverlap
from triage_gui.providers.elevenlabs.error_bodies import error_for
from triage_gui.providers.elevenlabs.wire import (
    BatchCall,
    BatchCallDetail,
    Conversation,
    ConversationsPage,
    ConversationSummary,
    SipMessages,
    WorkspaceBatches,
)
from triage_gui.providers.errors import ApiError, DeadlineExceeded, InvalidResponse
from triage_gui.providers.http import limits as _limits
from triage_gui.providers.http.body import ACCEPT_ENCODING, buffered, read_body
from triage_gui.providers.http.exchange import HttpExchange, parse_model
from triage_gui.providers.http.limits import ClientLimits, Deadline
from triage_gui.providers.http.retry_policy import RetryConfig, check_id
from triage_gui.providers.http.server_clock import ServerClock, ServerClockReadings

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")

BATCH_PAGE_LIMIT = 100  # the workspace list's documented default; no maximum is documented
CONVERSATION_PAGE_SIZE = 100  # the conversations list's documented maximum
DEFAULT_WORKERS = 4


class _Exchange(HttpExchange):
    """The shared exchange, reading error answers as ElevenLabs writes them."""

    def _read(self, response: httpx.Response, what: str, deadline: Deadline) -> httpx.Response:
        if self._answered(response, what) < 400:
            return buffered(response, read_body(response, limit=self.limits.max_body_bytes, deadline=deadline))
        body = read_body(response, limit=self.limits.max_error_body_bytes, deadline=deadline, truncate=True)
        raise error_for(buffered(response, body), what)


@dataclass
class Lane:
    """One worker's connection pool and exchange (its watchdog aborts only its own sockets)."""

    http: httpx.Client
    exchange: _Exchange
    owned: bool


class ElevenLabsClient(ServerClockReadings):
    """One client per base URL and API key. ``http`` or ``transport`` may be injected (tests);
    ``sleep``/``rng`` make backoff testable; ``limits`` bounds what a server can make it read;
    ``workers`` is how many conversations are read at once (1: one at a time)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
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
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        check_token(api_key)
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.limits = limits or _limits.DEFAULT_LIMITS
        self.workers = max(1, workers)
        self._retry = retry or RetryConfig()
        self._sleep, self._rng = sleep, rng
        self._clock = ServerClock(self.limits.clock_plausibility_s)
        if http is None:
            from triage_gui.providers.http.tls import context_for

            verify = context_for(self.base_url, verify, trust_env=trust_env)
        self._http_options: dict[str, Any] = {
            "timeout": timeout if timeout is not None else httpx.Timeout(15.0, connect=5.0),
            "verify": verify,
            "trust_env": trust_env,
            "transport": transport,
        }
        self._main = self._lane(http)
        self._spare: list[Lane] = []  # the parallel workers' lanes, made on first use
        self._lock = threading.Lock()
        self.page_overlaps: list[PageOverlap] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def _lane(self, http: httpx.Client | None = None) -> Lane:
        client = http or httpx.Client(**self._http_options)
        exchange = _Exchange(
            client,
            self.base_url,
            self._headers,
            limits=self.limits,
            retry=self._retry,
            sleep=self._sleep,
            rng=self._rng,
        )
        exchange.clock = self._clock  # one clock for every lane
        return Lane(client, exchange, owned=http is None)

    def close(self) -> None:
        for lane in [self._main, *self._spare]:
            if lane.owned:
                lane.http.close()
        self._spare.clear()

    def __enter__(self) -> ElevenLabsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the key
        return f"ElevenLabsClient(base_url={self.base_url!r})"

    # -- batches -----------------------------------------------------------------------------
    def get_batch(self, batch_id: str) -> BatchCallDetail:
        """``GET /v1/convai/batch-calling/{id}``: the batch with every recipient."""
        path = f"/v1/convai/batch-calling/{check_id(batch_id, 'Batch ID')}"
        batch = self._get(path, BatchCallDetail)
        _same_id(batch.id, batch_id, f"GET {path}", "id")
        return batch

    def list_batches(
        self,
        *,
        agent_id: str | None = None,
        last_doc: str | None = None,
        limit: int | None = BATCH_PAGE_LIMIT,
        deadline: Deadline | None = None,
    ) -> Page[BatchCall]:
        """One page of ``GET /v1/convai/batch-calling/workspace`` (newest first, as observed)."""
        path = "/v1/convai/batch-calling/workspace"
        params = _params(limit=limit, last_doc=last_doc, agent_id=agent_id)
        page = self._get(path, WorkspaceBatches, params, deadline=deadline)
        if agent_id is not None:
            for i, batch in enumerate(page.batch_calls):
                if batch.agent_id is not None and batch.agent_id != agent_id:
                    raise _broken(f"GET {path}", f"batch_calls[{i}].agent_id", "is another agent's (filter ignored)")
        return Page[BatchCall](items=page.batch_calls, next_cursor=page.next_doc if page.has_more else None)

    def iter_batches(
        self,
        *,
        agent_id: str | None = None,
        max_items: int | None = 100_000,
        stop_after: int | None = None,
        deadline_s: float | None = None,
    ) -> PagedItems[BatchCall]:
        """Every batch of the workspace (of one agent), paged with ``last_doc``, bounded."""
        return self._paged(
            lambda cursor, d: self.list_batches(agent_id=agent_id, last_doc=cursor, deadline=d),
            "GET /v1/convai/batch-calling/workspace",
            max_items,
            stop_after,
            deadline_s,
        )

    def submit_batch(self, body: dict[str, Any]) -> BatchCall:
        """``POST /v1/convai/batch-calling/submit``, sent ONCE: an ambiguous failure is raised, and
        the caller looks the batch up by its name instead of sending it again."""
        path = "/v1/convai/batch-calling/submit"
        response = self._main.exchange.request("POST", path, json_body=body)
        return parse_model(response, BatchCall, f"POST {path}")

    # -- conversations -----------------------------------------------------------------------
    def get_conversation(self, conversation_id: str, *, lane: Lane | None = None) -> Conversation:
        path = f"/v1/convai/conversations/{check_id(conversation_id, 'Conversation ID')}"
        conversation = self._get(path, Conversation, lane=lane)
        _same_id(conversation.conversation_id, conversation_id, f"GET {path}", "conversation_id")
        return conversation

    def get_sip_messages(self, conversation_id: str, *, lane: Lane | None = None) -> SipMessages:
        """The first page of a conversation's SIP messages (a call's few are on it)."""
        path = f"/v1/convai/conversations/{check_id(conversation_id, 'Conversation ID')}/sip-messages"
        return self._get(path, SipMessages, {"page_size": 100}, lane=lane)

    def list_conversations(
        self,
        *,
        agent_id: str | None = None,
        phone_number_id: str | None = None,
        started_after: datetime | None = None,
        cursor: str | None = None,
        deadline: Deadline | None = None,
    ) -> Page[ConversationSummary]:
        path = "/v1/convai/conversations"
        params = _params(
            agent_id=agent_id,
            phone_number_ids=phone_number_id,
            call_start_after_unix=int(started_after.timestamp()) if started_after is not None else None,
            page_size=CONVERSATION_PAGE_SIZE,
            cursor=cursor,
        )
        page = self._get(path, ConversationsPage, params, deadline=deadline)
        return Page[ConversationSummary](
            items=page.conversations, next_cursor=page.next_cursor if page.has_more else None
        )

    def iter_conversations(
        self,
        *,
        agent_id: str | None = None,
        phone_number_id: str | None = None,
        started_after: datetime | None = None,
        max_items: int | None = 100_000,
        deadline_s: float | None = None,
    ) -> PagedItems[ConversationSummary]:
        return self._paged(
            lambda cursor, d: self.list_conversations(
                agent_id=agent_id,
                phone_number_id=phone_number_id,
                started_after=started_after,
                cursor=cursor,
                deadline=d,
            ),
            "GET /v1/convai/conversations",
            max_items,
            None,
            deadline_s,
        )

    # -- in parallel -------------------------------------------------------------------------
    def map_parallel(
        self,
        fn: Callable[[Lane, T], R],
        items: Sequence[T],
        *,
        cancel: threading.Event | None = None,
    ) -> Iterator[tuple[T, R | ApiError]]:
        """``fn(lane, item)`` for every item, ``workers`` at a time, each worker on its own lane.
        Yields (item, result or the ApiError it raised) in the items' order; a contract error
        (:class:`InvalidResponse`) ends the whole map. The map as a whole has the fetch deadline
        (``limits.fetch_deadline_s``): an item not started by then is not read (its error says
        so). Blocks until every worker is done."""
        if not items:
            return
        deadline = Deadline(self.limits.fetch_deadline_s)
        if self.workers == 1 or len(items) == 1:
            for item in items:
                _check_cancel(cancel)
                yield item, _call(fn, self._main, item, deadline)
            return
        lanes: queue.SimpleQueue[Lane] = queue.SimpleQueue()
        with self._lock:
            while len(self._spare) < self.workers - 1:
                self._spare.append(self._lane())
            for lane in [self._main, *self._spare[: self.workers - 1]]:
                lanes.put(lane)

        def work(item: T) -> R | ApiError:
            _check_cancel(cancel)
            lane = lanes.get()
            try:
                return _call(fn, lane, item, deadline)
            finally:
                lanes.put(lane)

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="elevenlabs-read") as pool:
            futures = [(item, pool.submit(work, item)) for item in items]
            try:
                for item, future in futures:
                    yield item, future.result()
            finally:
                for _, future in futures:
                    future.cancel()

    # -- plumbing ----------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {
            "xi-api-key": self._key,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": f"outbound-triage/{__version__}",
        }

    def _get(
        self,
        path: str,
        model: type[M],
        params: dict[str, Any] | None = None,
        *,
        deadline: Deadline | None = None,
        lane: Lane | None = None,
    ) -> M:
        response = (lane or self._main).exchange.request("GET", path, params=params, deadline=deadline)
        return parse_model(response, model, f"GET {path}")

    def _paged(
        self,
        fetch: Callable[[str | None, Deadline | None], Page[M]],
        what: str,
        max_items: int | None,
        stop_after: int | None,
        deadline_s: float | None,
    ) -> PagedItems[M]:
        return PagedItems(
            fetch,
            what=what,
            max_items=max_items,
            max_pages=DEFAULT_MAX_PAGES,
            stop_after=stop_after,
            deadline=Deadline(deadline_s or self.limits.fetch_deadline_s),
            on_overlap=self.page_overlaps.append,
        )


def _call(fn: Callable[[Lane, T], R], lane: Lane, item: T, deadline: Deadline) -> R | ApiError:
    if deadline.expired:
        return DeadlineExceeded(
            f"not read: the reads did not finish within {deadline.seconds:g} s (the fetch's deadline)",
            deadline_s=deadline.seconds,
        )
    try:
        return fn(lane, item)
    except InvalidResponse:
        raise
    except ApiError as exc:
        return exc


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FetchCancelled()


def _params(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _broken(what: str, field: str, problem: str) -> InvalidResponse:
    return InvalidResponse(
        f"The server's answer to {what} breaks the API contract: {field} {problem}.",
        request=what,
        details=[f"{field}: {problem}"],
    )


def _same_id(got: str, asked: str, what: str, field: str) -> None:
    if got != asked:
        raise _broken(what, field, "is not the one asked for")
