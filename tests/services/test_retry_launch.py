"""The retry launcher against the real simulator over loopback: one cohort, one job, always."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from triage_gui.domain.dispatch_monitor import MonitorKind
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.retry_cohort import ProblemKind, idempotency_key, propose_cohort, validate_cohort
from triage_gui.domain.retry_planning import plan_retry
from triage_gui.providers.batch_v1.client import BatchApiClient, RetryConfig
from triage_gui.providers.batch_v1.provider import BatchV1Provider
from triage_gui.services.incident_loading import FetchRequest, fetch_incident
from triage_gui.services.retry_launch import UNRESOLVED_MESSAGE, LaunchStatus, RetryLauncher
from triage_gui.simulator import Fault
from triage_gui.store.retry_ledger import IntentState, RetryLedger

NO_WAIT = {"sleep": lambda _s: None}


@pytest.fixture
def info(simulator):
    return simulator.scenario("completed")


@pytest.fixture
def cohort(info) -> list[str]:
    return sorted(info.truth["transient_failed_ids"])[:10]


@pytest.fixture
def ledger(tmp_path) -> RetryLedger:
    return RetryLedger(tmp_path / "case")


def make_client(simulator, **kw) -> BatchV1Provider:
    """The launcher's provider over the real client (named so: the tests speak of the client)."""
    kw.setdefault("timeout", 5.0)
    return BatchV1Provider(BatchApiClient(simulator.base_url, simulator.token, **NO_WAIT, **kw))


def posts(simulator, at_least: int = 0) -> list[str | None]:
    """Idempotency keys of the POSTs the simulator logged (a delayed one is logged when answered)."""
    deadline = time.monotonic() + 10
    while True:
        keys = [
            next((v for k, v in h.items() if k.lower() == "idempotency-key"), None)
            for (m, _p, _s, h) in list(simulator.request_log)
            if m == "POST"
        ]
        if len(keys) >= at_least or time.monotonic() > deadline:
            return keys
        time.sleep(0.02)


def test_launching_twice_creates_one_job(simulator, info, cohort, ledger, tmp_path):
    before = simulator.job_count(info.workspace_id)
    with make_client(simulator) as client:
        launcher = RetryLauncher(client, ledger)
        first = launcher.launch(cohort, info.workspace_id, info.job_id, "sample")
        second = launcher.launch(list(reversed(cohort)), info.workspace_id, info.job_id, "sample")  # a double click
        # another workstation, with its own ledger, while the first retry job is unfinished: the
        # server is the truth across machines, so nothing is recorded or sent
        other = RetryLauncher(client, RetryLedger(tmp_path / "other-case"))
        third = other.launch(cohort, info.workspace_id, info.job_id, "sample")
        assert third.status is LaunchStatus.REFUSED and third.intent is None
        assert ProblemKind.RETRY_IN_PROGRESS in [p.kind for p in third.problems]
        assert first.retry_job_id in third.message
        simulator.clock.advance(6 * 3600)  # the first retry job has long finished
        # now the same cohort from there has the same key: the server answers 200, never a second job
        fourth = other.launch(cohort, info.workspace_id, info.job_id, "sample")
    assert first.status is LaunchStatus.LAUNCHED and first.job.parent_job_id == info.job_id
    assert second.status is LaunchStatus.ALREADY_LAUNCHED and second.retry_job_id == first.retry_job_id
    assert fourth.status is LaunchStatus.ALREADY_LAUNCHED and fourth.retry_job_id == first.retry_job_id
    assert simulator.job_count(info.workspace_id) == before + 1
    key = idempotency_key(info.workspace_id, info.job_id, cohort)
    assert posts(simulator) == [key, key]  # the double click and the refusal sent nothing
    assert ledger.get(key).state is IntentState.LAUNCHED


