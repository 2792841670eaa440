"""Fixtures for the UI tests: offscreen Qt, no QThread may outlive a test, data builders."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytestqt.exceptions import TimeoutError as QtBotTimeout

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.models import BatchJob
from triage_gui.ui.tasks import thread_registry

BASE_TIME = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_running_qthreads(qtbot):
    """Fail a test that leaves a registered QThread running (pollers must stop on close)."""
    yield
    with contextlib.suppress(QtBotTimeout):
        qtbot.waitUntil(lambda: not thread_registry.running(), timeout=2_000)
    left = thread_registry.running()
    assert left == [], f"QThreads left running: {[t.objectName() for t in left]}"


@pytest.fixture(autouse=True)
def empty_clipboard_after_test(qapp):
    """Qt's offscreen clipboard frees a QMimeData set from Python a second time when the process
    exits (a segmentation fault after the last test: exit 139). The app empties it on quit under
    offscreen (ui/app/startup.py); tests never quit the application, so empty it after each."""
    yield
    qapp.clipboard().clear()


@pytest.fixture(autouse=True)
def thaw_after_test():
    """A load freezes what is alive (ui/tasks/gc_policy.py): give it back to the collector
    after each test, so one test's leftovers do not outlive it."""
    yield
    gc.unfreeze()


def build_job(**counters: Any) -> BatchJob:
    """A running job with the given counters; ``dispatch`` keys go to the dispatch block."""
    dispatch_keys = {"concurrency_limit", "permits_in_use", "waiting_for_permit", "last_dispatch_at"}
    dispatch = {k: counters.pop(k) for k in list(counters) if k in dispatch_keys}
    status = counters.pop("status", "running")
    return BatchJob.model_validate(
        {
            "id": "job_1",
            "workspace_id": "ws_1",
            "campaign_id": "cmp_1",
            "status": status,
            "created_at": BASE_TIME.isoformat(),
            "counters": {"total": 1000, **counters},
            "dispatch": {"concurrency_limit": 10, **dispatch},
        }
    )


@pytest.fixture
def base_time() -> datetime:
    return BASE_TIME


@pytest.fixture
def make_job() -> Callable[..., BatchJob]:
    return build_job


@pytest.fixture
def make_snapshots() -> Callable[[int], list[JobSnapshot]]:
    """``n`` snapshots 5 s apart of a job that makes steady progress."""

    def make(n: int) -> list[JobSnapshot]:
        snapshots = []
        for i in range(n):
            processed = min(i * 3, 1000)
            failed = processed // 10
            snapshots.append(
                JobSnapshot(
                    at=BASE_TIME + timedelta(seconds=5 * i),
                    job=build_job(
                        succeeded=processed - failed,
                        failed=failed,
                        queued=1000 - processed,
                        waiting_for_permit=(i % 40),
                    ),
                )
            )
        return snapshots

    return make


@pytest.fixture
def app_context():
    """The app's context as ``run_gui`` builds it, with default settings given (so no logging
    is set up); ``close()`` after the test stops what a test started with it (the demo)."""
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext

    ctx = AppContext(paths=AppPaths(), settings=AppSettings())
    yield ctx
    ctx.close()


@pytest.fixture
def open_window(qtbot, app_context):
    """Makes main windows on ``app_context`` with the given connection: whole (every step of
    ``build_steps`` run) unless ``build=False``, which leaves just the first part."""
    from triage_gui.ui.app.main_window import MainWindow

    def make(connection, *, build: bool = True, **kwargs: Any):
        app_context.connection = connection
        win = MainWindow(app_context, **kwargs)
        qtbot.addWidget(win)
        if build:
            win.build()
        return win

    return make


@pytest.fixture
def window(open_window, simulator):
    """The app's main window on the simulator (a test module may override ``simulator``)."""
    from triage_gui.providers.connection import Connection

    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    win = open_window(conn, poll_interval_s=0.2)
    win.show()
    yield win
    win.close()
