"""The contract's endpoints: from a parsed request to a reply (no sockets here).

:mod:`.handler` does the HTTP (auth, ids, faults, writing); each endpoint gets the request's
path ids, query, body and headers, and returns a :class:`Reply` or raises :class:`Problem`
(answered as ``application/problem+json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from triage_gui.simulator import resources as res
from triage_gui.simulator.clock import parse_iso
from triage_gui.simulator.page_text import calls_page_bytes, events_page_bytes
from triage_gui.simulator.paging import (
    PagingError,
    decode_cursor,
    encode_cursor,
    fingerprint,
    parse_limit,
)
from triage_gui.simulator.plan import JobPlan
from triage_gui.simulator.state import WORKSPACES, RetryRejected, SimulatorState

CALL_STATUSES = ("queued", "dialing", "in_progress", "succeeded", "failed")
PROBLEM_BASE = "https://batch-api.example.com/problems/"


class Headers(Protocol):
    """A request's headers: ``http.client.HTTPMessage`` (case-insensitive), or a dict in tests."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class ApiRequest:
    """What an endpoint may look at: the served state, the simulated now, the headers."""

    state: SimulatorState
    now: float
    headers: Headers


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}


@dataclass
class Reply:
    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, data: Any) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def problem_reply(p: Problem) -> Reply:
    slug = re.sub(r"[^a-z0-9]+", "-", p.title.lower()).strip("-")
    body = {"type": PROBLEM_BASE + slug, "title": p.title, "status": p.status, "detail": p.detail}
    return Reply(p.status, json.dumps(body).encode(), "application/problem+json", dict(p.headers))


Route = Callable[["ApiRequest", list[str], dict[str, str], bytes], Reply]


def _job_or_404(handler: ApiRequest, ws: str, job_id: str) -> JobPlan:
    job = handler.state.job(ws, job_id)
    if job is None:
        raise Problem(404, "Not found", f"batch job {job_id} not found in {ws}")
    return job


def _paging(query: dict[str, str]) -> int:
    try:
        return parse_limit(query.get("limit"))
    except PagingError as error:
        raise Problem(400, "Invalid paging", str(error)) from None


def _position(query: dict[str, str], fp: str) -> Any:
    try:
        return decode_cursor(query.get("cursor"), fp)
    except PagingError as error:
        raise Problem(400, "Invalid cursor", str(error)) from None


