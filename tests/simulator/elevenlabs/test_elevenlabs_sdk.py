"""The official SDK (``elevenlabs``, the test extra) is the oracle of the simulator's shape.

1. Every answer the simulator serves, for every scenario, at several moments of simulated time
   (calls dialling, talking, processing, over), parses with the SDK's own response type, and
   carries no field that type does not declare (the SDK accepts unknown fields silently, so that
   is checked here: the simulator must not invent fields the app could come to rely on).
2. The SDK's own client, pointed at the simulator, reads every scenario: each batch, the
   workspace's batches page by page, every conversation and SIP log, the conversations list.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from elevenlabs import ElevenLabs
from elevenlabs.types import (
    BatchCallDetailedResponse,
    BatchCallResponse,
    GetConversationResponseModel,
    GetConversationsPageResponseModel,
    GetSipLogMessagesResponse,
    HttpValidationError,
    WorkspaceBatchCallsResponse,
)
from pydantic import BaseModel

from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator

MOMENTS = (0, 95, 1800, 6 * 3600)  # seconds after the start: mid-call, later, everything over


def undeclared(value: Any, path: str = "") -> list[str]:
    """Paths of fields no SDK model declares (its ``model_extra``), recursively."""
    out: list[str] = []
    if isinstance(value, BaseModel):
        out += [f"{path}.{key}" for key in (value.model_extra or {})]
        for name in type(value).model_fields:
            out += undeclared(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += undeclared(item, f"{path}[{i}]")
    return out


def parsed(model: type[BaseModel], data: Any) -> BaseModel:
    value = model.model_validate(data)
    assert undeclared(value) == [], f"{model.__name__}: fields the SDK does not declare"
    return value


@pytest.fixture(scope="module")
def sim():
    with ElevenLabsSimulator(clock=ManualClock()) as simulator:
        yield simulator


def test_every_answer_parses_with_the_sdk_types(sim):
    elapsed = 0
    with httpx.Client(base_url=sim.base_url, headers={"xi-api-key": sim.key}) as http:
        for moment in MOMENTS:
            sim.clock.advance(moment - elapsed)
            elapsed = moment
            agents: set[str] = set()
            conversations: list[str] = []
            for batch_id in list(sim.state.batches):
                detail = http.get(f"/v1/convai/batch-calling/{batch_id}").json()
                parsed(BatchCallDetailedResponse, detail)
                agents.add(detail["agent_id"])
                conversations += [r["conversation_id"] for r in detail["recipients"] if r["conversation_id"]]
            for agent in sorted(agents):
                page = http.get("/v1/convai/batch-calling/workspace", params={"agent_id": agent, "limit": 1}).json()
                parsed(WorkspaceBatchCallsResponse, page)
                rows = http.get("/v1/convai/conversations", params={"agent_id": agent, "page_size": 100}).json()
                parsed(GetConversationsPageResponseModel, rows)
                conversations += [r["conversation_id"] for r in rows["conversations"]]
            for conversation_id in sorted(set(conversations)):
                parsed(GetConversationResponseModel, http.get(f"/v1/convai/conversations/{conversation_id}").json())
                sip = http.get(f"/v1/convai/conversations/{conversation_id}/sip-messages")
                if sip.status_code == 200:
                    parsed(GetSipLogMessagesResponse, sip.json())
    assert elapsed == MOMENTS[-1]


def test_submit_and_validation_answers_parse_with_the_sdk_types(sim):
    with httpx.Client(base_url=sim.base_url, headers={"xi-api-key": sim.key}) as http:
        body = {"call_name": "x", "agent_id": "agent_completed", "recipients": [{"phone_number": "+14155550123"}]}
        parsed(BatchCallResponse, http.post("/v1/convai/batch-calling/submit", json=body).json())
        refused = http.post("/v1/convai/batch-calling/submit", json={"call_name": "x"})
        assert refused.status_code == 422
        parsed(HttpValidationError, refused.json())


def test_the_sdk_client_reads_every_scenario(sim):
    with httpx.Client(timeout=10.0) as http:
        client = ElevenLabs(api_key=sim.key, base_url=sim.base_url, httpx_client=http)
        batches = client.conversational_ai.batch_calls
        conversations = client.conversational_ai.conversations
        for info in sim.scenarios():
            batch = batches.get(info.batch_id)
            assert batch.id == info.batch_id
            assert len(batch.recipients) == info.truth["recipients"]
            listed, last_doc = [], None
            while True:
                page = batches.list(agent_id=info.agent_id, limit=2, last_doc=last_doc)
                listed += [b.id for b in page.batch_calls]
                if not page.has_more:
                    break
                last_doc = page.next_doc
            assert info.batch_id in listed
            for recipient in batch.recipients:
                if recipient.conversation_id:
                    conversation = conversations.get(recipient.conversation_id)
                    assert conversation.metadata.batch_call.batch_call_recipient_id == recipient.id
                    conversations.get_sip_messages(recipient.conversation_id)
            rows = conversations.list(agent_id=info.agent_id, page_size=100)
            assert rows.conversations


def test_the_sdk_reads_the_simulators_errors_as_api_errors(sim):
    from elevenlabs.core.api_error import ApiError

    with httpx.Client(timeout=10.0) as http:
        client = ElevenLabs(api_key="wrong", base_url=sim.base_url, httpx_client=http)
        with pytest.raises(ApiError) as caught:
            client.conversational_ai.batch_calls.get("btcal_healthy", request_options={"max_retries": 0})
    assert caught.value.status_code == 401
    assert caught.value.body["detail"]["status"] == "invalid_api_key"