def test_the_intent_is_on_disk_before_the_request_leaves(simulator, info, cohort, ledger):
    seen: list[dict] = []

    class Spy(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                seen.append(json.loads(ledger.path.read_text(encoding="utf-8"))["entries"][0])
            return super().handle_request(request)

    with BatchV1Provider(BatchApiClient(simulator.base_url, simulator.token, transport=Spy(), **NO_WAIT)) as client:
        outcome = RetryLauncher(client, ledger).launch(cohort, info.workspace_id, info.job_id, "n")
    assert outcome.ok
    assert seen and seen[0]["key"] == outcome.key and seen[0]["state"] == "pending"
    assert seen[0]["recipient_ids"] == cohort and seen[0]["sends"] == 1


def test_a_timed_out_post_is_recovered_with_the_same_key_into_one_job(simulator, info, cohort, ledger):
    before = simulator.job_count(info.workspace_id)
    simulator.faults.add(Fault(kind="delay_after_processing", seconds=1.5, path=r"/retries$", method="POST", times=1))
    with make_client(simulator, timeout=httpx.Timeout(0.5)) as client:
        outcome = RetryLauncher(client, ledger).launch(cohort, info.workspace_id, info.job_id, "n")
    assert outcome.ok and outcome.job is not None
    assert simulator.job_count(info.workspace_id) == before + 1
    assert posts(simulator, at_least=2) == [outcome.key, outcome.key]
    assert ledger.get(outcome.key).retry_job_id == outcome.job.id


def test_when_every_send_times_out_the_job_is_looked_up(simulator, info, cohort, ledger):
    before = simulator.job_count(info.workspace_id)
    simulator.faults.add(
        Fault(kind="delay_after_processing", seconds=1.5, path=r"/retries$", method="POST", times=None)
    )
    # two rounds of the launcher, each the client's two tries: four sends, all timing out
    with make_client(simulator, timeout=httpx.Timeout(0.5), retry=RetryConfig(attempts=2)) as client:
        launcher = RetryLauncher(client, ledger, rounds=2, round_pause_s=0.0)
        outcome = launcher.launch(cohort, info.workspace_id, info.job_id, "n")
    assert outcome.status is LaunchStatus.LAUNCHED
    assert "found retry job" in outcome.message
    assert simulator.job_count(info.workspace_id) == before + 1
    assert posts(simulator, at_least=4) == [outcome.key] * 4
    entry = ledger.get(outcome.key)
    assert entry.state is IntentState.LAUNCHED and entry.retry_job_id == outcome.job.id and entry.sends == 2


def test_unresolved_stays_pending_and_is_resumed_with_its_own_key(simulator, info, cohort, ledger):
    before = simulator.job_count(info.workspace_id)
    simulator.faults.add(Fault(kind="drop", path=r"/retries$", method="POST", times=None))
    with make_client(simulator, retry=RetryConfig(attempts=2)) as client:
        outcome = RetryLauncher(client, ledger, round_pause_s=0.0).launch(
            cohort, info.workspace_id, info.job_id, "first note"
        )
    assert outcome.status is LaunchStatus.UNRESOLVED and UNRESOLVED_MESSAGE in outcome.message
    assert ledger.get(outcome.key).state is IntentState.PENDING
    assert simulator.job_count(info.workspace_id) == before

    simulator.faults.clear()
    with make_client(simulator) as client:  # "the app restarted"
        launcher = RetryLauncher(client, RetryLedger(ledger.case_dir))
        (resumed,) = launcher.resume_pending()
        # launching the same cohort again, with another note, changes nothing
        again = launcher.launch(cohort, info.workspace_id, info.job_id, "another note")
    assert resumed.status is LaunchStatus.LAUNCHED and resumed.key == outcome.key
    assert again.status is LaunchStatus.ALREADY_LAUNCHED and again.retry_job_id == resumed.retry_job_id
    assert simulator.job_count(info.workspace_id) == before + 1
    assert set(posts(simulator)) == {outcome.key}


def test_a_crash_after_the_server_created_the_job_resumes_into_the_same_job(simulator, info, cohort, ledger):
    key = idempotency_key(info.workspace_id, info.job_id, cohort)
    ledger.record_intent(key, workspace=info.workspace_id, job=info.job_id, recipient_ids=cohort, note="n")
    before = simulator.job_count(info.workspace_id)
    with make_client(simulator) as client:
        # what the killed process's request did: it reached the server, the answer was lost
        created = client.client.create_retry(info.workspace_id, info.job_id, cohort, idempotency_key=key, note="n")
        (outcome,) = RetryLauncher(client, RetryLedger(ledger.case_dir)).resume_pending(info.workspace_id, info.job_id)
    assert outcome.status is LaunchStatus.ALREADY_LAUNCHED and outcome.retry_job_id == created.job.id
    assert simulator.job_count(info.workspace_id) == before + 1


def test_another_agent_with_another_note_finds_the_existing_job(simulator, info, cohort, tmp_path):
    before = simulator.job_count(info.workspace_id)
    with make_client(simulator) as client:
        mine = RetryLauncher(client, RetryLedger(tmp_path / "a")).launch(cohort, info.workspace_id, info.job_id, "mine")
        simulator.clock.advance(240)  # finished: no unfinished retry job holds the launch back
        theirs = RetryLauncher(client, RetryLedger(tmp_path / "b")).launch(
            cohort, info.workspace_id, info.job_id, "theirs"
        )
    assert theirs.status is LaunchStatus.ALREADY_LAUNCHED  # the server said 422; the look-up found it
    assert theirs.retry_job_id == mine.retry_job_id
    assert simulator.job_count(info.workspace_id) == before + 1


def test_a_definite_refusal_is_recorded_failed(simulator, info, ledger):
    before = simulator.job_count(info.workspace_id)
    with make_client(simulator) as client:
        outcome = RetryLauncher(client, ledger).launch(["rcp_not_in_job"], info.workspace_id, info.job_id, "n")
    assert outcome.status is LaunchStatus.REFUSED and "422" in outcome.message
    assert ledger.get(outcome.key).state is IntentState.FAILED
    assert simulator.job_count(info.workspace_id) == before


@pytest.mark.parametrize(
    ("behaviour", "minutes", "kind"),
    [
        ("healthy", 15, MonitorKind.HEALTHY),
        ("failing", 15, MonitorKind.FAILING_TRANSIENTLY),
        ("stalled", 30, MonitorKind.STALLED),
    ],
)
def test_monitor_judges_the_retry_jobs_first_dispatches(simulator, info, cohort, ledger, behaviour, minutes, kind):
    simulator.set_retry_behaviour(info.job_id, behaviour)
    with make_client(simulator) as client:
        launcher = RetryLauncher(client, ledger)
        outcome = launcher.launch(cohort, info.workspace_id, info.job_id, "n")
        early = launcher.monitor(outcome.retry_job_id)
        simulator.clock.advance(minutes * 60)
        later = launcher.monitor(outcome.retry_job_id)
    assert early.kind is MonitorKind.WAITING
    assert later.kind is kind, later.summary
    assert ledger.get(outcome.key).monitor["kind"] == kind.value


def test_a_cohort_with_a_permanent_failure_is_refused_without_override(simulator, info, cohort, ledger):
    before = simulator.job_count(info.workspace_id)
    permanent = sorted(info.truth["permanent_failed_ids"])[0]
    with make_client(simulator) as client:
        data = fetch_incident(
            client, FetchRequest(workspace_id=info.workspace_id, job_id=info.job_id, audit_upload=False)
        )
        plan = plan_retry(data, AnalysisSettings())
        chosen = propose_cohort(plan, info.workspace_id, info.job_id).select([permanent])
        problems = validate_cohort(chosen, plan, data)
        assert [p.kind for p in problems] == [ProblemKind.PERMANENT_FAILURE]
        launcher = RetryLauncher(client, ledger)
        refused = launcher.launch(chosen.recipient_ids, info.workspace_id, info.job_id, "n", problems=problems)
        assert refused.status is LaunchStatus.REFUSED and refused.intent is None
        assert refused.problems[0].recipient_ids == [permanent]
        assert ledger.entries() == [] and posts(simulator) == []
        assert (
            launcher.launch(
                chosen.recipient_ids, info.workspace_id, info.job_id, "n", "too short", problems=problems
            ).status
            is LaunchStatus.REFUSED
        )
        reason = "customer re-verified this number today"
        overridden = launcher.launch(
            chosen.recipient_ids, info.workspace_id, info.job_id, "n", reason, problems=problems
        )
    assert overridden.status is LaunchStatus.LAUNCHED
    assert simulator.job_count(info.workspace_id) == before + 1
    entry = ledger.get(overridden.key)
    assert entry.override_reason == reason and entry.overridden == ["permanent_failure"]
