"""A big plan's cohort is proposed on a worker (650 ms at 1M recipients), never on the GUI
thread: the page says it is preparing the cohort, no launch or export is offered meanwhile, and
an outdated proposal never replaces a newer one."""

from __future__ import annotations

import pytest

from tests.ui.pages.test_retry_page import open_page, retry_page, settle
from triage_gui.domain.retry_cohort import CohortPhase, propose_cohort
from triage_gui.simulator import ManualClock, Simulator
from triage_gui.ui.pages import retry_page as retry_page_module

SCENARIO = "completed"


@pytest.fixture
def simulator():
    sim = Simulator(scenarios=[SCENARIO], clock=ManualClock())
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def info(simulator):
    return simulator.scenario(SCENARIO)


def test_a_big_plan_is_proposed_on_a_worker_and_shown_when_ready(qtbot, window, info, monkeypatch):
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)  # every plan is "big"
    page = open_page(qtbot, window, info)
    expected = propose_cohort(page.plan, info.workspace_id, info.job_id, CohortPhase.SAMPLE)
    assert page.cohort is not None and page.cohort.recipient_ids == expected.recipient_ids
    assert "Sample cohort: 10 recipients" in page.cohort_line.text()

    # hold the next proposal's work, as a slow worker would
    held: list[tuple] = []
    monkeypatch.setattr(page.controller.runner, "run", lambda op, ok, fail, *a, **k: held.append((op, ok, fail)))
    page._reset()
    assert len(held) == 1
    assert "Preparing the cohort" in page.cohort_line.text()
    assert not page.sample_button.isEnabled() and not page.export_button.isEnabled()

    page._reset()  # a newer proposal: the first one's result must not land
    assert len(held) == 2
    old_op, old_ok, _ = held[0]
    old_ok(old_op(None))
    assert "Preparing the cohort" in page.cohort_line.text()  # still waiting for the newer one
    assert not page.sample_button.isEnabled()

    new_op, new_ok, _ = held[1]
    new_ok(new_op(None))
    assert "Sample cohort: 10 recipients" in page.cohort_line.text()
    assert page.cohort.recipient_ids == expected.recipient_ids
    assert page.sample_button.isEnabled() and page.export_button.isEnabled()
    assert page.group_box.count() > 0  # the deselect choices came with it
    monkeypatch.undo()
    settle(qtbot, window, page)


def test_an_edit_made_while_preparing_is_kept(qtbot, window, info, monkeypatch):
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)
    page = open_page(qtbot, window, info)
    first = page.cohort.recipient_ids[0]
    held: list[tuple] = []
    monkeypatch.setattr(page.controller.runner, "run", lambda op, ok, fail, *a, **k: held.append((op, ok, fail)))
    page._reset()
    page._edit(("out", first))  # the agent unchecks a recipient of the table still shown
    op, ok, _ = held[0]
    ok(op(None))
    assert first not in page.cohort.recipient_ids
    monkeypatch.undo()
    settle(qtbot, window, page)


def test_an_equal_plan_from_a_new_analysis_keeps_the_cohort_shown(qtbot, window, info, monkeypatch):
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)
    page = open_page(qtbot, window, info)
    first = page.cohort.recipient_ids[0]
    page._edit(("out", first))
    shown = page.cohort
    held: list[tuple] = []
    monkeypatch.setattr(page.controller.runner, "run", lambda op, ok, fail, *a, **k: held.append((op, ok, fail)))
    page.plan = page.plan.model_copy(deep=True)  # a poll's analysis: another object, the same plan
    report = page.controller.report
    page._propose(report.workspace_id, report.job_id)
    assert len(held) == 1  # compared on the worker, not here
    assert "Sample cohort" in page.cohort_line.text()  # no "Preparing" flash for the same cohort
    op, ok, _ = held[0]
    ok(op(None))
    assert page.cohort is shown  # not proposed again: the agent's edit stays
    assert first not in page.cohort.recipient_ids
    assert page.sample_button.isEnabled()
    monkeypatch.undo()
    settle(qtbot, window, page)


def test_a_failed_proposal_says_so(qtbot, window, info, monkeypatch):
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)
    page = open_page(qtbot, window, info)
    held: list[tuple] = []
    monkeypatch.setattr(page.controller.runner, "run", lambda op, ok, fail, *a, **k: held.append((op, ok, fail)))
    page._reset()
    held[0][2](RuntimeError("boom"))
    assert "Could not prepare the cohort: boom" in page.status.text()
    assert not page._preparing
    monkeypatch.undo()
    settle(qtbot, window, page)


def test_window_has_the_retry_page(window):
    assert retry_page(window) is not None


def test_a_big_proposal_still_running_never_replaces_a_small_one_made_since(qtbot, window, info, monkeypatch):
    """A big plan goes to a worker; before it answers, a new analysis brings a small plan, proposed
    at once: the worker's answer, for the old plan, must be dropped (it used to be shown)."""
    page = open_page(qtbot, window, info)
    held: list[tuple] = []
    monkeypatch.setattr(page.controller.runner, "run", lambda op, ok, fail, *a, **k: held.append((op, ok, fail)))
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)  # this plan is "big"
    page._reset()
    assert len(held) == 1 and "Preparing the cohort" in page.cohort_line.text()
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 10_000)  # the next one is small
    page._reset()
    shown = page.cohort.recipient_ids
    assert page.sample_button.isEnabled()
    old_op, old_ok, _ = held[0]
    # the worker's (old) answer, with a cohort that differs from the one shown
    cohort, choices, fingerprint, rows = old_op(None) or (None, None, None, None)
    if cohort is not None:
        old_ok((cohort.model_copy(update={"recipient_ids": cohort.recipient_ids[:1]}), choices, fingerprint, rows))
    assert page.cohort.recipient_ids == shown  # dropped
    monkeypatch.undo()
    settle(qtbot, window, page)


def test_a_big_plans_table_rows_are_ordered_on_the_worker_too(qtbot, window, info, monkeypatch):
    """The table's order (sample first, by recipient) is ~0.1 s at 1M: made with the cohort, on
    the worker; the GUI thread only puts the rows in."""
    import threading

    from triage_gui.ui.widgets import cohort_model

    made_on: list[bool] = []
    real = cohort_model.cohort_rows

    def recording(cohort, plan):
        made_on.append(threading.current_thread() is threading.main_thread())
        return real(cohort, plan)

    monkeypatch.setattr(retry_page_module, "cohort_rows", recording)
    monkeypatch.setattr(cohort_model, "cohort_rows", recording)
    monkeypatch.setattr(retry_page_module, "INLINE_PROPOSAL_MAX", 0)  # every plan is "big"
    page = open_page(qtbot, window, info)
    qtbot.waitUntil(lambda: page.cohort is not None and bool(made_on), timeout=10_000)
    assert made_on and not any(made_on)  # never on the GUI thread
    shown = [page.model.member(row).recipient_id for row in range(page.model.rowCount())]
    groups = [cohort_model.GROUP_RANK[page.model._group[r]] for r in shown]
    assert groups == sorted(groups) and set(shown) == {m.recipient_id for m in page.cohort.members}
    monkeypatch.undo()
    settle(qtbot, window, page)
