"""``PagedItems`` takes a page whole when every item is new (set operations); any page where that
is not so goes item by item. Both ways give the same items, repeats, bounds and errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from triage_gui.domain.models import Page
from triage_gui.providers.batch_v1.paging import PagedItems
from triage_gui.providers.errors import PagingLimitExceeded


@dataclass(frozen=True)
class Item:
    id: str | None


def _items(pages: list[list[str | None]], **options: object) -> PagedItems[Item]:
    def fetch(cursor: str | None, _deadline: object) -> Page[Item]:
        index = int(cursor or 0)
        more = index + 1 < len(pages)
        return Page[Item].model_construct(
            items=[Item(i) for i in pages[index]], next_cursor=str(index + 1) if more else None
        )

    return PagedItems(fetch, what="the test list", key=lambda item: item.id, **options)  # type: ignore[arg-type]


def test_new_pages_are_taken_whole_and_repeats_still_counted() -> None:
    items = _items([["a", "b"], ["c", "a"], ["d", "d", "e"], ["f", "g"]])
    assert [i.id for i in items.collect()] == ["a", "b", "c", "d", "e", "f", "g"]
    assert items.repeated == 2 and items.repeated_ids == ["a", "d"]


def test_items_without_a_key_are_kept_each_time() -> None:
    items = _items([["a", None], [None, "b"]])
    assert [i.id for i in items.collect()] == ["a", None, None, "b"]
    assert items.repeated == 0


def test_bounds_at_a_page_edge() -> None:
    assert [i.id for i in _items([["a", "b"], ["c", "d"]], max_items=4).collect()] == ["a", "b", "c", "d"]
    with pytest.raises(PagingLimitExceeded, match="went past 3"):
        _items([["a", "b"], ["c", "d"]], max_items=3).collect()
    assert [i.id for i in _items([["a", "b"], ["c", "d"]], stop_after=2)] == ["a", "b"]
    assert [i.id for i in _items([["a", "b"], ["c", "d"]], stop_after=3)] == ["a", "b", "c"]


def test_pages_of_only_repeats_count_as_idle() -> None:
    with pytest.raises(PagingLimitExceeded, match="nothing new"):
        _items([["a"], ["a"], ["a"], ["a"]], max_idle_pages=2).collect()
