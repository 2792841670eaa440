"""A guard against a reference-counting bug below us: None, True and False made immortal.

PySide6 6.12 drops one reference to ``None`` (and sometimes to ``True``/``False``) for each call
of a Python override of a virtual method that is handed an empty ``QVariant``, such as
``QGraphicsItem.itemChange``, which pyqtgraph overrides in every plot item. Each progress chart
built (the Job health page's, and the bundle's ``chart.png`` drawn off-screen) costs ~100-200
references; a few hundred charts in one process (a long session, the test suite) take ``None``'s
count to zero and the interpreter aborts ("none_dealloc" / "bool_dealloc: deallocating True or
False", or a segmentation fault). Measured here: 40 ``pyqtgraph.PlotWidget``s took ~8,500
references from ``None``; 60 off-screen chart renders aborted the process.

Python 3.12 makes these singletons immortal (PEP 683); on 3.11 this does by hand what 3.12 does:
it adds 2**40 to each count, so no number of dropped references can reach zero. Nothing else
changes: their identity, value and behaviour are the interpreter's own.
"""

from __future__ import annotations

import ctypes
import sys

BALLAST = 1 << 40


def make_singletons_immortal() -> None:
    """Idempotent: once applied, the counts are far above any reachable value."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return  # immortal already (PEP 683), or no reference counts to guard
    for singleton in (None, True, False):
        if sys.getrefcount(singleton) < BALLAST:
            # ob_refcnt is the first field of every CPython object, at the object's address
            ctypes.c_ssize_t.from_address(id(singleton)).value += BALLAST
