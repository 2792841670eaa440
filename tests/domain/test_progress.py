"""Stage derivation, dispatch rate (calls or snapshots) and the ETA with its range."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.domain.factories import NOW, ago, call, incident, job, snapshot
from triage_gui.domain.progress import (
    derive_stage,
    estimate_progress,
    progress_caption,
    rate_from_calls,
    rate_from_snapshots,
)
from triage_gui.domain.report import Progress, Stage


@pytest.mark.parametrize(
    ("status", "counters", "stage"),
    [
        ("queued", {"total": 10, "queued": 10}, Stage.WAITING_TO_START),
        ("paused", {"total": 10, "queued": 5, "dispatched": 5, "succeeded": 5}, Stage.PAUSED),
        ("completed", {"total": 10, "dispatched": 10, "succeeded": 10}, Stage.FINISHED),
        ("failed", {"total": 10, "queued": 10}, Stage.FINISHED),
        ("cancelled", {"total": 10, "queued": 10}, Stage.FINISHED),
        ("running", {"total": 10, "queued": 4, "dispatched": 6, "succeeded": 6}, Stage.DISPATCHING),
        (
            "running",
            {"total": 10, "dispatched": 10, "in_progress": 2, "succeeded": 8},
            Stage.DRAINING,
        ),
        (
            "running",
            {"total": 10, "dispatched": 10, "retry_scheduled": 1, "succeeded": 9},
            Stage.DRAINING,
        ),
        ("something_new", {"total": 10}, Stage.UNKNOWN),
    ],
)
def test_derive_stage(status: str, counters: dict[str, int], stage: Stage) -> None:
    assert derive_stage(job(status=status, counters=counters)) is stage


def test_running_but_nothing_ever_dispatched_is_waiting_to_start() -> None:
    fresh = job(started_at=None, counters={"total": 10, "queued": 10}, dispatch={"last_dispatch_at": None})
    assert derive_stage(fresh) is Stage.WAITING_TO_START


def test_permits_waiting_is_still_dispatching() -> None:
    starved = job(
        counters={"total": 10, "dispatched": 10, "in_progress": 10},
        dispatch={"waiting_for_permit": 3},
    )
    assert derive_stage(starved) is Stage.DISPATCHING


def even_dispatches(count: int, over_s: float) -> list:
    return [call(i, at=over_s * (i + 0.5) / count) for i in range(count)]


def test_rate_from_calls_over_the_trailing_window() -> None:
    calls = even_dispatches(30, 900) + [call(99, at=3000)]  # the old one is outside the window
    rate = rate_from_calls(calls, NOW, ago(3590))
    assert rate is not None and rate.source == "calls"
    assert rate.per_min == pytest.approx(2.0)
    assert rate.dispatches == 30
    assert rate.low_per_min < 2.0 < rate.high_per_min


def test_rate_window_is_cut_at_the_job_start() -> None:
    rate = rate_from_calls(even_dispatches(10, 300), NOW, ago(300))
    assert rate is not None and rate.window_s == 300
    assert rate.per_min == pytest.approx(2.0)


def test_no_rate_without_dispatches_or_with_a_too_short_window() -> None:
    assert rate_from_calls([call(1, status="queued")], NOW) is None
    assert rate_from_calls(even_dispatches(5, 30), NOW, ago(30)) is None


def test_bursty_dispatch_widens_the_range() -> None:
    steady = rate_from_calls(even_dispatches(60, 900), NOW, ago(3000))
    burst = rate_from_calls([call(i, at=10 + i / 10) for i in range(60)], NOW, ago(3000))
    assert steady is not None and burst is not None
    assert steady.per_min == pytest.approx(burst.per_min)
    assert (burst.high_per_min - burst.low_per_min) > (steady.high_per_min - steady.low_per_min)


def test_rate_from_snapshots() -> None:
    snaps = [
        snapshot(job(counters={"total": 500, "dispatched": 100}), 600),
        snapshot(job(counters={"total": 500, "dispatched": 130}), 300),
        snapshot(job(counters={"total": 500, "dispatched": 160}), 0),
    ]
    rate = rate_from_snapshots(snaps)
    assert rate is not None and rate.source == "snapshots"
    assert rate.per_min == pytest.approx(6.0)
    assert rate_from_snapshots(snaps[-1:]) is None


def test_eta_from_rate_and_work_left() -> None:
    running = job(
        counters={
            "total": 100,
            "queued": 50,
            "retry_scheduled": 10,
            "dispatched": 50,
            "succeeded": 40,
        }
    )
    progress = estimate_progress(incident(running, even_dispatches(30, 900)))
    assert progress.stage is Stage.DISPATCHING
    assert progress.dispatch_rate_per_min == pytest.approx(2.0)
    # 60 dials left at 2/min, plus the typical call length (60 s in the factories)
    assert progress.eta == NOW + timedelta(minutes=30, seconds=60)
    assert progress.eta_earliest is not None and progress.eta_latest is not None
    assert progress.eta_earliest < progress.eta < progress.eta_latest
    assert "60 dial(s) left" in progress.eta_note


def test_eta_from_snapshots_when_there_are_no_calls() -> None:
    snaps = [
        snapshot(job(counters={"total": 500, "queued": 400 - d, "dispatched": 100 + d}), at)
        for d, at in ((0, 600), (30, 300), (60, 0))
    ]
    latest = snaps[-1].job
    progress = estimate_progress(incident(latest, [], snapshots=snaps))
    assert progress.dispatch_rate_per_min == pytest.approx(6.0)
    assert progress.eta == NOW + timedelta(minutes=340 / 6)


def test_no_eta_while_nothing_dispatches() -> None:
    stalled = job(
        counters={"total": 100, "queued": 50, "dispatched": 50, "succeeded": 50},
        dispatch={"last_dispatch_at": ago(1800)},
    )
    progress = estimate_progress(incident(stalled, [call(i, at=1800 + i) for i in range(50)]))
    assert progress.eta is None
    assert progress.dispatch_rate_per_min == 0.0
    assert "no dispatch" in progress.eta_note


def test_no_eta_without_a_measurable_rate() -> None:
    progress = estimate_progress(incident(job(counters={"total": 10, "queued": 10}), []))
    assert progress.eta is None and "not enough" in progress.eta_note


def test_finished_job_eta_is_its_finish_time() -> None:
    done = job(
        status="completed",
        finished_at=ago(100),
        counters={"total": 1, "dispatched": 1, "succeeded": 1},
    )
    progress = estimate_progress(incident(done, [call(1)]))
    assert progress.stage is Stage.FINISHED and progress.eta == ago(100)


@pytest.mark.parametrize("status", ["paused", "queued"])
def test_no_eta_while_waiting(status: str) -> None:
    progress = estimate_progress(incident(job(status=status, counters={"total": 10, "queued": 10}), []))
    assert progress.eta is None and "no ETA" in progress.eta_note


def test_draining_eta_is_the_calls_in_flight() -> None:
    draining = job(counters={"total": 10, "dispatched": 10, "in_progress": 2, "succeeded": 8})
    progress = estimate_progress(incident(draining, even_dispatches(10, 600)))
    assert progress.stage is Stage.DRAINING
    assert progress.eta == NOW + timedelta(seconds=60)


def test_progress_caption_says_stage_rate_eta_and_note() -> None:
    progress = Progress(
        stage=Stage.DISPATCHING, dispatch_rate_per_min=1234.5, eta=NOW, eta_note="100 dial(s) left at 1234.5/min"
    )
    caption = progress_caption(progress)
    assert caption == (
        f"Stage: dispatching · dispatch rate 1,234.5/min · ETA {NOW.astimezone():%H:%M} · 100 dial(s) left at 1234.5/min"
    )
    assert progress_caption(Progress(stage=Stage.PAUSED)) == "Stage: paused"
