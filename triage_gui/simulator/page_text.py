"""The call and event pages as bytes, written directly: what ``json.dumps`` of
:func:`.resources.page_json` gives, byte for byte, at a fraction of the cost.

Serving a finished 100k-recipient job's ~415 pages cost ~1.4 s of the simulator's CPU through
dicts, ``json.dumps`` and ``strftime``; a list paged by two or three clients at once (the app
fetches calls, events and the upload side by side) waited on that one GIL. Here each item's
JSON text is written from pre-escaped parts, and kept on its plan once it can no longer change:
an event never changes; an attempt is settled once it has ended (its status, failure and times
are then final). A job polled while it runs, or fetched again (another Load, the poller's
re-fetch), then costs a join per page.
"""

from __future__ import annotations

from json.encoder import encode_basestring

from triage_gui.simulator.clock import iso
from triage_gui.simulator.failure_codes import Failure
from triage_gui.simulator.plan import Attempt, Event, JobPlan
from triage_gui.simulator.resources import UNKNOWN_FIELD

_TAIL = "".join(f", {encode_basestring(k)}: {encode_basestring(v)}" for k, v in UNKNOWN_FIELD.items()) + "}"
_FAILURES: dict[Failure, str] = {}  # a job has a few distinct failures, shared by its attempts


def _literal(value: bool | int | None) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return int.__repr__(value)


def _failure_text(failure: Failure) -> str:
    text = _FAILURES.get(failure)
    if text is None:
        text = (
            f'{{"code": {encode_basestring(failure.code)}, "sip_status": {_literal(failure.sip_status)}, '
            f'"message": {encode_basestring(failure.message)}, "retryable": {_literal(failure.retryable)}}}'
        )
        _FAILURES[failure] = text
    return text


def _time_or_null(ts: float, t: float) -> str:
    return f'"{iso(ts)}"' if ts <= t else "null"


def call_text(plan: JobPlan, attempt: Attempt, t: float) -> str:
    """``json.dumps(call_json(plan, attempt, t), ensure_ascii=False)``, kept once settled."""
    cache = plan.wire_cache
    text = cache.get(attempt)
    if text is not None:
        return text
    recipient = plan.recipients[attempt.recipient]
    ended = attempt.ended_at <= t
    failure = _failure_text(attempt.failure) if ended and attempt.failure is not None else "null"
    text = (
        f'{{"id": {encode_basestring(attempt.id)}, "recipient_id": {encode_basestring(recipient.recipient_id)}, '
        f'"phone_number": {encode_basestring(recipient.dial_number)}, "attempt": {int.__repr__(attempt.number)}, '
        f'"dispatch_key": {encode_basestring(attempt.dispatch_key)}, "status": "{attempt.status_at(t)}", '
        f'"failure": {failure}, "queued_at": "{iso(attempt.queued_at)}", '
        f'"dispatched_at": {_time_or_null(attempt.dispatched_at, t)}, "ended_at": {_time_or_null(attempt.ended_at, t)}'
        f"{_TAIL}"
    )
    if ended and attempt.dispatched_at <= t:  # final: nothing in it depends on t any more
        cache[attempt] = text
    return text


def event_text(plan: JobPlan, event: Event) -> str:
    """``json.dumps(event_json(plan, event), ensure_ascii=False)``, kept (an event never changes)."""
    cache = plan.wire_cache
    text = cache.get(event)
    if text is not None:
        return text
    recipient = "null" if event.recipient is None else encode_basestring(plan.recipients[event.recipient].recipient_id)
    text = (
        f'{{"seq": {int.__repr__(event.seq)}, "at": "{iso(event.at)}", "type": {encode_basestring(event.type)}, '
        f'"recipient_id": {recipient}, "detail": {encode_basestring(event.detail)}{_TAIL}'
    )
    cache[event] = text
    return text


def page_bytes(items: list[str], next_cursor: str | None) -> bytes:
    """``json.dumps(page_json(items, next_cursor), ensure_ascii=False)`` of items already written."""
    cursor = "null" if next_cursor is None else encode_basestring(next_cursor)
    return f'{{"items": [{", ".join(items)}], "next_cursor": {cursor}}}'.encode()


def calls_page_bytes(plan: JobPlan, attempts: list[Attempt], t: float, next_cursor: str | None) -> bytes:
    return page_bytes([call_text(plan, a, t) for a in attempts], next_cursor)


def events_page_bytes(plan: JobPlan, events: list[Event], next_cursor: str | None) -> bytes:
    return page_bytes([event_text(plan, e) for e in events], next_cursor)
