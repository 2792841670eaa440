"""The small, coherent, valid incident the hostile server answers with by default."""

from __future__ import annotations

import copy
from typing import Any

WS, JOB, CAMPAIGN, UPLOAD = "ws_h", "job_h", "cmp_h", "upl_h"
TOKEN = "tok_hostile-test"
WS_PATH = f"/v1/workspaces/{WS}"
JOB_PATH = f"{WS_PATH}/batch-jobs/{JOB}"
CALLS_PATH = f"{JOB_PATH}/calls"
EVENTS_PATH = f"{JOB_PATH}/events"
JOBS_PATH = f"{WS_PATH}/batch-jobs"
CAMPAIGN_PATH = f"{WS_PATH}/campaigns/{CAMPAIGN}"
UPLOAD_PATH = f"{WS_PATH}/uploads/{UPLOAD}"
CONTENT_PATH = f"{UPLOAD_PATH}/content"

JOB_BODY: dict[str, Any] = {
    "id": JOB,
    "workspace_id": WS,
    "campaign_id": CAMPAIGN,
    "upload_id": UPLOAD,
    "agent_id": "agt_h",
    "from_number": "+442071838750",
    "parent_job_id": None,
    "trigger": "manual",
    "status": "completed",
    "created_at": "2026-11-25T10:00:00Z",
    "started_at": "2026-11-25T10:00:05Z",
    "updated_at": "2026-11-25T10:30:00Z",
    "finished_at": "2026-11-25T10:30:00Z",
    "counters": {
        "total": 2,
        "queued": 0,
        "dispatched": 2,
        "in_progress": 0,
        "succeeded": 1,
        "failed": 1,
        "retry_scheduled": 0,
    },
    "dispatch": {
        "concurrency_limit": 5,
        "permits_in_use": 0,
        "waiting_for_permit": 0,
        "last_dispatch_at": "2026-11-25T10:10:00Z",
    },
    "retry_policy": {"max_attempts": 3, "retryable_codes": ["provider_timeout"]},
}


def job_body(**changes: Any) -> dict[str, Any]:
    """The default job with some fields changed (``counters={...}`` replaces the counters)."""
    body = copy.deepcopy(JOB_BODY)
    body.update(changes)
    return body


def call_body(n: int, *, id_: str | None = None) -> dict[str, Any]:
    return {
        "id": id_ or f"att_{n:06d}",
        "recipient_id": f"rcp_{n:06d}",
        "phone_number": f"+4477009{n % 100000:05d}",
        "attempt": 1,
        "dispatch_key": f"{JOB}:rcp_{n:06d}:1",
        "status": "succeeded" if n % 2 else "failed",
        "failure": None if n % 2 else {"code": "busy", "sip_status": 486, "message": "busy", "retryable": False},
        "queued_at": "2026-11-25T10:00:05Z",
        "dispatched_at": "2026-11-25T10:01:00Z",
        "ended_at": "2026-11-25T10:02:00Z",
    }


def event_body(seq: int) -> dict[str, Any]:
    return {"seq": seq, "at": "2026-11-25T10:00:05Z", "type": "job_started", "recipient_id": None, "detail": "ok"}


def default_answers() -> dict[str, tuple[Any, str]]:
    """path -> (body, content type): a coherent, valid incident."""
    workspace = {"id": WS, "name": "Hostile", "timezone": "UTC", "concurrency_limit": 5}
    campaign = {"id": CAMPAIGN, "name": "c", "agent_id": "agt_h", "from_number": "+442071838750"}
    campaign |= {"upload_id": UPLOAD, "created_at": "2026-11-25T09:00:00Z"}
    upload = {"id": UPLOAD, "filename": "u.csv", "row_count": 2, "columns": ["phone_number"]}
    upload["created_at"] = "2026-11-25T09:00:00Z"
    json_type = "application/json"
    return {
        WS_PATH: (workspace, json_type),
        CAMPAIGN_PATH: (campaign, json_type),
        JOB_PATH: (JOB_BODY, json_type),
        CALLS_PATH: ({"items": [call_body(1), call_body(2)], "next_cursor": None}, json_type),
        EVENTS_PATH: ({"items": [event_body(1)], "next_cursor": None}, json_type),
        JOBS_PATH: ({"items": [JOB_BODY], "next_cursor": None}, json_type),
        UPLOAD_PATH: (upload, json_type),
        CONTENT_PATH: ("phone_number\n+447700900001\n+447700900002\n", "text/csv"),
    }
