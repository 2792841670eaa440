"""The contract's JSON shapes, rendered from the simulator's data as of a simulated time.

Every resource carries one field the contract does not define (``x_region``), so a client
that chokes on unknown fields fails against the simulator too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage_gui.simulator.clock import iso, iso_or_none
from triage_gui.simulator.plan import Attempt, Event, JobPlan
from triage_gui.simulator.population import UploadData
from triage_gui.simulator.scenario_model import CampaignData

UNKNOWN_FIELD = {"x_region": "us-east-1"}


@dataclass(frozen=True)
class WorkspaceData:
    id: str
    name: str
    timezone: str
    concurrency_limit: int


def workspace_json(ws: WorkspaceData) -> dict[str, Any]:
    return {
        "id": ws.id,
        "name": ws.name,
        "timezone": ws.timezone,
        "concurrency_limit": ws.concurrency_limit,
        **UNKNOWN_FIELD,
    }


def campaign_json(campaign: CampaignData) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "agent_id": campaign.agent_id,
        "from_number": campaign.from_number,
        "upload_id": campaign.upload_id,
        "created_at": iso(campaign.created_at),
        **UNKNOWN_FIELD,
    }


def upload_json(upload: UploadData) -> dict[str, Any]:
    return {
        "id": upload.id,
        "filename": upload.filename,
        "row_count": len(upload.rows),
        "columns": list(upload.columns),
        "created_at": iso(upload.created_at),
        **UNKNOWN_FIELD,
    }


def job_json(plan: JobPlan, t: float) -> dict[str, Any]:
    meta = plan.meta
    dispatch = plan.dispatch_at(t)
    last_dispatch = dispatch["last_dispatch_at"]
    finished = plan.finished_at if plan.finished_at is not None and plan.finished_at <= t else None
    return {
        "id": meta.id,
        "workspace_id": meta.workspace_id,
        "campaign_id": meta.campaign_id,
        "upload_id": meta.upload_id,
        "agent_id": meta.agent_id,
        "from_number": meta.from_number,
        "parent_job_id": meta.parent_job_id,
        "trigger": meta.trigger,
        "status": plan.status_at(t),
        "created_at": iso(meta.created_at),
        "started_at": iso(meta.started_at) if meta.started_at <= t else None,
        "updated_at": iso(plan.updated_at(t)),
        "finished_at": iso_or_none(finished),
        "counters": plan.counters_at(t),
        "dispatch": {**dispatch, "last_dispatch_at": iso_or_none(last_dispatch)},
        "retry_policy": {
            "max_attempts": meta.max_attempts,
            "retryable_codes": list(meta.retryable_codes),
        },
        **UNKNOWN_FIELD,
    }


def call_json(plan: JobPlan, attempt: Attempt, t: float) -> dict[str, Any]:
    recipient = plan.recipients[attempt.recipient]
    status = attempt.status_at(t)
    ended = attempt.ended_at <= t
    return {
        "id": attempt.id,
        "recipient_id": recipient.recipient_id,
        "phone_number": recipient.dial_number,
        "attempt": attempt.number,
        "dispatch_key": attempt.dispatch_key,
        "status": status,
        "failure": attempt.failure.to_json() if ended and attempt.failure is not None else None,
        "queued_at": iso(attempt.queued_at),
        "dispatched_at": iso(attempt.dispatched_at) if attempt.dispatched_at <= t else None,
        "ended_at": iso(attempt.ended_at) if ended else None,
        **UNKNOWN_FIELD,
    }


def event_json(plan: JobPlan, event: Event) -> dict[str, Any]:
    recipient = None if event.recipient is None else plan.recipients[event.recipient].recipient_id
    return {
        "seq": event.seq,
        "at": iso(event.at),
        "type": event.type,
        "recipient_id": recipient,
        "detail": event.detail,
        **UNKNOWN_FIELD,
    }


def page_json(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}
