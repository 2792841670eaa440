"""The job's progress rebuilt from its calls and events: when each recipient became final, the
grid it is sampled on, the check against the job's counters, and what the chart keeps of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from tests.domain.factories import NOW, ago, call, event, failed, job
from triage_gui.domain.incident import IncidentData, JobSnapshot
from triage_gui.domain.models import BatchJob, CallAttempt, JobEvent
from triage_gui.domain.progress_history import (
    GAP_S,
    MAX_POINTS,
    ProgressHistory,
    describe_sources,
    progress_history,
    rebuilt_points_to_keep,
)


def incident(calls: list[CallAttempt], events: Sequence[JobEvent] = (), **job_fields: Any) -> IncidentData:
    the_job = job(**job_fields)
    return IncidentData(
        job=the_job,
        server_now=NOW,
        calls=calls,
        events=list(events),
        snapshots=[JobSnapshot(at=NOW, job=the_job)],
    )


def at(history: ProgressHistory, key: str, seconds_ago: float) -> int:
    """The rebuilt count at the last grid time not after ``seconds_ago`` before NOW."""
    moment = ago(seconds_ago).timestamp()
    index = max(i for i, t in enumerate(history.times) if t <= moment)
    return history.series(key)[index]


def rebuilt(data: IncidentData) -> ProgressHistory:
    history = progress_history(data)
    assert history is not None
    return history


def test_each_recipient_counts_when_its_final_call_ended() -> None:
    calls = [
        call(1, at=600),  # succeeded, ended 540 s ago
        failed(2, at=300, code="invalid_number"),  # failed for good, ended 240 s ago
        failed(3, at=1200),  # failed, then retried and succeeded (ended 840 s ago)
        call(3, attempt=2, at=900),
    ]
    history = rebuilt(incident(calls, [event("retry_scheduled", at=1140, recipient=3)]))
    assert at(history, "succeeded", 845) == 0
    assert at(history, "succeeded", 835) == 1
    assert at(history, "succeeded", 535) == 2
    # recipient 3's first failure was not final: it is never counted as failed
    assert at(history, "failed", 1100) == 0
    assert at(history, "failed", 245) == 0
    assert at(history, "failed", 235) == 1
    assert history.processed[-1] == 3 and history.succeeded[-1] == 2 and history.failed[-1] == 1
    assert history.calls == 4 and history.undated == 0


def test_a_failure_with_a_retry_due_is_retry_scheduled_not_failed() -> None:
    calls = [
        failed(1, at=600),  # ended 540 s ago, a retry was scheduled then and never dialled
        failed(2, at=1200),  # ended 1140 s ago, retried ...
        failed(2, attempt=2, at=600),  # ... and failed again: final
    ]
    events = [
        event("retry_scheduled", at=1140, recipient=2, seq=1),
        event("retry_scheduled", at=540, recipient=1, seq=2),
    ]
    history = rebuilt(incident(calls, events))
    assert history.failed[-1] == 1
    assert at(history, "failed", 545) == 0 and at(history, "failed", 535) == 1


def test_a_duplicate_delivery_counts_its_recipient_once_when_it_first_ended() -> None:
    first = call(1, at=600)  # ended 540 s ago
    again = call(1, at=590, call_id="dup")  # the same attempt delivered twice, ended 530 s ago
    history = rebuilt(incident([again, first]))
    assert history.succeeded[-1] == 1
    assert at(history, "succeeded", 535) == 1


def test_a_stalled_job_goes_flat_when_its_calls_stopped() -> None:
    # 50 recipients finished one every 30 s from 58 min ago; nothing in the last 30 minutes
    calls = [call(i, at=3480 - 30 * i) for i in range(50)]
    history = rebuilt(incident(calls))
    processed = history.processed
    cut = max(i for i, t in enumerate(history.times) if t <= ago(1800 - 60).timestamp())
    assert len(set(processed[cut:])) == 1 and processed[-1] == 50  # flat for the last half hour
    assert processed[0] == 0 and at(history, "processed", 2700) > 10  # rising before


def test_the_grid_spans_the_job_from_its_start_to_the_load_and_is_bounded() -> None:
    data = incident([call(1, at=600)])
    history = rebuilt(data)
    assert history.times[0] == data.job.started_at.timestamp()  # type: ignore[union-attr]
    assert history.times[-1] == NOW.timestamp()
    assert list(history.times) == sorted(history.times) and len(history.times) <= MAX_POINTS
    small = progress_history(data, max_points=10)
    assert small is not None and len(small.times) == 10 and small.succeeded[-1] == 1


def test_a_call_before_the_jobs_start_moves_the_start_back() -> None:
    history = rebuilt(incident([call(1, at=7200)], started_at=ago(3600)))
    assert history.times[0] <= ago(7140).timestamp()
    assert history.succeeded[-1] == 1


def test_the_counts_are_checked_against_the_jobs_counters_when_it_was_fetched() -> None:
    calls = [call(1, at=600), failed(2, at=600, code="invalid_number")]
    agrees = rebuilt(incident(calls, counters={"total": 2, "succeeded": 1, "failed": 1}))
    assert agrees.differences == () and agrees.caveats == ""
    disagrees = rebuilt(incident(calls, counters={"total": 5, "succeeded": 3, "failed": 1}))
    assert disagrees.differences == ("succeeded 1 rebuilt, 3 reported",)
    assert "differ from the job's counters: succeeded 1 rebuilt, 3 reported" in disagrees.caveats


def test_a_call_that_ended_after_the_job_was_fetched_is_not_a_difference() -> None:
    the_job = job(counters={"total": 2, "succeeded": 1})
    data = IncidentData(
        job=the_job,
        server_now=NOW,
        calls=[call(1, at=600), call(2, at=100)],  # the second ended 40 s ago: after the job's fetch
        snapshots=[JobSnapshot(at=ago(50), job=the_job)],
    )
    history = rebuilt(data)
    assert history.differences == () and history.succeeded[-1] == 2


def test_finished_calls_without_an_end_time_are_left_out_and_said() -> None:
    history = rebuilt(incident([call(1, at=600), call(2, at=600, ended_at=None)]))
    assert history.succeeded[-1] == 1 and history.undated == 1
    assert "1 finished recipient(s) have no end time" in history.caveats


def test_calls_not_finished_count_nowhere() -> None:
    history = rebuilt(incident([call(1, status="in_progress", at=30), call(2, status="queued")]))
    assert history.processed[-1] == 0 and history.undated == 0


def test_no_calls_no_history() -> None:
    assert progress_history(incident([])) is None


def test_a_later_copy_of_the_data_ends_where_the_calls_were_fetched() -> None:
    """The controller re-analyses copies with a newer job and a later clock; the calls are the
    load's, so the rebuilt curves end at the load, not at the newer clock."""
    loaded = incident([call(1, at=600)])
    newer: BatchJob = loaded.job.model_copy(update={"updated_at": NOW + timedelta(hours=1)})
    copy = loaded.model_copy(
        update={
            "job": newer,
            "job_at_calls_fetch": loaded.job,
            "server_now": NOW + timedelta(hours=1),
            "snapshots": [*loaded.snapshots, JobSnapshot(at=NOW + timedelta(hours=1), job=newer)],
        }
    )
    assert rebuilt(copy).times[-1] == NOW.timestamp()


