"""Fixtures of the ElevenLabs provider's tests: the simulator, and providers on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from triage_gui.providers.connection import Connection
from triage_gui.providers.elevenlabs.provider import ElevenLabsProvider
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator


@pytest.fixture(autouse=True)
def no_elevenlabs_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)


@pytest.fixture
def el_sim() -> Iterator[ElevenLabsSimulator]:
    """Every ElevenLabs scenario on a random loopback port, time standing still (ManualClock)."""
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        yield sim


def open_provider(sim: ElevenLabsSimulator, **kw) -> ElevenLabsProvider:
    assert sim.base_url is not None
    kw.setdefault("sleep", lambda _s: None)  # backoff without waiting
    provider = Connection(sim.base_url, sim.key, provider="elevenlabs").open_provider(**kw)
    assert isinstance(provider, ElevenLabsProvider)
    return provider


@pytest.fixture
def make_provider() -> Callable[..., ElevenLabsProvider]:
    """``make_provider(sim, **open_provider options)``: close it (or use ``with``)."""
    return open_provider


@pytest.fixture
def provider(el_sim: ElevenLabsSimulator) -> Iterator[ElevenLabsProvider]:
    with open_provider(el_sim) as opened:
        yield opened
