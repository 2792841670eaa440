"""Create PySide6's lazy types on the GUI thread before a worker can touch them.

PySide6 makes a binding's Python type the first time Python asks for it (Shiboken's lazy
``incarnateType``). That creation is not safe when two threads do it at once: it can run Python
code half-way (signatures, enums), the interpreter switches threads, and the other thread
re-enters the type map the first one is iterating. The process then dies later, usually on the
GUI thread, with a segmentation fault whose Python stack says nothing useful. The start-up loop
(``python -m bench.launch_loop_bench``) found one in 200 launches: the main thread in ``exec()``
while a worker imported pyqtgraph, whose import reads every attribute of ``QtCore``, ``QtGui``
and ``QtWidgets`` (and loads ``QtSvg``, ``QtTest``, ``QtOpenGL``, ``QtOpenGLWidgets``).

So before pyqtgraph is imported on a worker (to keep ~0.4 s of imports off the GUI thread), the
GUI thread loads those modules and creates every type of theirs, a slice of a few milliseconds
per event-loop turn (:func:`incarnate_steps`, run by a ``StepRunner``): ~0.1 s in all, never one
long stall.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator

# What pyqtgraph's import touches (checked: the PySide6 modules loaded by ``import pyqtgraph``).
PYQTGRAPH_MODULES = (
    "PySide6.QtCore",
    "PySide6.QtGui",
    "PySide6.QtWidgets",
    "PySide6.QtSvg",
    "PySide6.QtTest",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
)
SLICE_S = 0.008  # one step's budget: well under the 50 ms stall target


def incarnate_steps(modules: tuple[str, ...] = PYQTGRAPH_MODULES, slice_s: float = SLICE_S) -> Iterator[str]:
    """Steps (for a ``StepRunner`` on the GUI thread) that import ``modules`` and create every type
    they name; each step yields the module it is working on."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional module this build lacks: nothing of it to create
            continue
        yield name
        started = time.perf_counter()
        for attribute in dir(module):
            getattr(module, attribute, None)
            if time.perf_counter() - started > slice_s:
                yield name
                started = time.perf_counter()
    yield "done"


def incarnate_now(modules: tuple[str, ...] = PYQTGRAPH_MODULES) -> None:
    """All at once (tests, tools): the same work as :func:`incarnate_steps`."""
    for _ in incarnate_steps(modules):
        pass
