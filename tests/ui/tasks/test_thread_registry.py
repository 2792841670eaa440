from __future__ import annotations

import gc

from PySide6.QtCore import QThread

from triage_gui.ui.tasks import thread_registry


def test_registry_sees_a_running_thread_until_it_ends(qtbot):
    thread = QThread()
    thread.setObjectName("test-thread")
    assert thread_registry.register(thread) is thread
    assert thread not in thread_registry.running()  # registered before start: not running yet
    thread.start()
    qtbot.waitUntil(lambda: thread in thread_registry.running(), timeout=2_000)
    thread.quit()
    assert thread.wait(2_000)
    assert thread not in thread_registry.running()


def test_registry_does_not_keep_threads_alive(qtbot):
    thread = QThread()
    thread_registry.register(thread)
    del thread
    gc.collect()
    assert thread_registry.running() == []


LEAKY_TEST = """
import atexit

from PySide6.QtCore import QThread

from triage_gui.ui.tasks import thread_registry

_threads = []


def _stop_at_exit():
    for thread in _threads:
        thread.quit()
        thread.wait(2_000)


atexit.register(_stop_at_exit)


def test_leaves_a_thread_running(qtbot):
    thread = QThread()
    thread.setObjectName("leaky-poller")
    _threads.append(thread)
    thread_registry.register(thread)
    thread.start()
"""


def test_the_autouse_fixture_fails_a_test_that_leaves_a_qthread_running(tmp_path):
    """Run a deliberately leaky test in a child pytest with this folder's conftest."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    shutil.copy(Path(__file__).parents[1] / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nqt_api = pyside6\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "QThreads left running: ['leaky-poller']" in result.stdout
    assert "1 passed, 1 error" in result.stdout
