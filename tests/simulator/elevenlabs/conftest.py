"""Fixtures of the ElevenLabs simulator's tests: the server, and plain httpx with its key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator


@pytest.fixture
def el_sim() -> Iterator[ElevenLabsSimulator]:
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        yield sim


@pytest.fixture
def el_http(el_sim: ElevenLabsSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=el_sim.base_url or "", headers={"xi-api-key": el_sim.key}, timeout=10.0) as client:
        yield client
