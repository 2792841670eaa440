"""Every long-lived QThread the UI starts is registered here, so tests can prove none outlives
its window (see ``tests/ui/conftest.py``) and shutdown code can see what is still running.

Weak references: the registry never keeps a finished thread (or its wrapper) alive.
"""

from __future__ import annotations

import threading
import weakref

import shiboken6
from PySide6.QtCore import QThread

_lock = threading.Lock()
_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def register(thread: QThread) -> QThread:
    with _lock:
        _threads.add(thread)
    return thread


def running() -> list[QThread]:
    """Registered threads that are still running (deleted C++ objects count as stopped)."""
    with _lock:
        threads = list(_threads)
    return [t for t in threads if shiboken6.isValid(t) and t.isRunning()]
