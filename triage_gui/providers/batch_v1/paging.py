"""Cursor paging over the contract's lists: only ``next_cursor`` says whether more exist.

A server may page forever (fresh cursors, empty pages, the same items again), so a paged fetch
is bounded: ``max_items`` distinct items, ``max_pages`` pages, ``max_idle_pages`` pages in a row
that bring nothing new, a cursor never seen twice, and a total deadline. Past a bound the fetch
stops with :class:`PagingLimitExceeded` (an answer outside the contract): it never hands back a
list silently cut short. A caller that *wants* only the first N items says ``stop_after=N``.

Items given twice (same ``id``; events: same ``seq``) are handed out once; the repeats are
counted on the iterator (:attr:`PagedItems.overlap`) and reported to ``on_overlap`` so the
caller can show them as a contract finding.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from triage_gui.providers.errors import DeadlineExceeded, PagingLimitExceeded
from triage_gui.providers.http.limits import Deadline

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

MAX_PAGE_LIMIT = 500  # the contract's clamp
DEFAULT_MAX_ITEMS = 500_000
DEFAULT_MAX_PAGES = 10_000
DEFAULT_MAX_IDLE_PAGES = 50  # pages in a row with no new item (empty, or only repeats)
REPEATED_IDS_KEPT = 50


class AnyPage(Protocol[T_co]):
    """A page as paging reads it: a model's (``domain.models.Page``) or records' (``RecordPage``)."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


PageFetch = Callable[[str | None, Deadline | None], AnyPage[T]]


@dataclass
class PageOverlap:
    """Items a paged list gave more than once: dropped after the first, kept here as evidence."""

    request: str  # e.g. "GET /v1/workspaces/ws/batch-jobs/j/calls"
    repeated: int = 0  # items dropped as repeats
    ids: list[str] = field(default_factory=list)  # the first REPEATED_IDS_KEPT distinct repeated keys


def item_key(item: object) -> str | None:
    """What makes an item itself: its ``id``, else (events) its ``seq``; None: not de-duplicated."""
    for name in ("id", "seq"):
        value = getattr(item, name, None)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


