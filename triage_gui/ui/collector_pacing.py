"""Keep Python's cyclic garbage collector from stalling the GUI thread.

A full (generation 2) collection walks every object the collector tracks and holds the GIL
while it does. With a 100k-recipient case loaded that is 50-100 ms, run on whichever thread
happened to allocate when a threshold tripped: a worker's collection stalls the GUI thread as
much as its own (bench/poll_stall_bench.py found gaps of exactly the collections' lengths).
Two rules make full collections cheap instead:

- What lives for the session, or for a case, is put out of the collector's sight once it
  exists, with ``gc.freeze()`` (constant time): the modules, classes and widgets at the end of
  start-up, the loaded case when a load ends. Later collections walk only what came after.
- While a load allocates its hundreds of thousands of objects, automatic collection pauses
  (each growth step of the heap would otherwise trigger a walk of all of it); it resumes when
  the load has ended (its data frozen), failed, or been left behind by a newer one.

Frozen objects are still freed by reference counting when a case is replaced; only reference
cycles among them stay until :func:`thaw` (the case model and API models form none).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


def freeze_survivors() -> None:
    """Put every object alive now out of the collector's sight (constant time)."""
    gc.freeze()


def thaw() -> None:
    """Hand every frozen object back to the collector (the next full collection walks them)."""
    gc.unfreeze()


def pause_collection() -> Callable[[], None]:
    """Pause automatic collection until the returned release is called (calling it again does
    nothing). Pauses nest: collection resumes when the last is released, if it was on before."""
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


def paused() -> bool:
    with _lock:
        return _pauses > 0
