"""StallDetector: one snapshot (last dispatch age) and a watch window (nothing changes)."""

from __future__ import annotations

import pytest

from tests.domain.factories import NOW, ago, job, snapshot
from triage_gui.domain.stall_detector import StallDetector, duration_text

WORK_LEFT = {
    "total": 100,
    "queued": 40,
    "dispatched": 60,
    "succeeded": 50,
    "failed": 5,
    "in_progress": 5,
}
detector = StallDetector(600)


def running(last_dispatch_s: float | None = 30, **kw: object) -> object:
    return job(
        counters=kw.pop("counters", WORK_LEFT),
        dispatch={"last_dispatch_at": None if last_dispatch_s is None else ago(last_dispatch_s)},
        **kw,
    )


@pytest.mark.parametrize(("idle", "stalled"), [(599, False), (600, True), (601, True), (1800, True)])
def test_single_snapshot_both_sides_of_the_threshold(idle: float, stalled: bool) -> None:
    result = detector.from_snapshot(running(idle), NOW)
    assert result.stalled is stalled
    assert result.can_stall
    assert result.basis == "last_dispatch_at"
    assert result.idle_s == pytest.approx(idle)


def test_judged_on_last_dispatch_not_updated_at() -> None:
    result = detector.from_snapshot(running(1800, updated_at=ago(1)), NOW)
    assert result.stalled is True


def test_never_dispatched_is_judged_on_started_at() -> None:
    assert detector.from_snapshot(running(None, started_at=ago(900)), NOW).stalled is True
    fresh = detector.from_snapshot(running(None, started_at=ago(120)), NOW)
    assert fresh.stalled is False and fresh.basis == "started_at"


def test_no_time_to_judge_by_is_unknown() -> None:
    result = detector.from_snapshot(running(None, started_at=None), NOW)
    assert result.stalled is None and result.can_stall


@pytest.mark.parametrize("status", ["queued", "paused", "completed", "failed", "cancelled"])
def test_only_a_running_job_can_stall(status: str) -> None:
    result = detector.from_snapshot(running(3600, status=status), NOW)
    assert result.stalled is False and not result.can_stall


def test_a_running_job_without_work_left_cannot_stall() -> None:
    done = {"total": 10, "dispatched": 10, "succeeded": 8, "failed": 2}
    assert detector.from_snapshot(running(3600, counters=done), NOW).can_stall is False


def test_the_given_clock_decides_not_the_workstation() -> None:
    # A dispatch 30 min before our clock is 5 min old on a server whose clock is 25 min behind.
    assert detector.from_snapshot(running(1800), ago(1500)).stalled is False


def test_window_needs_two_snapshots() -> None:
    result = detector.from_window([snapshot(running(), 0)])
    assert result.stalled is None and result.counters_moving is None


def test_window_unchanged_for_the_threshold_is_a_stall() -> None:
    frozen = running(1800)
    result = detector.from_window([snapshot(frozen, at) for at in (720, 480, 240, 0)])
    assert result.stalled is True
    assert result.counters_moving is False
    assert result.unchanged_for_s == 720 and result.window_s == 720


def test_window_shorter_than_the_threshold_cannot_tell() -> None:
    frozen = running(1800)
    result = detector.from_window([snapshot(frozen, 300), snapshot(frozen, 0)])
    assert result.stalled is None and result.counters_moving is False


def test_window_with_moving_counters_is_not_a_stall() -> None:
    before = running(400, counters={**WORK_LEFT, "queued": 45, "dispatched": 55})
    after = running(10)
    result = detector.from_window([snapshot(before, 300), snapshot(after, 0)])
    assert result.stalled is False
    assert result.counters_moving is True
    assert result.dispatched_delta == 5


def test_window_stall_counts_from_the_last_change() -> None:
    before = running(1500, counters={**WORK_LEFT, "succeeded": 49, "in_progress": 6})
    frozen = running(1500)
    snaps = [snapshot(before, 900), snapshot(frozen, 500), snapshot(frozen, 0)]
    result = detector.from_window(snaps)
    assert result.counters_moving is True  # reported either way
    assert result.unchanged_for_s == 500 and result.stalled is False
    longer = detector.from_window([snapshot(before, 1300), snapshot(frozen, 700), snapshot(frozen, 0)])
    assert longer.stalled is True and longer.counters_moving is True


def test_updated_at_alone_is_not_movement() -> None:
    snaps = [snapshot(running(1800, updated_at=ago(at + 1)), at) for at in (700, 350, 0)]
    assert detector.from_window(snaps).stalled is True


def test_window_of_a_paused_job_is_no_stall() -> None:
    paused = running(1800, status="paused")
    assert detector.from_window([snapshot(paused, 900), snapshot(paused, 0)]).stalled is False


def test_duration_text() -> None:
    assert duration_text(45) == "45 s"
    assert duration_text(600) == "10 min"
    assert duration_text(7500) == "2 h 5 min"
    assert duration_text(-3) == "0 s"
