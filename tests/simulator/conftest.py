"""HTTP helpers for tests of the simulator (the `simulator` fixture itself is in tests/conftest.py).

``simulator`` is cheap: scenarios are built lazily on first use, so a test that touches one
scenario builds only that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from triage_gui.simulator import Simulator


@pytest.fixture
def sim_base_url(simulator: Simulator) -> str:
    assert simulator.base_url is not None
    return simulator.base_url


@pytest.fixture
def http(simulator: Simulator) -> Iterator[httpx.Client]:
    """Plain httpx with the simulator's token (not the typed client: tests of the server)."""
    with httpx.Client(
        base_url=simulator.base_url or "",
        headers={"Authorization": f"Bearer {simulator.token}"},
        timeout=10.0,
    ) as client:
        yield client


AllPages = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def all_pages(http: httpx.Client) -> AllPages:
    """``all_pages(url, **filters)``: every item of a cursor-paged list, following next_cursor."""

    def fetch(url: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(10_000):
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            page = http.get(url, params=query)
            assert page.status_code == 200, page.text
            body = page.json()
            items.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("paging never ended")

    return fetch
