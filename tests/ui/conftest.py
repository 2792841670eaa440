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
def thaw_after_test():
    """A load freezes what is alive (runtime/collector_pacing.py): give it back to the collector
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
def window(qtbot, simulator):
    """The app's main window on the simulator (a test module may override ``simulator``)."""
    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.providers.connection import Connection
    from triage_gui.ui.app.main_window import MainWindow

    conn = Connection(base_url=simulator.base_url, token=simulator.token, label="test")
    win = MainWindow(conn, AnalysisSettings(), poll_interval_s=0.2)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
