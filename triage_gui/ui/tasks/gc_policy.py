"""Keep Python's cyclic garbage collector from stalling the GUI thread.

A full (generation 2) collection walks every object the collector tracks and holds the GIL
while it does. With a 100k-recipient case loaded that is 50-100 ms, run on whichever thread
happened to allocate when a threshold tripped: a worker's collection stalls the GUI thread as
much as its own (bench/poll_stall_bench.py found gaps of exactly the collections' lengths).
So full collections are made rare and cheap:

- While a load or an analysis allocates its hundreds of thousands of objects, automatic
  collection pauses (each growth step of the heap would otherwise trigger a walk of all of it).
  Pauses are counted, here and only here, so overlapping ones (a re-analysis running when a
  load starts) never switch collection back on under each other.
- What lives on is put out of the collector's sight with ``gc.freeze()`` (constant time): the
  modules, classes and widgets at the end of start-up, the loaded case when a load ends. Later
  collections walk only what came after.
- Frozen objects are still freed by reference counting when a case is replaced (the case's
  data holds no reference cycles). The little cyclic garbage frozen with it stays until the app
  exits: 3.6k objects over eight reloads (docs/performance.md). Collecting it would mean a full
  walk of what is alive, 0.26 s with a 100k case's pages still built: the stall this avoids.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


def freeze_survivors() -> None:
    """Put every object alive now out of the collector's sight (constant time)."""
    gc.freeze()


def pause_collection() -> Callable[[], None]:
    """Pause automatic collection until the returned release is called (calling it again does
    nothing). Pauses nest: collection resumes when the last is released, if it was on before
    the first."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    released = False

    def release() -> None:
        global _pauses
        nonlocal released
        with _lock:
            if released:
                return
            released = True
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()

    return release


@contextmanager
def paused_collection(*, freeze: bool = False) -> Iterator[None]:
    """:func:`pause_collection` for one block of code. With ``freeze``, what is alive when the
    block ends is put out of sight first (as a load's end does): else the first allocation after
    the pause starts a young collection that walks everything the block made (0.14 s after a
    100k-recipient fetch and analysis, over a second at 1M)."""
    release = pause_collection()
    try:
        yield
    finally:
        if freeze:
            freeze_survivors()
        release()


def paused() -> bool:
    with _lock:
        return _pauses > 0


class PausesByKey:
    """Pauses held per key (a controller holds one per load generation), each released once,
    whichever outcome comes first; ``freeze`` puts what the pause protected out of sight."""

    def __init__(self) -> None:
        self._releases: dict[object, Callable[[], None]] = {}

    def hold(self, key: object) -> None:
        self._releases[key] = pause_collection()

    def release(self, key: object, *, freeze: bool = False) -> None:
        release = self._releases.pop(key, None)
        if freeze:
            freeze_survivors()
        if release is not None:
            release()

    def release_all(self) -> None:
        for key in list(self._releases):
            self.release(key)
