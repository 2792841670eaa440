"""The case list: reopen, duplicate, delete (asked first); unusable files shown, never deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from triage_gui.domain.case import CASE_SCHEMA_VERSION, Case, CaseInputs
from triage_gui.store.case_store import CaseStore
from triage_gui.store.paths import AppPaths
from triage_gui.ui.dialogs.case_list_dialog import CaseListDialog, case_folder, recovery_dialog

T0 = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def paths(tmp_path) -> AppPaths:
    return AppPaths.under(tmp_path)


@pytest.fixture
def store(paths) -> CaseStore:
    return CaseStore(paths)


def saved_case(
    store: CaseStore, paths: AppPaths, job: str, *, minutes: int = 0, closed: bool = False, shot: bool = False
) -> Case:
    at = T0 + timedelta(minutes=minutes)
    case = Case(
        created_at=at,
        updated_at=at,
        title=f"Stalled {job}",
        inputs=CaseInputs(workspace_id="ws", job_id=job),
        closed=closed,
    )
    if shot:
        folder = case_folder(paths, case.case_id) / "screenshots"
        folder.mkdir(parents=True)
        (folder / "screenshot-1-window.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
        case.screenshots = ["screenshot-1-window.png"]
    store.save(case)
    return case


def rows(dialog: CaseListDialog) -> list[tuple[str, str, str]]:
    tree = dialog.tree
    return [
        (tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(3))
        for i in range(tree.topLevelItemCount())
    ]


def test_lists_newest_first_and_reopens_a_case(qtbot, store, paths):
    older = saved_case(store, paths, "job_a", minutes=0)
    newer = saved_case(store, paths, "job_b", minutes=5, closed=True)
    dialog = CaseListDialog(store, paths)
    qtbot.addWidget(dialog)
    dialog.open()
    assert rows(dialog) == [("Stalled job_b", "job_b", "Finished"), ("Stalled job_a", "job_a", "Unfinished")]
    dialog.select(older.case_id)
    with qtbot.waitSignal(dialog.case_opened) as blocker:
        dialog.open_button.click()
    case, message = blocker.args
    assert case.case_id == older.case_id and case.inputs.job_id == "job_a" and message == ""
    assert not dialog.isVisible()
    assert newer.case_id != older.case_id


def test_duplicate_copies_the_case_and_its_screenshots(qtbot, store, paths):
    original = saved_case(store, paths, "job_a", shot=True)
    dialog = CaseListDialog(store, paths)
    qtbot.addWidget(dialog)
    dialog.select(original.case_id)
    dialog.duplicate_button.click()
    assert dialog.tree.topLevelItemCount() == 2
    copy_id = dialog.selected().case_id
    assert copy_id != original.case_id
    copy = store.load(copy_id).case
    assert copy.title == "Copy of Stalled job_a" and copy.screenshots == original.screenshots
    copied = case_folder(paths, copy_id) / "screenshots" / "screenshot-1-window.png"
    assert copied.read_bytes() == b"\x89PNG\r\n\x1a\nfake"
    assert (case_folder(paths, original.case_id) / "screenshots" / "screenshot-1-window.png").exists()


def test_delete_asks_first_and_removes_the_case_and_its_screenshots(qtbot, store, paths):
    keep = saved_case(store, paths, "job_keep")
    doomed = saved_case(store, paths, "job_gone", minutes=1, shot=True)
    dialog = CaseListDialog(store, paths, current_case_id=keep.case_id)
    qtbot.addWidget(dialog)
    dialog.select(keep.case_id)
    assert not dialog.delete_button.isEnabled()  # the open case cannot be deleted under the agent
    dialog.select(doomed.case_id)
    dialog.delete_button.click()
    assert dialog.confirm is not None and dialog.confirm.isVisible()
    dialog.confirm.button(QMessageBox.StandardButton.No).click()  # changed their mind
    assert {s.case_id for s in store.summaries()} == {keep.case_id, doomed.case_id}
    dialog.select(doomed.case_id)
    dialog.delete_button.click()
    dialog.confirm.button(QMessageBox.StandardButton.Yes).click()
    assert [s.case_id for s in store.summaries()] == [keep.case_id]
    assert not case_folder(paths, doomed.case_id).exists()
    assert rows(dialog) == [("Stalled job_keep", "job_keep", "Unfinished")]


def test_damaged_and_newer_files_are_listed_with_their_message_and_kept(qtbot, store, paths):
    saved_case(store, paths, "job_ok")
    (store.directory / "broken1.json").write_text("{ not json", encoding="utf-8")
    future = {"schema_version": CASE_SCHEMA_VERSION + 1, "case_id": "future1"}
    (store.directory / "future1.json").write_text(json.dumps(future), encoding="utf-8")
    dialog = CaseListDialog(store, paths)
    qtbot.addWidget(dialog)
    states = {row[0]: row[2] for row in rows(dialog)}
    assert states["Case broken1"] == "Cannot be opened" and states["Case future1"] == "Cannot be opened"
    for case_id, words in (("broken1", "damaged"), ("future1", "newer version")):
        dialog.select(case_id)
        assert words in dialog.details.text() and "kept aside" in dialog.details.text().lower()
        assert not dialog.open_button.isEnabled()
        assert not dialog.delete_button.isEnabled() and not dialog.duplicate_button.isEnabled()
        dialog.delete_selected()  # even called directly, nothing happens
        assert dialog.confirm is None
    kept = sorted(p.name.split(".bad-")[0] for p in store.directory.glob("*.bad-*"))
    assert kept == ["broken1.json", "future1.json"]


def test_an_interrupted_save_opens_the_previous_version_and_says_so(qtbot, store, paths):
    case = saved_case(store, paths, "job_a")
    case.notes["job_health"] = "second save"
    store.save(case)
    store.path_of(case.case_id).write_text("{ half writ", encoding="utf-8")
    dialog = CaseListDialog(store, paths)
    qtbot.addWidget(dialog)
    assert rows(dialog)[0][2] == "Recovered"
    with qtbot.waitSignal(dialog.case_opened) as blocker:
        dialog.open_selected()
    opened, message = blocker.args
    assert opened.case_id == case.case_id and "previous version" in message


def test_recovery_offers_only_unfinished_cases(qtbot, store, paths):
    assert recovery_dialog(store, paths) is None  # nothing saved: nothing to offer
    saved_case(store, paths, "job_done", closed=True)
    assert recovery_dialog(store, paths) is None
    unfinished = saved_case(store, paths, "job_open", minutes=3)
    dialog = recovery_dialog(store, paths)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Recover unfinished cases"
    assert rows(dialog) == [("Stalled job_open", "job_open", "Unfinished")]
    assert dialog.selected().case_id == unfinished.case_id


# -- with a runner: the store is read off the GUI thread -------------------------------------
@pytest.fixture
def runner(qtbot):
    from triage_gui.ui.tasks.background import BackgroundRunner

    runner = BackgroundRunner()
    yield runner
    runner.shutdown()


def test_with_a_runner_the_list_is_read_off_the_gui_thread(qtbot, store, paths, runner, monkeypatch):
    import threading

    saved_case(store, paths, "job_a")
    saved_case(store, paths, "job_b", minutes=5)
    readers: list[bool] = []
    real_list = store.summaries

    def recording_list():
        readers.append(threading.current_thread() is threading.main_thread())
        return real_list()

    monkeypatch.setattr(store, "summaries", recording_list)
    dialog = CaseListDialog(store, paths, runner=runner)
    qtbot.addWidget(dialog)
    dialog.open()
    # at first it says it is reading, and nothing can be acted on yet
    assert dialog.reading and dialog.details.text() == "Reading the saved cases…"
    assert not dialog.open_button.isEnabled() and not dialog.delete_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.reading, timeout=5_000)
    assert [r[1] for r in rows(dialog)] == ["job_b", "job_a"]
    assert dialog.open_button.isEnabled()
    assert readers == [False]


def test_only_the_newest_listing_fills_the_list(qtbot, store, paths, runner, monkeypatch):
    """The first listing is held back until the second has filled the list: its older rows
    must then be dropped, not shown."""
    import threading

    saved_case(store, paths, "job_a")
    real_list = store.summaries
    first_may_finish = threading.Event()
    calls = {"n": 0}

    def list_slow_first():
        calls["n"] += 1
        if calls["n"] == 1:
            result = real_list()  # job_a only
            first_may_finish.wait(5)
            return result
        return real_list()

    monkeypatch.setattr(store, "summaries", list_slow_first)
    dialog = CaseListDialog(store, paths, runner=runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: calls["n"] == 1, timeout=5_000)
    newer = saved_case(store, paths, "job_b", minutes=5)
    dialog.reload(select=newer.case_id)
    qtbot.waitUntil(lambda: not dialog.reading, timeout=5_000)
    assert [r[1] for r in rows(dialog)] == ["job_b", "job_a"]
    first_may_finish.set()
    runner.wait()
    qtbot.wait(100)  # the first listing's result has been delivered, and dropped
    assert [r[1] for r in rows(dialog)] == ["job_b", "job_a"]
    assert dialog.selected().case_id == newer.case_id


def test_nothing_can_be_acted_on_while_the_list_is_read(qtbot, store, paths, runner):
    saved_case(store, paths, "job_a")
    dialog = CaseListDialog(store, paths, runner=runner)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.reading, timeout=5_000)
    dialog.reload()
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))  # a click on a stale row
    assert not dialog.open_button.isEnabled() and not dialog.delete_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.reading, timeout=5_000)
    assert dialog.open_button.isEnabled()


def test_the_recovery_offer_uses_a_listing_already_read(qtbot, store, paths, monkeypatch):
    saved_case(store, paths, "job_a")
    summaries = store.summaries()
    monkeypatch.setattr(store, "summaries", lambda: pytest.fail("listed again"))
    dialog = recovery_dialog(store, paths, summaries=summaries)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert [r[1] for r in rows(dialog)] == ["job_a"]
