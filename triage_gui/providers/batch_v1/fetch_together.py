"""Independent parts of an incident (the calls, the events, the upload's content, the related
jobs) fetched at the same time, and settled as if fetched one after another.

Each part runs on a thread of its own with a client of its own (``BatchApiClient.sibling``: its
own connection, so its own deadlines shut down only its own sockets; the same server clock and
the same record of repeated items). What comes of them is then read in the parts' order, as the
one-by-one fetch read it: the first part whose failure ends the load (an answer outside the
contract, anything unexpected) ends it with its error, the lesser failures of the others before
it are recorded as missing, and a part after it no longer matters (it is told to stop at its
next page). A cancel stops every part at its next page and aborts the requests in flight of the
clients made here (the caller aborts its own client's); the fetch then ends with
:class:`FetchCancelled`. Progress is said from the calling thread only.

Where no second client can be made (a client given its HTTP client or a transport it cannot
make again, as in tests), the parts are fetched one after another on the one client.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from triage_gui.providers.base import FetchCancelled, UploadAuditFailed
from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.errors import ApiError, InvalidResponse

log = logging.getLogger(__name__)

WAKE_S = 0.05  # how often the calling thread looks at the cancel while the parts run
SO_FAR_EVERY_S = 2.0  # a long fetch says what its parts have read so far, at most this often
STOPPED_JOIN_S = 1.0  # how long a part told to stop is waited for when the caller leaves early


@dataclass(frozen=True)
class Part:
    """One part: ``fetch(client, check)`` returns its value; it calls ``check()`` between pages
    (the check raises when the fetch is cancelled or the part is no longer wanted)."""

    name: str
    fetch: Callable[[BatchApiClient, Callable[[], None]], Any]
    tolerate_contract: bool = False  # an answer outside the contract is recorded, not the load's end
    so_far: Callable[[], str | None] | None = None  # what it has read so far ("120,000 calls"), for progress


class _Stopped(Exception):
    """A part told to stop: an earlier part ended the load."""


def ends_the_load(exc: BaseException, *, tolerate_contract: bool = False) -> bool:
    """Whether a part's failure ends the load (else it is recorded as missing): an answer
    outside the contract (unless tolerated), a cancel, anything that is not an API error."""
    if isinstance(exc, InvalidResponse):
        return not tolerate_contract
    return not isinstance(exc, ApiError | UploadAuditFailed)


def fetch_together(
    client: BatchApiClient,
    parts: list[Part],
    *,
    say: Callable[[str], None],
    cancel: threading.Event | None,
    missing: dict[str, str],
) -> dict[str, Any]:
    """Every part's value by name (a part that failed is absent, its reason in ``missing``);
    raises the error that ends the load, or :class:`FetchCancelled`."""
    if cancel is not None and cancel.is_set():
        raise FetchCancelled()
    siblings: list[BatchApiClient] = []
    try:
        for _ in parts[1:]:
            sibling = client.sibling()
            if sibling is None:
                break
            siblings.append(sibling)
        if len(parts) > 1 and len(siblings) == len(parts) - 1:
            return _side_by_side([client, *siblings], parts, say, cancel, missing)
        return _one_by_one(client, parts, say, cancel, missing)
    finally:
        for sibling in siblings:
            sibling.close()


def _one_by_one(
    client: BatchApiClient,
    parts: list[Part],
    say: Callable[[str], None],
    cancel: threading.Event | None,
    missing: dict[str, str],
) -> dict[str, Any]:
    def check() -> None:
        if cancel is not None and cancel.is_set():
            raise FetchCancelled()

    got: dict[str, Any] = {}
    for part in parts:
        check()
        say(f"Fetching {part.name}…")
        try:
            got[part.name] = part.fetch(client, check)
        except BaseException as exc:
            _settle(part, exc, missing)
    return got


def _side_by_side(
    clients: list[BatchApiClient],
    parts: list[Part],
    say: Callable[[str], None],
    cancel: threading.Event | None,
    missing: dict[str, str],
) -> dict[str, Any]:
    outcomes: list[tuple[bool, Any]] = [(False, None)] * len(parts)
    stops = [threading.Event() for _ in parts]
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()

    def run(index: int) -> None:
        def check() -> None:
            if cancel is not None and cancel.is_set():
                raise FetchCancelled()
            if stops[index].is_set():
                raise _Stopped()

        try:
            outcomes[index] = (True, parts[index].fetch(clients[index], check))
        except BaseException as exc:  # settled by the calling thread, in the parts' order
            outcomes[index] = (False, exc)
        finally:
            finished.put(index)

    threads = [
        threading.Thread(target=run, args=(i,), name=f"fetch {part.name}", daemon=True) for i, part in enumerate(parts)
    ]
    say(f"Fetching {_names([p.name for p in parts])}…")
    said_at = time.monotonic()
    for thread in threads:
        thread.start()
    done: set[int] = set()
    cancelled = False
    try:
        while len(done) < len(parts):
            try:
                index = finished.get(timeout=WAKE_S)
            except queue.Empty:
                index = None
            if not cancelled and cancel is not None and cancel.is_set():
                cancelled = True
                _stop(stops, clients)
            if index is None:
                if time.monotonic() - said_at >= SO_FAR_EVERY_S and not cancelled:
                    said_at = time.monotonic()
                    said = _so_far(parts, done)
                    if said is not None:
                        say(said)
                continue
            said_at = time.monotonic()
            done.add(index)
            ok, value = outcomes[index]
            if not ok and ends_the_load(value, tolerate_contract=parts[index].tolerate_contract):
                for later in stops[index + 1 :]:
                    later.set()  # its result can no longer matter
            waiting = [p.name for i, p in enumerate(parts) if i not in done]
            if waiting:
                say(
                    f"Fetching {_names(waiting)}… (done: {', '.join(p.name for i, p in enumerate(parts) if i in done)})"
                )
    finally:
        if len(done) < len(parts):  # leaving early (an error in ``say``, an interrupt)
            _stop(stops, clients)
            for thread in threads:
                thread.join(STOPPED_JOIN_S)
    if cancelled:
        raise FetchCancelled()
    got: dict[str, Any] = {}
    for part, (ok, value) in zip(parts, outcomes, strict=True):
        if ok:
            got[part.name] = value
        else:
            _settle(part, value, missing)
    return got


def _settle(part: Part, exc: BaseException, missing: dict[str, str]) -> None:
    """Record a part's failure in ``missing``, or raise it when it ends the load."""
    if ends_the_load(exc, tolerate_contract=part.tolerate_contract):
        raise exc
    log.info("could not fetch %s: %s", part.name, exc)  # the caller says it, once
    missing[part.name] = str(exc)


def _stop(stops: list[threading.Event], clients: list[BatchApiClient]) -> None:
    for stop in stops:
        stop.set()
    for client in clients[1:]:  # made here; the first is the caller's to abort
        client.abort()


def _so_far(parts: list[Part], done: set[int]) -> str | None:
    """ "Fetching calls and events… (done: related jobs; so far 120,000 calls, 98,000 events)",
    or None when no waiting part can say what it has read."""
    waiting = [(i, p) for i, p in enumerate(parts) if i not in done]
    counts = [text for _, p in waiting if p.so_far is not None and (text := p.so_far())]
    if not counts:
        return None
    finished = ", ".join(p.name for i, p in enumerate(parts) if i in done)
    done_part = f"done: {finished}; " if finished else ""
    return f"Fetching {_names([p.name for _, p in waiting])}… ({done_part}so far {', '.join(counts)})"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
