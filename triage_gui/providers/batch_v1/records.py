"""Pages of calls and events decoded straight from their bytes into the domain's records.

A 1M-recipient job is ~2,000 pages of calls and as many of events; each item is decoded by
``msgspec`` into a :class:`~triage_gui.domain.models.Record` (0.4 us a call, against 2.6 us as a
pydantic model). The decoder is strict: a value of another JSON type than the field's (an
attempt of "2", a Unix time), a page that is not JSON, or one with a byte-order mark is read
again the general way, by the records' pydantic schemas (``json.loads``, then
``CallAttemptSchema``/``JobEventSchema``). That way accepts what the client always accepted and
refuses, in the same words, what it always refused; the fast way only ever takes pages the
general way reads the same (tests/providers/batch_v1/test_page_decoding.py compares them over
broken, hostile and cut answers), but for one thing: a time given finer than a microsecond is
rounded to it where the general way cuts it (a microsecond apart at most).
"""

from __future__ import annotations

from typing import Generic, TypeVar

import httpx
import msgspec

from triage_gui.domain.models import (
    CallAttempt,
    CallAttemptSchema,
    JobEvent,
    JobEventSchema,
    Page,
    Record,
    RecordPage,
)
from triage_gui.providers.http.exchange import parse_model

R = TypeVar("R", bound=Record)


class RecordPages(Generic[R]):
    """How one list's pages are read: the fast decoder, and the schema for the general way."""

    def __init__(self, record: type[R], schema: type[CallAttemptSchema] | type[JobEventSchema]) -> None:
        self.record = record
        self.schema = schema
        self._decoder: msgspec.json.Decoder[RecordPage[R]] = msgspec.json.Decoder(RecordPage[record])  # type: ignore[valid-type]

    def decode(self, response: httpx.Response, what: str) -> RecordPage[R]:
        """The page's records; :class:`~triage_gui.providers.errors.InvalidResponse` when the
        answer is not a page of them (raised by the general way, which says why)."""
        try:
            return self._decoder.decode(response.content)
        except (msgspec.MsgspecError, RecursionError):  # (an unknown field nested ~1,000 deep)
            return self.general(response, what)

    def general(self, response: httpx.Response, what: str) -> RecordPage[R]:
        """The page read the general way: ``json.loads``, then the pydantic schema."""
        page = parse_model(response, Page[self.schema], what)  # type: ignore[name-defined]
        items: list[R] = [item.record() for item in page.items]
        return RecordPage(items=items, next_cursor=page.next_cursor)


CALLS: RecordPages[CallAttempt] = RecordPages(CallAttempt, CallAttemptSchema)
EVENTS: RecordPages[JobEvent] = RecordPages(JobEvent, JobEventSchema)
