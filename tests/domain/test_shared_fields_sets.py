"""Memory per item: a model page's items share one ``model_fields_set``; the records a job has
by the million (calls, events) are slotted structs the cyclic collector never walks."""

from __future__ import annotations

import gc
import json
import sys
from datetime import UTC, datetime

from triage_gui.domain.models import BatchJob, CallAttempt, CallStatus, Failure, JobEvent, Page


def _jobs_page() -> bytes:
    items = [
        {"id": f"job_{i}", "workspace_id": "ws", "campaign_id": "cmp", "created_at": "2024-05-01T10:00:00Z"}
        for i in range(5)
    ]
    items.append(items[0] | {"id": "job_x", "status": "running"})  # more fields: a set of its own
    return json.dumps({"items": items, "next_cursor": None}).encode()


def test_model_items_given_the_same_fields_share_one_set():
    page = Page[BatchJob].model_validate_json(_jobs_page())
    first, *rest, odd = page.items
    assert all(item.model_fields_set is first.model_fields_set for item in rest)
    assert odd.model_fields_set is not first.model_fields_set
    assert odd.model_fields_set == first.model_fields_set | {"status"}


def test_nothing_a_reader_of_a_model_sees_changes():
    page = Page[BatchJob].model_validate_json(_jobs_page())
    first, second = page.items[:2]
    copied = first.model_copy(update={"parent_job_id": "job_0"})
    assert "parent_job_id" in copied.model_fields_set
    assert "parent_job_id" not in second.model_fields_set  # the shared set was not changed in place
    alone = BatchJob.model_validate_json(json.dumps(json.loads(_jobs_page())["items"][0]))
    assert alone == first and alone.model_dump_json() == first.model_dump_json()


def test_records_hold_no_dict_and_are_never_walked_by_the_collector():
    failure = Failure(code="busy", sip_status=486)
    call = CallAttempt(id="att_1", recipient_id="rcp_1", status=CallStatus.FAILED, failure=failure)
    event = JobEvent(seq=1, at=datetime(2026, 1, 1, tzinfo=UTC))
    for record in (failure, call, event):
        assert not hasattr(record, "__dict__")
        assert not gc.is_tracked(record)
    assert sys.getsizeof(call) < 140  # ten slots and a header, against a model's ~1.2 kB with its dict and set


def test_an_incident_with_records_still_writes_itself_as_json():
    from tests.domain.factories import call, event, incident, job

    data = incident(job(), [call(1), call(2, status="failed")])
    data = data.model_copy(update={"events": [event("dispatched", recipient=1)]})
    written = json.loads(data.model_dump_json())
    assert written["calls"][1]["status"] == "failed" and written["calls"][1]["failure"]["code"] == "provider_timeout"
    assert written["events"][0]["type"] == "dispatched" and written["events"][0]["at"].endswith("Z")
    assert isinstance(data.model_dump()["calls"][0], CallAttempt)  # Python mode: the records themselves