def test_the_chart_keeps_rebuilt_points_before_the_live_ones_and_in_their_gaps() -> None:
    live = [1000.0, 1005.0, 1010.0, 1010.0 + GAP_S + 100, 1010.0 + GAP_S + 105]
    rebuilt_times = [900.0, 999.0, 1003.0, 1050.0, 1010.0 + GAP_S + 102, 5000.0]
    assert rebuilt_points_to_keep(rebuilt_times, live) == [True, True, False, True, False, False]
    assert rebuilt_points_to_keep(rebuilt_times, []) == [True] * len(rebuilt_times)


def test_the_sources_are_said_in_words() -> None:
    history = rebuilt(incident([call(1, at=600)]))
    assert describe_sources(None, live_since="", before_live=False, in_gaps=False) == ""
    assert "the curves start when the case was opened" in describe_sources(
        None, live_since="12:00", before_live=False, in_gaps=False
    )
    before = describe_sources(history, live_since="12:00", before_live=True, in_gaps=False)
    assert before.startswith("Before 12:00 (dashed line), processed, succeeded and failed are rebuilt from the job's 1")
    assert "Waiting for permit: live snapshots only." in before
    gaps = describe_sources(history, live_since="12:00", before_live=True, in_gaps=True)
    assert "Before 12:00 (dashed line) and where the live snapshots have gaps" in gaps
    only_gaps = describe_sources(history, live_since="12:00", before_live=False, in_gaps=True)
    assert only_gaps.startswith("Where the live snapshots have gaps")
    no_live = describe_sources(history, live_since="", before_live=False, in_gaps=False)
    assert no_live.startswith("Processed, succeeded and failed are rebuilt") and "no live snapshot yet" in no_live
