"""Fixtures of the hostile-server tests: a started server, and clients with small limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hostile_data import TOKEN
from hostile_server import HostileServer

from triage_gui.providers.batch_v1.client import BatchApiClient, ClientLimits, RetryConfig


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


MakeClient = Callable[..., BatchApiClient]


@pytest.fixture
def make_client(hostile: HostileServer, sleeps: SleepRecorder) -> Iterator[MakeClient]:
    """``make_client(**limits)``: a client of the hostile server with small limits (1 MB, 2 s,
    5 s) unless told otherwise, no real waits, and 3 attempts."""
    made: list[BatchApiClient] = []

    def make(*, retry: RetryConfig | None = None, timeout: float = 5.0, **limits: Any) -> BatchApiClient:
        settings: dict[str, Any] = {"max_body_bytes": 1024 * 1024, "request_deadline_s": 2.0, "fetch_deadline_s": 5.0}
        settings.update(limits)
        client = BatchApiClient(
            hostile.base_url,
            TOKEN,
            limits=ClientLimits(**settings),
            retry=retry or RetryConfig(attempts=3),
            sleep=sleeps,
            timeout=timeout,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
