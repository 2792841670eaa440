"""The ElevenLabs provider behind the seam: connection and regions, the poller's cheap read, the
attempts, the conversation cache, the 429s, what cannot be read, and what cannot be seen."""

from __future__ import annotations

import pytest

from triage_gui.domain.models import CallStatus, JobStatus
from triage_gui.providers.base import Provider
from triage_gui.providers.connection import PROVIDERS, Connection
from triage_gui.providers.elevenlabs.provider import ElevenLabsProvider
from triage_gui.providers.elevenlabs.regions import REGIONS, base_url
from triage_gui.providers.errors import PagingLimitExceeded
from triage_gui.services.incident_loading import FetchRequest, fetch_incident


def conversation_reads(sim, what: str = "") -> int:
    """GETs of one conversation (``what="/sip-messages"``: of its SIP log)."""
    return sum(
        1
        for r in sim.request_log
        if r.path.startswith("/v1/convai/conversations/conv_")
        and r.path.split("?")[0].endswith("/sip-messages") == bool(what)
    )


def test_elevenlabs_is_a_provider_and_says_what_it_cannot_see(provider):
    assert "elevenlabs" in PROVIDERS
    assert isinstance(provider, Provider) and provider.kind == "elevenlabs"
    spots = " ".join(provider.blind_spots).lower()
    for words in ("permits", "concurrency limits", "events", "upload", "sip"):
        assert words in spots


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("default", "https://api.elevenlabs.io"),
        ("US", "https://api.us.elevenlabs.io"),
        ("eu", "https://api.eu.residency.elevenlabs.io"),
        ("India", "https://api.in.residency.elevenlabs.io"),
        ("sg", "https://api.sg.residency.elevenlabs.io"),
        ("https://proxy.example.com/el", "https://proxy.example.com/el"),
    ],
)
def test_the_base_url_by_region_name(name, url):
    assert base_url(name) == url
    client = Connection(name, "sk_test", provider="elevenlabs").make_elevenlabs_client()
    try:
        assert client.base_url == url.rstrip("/")
    finally:
        client.close()
    assert len(REGIONS) == 5


def test_get_job_is_one_request(el_sim, provider):
    job = provider.get_job("default", "btcal_healthy")
    assert job.status is JobStatus.RUNNING and job.counters.total == 60
    assert [r.path for r in el_sim.request_log] == ["/v1/convai/batch-calling/btcal_healthy"]


def test_iter_calls_gives_every_attempt_and_honours_its_bound(provider):
    calls = list(provider.iter_calls("default", "btcal_redial"))
    assert len(calls) == 30 + 6  # each recipient's latest, and the six calls before the retry
    assert {c.recipient_id for c in calls} == {f"redial_r{i:03d}" for i in range(30)}
    with pytest.raises(PagingLimitExceeded):
        list(provider.iter_calls("default", "btcal_redial", max_items=10))
    assert list(provider.iter_events("default", "btcal_redial")) == []


def test_final_conversations_are_read_once(el_sim, provider):
    request = FetchRequest("default", "btcal_completed")
    fetch_incident(provider, request)
    assert conversation_reads(el_sim) == 10  # the failed recipients' (completed ones are not read)
    assert conversation_reads(el_sim, "/sip-messages") == 2  # the SIP-trunk failures without a call result
    fetch_incident(provider, request)
    assert conversation_reads(el_sim) == 10
    assert conversation_reads(el_sim, "/sip-messages") == 2


def test_in_flight_conversations_are_read_again(el_sim, provider):
    fetch_incident(provider, FetchRequest("default", "btcal_healthy"))
    first = conversation_reads(el_sim)
    data = fetch_incident(provider, FetchRequest("default", "btcal_healthy"))
    in_flight = sum(1 for c in data.calls if c.status in (CallStatus.DIALING, CallStatus.IN_PROGRESS))
    assert in_flight > 0
    assert conversation_reads(el_sim) - first >= in_flight


def test_a_busy_platform_is_waited_out(el_sim, provider):
    el_sim.busy(3)
    data = fetch_incident(provider, FetchRequest("default", "btcal_completed"))
    assert data.missing == {}
    assert sum(1 for r in el_sim.request_log if r.status == 429) == 3


def test_a_conversation_that_cannot_be_read_is_said_and_left_unknown(el_sim, provider):
    batch = el_sim.state.batches["btcal_completed"]
    lost = batch.recipients[3].calls[0].conversation_id  # a busy one
    del el_sim.state.calls[lost]
    data = fetch_incident(provider, FetchRequest("default", "btcal_completed"))
    assert "1 of 10 conversations could not be read" in data.missing["conversations"]
    attempt = next(c for c in data.calls if c.id == lost)
    assert attempt.failure is not None and attempt.failure.code == "conversation_unreadable"


def test_an_unknown_recipient_status_from_the_platform_does_not_break_the_load(el_sim, provider):
    el_sim.state.batches["btcal_completed"].recipients[0].calls[0].recipient_status = "beamed_up"
    data = fetch_incident(provider, FetchRequest("default", "btcal_completed"))
    assert data.calls[0].status is CallStatus.UNKNOWN
    assert "beamed_up" in (data.calls[0].failure.message if data.calls[0].failure else "")


def test_conversations_are_read_a_few_at_a_time(el_sim, make_provider):
    with make_provider(el_sim) as provider:
        provider.client.workers = 3
        fetch_incident(provider, FetchRequest("default", "btcal_storm"))
    assert el_sim.peak_concurrent <= 3


def test_the_connection_opens_an_elevenlabs_provider_and_closes_it(el_sim):
    provider = Connection(el_sim.base_url, el_sim.key, provider="elevenlabs").open_provider()
    assert isinstance(provider, ElevenLabsProvider)
    provider.close()


def test_a_list_that_repeats_a_batch_is_a_finding_not_a_second_batch(el_sim, provider, monkeypatch):
    from triage_gui.simulator.elevenlabs import api

    original = api.State.list_batches

    def repeating(self, query, now):
        reply = original(self, query, now)
        reply.body["batch_calls"] = reply.body["batch_calls"] * 2
        return reply

    monkeypatch.setattr(api.State, "list_batches", repeating)
    data = fetch_incident(provider, FetchRequest("default", "btcal_dup_b"))
    assert data.repeated_items == {"related jobs": 4}
    assert len({j.id for j in data.related_jobs}) == len(data.related_jobs)
