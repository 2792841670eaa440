"""The ElevenLabs endpoints the app reads (and the one it writes), over the scenarios' state.

Errors are written as ElevenLabs writes them: ``{"detail": {"status": ..., "message": ...}}``,
and ``{"detail": [{"loc", "msg", "type"}]}`` for a request that does not validate (422).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from triage_gui.simulator.elevenlabs.model import (
    Batch,
    Call,
    Inbound,
    Recipient,
    conversation_json,
    sip_messages,
    summary_row,
)
from triage_gui.simulator.elevenlabs.scenarios import Built

ID = r"([A-Za-z0-9_-]{1,64})"
SUBMIT_CALL_DELAY_S = 10.0
SUBMIT_CALL_SPACING_S = 30.0


class ApiFailure(Exception):
    def __init__(self, status: int, detail: object, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = {"detail": detail}
        self.headers = headers or {}


def not_found(what: str) -> ApiFailure:
    return ApiFailure(404, {"status": "not_found", "message": f"{what} not found"})


def invalid(loc: list[str | int], msg: str) -> ApiFailure:
    return ApiFailure(422, [{"loc": loc, "msg": msg, "type": "value_error"}])


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class State:
    """Every batch and conversation the simulator serves; submitted batches are added here."""

    def __init__(self, built: list[Built]) -> None:
        self.lock = threading.Lock()
        self.batches: dict[str, Batch] = {}
        self.calls: dict[str, tuple[Batch, Recipient, Call]] = {}
        self.inbound: dict[str, Inbound] = {}
        self.submitted: list[dict[str, Any]] = []  # the bodies of every submit, in order
        for scenario in built:
            for batch in scenario.batches:
                self.add(batch)
            for call in scenario.inbound:
                self.inbound[call.conversation_id] = call

    def add(self, batch: Batch) -> None:
        self.batches[batch.id] = batch
        for recipient in batch.recipients:
            for call in recipient.calls:
                self.calls[call.conversation_id] = (batch, recipient, call)

    # -- routes ------------------------------------------------------------------------------
    def route(self, method: str, path: str, query: dict[str, list[str]], body: bytes, now: float) -> Reply:
        with self.lock:
            if method == "GET" and path == "/v1/convai/batch-calling/workspace":
                return self.list_batches(query, now)
            if method == "POST" and path == "/v1/convai/batch-calling/submit":
                return self.submit(body, now)
            if method == "GET" and path == "/v1/convai/conversations":
                return self.list_conversations(query, now)
            match = re.fullmatch(r"/v1/convai/batch-calling/" + ID, path)
            if match and method == "GET":
                batch = self.batches.get(match.group(1))
                if batch is None:
                    raise not_found(f"Batch call {match.group(1)}")
                return Reply(200, batch.detail(now))
            match = re.fullmatch(r"/v1/convai/conversations/" + ID + r"(/sip-messages)?", path)
            if match and method == "GET":
                return self.conversation(match.group(1), bool(match.group(2)), now)
        raise ApiFailure(404, "Not Found")

    def list_batches(self, query: dict[str, list[str]], now: float) -> Reply:
        limit = _int(query, "limit", 100, 1, 1000)
        agent = _one(query, "agent_id")
        batches = sorted(
            (b for b in self.batches.values() if b.created <= now and (agent is None or b.agent_id == agent)),
            key=lambda b: (-b.created, b.id),
        )
        last = _one(query, "last_doc")
        if last is not None:
            ids = [b.id for b in batches]
            if last not in ids:
                raise invalid(["query", "last_doc"], "unknown document")
            batches = batches[ids.index(last) + 1 :]
        page, more = batches[:limit], len(batches) > limit
        return Reply(
            200,
            {
                "batch_calls": [b.summary(now) for b in page],
                "next_doc": page[-1].id if more and page else None,
                "has_more": more,
            },
        )

    def conversation(self, conversation_id: str, sip: bool, now: float) -> Reply:
        found = self.calls.get(conversation_id)
        if found is None or found[2].start is None or found[2].start > now:
            inbound = self.inbound.get(conversation_id)
            if inbound is not None and inbound.start <= now and not sip:
                return Reply(200, _inbound_json(inbound))
            raise not_found(f"Conversation {conversation_id}")
        batch, recipient, call = found
        if sip:
            messages = sip_messages(batch, recipient, call, now)
            return Reply(200, {"sip_messages": messages, "next_cursor": None, "has_more": False})
        return Reply(200, conversation_json(batch, recipient, call, now))

    def list_conversations(self, query: dict[str, list[str]], now: float) -> Reply:
        agent = _one(query, "agent_id")
        numbers = set(query.get("phone_number_ids", []))
        after = _int(query, "call_start_after_unix", 0, 0, 10**12)
        size = _int(query, "page_size", 30, 1, 100)
        rows: list[tuple[float, str, dict[str, Any]]] = []
        for cid, (batch, _recipient, call) in self.calls.items():
            if call.start is None or call.start > now or call.start < after:
                continue
            if (agent and batch.agent_id != agent) or (numbers and batch.phone_number_id not in numbers):
                continue
            status = conversation_json(batch, _recipient, call, now)["status"]
            rows.append((call.start, cid, summary_row(batch.agent_id, batch.agent_name, cid, call.start, status)))
        for inbound in self.inbound.values():
            if inbound.start > now or inbound.start < after or (agent and inbound.agent_id != agent):
                continue
            if numbers and inbound.phone_number_id not in numbers:
                continue
            row = summary_row(inbound.agent_id, "", inbound.conversation_id, inbound.start, "done", direction="inbound")
            rows.append((inbound.start, inbound.conversation_id, row))
        rows.sort(key=lambda r: (-r[0], r[1]))
        offset = _cursor(_one(query, "cursor"))
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        cursor = base64.urlsafe_b64encode(json.dumps({"o": offset + size}).encode()).decode() if more else None
        return Reply(200, {"conversations": [r[2] for r in page], "next_cursor": cursor, "has_more": more})

    def submit(self, raw: bytes, now: float) -> Reply:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise invalid(["body"], "not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid(["body"], "an object is required")
        for name in ("call_name", "agent_id", "recipients"):
            if not body.get(name):
                raise invalid(["body", name], "field required")
        if not isinstance(body["recipients"], list):
            raise invalid(["body", "recipients"], "a list is required")
        self.submitted.append(body)
        index = sum(1 for b in self.batches.values() if b.id.startswith("btcal_sub"))
        scheduled = float(body.get("scheduled_time_unix") or now)
        template = next((b for b in self.batches.values() if b.agent_id == body["agent_id"]), None)
        batch = Batch(
            id=f"btcal_sub{index:04d}",
            name=str(body["call_name"]),
            agent_id=str(body["agent_id"]),
            agent_name=template.agent_name if template else "Agent",
            phone_number_id=str(body.get("agent_phone_number_id") or ""),
            created=now,
            scheduled=scheduled,
            phone_provider=template.phone_provider if template else "sip_trunk",
            target_concurrency_limit=body.get("target_concurrency_limit"),
        )
        for i, row in enumerate(body["recipients"]):
            if not isinstance(row, dict) or not (row.get("phone_number") or row.get("whatsapp_user_id")):
                raise invalid(["body", "recipients", i, "phone_number"], "a phone number is required")
            data = row.get("conversation_initiation_client_data") or {}
            recipient = Recipient(
                id=str(row.get("id") or f"{batch.id}_r{i:03d}"),
                phone_number=row.get("phone_number"),
                created=now,
                user_id=data.get("user_id"),
                variables=dict(data.get("dynamic_variables") or {}),
            )
            start = scheduled + SUBMIT_CALL_DELAY_S + i * SUBMIT_CALL_SPACING_S
            recipient.calls.append(Call(f"conv_{batch.id}_{i:03d}", start, duration=60))
            batch.recipients.append(recipient)
        self.add(batch)
        return Reply(200, batch.summary(now))


def _inbound_json(call: Inbound) -> dict[str, Any]:
    return {
        "agent_id": call.agent_id,
        "conversation_id": call.conversation_id,
        "status": "done",
        "has_audio": True,
        "has_user_audio": True,
        "has_response_audio": True,
        "has_auxiliary_audio": False,
        "transcript": [],
        "metadata": {
            "start_time_unix_secs": int(call.start),
            "call_duration_secs": 120,
            "phone_call": {
                "type": "sip_trunking",
                "direction": "inbound",
                "phone_number_id": call.phone_number_id,
                "agent_number": "+14155550100",
                "external_number": call.caller,
                "call_sid": f"CA{call.conversation_id}",
            },
            "batch_call": None,
        },
        "analysis": {"call_successful": "success", "transcript_summary": ""},
    }


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _int(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    raw = _one(query, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(["query", name], "an integer is required") from None
    if not low <= value <= high:
        raise invalid(["query", name], f"must be between {low} and {high}")
    return value


def _cursor(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode()))["o"]
    except (ValueError, KeyError, TypeError):
        raise invalid(["query", "cursor"], "invalid cursor") from None
    if not isinstance(value, int) or value < 0:
        raise invalid(["query", "cursor"], "invalid cursor")
    return value
