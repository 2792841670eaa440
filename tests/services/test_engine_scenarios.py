"""Every simulator scenario diagnosed by the real engine over loopback HTTP.

Expectations come from the runbook's decisions (issue #3), and the retry cohort is asserted as
an exact set against the simulator's ground truth: recipients whose latest attempt failed
transiently and are final (not scheduled for a retry by the platform itself).
"""

from __future__ import annotations

import pytest

from triage_gui.domain.analysis import analyse
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.vocabulary import Verdict
from triage_gui.providers.connection import Connection
from triage_gui.services.incident_loading import FetchRequest, fetch_incident

# scenario -> (checks that must fail, escalation level, reason codes that must be listed)
EXPECTED = {
    "healthy": (set(), 1, set()),
    "completed": (set(), 1, set()),
    "stalled": ({"job_health"}, 2, {"stalled"}),
    "permit_starved": ({"job_health", "permits_dispatch"}, 2, {"dispatch_blocked_by_permits", "stalled"}),
    "transient_storm": ({"retry_strategy"}, 3, {"transient_above_threshold"}),
    "retry_loop": ({"permits_dispatch"}, 2, {"retry_policy_violated"}),
    "duplicate_run": ({"duplicates"}, 2, {"duplicate_job_run"}),
    "duplicate_delivery": ({"duplicates"}, 3, {"duplicate_delivery"}),
    "dirty_upload": (set(), 1, {"contact_file_quality"}),
    "fewer_calls": ({"job_health"}, 1, {"short_of_expected"}),
    "config_mismatch": ({"job_health"}, 1, {"config_mismatch"}),
    "retry_stalled": (set(), 3, {"retry_job_stalled"}),
}


@pytest.fixture(scope="module")
def diagnosed():
    from triage_gui.simulator import ManualClock, Simulator

    results = {}
    with Simulator(clock=ManualClock()) as sim, Connection(sim.base_url, sim.token).open_provider() as provider:
        for info in sim.scenarios():
            data = fetch_incident(provider, FetchRequest(info.workspace_id, info.job_id))
            results[info.name] = (info, data, analyse(data, AnalysisSettings()))
    return results


def test_every_scenario_is_covered(diagnosed):
    assert set(diagnosed) == set(EXPECTED)


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_is_diagnosed_by_the_runbook(diagnosed, scenario):
    info, data, report = diagnosed[scenario]
    must_fail, level, reasons = EXPECTED[scenario]
    assert data.missing == {}
    failing = {c.id.value for c in report.checks if c.verdict is Verdict.FAIL}
    assert failing == must_fail
    assert report.escalation.level == level
    assert reasons <= {r.code for r in report.escalation.reasons}
    assert all(r.level <= level for r in report.escalation.reasons)
    assert any(r.level == level for r in report.escalation.reasons) or level == 1
    truth = info.truth
    expected_cohort = set(truth["transient_failed_ids"]) & set(truth["failed_ids"])
    plan = report.retry_plan
    assert set(plan.recipient_ids) == expected_cohort
    assert set(plan.sample_ids) <= set(plan.recipient_ids)
    assert len(plan.sample_ids) == min(10, len(plan.recipient_ids))
    assert plan.sample_ids == sorted(plan.recipient_ids)[: len(plan.sample_ids)]
    assert plan.hold is (scenario == "transient_storm")
    # the counts are the job's own counters
    counters = data.job.counters
    assert (report.counts.succeeded, report.counts.failed) == (counters.succeeded, counters.failed)


def test_dirty_upload_rows_are_reported_with_row_numbers(diagnosed):
    info, data, report = diagnosed["dirty_upload"]
    audit = data.contact_audit
    assert audit is not None
    duplicate_rows = {row for g in audit.duplicate_groups for row in g.rows[1:]}
    assert duplicate_rows == set(info.truth["duplicate_upload_rows"])
    assert {r.row for r in audit.invalid_rows} == set(info.truth["invalid_upload_rows"])
    duplicates = report.check("duplicates")
    assert {f.id for f in duplicates.findings if f.verdict is Verdict.WARN} >= {
        "upload_duplicates",
        "upload_invalid_rows",
    }


def test_config_mismatch_shows_both_values(diagnosed):
    info, _data, report = diagnosed["config_mismatch"]
    finding = next(f for f in report.check("job_health").findings if f.id == "config_mismatch")
    field, (job_value, campaign_value) = next(iter(info.truth["mismatch"].items()))
    assert finding.evidence["field"] == field
    assert {finding.evidence["job"], finding.evidence["campaign"]} == {job_value, campaign_value}
