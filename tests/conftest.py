"""Fixtures for the whole suite: isolated user dirs, and no test may leave a thread running."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from triage_gui.simulator import ManualClock, Simulator
from triage_gui.ui.app.refcount_guard import make_singletons_immortal

# The suite builds hundreds of progress charts in one process: without the app's guard against
# PySide6's dropped references to None/True/False it aborts at random (ui/app/refcount_guard.py).
make_singletons_immortal()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own config/data/log dirs: nothing touches the real user dirs."""
    home = tmp_path / "triage-home"
    monkeypatch.setenv("TRIAGE_HOME", str(home))
    monkeypatch.delenv("TRIAGE_API_TOKEN", raising=False)
    return home


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Fail a test that leaves a thread (a QThread's or a server's) running."""
    before = set(threading.enumerate())
    yield
    deadline_threads = []
    for _ in range(100):
        deadline_threads = [
            t
            for t in threading.enumerate()
            if t not in before
            and t.is_alive()
            # foreign threads (e.g. Qt's) seen by Python once; QThreads are tracked in tests/ui
            and not isinstance(t, threading._DummyThread)
        ]
        if not deadline_threads:
            break
        threading.Event().wait(0.02)
    assert not deadline_threads, f"threads left running: {[t.name for t in deadline_threads]}"


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """The reference simulator on a random loopback port: all scenarios (built lazily on first
    use), default sizes, a ManualClock at its default start (advance it to move jobs)."""
    sim = Simulator(clock=ManualClock())
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()
