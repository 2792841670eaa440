"""Every ElevenLabs scenario diagnosed by the real engine over loopback HTTP, as
tests/services/test_engine_scenarios.py does for the Batch API: the exact verdict of each check,
the escalation level and its reasons, and the retry cohort as an exact set against the
simulator's ground truth (computed by the simulator from its plan, not by the app's rules).

What an ElevenLabs batch is instead is asserted too (issue #15): there is no campaign, which job
health says plainly without an ``unknown``; there is no upload, but the batch carries the list it
was submitted with, which is the expected contacts and is audited for invalid and repeated
numbers (``invalid_numbers`` warns on its two malformed numbers); and there is no platform retry
policy (the retry strategy check warns that transient failures are not retried by the platform).
"""

from __future__ import annotations

import pytest

from triage_gui.domain.analysis import analyse
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.providers.connection import Connection
from triage_gui.services.incident_loading import FetchRequest, fetch_incident
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator

U, P, W, F = "unknown", "pass", "warn", "fail"

# scenario -> (verdict per check in the runbook's order, escalation level, reason codes listed, hold)
EXPECTED = {
    "healthy": ((P, P, P, W), 1, {"no_cause_found"}, False),
    "completed": ((P, P, P, W), 1, {"no_cause_found"}, False),
    "stalled": ((F, U, P, W), 2, {"stalled"}, False),
    "transient_storm": ((P, P, P, F), 3, {"transient_above_threshold"}, True),
    "duplicate_run": ((P, P, F, W), 2, {"duplicate_job_run"}, False),
    "invalid_numbers": ((P, P, W, W), 1, {"permanent_failures_dominate", "contact_file_quality"}, False),
    "duplicate_delivery": ((P, P, F, W), 3, {"duplicate_delivery"}, False),
}


@pytest.fixture(scope="module")
def diagnosed():
    results = {}
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        connection = Connection(sim.base_url or "", sim.key, provider="elevenlabs")
        with connection.open_provider() as provider:
            for info in sim.scenarios():
                data = fetch_incident(provider, FetchRequest("default", info.batch_id))
                results[info.name] = (info, data, analyse(data, AnalysisSettings()))
        results["_requests"] = list(sim.request_log)
    return results


def test_every_scenario_is_covered(diagnosed):
    assert set(diagnosed) - {"_requests"} == set(EXPECTED)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_is_diagnosed_by_the_runbook(diagnosed, scenario):
    info, data, report = diagnosed[scenario]
    verdicts, level, reasons, hold = EXPECTED[scenario]
    assert data.missing == {}
    assert tuple(c.verdict.value for c in report.checks) == verdicts
    assert report.escalation.level == level
    assert {r.code for r in report.escalation.reasons} == reasons
    plan = report.retry_plan
    assert sorted(plan.recipient_ids) == info.truth["cohort"]
    assert plan.sample_ids == sorted(plan.recipient_ids)[: min(10, len(plan.recipient_ids))]
    assert plan.hold is hold
    assert data.job.counters.total == info.truth["recipients"]
    assert (report.counts.succeeded, report.counts.failed) == (data.job.counters.succeeded, data.job.counters.failed)


def test_the_load_is_read_only(diagnosed):
    assert {r.method for r in diagnosed["_requests"]} == {"GET"}
    assert all(r.status == 200 for r in diagnosed["_requests"])


def test_duplicate_run_names_only_the_batch_that_calls_the_same_people(diagnosed):
    info, data, report = diagnosed["duplicate_run"]
    finding = next(f for f in report.check("duplicates").findings if f.id == "duplicate_job_run")
    assert finding.evidence["job_ids"] == info.truth["duplicate_of"]
    # the agent's other batch at the same time calls other numbers; yesterday's is long over
    related = {j.id for j in data.related_jobs}
    assert set(info.truth["not_duplicates"]) & related <= {"btcal_dup_old"}


