"""The cyclic collector pauses while a case loads and the loaded case is frozen afterwards
(runtime/collector_pacing.py): full collections of a big case otherwise stall the GUI thread."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt

from triage_gui.ui.tasks import gc_policy as collector_pacing


@pytest.fixture(autouse=True)
def thawed():
    """Each test starts and ends with nothing frozen and collection on."""
    gc.unfreeze()
    assert gc.isenabled() and not collector_pacing.paused()
    yield
    gc.unfreeze()
    gc.enable()


def test_pauses_nest_and_each_release_counts_once():
    first = collector_pacing.pause_collection()
    second = collector_pacing.pause_collection()
    assert not gc.isenabled() and collector_pacing.paused()
    first()
    first()  # a second call of the same release does nothing
    assert not gc.isenabled()
    second()
    assert gc.isenabled() and not collector_pacing.paused()


def test_collection_stays_off_after_the_pauses_if_it_was_off_before():
    gc.disable()
    release = collector_pacing.pause_collection()
    release()
    assert not gc.isenabled()


def test_freezing_puts_survivors_out_of_sight_and_unfreezing_brings_them_back():
    survivors = [[i] for i in range(1_000)]
    collector_pacing.freeze_survivors()
    assert gc.get_freeze_count() >= len(survivors)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_a_block_paused_with_freeze_puts_what_it_made_out_of_sight_before_collection_resumes():
    frozen_when_resumed: list[int] = []
    with collector_pacing.paused_collection(freeze=True):
        made = [[i] for i in range(5_000)]
        assert not gc.isenabled()
    frozen_when_resumed.append(gc.get_freeze_count())
    assert gc.isenabled()
    assert frozen_when_resumed[0] >= len(made)  # the young collection that follows walks none of it
    with collector_pacing.paused_collection():  # without: nothing frozen
        gc.unfreeze()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_failing_block_paused_with_freeze_still_resumes_collection():
    with pytest.raises(RuntimeError), collector_pacing.paused_collection(freeze=True):
        raise RuntimeError("the fetch failed")
    assert gc.isenabled() and not collector_pacing.paused()


def _start_load(qtbot, window, simulator, scenario: str) -> None:
    info = simulator.scenario(scenario)
    start = window.wizard.start_page
    start.fill(workspace=info.workspace_id, job=info.job_id)
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)


def test_a_load_pauses_collection_and_freezes_the_case_it_loaded(qtbot, window, simulator):
    _start_load(qtbot, window, simulator, "healthy")
    assert collector_pacing.paused() and not gc.isenabled()  # while the load allocates
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    assert gc.isenabled() and not collector_pacing.paused()
    assert gc.get_freeze_count() > 10_000  # the case and everything before it: out of sight
    data = window.controller.data
    assert not any(o is data for o in gc.get_objects(generation=2))  # frozen: in no generation


def test_a_failed_or_superseded_load_resumes_collection(qtbot, window, simulator):
    _start_load(qtbot, window, simulator, "stalled")
    _start_load(qtbot, window, simulator, "healthy")  # the first is left behind
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not collector_pacing.paused(), timeout=10_000)
    assert gc.isenabled()
    start = window.wizard.start_page
    start.fill(workspace="ws_demo", job="job_does_not_exist")
    failed = []
    window.controller.load_failed.connect(failed.append)
    qtbot.mouseClick(start.load_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(failed), timeout=20_000)
    assert gc.isenabled() and not collector_pacing.paused()


def test_closing_during_a_load_resumes_collection(qtbot, window, simulator):
    _start_load(qtbot, window, simulator, "healthy")
    assert collector_pacing.paused()
    window.close()  # stops the controller: the load's result will never be delivered
    assert gc.isenabled() and not collector_pacing.paused()


def test_a_replaced_case_is_freed_although_it_was_frozen(qtbot, window, simulator):
    """Freezing hides objects from the cycle collector, not from reference counting: the case
    a reload replaces goes away at once (the models hold no reference cycles)."""
    import sys
    import weakref

    _start_load(qtbot, window, simulator, "healthy")
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    first = weakref.ref(window.controller.data)
    first_call = window.controller.data.calls[0]  # a record takes no weak reference: held, and counted
    frozen = gc.get_freeze_count()
    loaded = window.controller.report
    _start_load(qtbot, window, simulator, "healthy")
    qtbot.waitUntil(lambda: window.controller.report is not loaded, timeout=20_000)
    # only this test holds the first case's call now (its name, and getrefcount's argument)
    qtbot.waitUntil(lambda: first() is None and sys.getrefcount(first_call) == 2, timeout=5_000)
    assert gc.get_freeze_count() < frozen * 1.5  # the new case took the old one's place


def test_an_analysis_pause_inside_a_load_pause_does_not_switch_collection_back_on():
    """One counter for every pause: a re-analysis ending while a load runs leaves it paused."""
    from triage_gui.ui.case import controller

    assert controller.paused_collection is collector_pacing.paused_collection  # the same counter
    release_load = collector_pacing.pause_collection()
    with collector_pacing.paused_collection():  # the analysis
        assert not gc.isenabled()
    assert not gc.isenabled() and collector_pacing.paused()
    release_load()
    assert gc.isenabled()
