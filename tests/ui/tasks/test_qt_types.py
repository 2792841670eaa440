"""The Qt types pyqtgraph touches are created on the GUI thread in short steps (ui/tasks/qt_types.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from triage_gui.ui.tasks.qt_types import PYQTGRAPH_MODULES, incarnate_steps


def test_every_module_pyqtgraph_loads_is_in_the_list():
    """If a pyqtgraph upgrade loads another PySide6 module, its types would be created on the worker."""
    code = textwrap.dedent(
        """
        import sys
        import PySide6.QtWidgets
        import pyqtgraph
        print(" ".join(sorted(m for m in sys.modules if m.startswith("PySide6.Qt"))))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(out.split()) <= set(PYQTGRAPH_MODULES)


def test_a_zero_budget_makes_a_step_of_every_attribute():
    import PySide6.QtSvg as qtsvg

    steps = list(incarnate_steps(("PySide6.QtSvg",), slice_s=0.0))
    # one step for the import, one per attribute, the last "done"
    assert len(steps) == 1 + len(dir(qtsvg)) + 1
    assert steps[-1] == "done" and set(steps[:-1]) == {"PySide6.QtSvg"}


def test_a_module_this_build_lacks_is_skipped():
    assert list(incarnate_steps(("PySide6.QtNoSuchModule", "PySide6.QtCore"), slice_s=10.0)) == [
        "PySide6.QtCore",
        "done",
    ]
