"""A page's items share one ``model_fields_set`` (half of a call's memory), and nothing a
reader sees changes: what was set, dumps with ``exclude_unset``, copies with an update."""

from __future__ import annotations

import json

from triage_gui.domain.models import CallAttempt, JobEvent, Page


def _calls_page() -> bytes:
    items = [
        {
            "id": f"call_{i}",
            "recipient_id": f"rcp_{i}",
            "status": "failed",
            "failure": {"code": "busy", "sip_status": 486},
            "queued_at": "2024-05-01T10:00:00Z",
        }
        for i in range(5)
    ]
    items.append({"id": "call_x", "recipient_id": "rcp_x"})  # fewer fields: a set of its own
    return json.dumps({"items": items, "next_cursor": None}).encode()


def test_items_given_the_same_fields_share_one_set():
    page = Page[CallAttempt].model_validate_json(_calls_page())
    first, *rest, odd = page.items
    assert all(item.model_fields_set is first.model_fields_set for item in rest)
    assert odd.model_fields_set is not first.model_fields_set
    assert odd.model_fields_set == {"id", "recipient_id"}
    failures = [item.failure for item in page.items if item.failure]
    assert all(f.model_fields_set is failures[0].model_fields_set for f in failures)


def test_nothing_a_reader_sees_changes():
    page = Page[CallAttempt].model_validate_json(_calls_page())
    first, second = page.items[:2]
    copied = first.model_copy(update={"attempt": 2})
    assert "attempt" in copied.model_fields_set
    assert "attempt" not in second.model_fields_set  # the shared set was not changed in place
    assert first.model_dump(exclude_unset=True) == {
        "id": "call_0",
        "recipient_id": "rcp_0",
        "status": "failed",
        "failure": {"code": "busy", "sip_status": 486},
        "queued_at": first.queued_at,
    }
    alone = CallAttempt.model_validate_json(json.dumps(json.loads(_calls_page())["items"][0]))
    assert alone == first and alone.model_dump_json() == first.model_dump_json()


def test_events_pages_share_too():
    raw = json.dumps(
        {"items": [{"seq": i, "at": "2024-05-01T10:00:00Z", "type": "call_dispatched"} for i in range(3)]}
    ).encode()
    items = Page[JobEvent].model_validate_json(raw).items
    assert items[0].model_fields_set is items[1].model_fields_set is items[2].model_fields_set
