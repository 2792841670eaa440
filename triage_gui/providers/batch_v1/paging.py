"""Cursor paging over the contract's lists: only ``next_cursor`` says whether more exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from pydantic import BaseModel

from triage_gui.domain.models import Page
from triage_gui.providers.errors import InvalidResponse

M = TypeVar("M", bound=BaseModel)
MAX_PAGE_LIMIT = 500  # the contract's clamp


def iter_all(
    fetch: Callable[[str | None], Page[M]], max_items: int | None = None, max_pages: int = 100_000
) -> Iterator[M]:
    """Every item of a cursor-paged list; stops at ``max_items`` and on a repeating cursor."""
    cursor: str | None = None
    seen: set[str] = set()
    count = 0
    for _ in range(max_pages):
        page = fetch(cursor)
        for item in page.items:
            if max_items is not None and count >= max_items:
                return
            count += 1
            yield item
        cursor = page.next_cursor
        if not cursor:
            return
        if cursor in seen:
            raise InvalidResponse("The server returned the same page cursor twice; paging stopped to avoid a loop.")
        seen.add(cursor)
    raise InvalidResponse(f"Paging stopped after {max_pages} pages.")