class PagedItems(Iterator[T], Generic[T]):
    """The items of one paged list, each once, within the fetch's bounds."""

    def __init__(
        self,
        fetch: PageFetch[T],
        *,
        what: str = "the list",
        max_items: int | None = DEFAULT_MAX_ITEMS,
        max_pages: int | None = DEFAULT_MAX_PAGES,
        max_idle_pages: int = DEFAULT_MAX_IDLE_PAGES,
        stop_after: int | None = None,
        deadline: Deadline | None = None,
        on_overlap: Callable[[PageOverlap], None] | None = None,
        key: Callable[[T], object] | None = None,
    ) -> None:
        self.what = what
        self.max_items = max_items
        self.max_pages = max_pages
        self.max_idle_pages = max_idle_pages
        self.stop_after = stop_after
        self.deadline = deadline
        self.pages = 0
        self.items = 0  # distinct items handed out
        self.overlap: PageOverlap | None = None
        self._fetch = fetch
        self._on_overlap = on_overlap
        self._key = key or item_key  # what makes an item itself (the caller may know faster)
        self._check: Callable[[], None] | None = None
        self._pages: Generator[list[T], None, None] = self._fresh_pages()
        self._run: Generator[T, None, None] = self._generate()
        self._started = False

    @property
    def repeated(self) -> int:
        return self.overlap.repeated if self.overlap else 0

    @property
    def repeated_ids(self) -> list[str]:
        return list(self.overlap.ids) if self.overlap else []

    def __iter__(self) -> PagedItems[T]:
        return self

    def __next__(self) -> T:
        self._started = True
        return next(self._run)

    def close(self) -> None:
        self._run.close()
        self._pages.close()

    def collect(self, check: Callable[[], None] | None = None) -> list[T]:
        """Every item, as iterating would give them, gathered a page at a time (not one
        generator step per item); ``check`` runs before each page is fetched (a cancel raises
        there). For a list not iterated yet."""
        if self._started:
            raise RuntimeError("collect() on a list already being iterated")
        self._started = True
        self._check = check
        out: list[T] = []
        for fresh in self._pages:
            out.extend(fresh)
        return out

    def _generate(self) -> Generator[T, None, None]:
        for fresh in self._pages:
            yield from fresh

    def _fresh_pages(self) -> Generator[list[T], None, None]:
        """Per page, its items not seen before; past a bound, the items before it, then the error."""
        cursor: str | None = None
        cursors: set[str] = set()
        keys: set[object] = set()
        key_of = self._key
        idle = 0
        if self.stop_after is not None and self.stop_after <= 0:
            return
        while True:
            if self._check is not None:
                self._check()
            if self.max_pages is not None and self.pages >= self.max_pages:
                raise self._limit(f"did not end within {self.max_pages:,} pages")
            if self.deadline is not None and self.deadline.expired:
                raise DeadlineExceeded(
                    f"The list {self.what} did not finish within {self.deadline.seconds:g} s (the fetch's deadline).",
                    deadline_s=self.deadline.seconds,
                    request=self.what,
                )
            page = self._fetch(cursor, self.deadline)
            self.pages += 1
            # How many more items this page may hand out before a bound (None: no bound).
            room = None if self.max_items is None else self.max_items - self.items
            wanted = None if self.stop_after is None else self.stop_after - self.items
            fast = self._all_new(page.items, keys, room, wanted)
            fresh = fast if fast is not None else []  # the usual page: every item new, no bound reached
            for item in page.items if fast is None else ():
                key = key_of(item)
                if key is not None:
                    if key in keys:
                        self._note_repeat(key)
                        continue
                    keys.add(key)
                if room is not None and len(fresh) >= room:
                    self.items += len(fresh)
                    yield fresh
                    raise self._limit(f"went past {self.max_items:,} items (the most this fetch expects)")
                fresh.append(item)
                if wanted is not None and len(fresh) >= wanted:
                    self.items += len(fresh)
                    yield fresh
                    return
            self.items += len(fresh)
            yield fresh
            cursor = page.next_cursor
            if not cursor:
                return
            if cursor in cursors:
                raise self._limit("gave the same page cursor twice", loop=True)
            cursors.add(cursor)
            idle = 0 if fresh else idle + 1
            if idle >= self.max_idle_pages:
                raise self._limit(f"gave {idle} pages in a row with nothing new, and still a next page")

    def _all_new(self, items: Sequence[T], keys: set[object], room: int | None, wanted: int | None) -> list[T] | None:
        """``items`` when each has a key, none seen before nor twice in the page, and no bound is
        reached: then they are what the item-by-item loop keeps, found by set operations (their
        keys are added to ``keys``); else None, and the loop decides item by item."""
        if (room is not None and len(items) > room) or (wanted is not None and len(items) >= wanted):
            return None
        key_of = self._key
        page_keys = [key_of(item) for item in items]
        distinct = set(page_keys)
        if None in distinct or len(distinct) != len(page_keys) or not keys.isdisjoint(distinct):
            return None
        keys |= distinct
        return list(items)

    def _note_repeat(self, key: object) -> None:
        if self.overlap is None:
            self.overlap = PageOverlap(request=self.what)
            if self._on_overlap is not None:
                self._on_overlap(self.overlap)
        self.overlap.repeated += 1
        shown = str(key)
        if len(self.overlap.ids) < REPEATED_IDS_KEPT and shown not in self.overlap.ids:
            self.overlap.ids.append(shown)

    def _limit(self, what_happened: str, *, loop: bool = False) -> PagingLimitExceeded:
        why = "to avoid a loop" if loop else "rather than use part of the list"
        message = f"The server's list {self.what} {what_happened}; paging stopped {why}."
        if loop:  # the wording earlier versions used, kept for whoever matches on it
            message = f"The server returned the same page cursor twice for {self.what}; paging stopped {why}."
        return PagingLimitExceeded(message, request=self.what)


def iter_all(
    fetch: Callable[[str | None], AnyPage[T]],
    max_items: int | None = DEFAULT_MAX_ITEMS,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    *,
    stop_after: int | None = None,
    what: str = "the list",
    deadline_s: float | None = None,
) -> PagedItems[T]:
    """Every item of a cursor-paged list (see the module's docstring for the bounds)."""
    return PagedItems(
        lambda cursor, _deadline: fetch(cursor),
        what=what,
        max_items=max_items,
        max_pages=max_pages,
        stop_after=stop_after,
        deadline=Deadline(deadline_s) if deadline_s is not None else None,
    )
