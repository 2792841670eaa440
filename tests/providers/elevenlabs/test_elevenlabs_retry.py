"""A targeted retry on ElevenLabs without an idempotency key: a new batch for the cohort named by
its intent key, looked up by that name before any submit, never submitted twice, and never while
an earlier retry batch of the same batch is pending or in progress."""

from __future__ import annotations

import pytest

from triage_gui.domain.retry_cohort import idempotency_key
from triage_gui.providers.elevenlabs.mapping import parse_retry_name
from triage_gui.providers.errors import RequestRejected, ServerError
from triage_gui.services.retry_launch import LaunchStatus, RetryLauncher
from triage_gui.store.retry_ledger import RetryLedger

PARENT = "btcal_completed"


def submits(sim) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST")


@pytest.fixture
def cohort(el_sim) -> list[str]:
    return el_sim.scenario("completed").truth["cohort"]


def test_a_retry_is_a_new_batch_named_by_its_intent(el_sim, provider, cohort):
    key = idempotency_key("default", PARENT, cohort)
    result = provider.launch_retry("default", PARENT, cohort, key=key)
    assert result.created
    assert parse_retry_name(el_sim.state.batches[result.job.id].name) == (key, PARENT)
    assert result.job.parent_job_id == PARENT and result.job.is_retry
    [body] = el_sim.submitted
    parent = el_sim.state.batches[PARENT]
    assert body["agent_id"] == parent.agent_id and body["agent_phone_number_id"] == parent.phone_number_id
    assert body["telephony_call_config"] == {"ringing_timeout_secs": parent.ringing_timeout_secs}
    assert sorted(r["id"] for r in body["recipients"]) == cohort
    first = body["recipients"][0]
    variables = first["conversation_initiation_client_data"]["dynamic_variables"]
    assert variables["triage_recipient_id"] == first["id"] and variables["triage_intent_key"] == key
    assert variables["customer_name"].startswith("Customer ")  # the original data goes with it
    numbers = {r.id: r.phone_number for r in parent.recipients}
    assert all(r["phone_number"] == numbers[r["id"]] for r in body["recipients"])


def test_the_same_intent_finds_its_batch_and_sends_nothing(el_sim, provider, cohort):
    key = idempotency_key("default", PARENT, cohort)
    made = provider.launch_retry("default", PARENT, cohort, key=key)
    again = provider.launch_retry("default", PARENT, cohort, key=key)
    assert (again.created, again.job.id) == (False, made.job.id)
    assert submits(el_sim) == 1


def test_a_lost_answer_is_never_answered_by_a_second_submit(el_sim, provider, cohort):
    key = idempotency_key("default", PARENT, cohort)
    el_sim.lose_next_submit_answer(503)
    with pytest.raises(ServerError):
        provider.launch_retry("default", PARENT, cohort, key=key)
    assert submits(el_sim) == 1
    found = provider.launch_retry("default", PARENT, cohort, key=key)
    assert not found.created and submits(el_sim) == 1


def test_no_new_retry_while_an_earlier_one_is_unfinished(el_sim, provider, cohort):
    provider.launch_retry("default", PARENT, cohort[:3], key=idempotency_key("default", PARENT, cohort[:3]))
    with pytest.raises(RequestRejected, match="not finished"):
        provider.launch_retry("default", PARENT, cohort[3:], key=idempotency_key("default", PARENT, cohort[3:]))
    assert submits(el_sim) == 1
    el_sim.clock.advance(3600)  # the first retry has dialled everyone
    assert provider.launch_retry("default", PARENT, cohort[3:], key=idempotency_key("default", PARENT, cohort[3:]))
    assert submits(el_sim) == 2


def test_recipients_outside_the_batch_are_refused_before_sending(el_sim, provider):
    with pytest.raises(RequestRejected, match="not in batch"):
        provider.launch_retry("default", PARENT, ["nobody"], key=idempotency_key("default", PARENT, ["nobody"]))
    assert submits(el_sim) == 0


def test_the_retry_batches_and_their_recipients_as_the_parent_knows_them(provider, cohort):
    parent = provider.get_job("default", PARENT)
    made = provider.launch_retry("default", PARENT, cohort, key=idempotency_key("default", PARENT, cohort))
    [child] = provider.retry_jobs("default", parent)
    assert child.id == made.job.id and child.counters.total == len(cohort)
    assert sorted(c.recipient_id for c in provider.iter_calls("default", child.id)) == cohort
    assert provider.retry_jobs("default", parent, created_after=child.created_at.replace(year=2100)) == []


def test_the_launcher_with_its_ledger(el_sim, provider, cohort, tmp_path):
    launcher = RetryLauncher(provider, RetryLedger(tmp_path / "ledger"), round_pause_s=0)
    el_sim.lose_next_submit_answer(503)
    outcome = launcher.launch(cohort, "default", PARENT, "targeted retry")
    assert outcome.ok and outcome.retry_job_id is not None
    assert submits(el_sim) == 1  # the look-up found the batch by its name
    again = launcher.launch(cohort, "default", PARENT, "targeted retry")
    assert again.status is LaunchStatus.ALREADY_LAUNCHED and submits(el_sim) == 1
    other = launcher.launch(cohort[:2], "default", PARENT, "another")
    assert other.status is LaunchStatus.REFUSED  # the first retry batch has not finished
    assert submits(el_sim) == 1


class _FirstSubmitLost:
    """The real provider, but its first submit never reaches the server (the network dropped it)
    and the client only sees an error: the one case a look-up cannot tell from a late batch."""

    def __init__(self, provider) -> None:
        self._provider = provider
        self.dropped = 0

    def launch_retry(self, *args, **kwargs):
        if not self.dropped:
            self.dropped += 1
            raise ServerError("the connection dropped before an answer", status=None)
        return self._provider.launch_retry(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._provider, name)


def test_a_sent_intent_is_only_looked_up_until_it_has_settled(el_sim, provider, cohort, tmp_path):
    """F5, a second run, a case reloaded: an ElevenLabs intent already sent is looked up by name and
    never sent again while a late batch may still appear (a second batch would dial everyone twice);
    once it has settled with no batch, it is sent once more."""
    from datetime import UTC, datetime, timedelta

    from triage_gui.services.retry_launch import UNKEYED_SETTLE

    now = [datetime(2026, 12, 5, 10, 0, tzinfo=UTC)]
    ledger = RetryLedger(tmp_path / "ledger", clock=lambda: now[0])
    flaky = _FirstSubmitLost(provider)
    first = RetryLauncher(flaky, ledger, round_pause_s=0).launch(cohort, "default", PARENT, "targeted retry")
    assert first.status is LaunchStatus.UNRESOLVED and submits(el_sim) == 0

    now[0] += timedelta(minutes=1)  # the agent presses F5
    resumed = RetryLauncher(provider, ledger, round_pause_s=0).resume_pending("default", PARENT)
    assert [o.status for o in resumed] == [LaunchStatus.UNRESOLVED]
    assert submits(el_sim) == 0 and "not sent again before 10:15 UTC" in resumed[0].message

    now[0] += UNKEYED_SETTLE  # settled, and no batch appeared: it was never made
    resumed = RetryLauncher(provider, ledger, round_pause_s=0).resume_pending("default", PARENT)
    assert [o.status for o in resumed] == [LaunchStatus.LAUNCHED] and submits(el_sim) == 1  # sent: created
