"""The guard against PySide6's dropped references to None/True/False (ui/app/refcount_guard.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from triage_gui.ui.app.refcount_guard import BALLAST, make_singletons_immortal

CHARTS = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
if sys.argv[1] == "guarded":
    from triage_gui.ui.app.startup import tune_interpreter_for_gui
    tune_interpreter_for_gui()
from triage_gui.ui.widgets.chart_render import render_chart_png
for _ in range(120):
    render_chart_png([], None, "caption")
    app.processEvents()
print("done")
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None, True and False are immortal from Python 3.12 on")
def test_the_singletons_counts_are_out_of_reach_and_it_is_idempotent():
    make_singletons_immortal()
    counts = [sys.getrefcount(s) for s in (None, True, False)]
    assert all(c > BALLAST for c in counts)
    make_singletons_immortal()
    assert all(sys.getrefcount(s) < c + 1000 for s, c in zip((None, True, False), counts, strict=True))


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None, True and False are immortal from Python 3.12 on")
def test_many_charts_in_one_process_end_cleanly_with_the_guard(tmp_path):
    """Without the guard this child aborts (none_dealloc) well before 120 charts; with it, it ends."""
    script = tmp_path / "charts.py"
    script.write_text(CHARTS, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    guarded = subprocess.run([sys.executable, str(script), "guarded"], env=env, capture_output=True, timeout=300)
    assert guarded.returncode == 0 and b"done" in guarded.stdout, guarded.stderr[-800:]
