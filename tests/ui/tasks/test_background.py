"""The background runner: results on the GUI thread, errors reported, nothing after shutdown."""

from __future__ import annotations

import threading

from triage_gui.ui.tasks.background import BackgroundRunner


def test_results_and_errors_arrive_on_the_gui_thread(qtbot):
    runner = BackgroundRunner()
    gui = threading.get_ident()
    seen = []
    runner.run(lambda ctx: threading.get_ident(), lambda r: seen.append(("ok", r, threading.get_ident())), seen.append)
    runner.run(
        lambda ctx: 1 / 0, lambda r: None, lambda e: seen.append(("err", type(e).__name__, threading.get_ident()))
    )
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5_000)
    ok = next(s for s in seen if s[0] == "ok")
    err = next(s for s in seen if s[0] == "err")
    assert ok[1] != gui and ok[2] == gui  # ran on a worker, delivered on the GUI thread
    assert err[1:] == ("ZeroDivisionError", gui)
    assert runner.shutdown()


def test_nothing_is_delivered_after_shutdown(qtbot):
    runner = BackgroundRunner()
    release = threading.Event()
    seen = []
    ctx = runner.run(lambda c: release.wait(5) and "done", seen.append, seen.append)
    release.set()
    assert runner.shutdown()  # waits for the worker; its queued result must be dropped
    assert ctx.cancelled
    qtbot.wait(100)
    assert seen == []