def get_workspace(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    return json_reply(200, res.workspace_json(WORKSPACES[ids[0]]))


def get_campaign(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    campaign = h.state.campaign(ids[0], ids[1])
    if campaign is None:
        raise Problem(404, "Not found", f"campaign {ids[1]} not found in {ids[0]}")
    return json_reply(200, res.campaign_json(campaign))


def get_upload(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    upload = h.state.upload(ids[0], ids[1])
    if upload is None:
        raise Problem(404, "Not found", f"upload {ids[1]} not found in {ids[0]}")
    return json_reply(200, res.upload_json(upload))


def get_upload_content(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    upload = h.state.upload(ids[0], ids[1])
    if upload is None:
        raise Problem(404, "Not found", f"upload {ids[1]} not found in {ids[0]}")
    return Reply(
        200,
        upload.csv_chunks(),
        "text/csv; charset=utf-8",
        {"Content-Disposition": f'attachment; filename="{upload.filename}"'},
    )


def get_job(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    return json_reply(200, res.job_json(_job_or_404(h, ids[0], ids[1]), h.now))


def list_jobs(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    limit = _paging(q)
    filters = {k: q.get(k) or None for k in ("campaign_id", "upload_id", "created_after")}
    position = _position(q, fingerprint(f"jobs:{ids[0]}", filters))
    created_after = None
    if filters["created_after"]:
        try:
            created_after = parse_iso(filters["created_after"])
        except ValueError as error:
            raise Problem(400, "Invalid filter", f"created_after: {error}") from None
    now = h.now
    jobs = [
        j
        for j in h.state.jobs(ids[0], filters["campaign_id"], filters["upload_id"])
        if j.meta.created_at <= now
        and (filters["campaign_id"] is None or j.meta.campaign_id == filters["campaign_id"])
        and (filters["upload_id"] is None or j.meta.upload_id == filters["upload_id"])
        and (created_after is None or j.meta.created_at >= created_after)
    ]
    jobs.sort(key=lambda j: (j.meta.created_at, j.meta.id), reverse=True)  # newest first
    if position is not None:
        try:
            after = (float(position[0]), str(position[1]))
        except (TypeError, ValueError, IndexError):
            raise Problem(400, "Invalid cursor", "cursor is not one this server issued") from None
        jobs = [j for j in jobs if (j.meta.created_at, j.meta.id) < after]
    page = jobs[:limit]
    more = len(jobs) > limit
    cursor = (
        encode_cursor([page[-1].meta.created_at, page[-1].meta.id], fingerprint(f"jobs:{ids[0]}", filters))
        if more
        else None
    )
    return json_reply(200, res.page_json([res.job_json(j, now) for j in page], cursor))


def list_calls(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    job = _job_or_404(h, ids[0], ids[1])
    limit = _paging(q)
    status = q.get("status") or None
    if status is not None and status not in CALL_STATUSES:
        raise Problem(400, "Invalid filter", f"status must be one of {', '.join(CALL_STATUSES)}")
    fp = fingerprint(f"calls:{ids[1]}", {"status": status})
    start = _position(q, fp)
    if start is not None and (not isinstance(start, int) or start < 0):
        raise Problem(400, "Invalid cursor", "cursor is not one this server issued")
    now = h.now
    page, next_index = job.calls_page(now, start or 0, limit, status)
    cursor = encode_cursor(next_index, fp) if next_index is not None else None
    return Reply(200, calls_page_bytes(job, page, now, cursor))


def list_events(h: ApiRequest, ids: list[str], q: dict[str, str], _: bytes) -> Reply:
    job = _job_or_404(h, ids[0], ids[1])
    limit = _paging(q)
    raw_after = q.get("after") or None
    try:
        after = int(raw_after) if raw_after is not None else 0
    except ValueError:
        raise Problem(400, "Invalid filter", f"after must be an integer, got {raw_after!r}") from None
    fp = fingerprint(f"events:{ids[1]}", {"after": raw_after})
    position = _position(q, fp)
    if position is not None:
        if not isinstance(position, int):
            raise Problem(400, "Invalid cursor", "cursor is not one this server issued")
        after = position
    page, last_seq = job.events_page(h.now, after, limit)
    cursor = encode_cursor(last_seq, fp) if last_seq is not None else None
    return Reply(200, events_page_bytes(job, page, cursor))


def post_retry(h: ApiRequest, ids: list[str], q: dict[str, str], body: bytes) -> Reply:
    parent = _job_or_404(h, ids[0], ids[1])
    key = (h.headers.get("Idempotency-Key") or "").strip()
    if not key:
        raise Problem(
            400,
            "Idempotency-Key required",
            "creating a retry needs an Idempotency-Key header (reuse it when retrying the request)",
        )
    if len(key) > 255:
        raise Problem(400, "Invalid Idempotency-Key", "the key is longer than 255 characters")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "Invalid JSON", "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Problem(400, "Invalid JSON", "the request body must be a JSON object")
    recipient_ids = data.get("recipient_ids")
    if not isinstance(recipient_ids, list) or not recipient_ids or not all(isinstance(r, str) for r in recipient_ids):
        raise Problem(
            422,
            "Invalid retry request",
            "recipient_ids must be a non-empty list of recipient id strings",
        )
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise Problem(422, "Invalid retry request", "note must be a string")
    try:
        created, job = h.state.create_retry(ids[0], parent, key, data)
    except RetryRejected as rejected:
        raise Problem(rejected.status, rejected.title, rejected.detail) from None
    reply = json_reply(201 if created else 200, res.job_json(job, h.now))
    reply.headers["Location"] = f"/v1/workspaces/{ids[0]}/batch-jobs/{job.meta.id}"
    return reply


_SEG = r"([^/]+)"
_WS = rf"^/v1/workspaces/{_SEG}"
ROUTES: list[tuple[re.Pattern[str], dict[str, Route]]] = [
    (re.compile(rf"{_WS}$"), {"GET": get_workspace}),
    (re.compile(rf"{_WS}/campaigns/{_SEG}$"), {"GET": get_campaign}),
    (re.compile(rf"{_WS}/batch-jobs$"), {"GET": list_jobs}),
    (re.compile(rf"{_WS}/batch-jobs/{_SEG}$"), {"GET": get_job}),
    (re.compile(rf"{_WS}/batch-jobs/{_SEG}/calls$"), {"GET": list_calls}),
    (re.compile(rf"{_WS}/batch-jobs/{_SEG}/events$"), {"GET": list_events}),
    (re.compile(rf"{_WS}/batch-jobs/{_SEG}/retries$"), {"POST": post_retry}),
    (re.compile(rf"{_WS}/uploads/{_SEG}$"), {"GET": get_upload}),
    (re.compile(rf"{_WS}/uploads/{_SEG}/content$"), {"GET": get_upload_content}),
]
