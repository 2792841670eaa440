"""Issue #13, "Words that match the diagnosis": the customer message and the next action follow
the top escalation reason, and the counts they quote agree with the job's counters.

The incidents are the simulator's scenarios, fetched over loopback as the app does.
"""

from __future__ import annotations

import re

import pytest

from tests.domain.factories import ago, call, counters_for, incident, job
from triage_gui.domain.analysis import analyse
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.outcome import counted_text
from triage_gui.domain.report import Counts, Report
from triage_gui.domain.retry_cohort import CohortPhase, ProblemKind, propose_cohort, validate_cohort

SCENARIOS = ("duplicate_run", "permit_starved", "transient_storm", "stalled", "healthy")
RETRY_PROMISE = "Next, we retry the affected contacts"


@pytest.fixture(scope="module")
def diagnosed():
    from triage_gui.providers.connection import Connection
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident
    from triage_gui.simulator import ManualClock, Simulator

    results = {}
    with (
        Simulator(scenarios=SCENARIOS, clock=ManualClock()) as sim,
        Connection(sim.base_url, sim.token).open_provider() as provider,
    ):
        for info in sim.scenarios():
            data = fetch_incident(provider, FetchRequest(info.workspace_id, info.job_id))
            results[info.name] = (info, data, analyse(data, AnalysisSettings()))
    return results


def numbers_before(text: str, words: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(rf"([\d,]+) {words}", text)]


def assert_counts_agree(report: Report) -> None:
    """Every count the message quotes is the job's counter of that name; none is invented."""
    c, message = report.counts, report.outcome.customer_message
    assert "still in progress" not in message
    found = re.search(r"[\d,]+ contacts: [^.;)]*", message)
    assert found is not None, message
    message = found.group(0)
    assert numbers_before(message, "contacts") == [c.total]
    assert numbers_before(message, "succeeded") == [c.succeeded]
    assert numbers_before(message, "failed") == [c.failed]
    assert numbers_before(message, "in progress") == ([c.in_progress] if c.in_progress else [])
    assert numbers_before(message, "not yet dialed") == ([c.queued] if c.queued else [])
    assert numbers_before(message, "waiting for a retry") == ([c.retry_scheduled] if c.retry_scheduled else [])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_customer_message_quotes_the_job_counters(diagnosed, scenario):
    _info, _data, report = diagnosed[scenario]
    assert_counts_agree(report)


def test_a_stalled_job_with_nothing_in_progress_says_not_yet_dialed(diagnosed):
    _info, _data, report = diagnosed["stalled"]
    c, message = report.counts, report.outcome.customer_message
    assert c.in_progress == 0 and c.queued > 0  # the scenario this is about
    assert f"{c.queued:,} not yet dialed" in message and "in progress" not in message
    assert "stopped placing calls" in message
    assert report.outcome.next_action.startswith("Support-assisted recovery")


def test_a_duplicate_run_is_not_answered_with_a_retry(diagnosed):
    info, _data, report = diagnosed["duplicate_run"]
    assert report.escalation.reasons[0].code == "duplicate_job_run"
    message = report.outcome.customer_message
    assert RETRY_PROMISE not in message and "we retry" not in message
    other = next(j for j in info.truth["duplicate_job_ids"] if j != info.job_id)
    assert "running twice" in message and other in message
    assert report.outcome.next_action.startswith("Stop the duplicate job run")


def test_permit_starvation_names_the_jobs_own_stuck_calls(diagnosed):
    info, _data, report = diagnosed["permit_starved"]
    assert report.escalation.reasons[0].code == "dispatch_blocked_by_permits"
    message, action = report.outcome.customer_message, report.outcome.next_action
    assert RETRY_PROMISE not in message and "we retry" not in message
    assert "not going out" in message and "have not ended" in message
    held = sorted(info.truth["held_attempt_ids"])
    assert "other running jobs" not in action
    assert "this job's own 10 calls" in action and "24-25 min" in action
    named = re.findall(r"att_permit_starved_\d+", action)
    assert named and set(named) <= set(held)
    # the finding says so too, with every stuck call in its table (id, age)
    finding = next(f for f in report.check("permits_dispatch").findings if f.id == "dispatch_blocked_by_permits")
    assert "this job's own 10 calls" in finding.summary and "permit_denied" not in finding.summary
    assert finding.table is not None and sorted(row[0] for row in finding.table.rows) == held
    assert all(row[-1] in ("24 min", "25 min") for row in finding.table.rows)


def test_the_retry_cohort_of_a_permit_starved_job_reports_the_blocked_dispatch(diagnosed):
    info, data, report = diagnosed["permit_starved"]
    cohort = propose_cohort(report.retry_plan, info.workspace_id, info.job_id, CohortPhase.SAMPLE)
    problems = validate_cohort(cohort, report.retry_plan, data)
    blocked = [p for p in problems if p.kind is ProblemKind.DISPATCH_BLOCKED]
    assert len(blocked) == 1 and blocked[0].overridable
    assert "this job's own 10 calls" in blocked[0].message


def test_no_blocked_dispatch_problem_for_a_healthy_job(diagnosed):
    info, data, report = diagnosed["healthy"]
    cohort = propose_cohort(report.retry_plan, info.workspace_id, info.job_id, CohortPhase.SAMPLE)
    assert ProblemKind.DISPATCH_BLOCKED not in {p.kind for p in validate_cohort(cohort, report.retry_plan, data)}


def test_a_transient_storm_is_escalated_and_holds_the_retry(diagnosed):
    _info, _data, report = diagnosed["transient_storm"]
    message = report.outcome.customer_message
    assert report.escalation.reasons[0].code == "transient_above_threshold"
    assert "escalated to our engineering team" in message and "temporary reason" in message
    assert "hold the retry" in message and RETRY_PROMISE not in message
    assert report.outcome.next_action.startswith("Escalate to engineering")


def test_a_healthy_job_says_the_next_step_and_its_finish(diagnosed):
    _info, _data, report = diagnosed["healthy"]
    message = report.outcome.customer_message
    assert message.startswith("Your batch job job_healthy: ") and "Next step: no action needed" in message
    assert "Expected finish:" in message and RETRY_PROMISE not in message


def test_a_finished_job_says_when_it_finished_not_an_expected_finish():
    calls = [call(1), call(2)]
    done = job(status="completed", finished_at=ago(60), counters=counters_for(calls))
    message = analyse(incident(done, calls)).outcome.customer_message
    assert message.startswith("Your batch job job_1: 2 contacts: 2 succeeded, 0 failed.")
    assert "Expected finish" not in message and "Finished: 2026-11-25 11:59 UTC." in message


def test_counters_that_do_not_add_up_are_not_split():
    counts = Counts(total=100, processed=60, succeeded=50, failed=10, queued=5, in_progress=0, retry_scheduled=0)
    assert counted_text(counts) == "100 contacts: 50 succeeded, 10 failed, 40 not finished yet"
    even = Counts(total=100, processed=60, succeeded=50, failed=10, queued=30, in_progress=10)
    assert counted_text(even) == "100 contacts: 50 succeeded, 10 failed, 10 in progress, 30 not yet dialed"
