"""What the demo's picker lists of the ElevenLabs simulator, and its opt-in large scenario (the
stall bench's 10,000 recipients, 3,000 failed, each failure with its conversation)."""

from __future__ import annotations

import httpx
import pytest

from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import SCENARIOS, ElevenLabsSimulator
from triage_gui.simulator.elevenlabs.scenarios import LARGE_SIZE, OPT_IN, build


def test_the_picker_lists_every_default_scenario_with_its_words_and_batch():
    sim = ElevenLabsSimulator(clock=ManualClock())
    entries = sim.scenario_entries()
    assert [e.name for e in entries] == list(SCENARIOS) == sim.scenario_names
    for entry in entries:
        info = sim.scenario(entry.name)
        assert (entry.title, entry.job_id, entry.workspace_id) == (info.title, info.batch_id, "default")
        assert entry.description and entry.job_id.startswith("btcal_")
        assert entry.campaign_id == entry.upload_id == ""  # a batch has neither
    assert "large_failures" not in sim.scenario_names  # opt-in only


def test_an_unknown_scenario_is_refused():
    with pytest.raises(ValueError, match="nope"):
        ElevenLabsSimulator(scenarios=["nope"], clock=ManualClock())


def test_the_large_scenario_is_ten_thousand_recipients_three_thousand_failed():
    built = build("large_failures", 1_700_000_000.0, 7)
    (batch,) = built.batches
    now = 1_700_000_000.0
    assert len(batch.recipients) == LARGE_SIZE == 10_000
    failed = [r for r in batch.recipients if r.status(now) == "failed"]
    assert len(failed) == 3_000 and built.info.truth["failed"] == 3_000
    assert all(r.latest(now) is not None for r in failed)  # each with its conversation
    assert batch.status(now) == "completed"
    assert built.info.truth["recipients"] == 10_000
    assert len({r.phone_number for r in batch.recipients}) == 10_000
    assert "large_failures" in OPT_IN and "large_failures" not in SCENARIOS


def test_the_large_scenario_sized_down_is_served_with_conversations_for_its_failures():
    with ElevenLabsSimulator(scenarios=["large_failures"], sizes={"large_failures": 200}, clock=ManualClock()) as sim:
        info = sim.scenario("large_failures")
        assert info.title == "200 recipients, 60 failed"
        with httpx.Client(base_url=sim.base_url or "", headers={"xi-api-key": sim.key}) as http:
            detail = http.get(f"/v1/convai/batch-calling/{info.batch_id}").json()
            failed = [r for r in detail["recipients"] if r["status"] == "failed"]
            assert len(detail["recipients"]) == 200 and len(failed) == 60
            for recipient in failed[:10]:
                conversation = http.get(f"/v1/convai/conversations/{recipient['conversation_id']}")
                assert conversation.status_code == 200 and conversation.json()["status"] == "failed"


def test_loading_the_large_scenario_stays_within_the_modelled_rate_limit():
    from triage_gui.domain.models import CallStatus
    from triage_gui.providers.connection import Connection
    from triage_gui.services.incident_loading import FetchRequest, fetch_incident

    with ElevenLabsSimulator(scenarios=["large_failures"], sizes={"large_failures": 300}, clock=ManualClock()) as sim:
        connection = Connection(sim.base_url or "", sim.key, provider="elevenlabs")
        with connection.open_provider() as provider:
            data = fetch_incident(provider, FetchRequest("default", sim.scenario("large_failures").batch_id))
        assert data.missing == {}
        assert data.job.counters.total == 300 and data.job.counters.failed == 90
        assert sum(1 for c in data.calls if c.status is CallStatus.FAILED) == 90
        assert {r.status for r in sim.request_log} == {200}
        assert sim.peak_concurrent <= sim.max_concurrent
