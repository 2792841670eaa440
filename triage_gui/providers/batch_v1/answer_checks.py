"""What the contract promises about an answer beyond its shape, checked after parsing.

The models (``domain.models``) accept any string and any integer; the contract says more: IDs
are ``[A-Za-z0-9_-]{1,64}``, a resource is the one that was asked for, a list honours its
filters, counters count recipients (never below zero). An answer that breaks one of these is
an :class:`InvalidResponse` naming the field, never data the app goes on to use (a job ID of
``../../../../tmp/evil`` would end up in a path; "processed -437 of -430" in a report).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from triage_gui.domain.models import BatchJob, CallAttempt, Campaign, JobEvent, Record, Upload, Workspace
from triage_gui.providers.errors import InvalidResponse, clean_text
from triage_gui.providers.http.retry_policy import is_valid_id

_JOB_IDS = ("id", "workspace_id", "campaign_id", "upload_id", "parent_job_id")
_JOB_COUNTS = (
    "counters.total",
    "counters.queued",
    "counters.dispatched",
    "counters.in_progress",
    "counters.succeeded",
    "counters.failed",
    "counters.retry_scheduled",
    "dispatch.concurrency_limit",
    "dispatch.permits_in_use",
    "dispatch.waiting_for_permit",
    "retry_policy.max_attempts",
)


def _value(model: object, dotted: str) -> object:
    value: object = model
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def _broken(what: str, field: str, problem: str, *, status: int | None) -> InvalidResponse:
    return InvalidResponse(
        f"The server's answer to {what} breaks the API contract: {field} {problem}.",
        status=status,
        request=what,
        details=[f"{field}: {problem}"],
    )


def _shown(value: object) -> str:
    return repr(clean_text(value, 80)) if isinstance(value, str) else clean_text(value, 80)


def check_ids(
    model: BaseModel | Record, fields: Iterable[str], what: str, *, prefix: str = "", status: int | None
) -> None:
    for name in fields:
        value = _value(model, name)
        if value is not None and not is_valid_id(value):
            raise _broken(
                what, prefix + name, f"is {_shown(value)}, not an ID (1–64 letters, digits, '_' or '-')", status=status
            )


def check_same(
    model: BaseModel, field: str, expected: str | None, what: str, *, prefix: str = "", status: int | None
) -> None:
    """``field`` must be ``expected`` (the ID the request named, or a filter it gave)."""
    if expected is None:
        return
    value = _value(model, field)
    if value != expected:
        raise _broken(what, prefix + field, f"is {_shown(value)}, not {expected!r} as asked", status=status)


def check_counts(model: BaseModel, fields: Iterable[str], what: str, *, prefix: str = "", status: int | None) -> None:
    for name in fields:
        value = _value(model, name)
        if isinstance(value, int) and value < 0:
            raise _broken(what, prefix + name, f"is {value}: a count is never negative", status=status)


def check_workspace(ws: Workspace, asked: str, what: str, status: int | None = None) -> None:
    check_same(ws, "id", asked, what, status=status)
    check_counts(ws, ("concurrency_limit",), what, status=status)


def check_campaign(campaign: Campaign, asked: str, what: str, status: int | None = None) -> None:
    check_same(campaign, "id", asked, what, status=status)
    check_ids(campaign, ("upload_id",), what, status=status)


def check_upload(upload: Upload, asked: str, what: str, status: int | None = None) -> None:
    check_same(upload, "id", asked, what, status=status)
    check_counts(upload, ("row_count",), what, status=status)


def check_job(
    job: BatchJob,
    what: str,
    *,
    workspace: str,
    job_id: str | None = None,
    prefix: str = "",
    status: int | None = None,
    **filters: str | None,
) -> None:
    """A job: well-formed IDs, the workspace (and job, and list filters) asked for, counts >= 0."""
    check_ids(job, _JOB_IDS, what, prefix=prefix, status=status)
    check_same(job, "id", job_id, what, prefix=prefix, status=status)
    check_same(job, "workspace_id", workspace, what, prefix=prefix, status=status)
    for name, expected in filters.items():
        check_same(job, name, expected, what, prefix=prefix, status=status)
    check_counts(job, _JOB_COUNTS, what, prefix=prefix, status=status)


# IDs one per line, each the contract's ID: a page's IDs checked by one regular expression.
_ID_LINES = re.compile(r"(?:[A-Za-z0-9_-]{1,64}\n)*")


def all_valid_ids(values: list[object]) -> bool:
    """:func:`is_valid_id` for every value, in one pass: joined one per line, they must be as
    many lines of ID characters (an ID with a line break in it would make one line more)."""
    if not values:
        return True
    if set(map(type, values)) != {str} and not all(isinstance(value, str) for value in values):
        return False  # (the set of types, made in C, settles the usual page without a Python loop)
    joined = "\n".join(values) + "\n"  # type: ignore[arg-type]
    return joined.count("\n") == len(values) and _ID_LINES.fullmatch(joined) is not None


def check_calls(calls: Sequence[CallAttempt], what: str) -> None:
    """A page of calls: :func:`check_call` on each (``items[i].``), the common case in one pass."""
    ids: list[object] = [c.id for c in calls]
    ids += [c.recipient_id for c in calls]
    if not calls or (all_valid_ids(ids) and min(c.attempt for c in calls) >= 1):
        return
    for i, call in enumerate(calls):  # one is broken: say which, as one by one would
        check_call(call, what, prefix=f"items[{i}].")


def check_events(events: Sequence[JobEvent], what: str, *, after: int | None) -> None:
    """A page of events: :func:`check_event` on each (``items[i].``), the common case in one pass."""
    ids: list[object] = [e.recipient_id for e in events if e.recipient_id is not None]
    if not events or (all_valid_ids(ids) and (after is None or min(e.seq for e in events) > after)):
        return
    for i, event in enumerate(events):
        check_event(event, what, after=after, prefix=f"items[{i}].")


def check_call(call: CallAttempt, what: str, *, prefix: str = "", status: int | None = None) -> None:
    check_ids(call, ("id", "recipient_id"), what, prefix=prefix, status=status)
    if call.attempt < 1:
        raise _broken(what, prefix + "attempt", f"is {call.attempt}: attempts count from 1", status=status)


def check_event(event: JobEvent, what: str, *, after: int | None, prefix: str = "", status: int | None = None) -> None:
    check_ids(event, ("recipient_id",), what, prefix=prefix, status=status)
    if after is not None and event.seq <= after:
        raise _broken(what, prefix + "seq", f"is {event.seq}, not after {after} as asked", status=status)
