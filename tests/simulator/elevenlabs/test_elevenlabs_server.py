"""The ElevenLabs simulator over plain HTTP: the key, ElevenLabs' error shapes, the modelled rate
limit, ``last_doc`` and ``cursor`` paging, simulated time moving batches on, and submit."""

from __future__ import annotations

import httpx
import pytest

from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator


def test_the_key_is_checked(el_sim, el_http):
    answer = httpx.get(f"{el_sim.base_url}/v1/convai/batch-calling/btcal_healthy", headers={"xi-api-key": "wrong"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}
    assert el_http.get("/v1/convai/batch-calling/btcal_healthy").status_code == 200
    assert all("xi-api-key" not in {k.lower() for k in r.headers} for r in el_sim.request_log)


def test_unknown_things_are_404_in_elevenlabs_shape(el_http):
    for path in ("/v1/convai/batch-calling/btcal_nope", "/v1/convai/conversations/conv_nope", "/v1/nothing"):
        answer = el_http.get(path)
        assert answer.status_code == 404 and "detail" in answer.json()


def test_the_modelled_rate_limit():
    with ElevenLabsSimulator(scenarios=["healthy"], clock=ManualClock(), max_concurrent=0) as sim:
        answer = httpx.get(f"{sim.base_url}/v1/convai/batch-calling/btcal_healthy", headers={"xi-api-key": sim.key})
        assert answer.status_code == 429
        assert answer.json()["detail"]["status"] == "too_many_concurrent_requests"


def test_busy_answers_429_system_busy_with_retry_after(el_sim, el_http):
    el_sim.busy(2, retry_after=3)
    first, second, third = (el_http.get("/v1/convai/batch-calling/btcal_healthy") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.json()["detail"]["status"] == "system_busy" and first.headers["Retry-After"] == "3"


def test_the_workspace_list_pages_with_last_doc_newest_first(el_http):
    seen: list[dict] = []
    last_doc = None
    while True:
        params = {"limit": 2, "agent_id": "agent_dup"} | ({"last_doc": last_doc} if last_doc else {})
        page = el_http.get("/v1/convai/batch-calling/workspace", params=params).json()
        seen += page["batch_calls"]
        if not page["has_more"]:
            break
        last_doc = page["next_doc"]
    assert [b["id"] for b in seen] == ["btcal_dup_b", "btcal_dup_a", "btcal_dup_other", "btcal_dup_old"]
    assert all("recipients" not in b for b in seen)


def test_the_conversations_list_pages_with_a_cursor_and_filters(el_http):
    rows: list[dict] = []
    cursor = None
    while True:
        params = {"agent_id": "agent_redial", "page_size": 7} | ({"cursor": cursor} if cursor else {})
        page = el_http.get("/v1/convai/conversations", params=params).json()
        rows += page["conversations"]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert len(rows) == 30 + 6 + 5  # two rounds of the batch, and inbound calls
    assert [r["start_time_unix_secs"] for r in rows] == sorted((r["start_time_unix_secs"] for r in rows), reverse=True)
    assert {r["direction"] for r in rows} == {"outbound", "inbound"}
    assert el_http.get("/v1/convai/conversations", params={"page_size": 500}).status_code == 422


def test_simulated_time_moves_a_batch_on(el_sim, el_http):
    before = el_http.get("/v1/convai/batch-calling/btcal_healthy").json()
    assert before["status"] == "in_progress"
    assert {r["status"] for r in before["recipients"]} >= {"pending", "completed"}
    el_sim.clock.advance(3600)
    after = el_http.get("/v1/convai/batch-calling/btcal_healthy").json()
    assert after["status"] == "completed"
    assert after["total_calls_finished"] == after["total_calls_scheduled"] == 60


def test_a_stalled_batch_stays_stalled_while_its_bookkeeping_moves(el_sim, el_http):
    first = el_http.get("/v1/convai/batch-calling/btcal_stalled").json()
    el_sim.clock.advance(600)
    later = el_http.get("/v1/convai/batch-calling/btcal_stalled").json()
    assert later["status"] == "in_progress"
    assert later["total_calls_finished"] == first["total_calls_finished"] == 15
    assert later["last_updated_at_unix"] > first["last_updated_at_unix"]


def test_sip_messages_of_a_sip_trunk_call(el_http):
    batch = el_http.get("/v1/convai/batch-calling/btcal_invalid").json()
    failed = next(r for r in batch["recipients"] if r["status"] == "failed" and r["conversation_id"])
    messages = el_http.get(f"/v1/convai/conversations/{failed['conversation_id']}/sip-messages").json()
    assert messages["sip_messages"][-1]["raw_message"].startswith("SIP/2.0 404 ")


def test_submit_validates_and_makes_a_batch(el_sim, el_http):
    bad = el_http.post("/v1/convai/batch-calling/submit", json={"agent_id": "agent_completed"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "call_name"]
    body = {
        "call_name": "retry",
        "agent_id": "agent_completed",
        "recipients": [{"id": "x1", "phone_number": "+14155550123"}],
    }
    made = el_http.post("/v1/convai/batch-calling/submit", json=body)
    assert made.status_code == 200
    batch = el_http.get(f"/v1/convai/batch-calling/{made.json()['id']}").json()
    assert [r["id"] for r in batch["recipients"]] == ["x1"]
    assert el_sim.submitted == [body]


def test_a_lost_submit_answer_still_makes_the_batch(el_sim, el_http):
    el_sim.lose_next_submit_answer(503)
    body = {"call_name": "lost", "agent_id": "agent_completed", "recipients": [{"phone_number": "+14155550123"}]}
    assert el_http.post("/v1/convai/batch-calling/submit", json=body).status_code == 503
    listed = el_http.get("/v1/convai/batch-calling/workspace", params={"agent_id": "agent_completed"}).json()
    assert "lost" in [b["name"] for b in listed["batch_calls"]]


def test_unknown_scenarios_are_refused():
    with pytest.raises(ValueError, match="nope"):
        ElevenLabsSimulator(scenarios=["nope"])
