"""Cases on disk: atomic saves with a previous good copy, recovery, and files set aside, never lost."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triage_gui.domain.case import CASE_SCHEMA_VERSION, Case, CaseInputs
from triage_gui.store.case_store import CaseStore, CaseStoreError, SaveDebounce
from triage_gui.store.paths import AppPaths

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> CaseStore:
    return CaseStore(AppPaths.under(tmp_path / "home"), clock=clock)


def _case(title: str = "Renewals", *, job: str = "job_1", minutes: int = 0, closed: bool = False) -> Case:
    at = T0 + timedelta(minutes=minutes)
    return Case(
        created_at=T0, updated_at=at, title=title, inputs=CaseInputs(workspace_id="ws_1", job_id=job), closed=closed
    )


def _files(store: CaseStore) -> list[str]:
    return sorted(p.name for p in store.directory.iterdir())


def test_save_and_load_round_trip_keeping_the_previous_version(store: CaseStore) -> None:
    case = _case("first")
    case.notes["job_health"] = "counters frozen since 09:10"
    path = store.save(case)
    assert path == store.directory / f"{case.case_id}.json"
    assert store.load(case.case_id).case == case
    case.title = "second"
    store.save(case)
    loaded = store.load(case.case_id)
    assert loaded.case.title == "second" and not loaded.from_backup and loaded.message == ""
    prev = json.loads((store.directory / f"{case.case_id}.json.prev").read_text())
    assert prev["title"] == "first" and prev["schema_version"] == CASE_SCHEMA_VERSION
    assert _files(store) == [f"{case.case_id}.json", f"{case.case_id}.json.prev"]  # no temp left behind
    assert (path.stat().st_mode & 0o777) == 0o600


def test_corrupt_latest_save_falls_back_to_the_previous_and_is_set_aside(store: CaseStore) -> None:
    case = _case("good")
    store.save(case)
    case.title = "newer"
    path = store.save(case)
    path.write_text('{"schema_version": 1, "case_id": "trunc', encoding="utf-8")
    [summary] = store.summaries()
    assert summary.openable and summary.title == "good" and "previous version will be opened" in summary.problem
    loaded = store.load(case.case_id)
    assert loaded.from_backup and loaded.case.title == "good"
    assert (
        "damaged" in loaded.message
        and "kept aside as" in loaded.message
        and "previous version was opened" in loaded.message
    )
    bad = [n for n in _files(store) if ".bad-" in n]
    assert bad == [f"{case.case_id}.json.bad-20261125T120000"]
    assert (store.directory / bad[0]).read_text(encoding="utf-8").startswith('{"schema_version": 1')
    # The next save makes a fresh current file and keeps the good previous one.
    loaded.case.title = "after recovery"
    store.save(loaded.case)
    assert store.load(case.case_id).case.title == "after recovery"
    assert json.loads((store.directory / f"{case.case_id}.json.prev").read_text())["title"] == "good"


def test_save_over_a_corrupt_file_never_makes_it_the_fallback(store: CaseStore) -> None:
    case = _case("v1")
    store.save(case)
    case.title = "v2"
    path = store.save(case)
    path.write_bytes(b"\x00\x00garbage")
    case.title = "v3"
    store.save(case)
    assert json.loads((store.directory / f"{case.case_id}.json.prev").read_text())["title"] == "v1"
    assert any(".bad-" in n for n in _files(store))


def test_interrupted_save_with_only_the_previous_copy_loads_it(store: CaseStore) -> None:
    case = _case("kept")
    path = store.save(case)
    os.replace(path, path.with_name(path.name + ".prev"))  # a kill between the two renames
    loaded = store.load(case.case_id)
    assert loaded.from_backup and loaded.case.title == "kept"
    assert "interrupted" in loaded.message
    assert [s.case_id for s in store.unfinished()] == [case.case_id]


def test_a_case_from_a_newer_app_is_refused_clearly_and_kept(store: CaseStore) -> None:
    case = _case("from the future")
    path = store.save(case)
    data = json.loads(path.read_text())
    data["schema_version"] = CASE_SCHEMA_VERSION + 1
    path.write_text(json.dumps(data), encoding="utf-8")
    [summary] = store.summaries()
    assert not summary.openable
    assert "newer version of Outbound Triage" in summary.problem and "Kept aside as" in summary.problem
    assert not path.exists() and any(".bad-" in n for n in _files(store))
    assert store.summaries() == []  # set aside once: no message on every start
    with pytest.raises(CaseStoreError, match="there is no case"):
        store.load(case.case_id)


def test_load_raises_with_the_reason_when_nothing_is_usable(store: CaseStore) -> None:
    case = _case()
    path = store.save(case)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CaseStoreError, match="is not a case.*kept aside"):
        store.load(case.case_id)
    assert any(".bad-" in n for n in _files(store))


def test_list_unfinished_duplicate_delete(store: CaseStore, clock: Clock) -> None:
    old = _case("old", job="job_a", minutes=1)
    new = _case("new", job="job_b", minutes=5)
    done = _case("done", job="job_c", minutes=9, closed=True)
    for case in (old, new, done):
        store.save(case)
    summaries = store.summaries()
    assert [(s.title, s.job, s.closed) for s in summaries] == [
        ("done", "job_c", True),
        ("new", "job_b", False),
        ("old", "job_a", False),
    ]
    assert summaries[0].updated_at == T0 + timedelta(minutes=9)
    assert [s.title for s in store.unfinished()] == ["new", "old"]
    clock.now = T0 + timedelta(hours=1)
    copy = store.duplicate(done.case_id)
    assert copy.case_id != done.case_id and copy.title == "Copy of done" and not copy.closed
    assert copy.inputs == done.inputs and copy.created_at == clock.now
    assert store.load(copy.case_id).case == copy
    assert store.load(done.case_id).case == done  # the original is untouched
    store.save(new)  # a second save: there is a .prev to delete too
    store.delete(new.case_id)
    assert new.case_id not in {s.case_id for s in store.summaries()}
    assert not any(n.startswith(new.case_id) for n in _files(store))


def test_case_ids_cannot_escape_the_cases_directory(store: CaseStore) -> None:
    with pytest.raises(CaseStoreError, match="not a case ID"):
        store.load("../../etc/passwd")
    case = _case()
    case.case_id = "../x"
    with pytest.raises(CaseStoreError):
        store.save(case)


def test_without_hard_links_the_previous_copy_is_still_kept(store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: object) -> None:
        raise OSError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    case = _case("v1")
    store.save(case)
    case.title = "v2"
    store.save(case)
    assert store.load(case.case_id).case.title == "v2"
    assert json.loads((store.directory / f"{case.case_id}.json.prev").read_text())["title"] == "v1"


def test_stale_temp_files_of_an_interrupted_save_are_removed(store: CaseStore, clock: Clock) -> None:
    case = _case()
    store.save(case)
    fresh = store.directory / f".{case.case_id}.json.abc123.tmp"
    stale = store.directory / f".{case.case_id}.json.def456.tmp"
    for tmp in (fresh, stale):
        tmp.write_text("{partial", encoding="utf-8")
    old = (clock.now - timedelta(hours=1)).timestamp()
    os.utime(stale, (old, old))
    os.utime(fresh, (clock.now.timestamp(), clock.now.timestamp()))
    assert [s.case_id for s in store.summaries()] == [case.case_id]
    assert fresh.exists() and not stale.exists()


def test_save_debounce_waits_for_quiet_but_not_forever() -> None:
    debounce = SaveDebounce(quiet_s=2.0, max_wait_s=10.0)
    assert debounce.due_at() is None and not debounce.is_due(100.0)
    debounce.changed(0.0)
    assert debounce.due_at() == 2.0 and not debounce.is_due(1.9) and debounce.is_due(2.0)
    for t in (1.0, 2.5, 4.0, 5.5, 7.0, 8.5):  # a steady stream of changes
        debounce.changed(t)
    assert debounce.due_at() == 10.0  # capped by the first unsaved change
    debounce.saved()
    assert not debounce.pending and debounce.due_at() is None
    debounce.changed(20.0)
    assert debounce.due_at() == 22.0