def test_stall_is_judged_on_recipients_not_on_the_batch_bookkeeping(diagnosed):
    _info, data, report = diagnosed["stalled"]
    # the platform touches last_updated_at every 30 s; the stall is still seen
    assert (data.server_now - data.job.updated_at).total_seconds() < 60
    finding = next(f for f in report.check("job_health").findings if f.id == "stalled")
    assert finding.evidence["idle_s"] > 3600
    assert finding.evidence["work_left"] == 25


def test_recipients_reached_twice_are_found_through_the_earlier_calls(diagnosed):
    info, data, report = diagnosed["duplicate_delivery"]
    finding = next(f for f in report.check("duplicates").findings if f.id == "duplicate_recipient_reached")
    assert finding.evidence["succeeded_more_than_once"] == len(info.truth["reached_twice"])
    assert finding.evidence["sample_ids"] == info.truth["reached_twice"]
    assert data.job.retry_policy.max_attempts == 2
    assert max(c.attempt for c in data.calls) == 2


def test_failures_keep_every_raw_value_as_evidence(diagnosed):
    _info, data, _report = diagnosed["completed"]
    codes = {c.failure.code for c in data.calls if c.failure is not None}
    assert codes == {"busy", "no_answer", "voicemail", "call_failed", "platform_error"}
    sip = next(c for c in data.calls if c.failure is not None and c.failure.code == "call_failed")
    assert sip.failure.sip_status == 486
    assert "call_result=failed" in sip.failure.message and "sip=486" in sip.failure.message
    error = next(c for c in data.calls if c.failure is not None and c.failure.code == "platform_error")
    assert "error.code=1002" in error.failure.message and "Internal error" in error.failure.message


def test_voicemail_and_unknown_errors_are_never_in_the_cohort(diagnosed):
    _info, _data, report = diagnosed["completed"]
    excluded = {c.last_failure_code for c in report.retry_plan.candidates if not c.included}
    assert excluded == {"voicemail", "platform_error"}
    assert all(c.reason == "unknown_failure_class" for c in report.retry_plan.candidates if not c.included)


def test_invalid_numbers_are_permanent_by_their_sip_status(diagnosed):
    _info, _data, report = diagnosed["invalid_numbers"]
    assert report.retry_plan.excluded == {"permanent_failure": 11, "unknown_failure_class": 2}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_no_campaign_and_the_batchs_own_list_as_the_expected_contacts(diagnosed, scenario):
    info, data, report = diagnosed[scenario]
    health = report.check("job_health")
    assert {f.id for f in health.findings} & {"config_unknown", "expected_unknown"} == set()
    config = next(f for f in health.findings if f.id == "config_no_campaign")
    assert config.verdict.value == P and config.evidence["agent_id"] == data.job.agent_id
    expected = next(f for f in health.findings if f.id in ("expected_matches", "short_of_expected"))
    assert expected.evidence["expected"] == info.truth["recipients"] == report.counts.expected
    assert expected.evidence["expected_from"].startswith("the batch's own recipient list")
    assert expected.evidence["declared_by_platform"] == info.truth["recipients"]  # total_calls_scheduled
    audit = data.contact_audit
    assert audit is not None and audit.rows == info.truth["recipients"]
    assert audit.source == f"batch:{info.batch_id} recipients"


def test_the_batchs_malformed_numbers_are_found_at_their_positions(diagnosed):
    _info, data, report = diagnosed["invalid_numbers"]
    finding = next(f for f in report.check("duplicates").findings if f.id == "upload_invalid_rows")
    assert finding.verdict.value == W and finding.evidence["invalid_rows"] == 2
    number_of = {c.recipient_id: c.phone_number for c in data.calls}
    for position, raw, reason in finding.table.rows:
        # the simulator names recipients by their position: invalid_r000 is the first
        assert number_of[f"invalid_r{position - 1:03d}"] == raw and reason == "too short"
