"""The deadline watchdog: one daemon thread and a heap of deadlines for every request in the process."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from triage_gui.providers.http.limits import Deadline
from triage_gui.providers.http.watchdog import SocketRegistry, Watchdogs, watchdog


@pytest.fixture
def dogs():
    dogs = Watchdogs()
    yield dogs
    dogs.close()


def _threads_named(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def test_fires_at_the_deadline_and_wakes_a_blocked_read(dogs):
    left, right = socket.socketpair()
    registry = SocketRegistry()
    with registry._lock:
        registry._sockets.add(left)
    try:
        with watchdog(Deadline(0.05), registry, watchdogs=dogs) as watch:
            left.settimeout(10)
            data = left.recv(10)  # blocks until the watchdog shuts the socket down
        assert data == b""
        assert watch.fired
    finally:
        left.close()
        right.close()


def test_fire_runs_at_the_deadline_not_before(dogs):
    fired_at: list[float] = []
    fired = threading.Event()
    entry = dogs.arm(0.05, lambda: (fired_at.append(time.monotonic()), fired.set()))
    assert fired.wait(5)
    assert fired_at[0] >= entry.when


def test_earlier_deadline_armed_later_fires_first(dogs):
    order: list[str] = []
    done = threading.Event()
    dogs.arm(0.3, lambda: (order.append("late"), done.set()))
    dogs.arm(0.01, lambda: order.append("early"))
    assert done.wait(5)
    assert order == ["early", "late"]


def test_never_fires_after_disarm(dogs):
    fired = threading.Event()
    entries = [dogs.arm(0.02, fired.set) for _ in range(200)]
    for entry in entries:
        dogs.disarm(entry)
    # a later deadline fires, so the thread has passed the disarmed ones
    later = threading.Event()
    dogs.arm(0.05, later.set)
    assert later.wait(5)
    assert not fired.is_set()
    assert dogs.pending() == 0


def test_block_that_ends_in_time_is_not_marked_fired(dogs):
    with watchdog(Deadline(0.05), SocketRegistry(), watchdogs=dogs) as watch:
        pass
    later = threading.Event()
    dogs.arm(0.1, later.set)
    assert later.wait(5)
    assert not watch.fired


def test_disarm_waits_for_a_fire_in_progress(dogs):
    started = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def slow_fire() -> None:
        started.set()
        release.wait(5)
        finished.set()

    entry = dogs.arm(0.0, slow_fire)
    assert started.wait(5)
    returned = threading.Event()
    waiter = threading.Thread(target=lambda: (dogs.disarm(entry), returned.set()))
    waiter.start()
    assert not returned.wait(0.1)  # still firing: disarm must not return yet
    release.set()
    waiter.join(5)
    assert returned.is_set()
    assert finished.is_set()


def test_a_failing_callback_does_not_stop_the_thread(dogs, caplog):

    def boom() -> None:
        raise RuntimeError("boom")

    dogs.arm(0.0, boom)
    fired = threading.Event()
    dogs.arm(0.05, fired.set)
    assert fired.wait(5)
    assert "deadline callback failed" in caplog.text


def test_many_concurrent_clients_one_thread_no_leak(dogs):
    fired_count = 0
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client(index: int) -> None:
        nonlocal fired_count
        try:
            for round_ in range(200):
                # a few of them outlive their deadline, most end in time
                seconds = 0.0 if (index + round_) % 50 == 0 else 30.0
                with watchdog(Deadline(seconds), SocketRegistry(), watchdogs=dogs) as watch:
                    if seconds == 0.0:
                        while not watch.fired:
                            threading.Event().wait(0.001)
                if watch.fired:
                    with lock:
                        fired_count += 1
        except BaseException as exc:
            errors.append(exc)

    before = threading.active_count()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not errors
    assert fired_count == 16 * 200 // 50
    assert dogs.pending() == 0
    # the 16 clients are gone and one watchdog thread is left, however many requests ran
    assert threading.active_count() <= before + 1
    assert len(dogs._heap) <= Watchdogs.SWEEP_AT * 2 + 1


def test_one_thread_for_back_to_back_requests_and_none_when_idle():
    registry = SocketRegistry()
    threads = set()
    for _ in range(50):
        with watchdog(Deadline(30), registry):
            threads.update(_threads_named("http-deadlines"))
    assert len(threads) == 1  # one thread served them all
    (thread,) = threads
    thread.join(5)  # it ends once nothing is armed for a moment
    assert not thread.is_alive()
    assert not _threads_named("http-deadline")  # no per-request timer threads


def test_a_deadline_armed_after_the_thread_ended_still_fires(dogs):
    dogs.arm(0.0, lambda: None)
    first = dogs.thread
    assert first is not None
    first.join(5)
    assert not first.is_alive() and dogs.thread is None
    fired = threading.Event()
    dogs.arm(0.01, fired.set)
    assert fired.wait(5)
    assert dogs.thread is not first


def test_close_stops_the_thread_and_nothing_fires_after(dogs):
    fired = threading.Event()
    dogs.arm(0.05, fired.set)
    thread = dogs.thread
    dogs.close()
    assert thread is not None and not thread.is_alive()
    assert not fired.wait(0.1)
