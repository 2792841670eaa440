"""Autosave: debounced, written off the GUI thread, flushed on close, never loses a case."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from triage_gui.domain.case import Case, CaseInputs
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.providers.connection import Connection
from triage_gui.store.case_store import CaseStore, SaveDebounce
from triage_gui.store.paths import AppPaths
from triage_gui.ui.case.autosave import CaseAutosaver
from triage_gui.ui.case.controller import CaseController


class RecordingStore(CaseStore):
    """The real store, noting which thread wrote each save."""

    def __init__(self, paths: AppPaths) -> None:
        super().__init__(paths)
        self.threads: list[threading.Thread] = []

    def save(self, case: Case):
        self.threads.append(threading.current_thread())
        return super().save(case)


@pytest.fixture
def controller(qtbot):
    # never loads: nothing listens on this port, and no test calls load()
    ctl = CaseController(Connection(base_url="http://127.0.0.1:9", token="t"), AnalysisSettings())
    yield ctl
    ctl.stop()


@pytest.fixture
def store(tmp_path) -> RecordingStore:
    return RecordingStore(AppPaths.under(tmp_path))


def autosaver(controller, store, quiet_s=0.05, max_wait_s=1.0) -> CaseAutosaver:
    saver = CaseAutosaver(controller, store, debounce=SaveDebounce(quiet_s=quiet_s, max_wait_s=max_wait_s))
    saver.start()
    return saver


def test_changes_are_saved_after_a_quiet_moment_off_the_gui_thread(qtbot, controller, store):
    saver = autosaver(controller, store)
    saved: list[str] = []
    saver.saved.connect(saved.append)
    controller.set_symptoms(CaseInputs(workspace_id="ws_1", job_id="job_1"))
    for i in range(20):  # a burst of edits is one save
        controller.set_note("job_health", f"note {i}")
    qtbot.waitUntil(lambda: bool(saved) and not saver.busy, timeout=3_000)
    qtbot.wait(200)  # longer than the quiet time: nothing else is written
    assert saved == [controller.case.case_id]
    assert len(store.threads) == 1 and store.threads[0] is not threading.main_thread()
    loaded = store.load(controller.case.case_id).case
    assert loaded.notes["job_health"] == "note 19" and loaded.inputs.job_id == "job_1"


def test_a_change_while_saving_is_saved_too(qtbot, controller, store):
    saver = autosaver(controller, store)
    controller.set_symptoms(CaseInputs(job_id="job_1"))
    qtbot.waitUntil(lambda: len(store.threads) == 1 and not saver.busy, timeout=3_000)
    controller.case.form_edits = {"values": {"counts": "about 5 failed"}}
    controller.mark_changed()
    qtbot.waitUntil(lambda: len(store.threads) == 2 and not saver.busy, timeout=3_000)
    assert store.load(controller.case.case_id).case.form_edits["values"]["counts"] == "about 5 failed"


def test_flush_writes_at_once_on_the_calling_thread(qtbot, controller, store):
    saver = autosaver(controller, store, quiet_s=60, max_wait_s=120)  # the timer would never fire
    controller.set_symptoms(CaseInputs(job_id="job_9"))
    controller.set_note("duplicates", "checked the upload by hand")
    assert saver.pending
    assert saver.flush()
    assert not saver.pending
    assert store.threads == [threading.main_thread()]
    assert store.load(controller.case.case_id).case.notes["duplicates"] == "checked the upload by hand"
    assert saver.flush()  # nothing pending: no second write
    assert len(store.threads) == 1


def test_a_blank_case_is_not_saved(qtbot, controller, store):
    saver = autosaver(controller, store, quiet_s=60, max_wait_s=120)
    controller.set_symptoms(CaseInputs())  # nothing identifies the case yet
    saver.flush()
    assert store.summaries() == []


def test_a_replaced_case_is_still_saved(qtbot, controller, store):
    saver = autosaver(controller, store, quiet_s=60, max_wait_s=120)
    controller.set_symptoms(CaseInputs(job_id="job_old"))
    first = controller.case
    now = datetime.now(UTC)
    controller.case = Case(created_at=now, updated_at=now)  # e.g. New case before the timer fired
    controller.set_symptoms(CaseInputs(job_id="job_new"))
    saver.flush()
    jobs = sorted(s.job for s in store.summaries())
    assert jobs == ["job_new", "job_old"]
    assert store.load(first.case_id).case.inputs.job_id == "job_old"


def test_a_failed_save_is_reported_and_retried(qtbot, controller, store, tmp_path):
    saver = autosaver(controller, store)
    failures: list[str] = []
    saver.save_failed.connect(failures.append)
    blocker = store.directory  # make the cases folder unwritable by putting a file in the way
    blocker.rmdir()
    blocker.write_text("not a folder")
    controller.set_symptoms(CaseInputs(job_id="job_1"))
    qtbot.waitUntil(lambda: bool(failures), timeout=3_000)
    assert "could not be saved" in failures[0]
    assert saver.pending  # still dirty: it will be written once the disk lets it
    blocker.unlink()
    qtbot.waitUntil(lambda: not saver.pending and not saver.busy and bool(store.summaries()), timeout=5_000)
    assert store.load(controller.case.case_id).case.inputs.job_id == "job_1"


def test_an_older_copy_never_overwrites_a_newer_save(qtbot, tmp_path):
    from datetime import UTC, datetime, timedelta

    from triage_gui.domain.case import Case, CaseInputs
    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.providers.connection import Connection
    from triage_gui.store.case_store import CaseStore
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.case.autosave import CaseAutosaver
    from triage_gui.ui.case.controller import CaseController

    controller = CaseController(Connection("http://127.0.0.1:9", "t"), AnalysisSettings())
    store = CaseStore(AppPaths.under(tmp_path))
    saver = CaseAutosaver(controller, store)
    now = datetime.now(UTC)
    newer = Case(
        created_at=now,
        updated_at=now,
        inputs=CaseInputs(workspace_id="ws", job_id="job_1"),
        notes={"job_health": "newer"},
    )
    older = newer.model_copy(update={"updated_at": now - timedelta(seconds=5), "notes": {"job_health": "older"}})
    saver._write([newer])
    saver._write([older])  # a background save that was queued before, running late
    assert store.load(newer.case_id).case.notes == {"job_health": "newer"}
    controller.stop()
