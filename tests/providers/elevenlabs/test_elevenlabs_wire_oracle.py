"""The app's lenient models (``wire.py``) read what the SDK's own types read, field for field, on
every batch and conversation the simulator serves (the SDK is the oracle of the simulator's
shape: tests/simulator/elevenlabs/test_elevenlabs_sdk.py)."""

from __future__ import annotations

import httpx
from elevenlabs.types import BatchCallDetailedResponse, GetConversationResponseModel

from triage_gui.providers.elevenlabs.wire import BatchCallDetail, Conversation


def test_our_models_agree_with_the_sdks(el_sim):
    el_sim.clock.advance(95)  # some calls dialling, some talking, some over
    compared = 0
    with httpx.Client(base_url=el_sim.base_url, headers={"xi-api-key": el_sim.key}) as http:
        for batch_id in list(el_sim.state.batches):
            raw = http.get(f"/v1/convai/batch-calling/{batch_id}").json()
            sdk, ours = BatchCallDetailedResponse.model_validate(raw), BatchCallDetail.model_validate(raw)
            assert (ours.id, ours.status, ours.agent_id, ours.retry_count) == (
                sdk.id,
                sdk.status,
                sdk.agent_id,
                sdk.retry_count,
            )
            assert ours.created_at_unix == sdk.created_at_unix
            assert [(r.id, r.status, r.conversation_id, r.phone_number) for r in ours.recipients] == [
                (r.id, r.status, r.conversation_id, r.phone_number) for r in sdk.recipients
            ]
            for recipient in sdk.recipients:
                if not recipient.conversation_id:
                    continue
                data = http.get(f"/v1/convai/conversations/{recipient.conversation_id}").json()
                theirs, mine = GetConversationResponseModel.model_validate(data), Conversation.model_validate(data)
                meta, phone = theirs.metadata, theirs.metadata.phone_call
                assert (mine.status, mine.metadata.start_time_unix_secs) == (theirs.status, meta.start_time_unix_secs)
                assert mine.metadata.phone_call is not None and phone is not None
                assert (mine.metadata.phone_call.call_result, mine.metadata.phone_call.type) == (
                    phone.call_result,
                    phone.type,
                )
                assert mine.metadata.batch_call is not None and meta.batch_call is not None
                assert mine.metadata.batch_call.batch_call_recipient_id == meta.batch_call.batch_call_recipient_id
                assert (mine.metadata.error is None) == (meta.error is None)
                compared += 1
    assert compared > 100
