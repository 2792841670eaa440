"""Find a recipient of the loaded job: by phone number (any format) or by recipient id.

"Was this person called, how often, what came back, and will they be called again?" The answer
is every attempt of theirs in the job (code, SIP status, our failure class, times) and whether
another attempt is on its way: the platform's own retry (a ``retry_scheduled`` event after the
latest attempt) or one of our targeted retries (the case's retry ledger).

A number is compared in E.164: the query is normalised with the settings' default region (else
the campaign's from-number's country, as the retry plan does), and so is every number the job
dialled, so "07911 123456", "+44 7911 123456" and "0044-7911-123456" find the same person. More
than one recipient can share a number (a duplicate upload): all of them are returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from triage_gui.domain.call_history import CallHistory, RecipientHistory
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.models import CallAttempt
from triage_gui.domain.phones import normalise
from triage_gui.domain.report import FailureClass
from triage_gui.domain.retry_intent import IntentState, RetryIntent
from triage_gui.domain.retry_planning import plan_region

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MIN_DIGITS = 6  # fewer digits compared as written would match too much by chance


@dataclass(frozen=True, slots=True)
class AttemptLine:
    """One call attempt, as the lookup shows it."""

    recipient_id: str
    call_id: str
    attempt: int
    status: str
    phone_number: str  # as the platform wrote it
    code: str | None  # the platform's failure code; None when the attempt did not fail
    sip_status: int | None
    failure_class: FailureClass | None  # ours; None when the attempt did not fail
    message: str
    queued_at: datetime | None
    dispatched_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecipientMatch:
    recipient_id: str
    phone_number: str  # the latest number dialled for them
    attempts: tuple[AttemptLine, ...]  # in attempt order
    retry_queued: bool  # another attempt is on its way (the platform's or one of our retries)
    retry_text: str  # in plain words, whether queued or not


@dataclass(frozen=True, slots=True)
class LookupResult:
    query: str
    matched_by: str | None  # "recipient id" | "phone number" | None (nothing matched)
    e164: str | None  # the query as a number, when it is one
    matches: tuple[RecipientMatch, ...]
    message: str  # what was found, or why nothing was

    @property
    def attempts(self) -> list[AttemptLine]:
        return [a for m in self.matches for a in m.attempts]


def lookup(
    data: IncidentData | None,
    query: str,
    *,
    settings: AnalysisSettings | None = None,
    retries: Iterable[RetryIntent] = (),
) -> LookupResult:
    """Every attempt of the recipient ``query`` names (an id of the job, else a phone number)."""
    text = query.strip()
    if data is None:
        return LookupResult(query, None, None, (), "No job is loaded: load a case first.")
    if not text:
        return LookupResult(query, None, None, (), "Type a phone number or a recipient id.")
    by_id = [c for c in data.calls if c.recipient_id == text]
    if not by_id:
        folded = text.casefold()
        by_id = [c for c in data.calls if c.recipient_id.casefold() == folded]
    if by_id:
        matches = _matches(by_id, data, retries)
        return LookupResult(query, "recipient id", None, matches, _found(matches, f"recipient id {text}"))
    region = plan_region(data, settings or AnalysisSettings())
    wanted = normalise(text, region)
    if wanted.e164 is None:
        # not a valid number: the job may still have dialled it as written (an upload's typo)
        digits = _digits(text)
        written = [c for c in data.calls if len(digits) >= _MIN_DIGITS and _digits(c.phone_number) == digits]
        if written:
            matches = _matches(written, data, retries)
            return LookupResult(query, "phone number as written", None, matches, _found(matches, "this number"))
        why = wanted.reason or "not a phone number"
        return LookupResult(
            query,
            None,
            None,
            (),
            f"No recipient of job {data.job.id} has the id {text!r}, and it is not a number: {why}.",
        )
    seen: dict[str, str | None] = {}
    by_number = [c for c in data.calls if c.phone_number and _e164(c.phone_number, region, seen) == wanted.e164]
    matches = _matches(by_number, data, retries)
    if not matches:
        return LookupResult(
            query, None, wanted.e164, (), f"No attempt of job {data.job.id} dialled this number (as {wanted.e164})."
        )
    return LookupResult(query, "phone number", wanted.e164, matches, _found(matches, "this number"))


def _e164(raw: str, region: str | None, seen: dict[str, str | None]) -> str | None:
    if _E164.match(raw):  # what the platform writes when it could normalise: no parsing
        return raw
    if raw not in seen:
        seen[raw] = normalise(raw, region).e164
    return seen[raw]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _found(matches: tuple[RecipientMatch, ...], what: str) -> str:
    attempts = sum(len(m.attempts) for m in matches)
    who = "1 recipient" if len(matches) == 1 else f"{len(matches)} recipients"
    return f"{who} with {what}: {attempts} attempt{'s' if attempts != 1 else ''}."


def _matches(
    calls: list[CallAttempt], data: IncidentData, retries: Iterable[RetryIntent]
) -> tuple[RecipientMatch, ...]:
    if not calls:
        return ()
    ids = {c.recipient_id for c in calls}
    # only this recipient's attempts and events: a history of one or two people, not the job's
    own = [c for c in data.calls if c.recipient_id in ids]
    events = [e for e in data.events if e.recipient_id in ids]
    history = CallHistory.build(own, events)
    ours = [r for r in retries if r.job == data.job.id and r.state is not IntentState.FAILED]
    return tuple(_match(history, history.recipients[rid], ours) for rid in sorted(history.recipients))


def _match(history: CallHistory, recipient: RecipientHistory, ours: list[RetryIntent]) -> RecipientMatch:
    lines = tuple(_line(c, cls) for c, cls in zip(recipient.attempts, recipient.classes, strict=True))
    queued, text = _retry(history, recipient, ours)
    return RecipientMatch(recipient.recipient_id, recipient.phone_number, lines, queued, text)


def _line(call: CallAttempt, failure_class: FailureClass | None) -> AttemptLine:
    failure = call.failure
    return AttemptLine(
        recipient_id=call.recipient_id,
        call_id=call.id,
        attempt=call.attempt,
        status=call.status.value,
        phone_number=call.phone_number,
        code=failure.code if failure else None,
        sip_status=failure.sip_status if failure else None,
        failure_class=failure_class,
        message=failure.message if failure else "",
        queued_at=call.queued_at,
        dispatched_at=call.dispatched_at,
        ended_at=call.ended_at,
    )


def _retry(history: CallHistory, recipient: RecipientHistory, ours: list[RetryIntent]) -> tuple[bool, str]:
    """(another attempt on its way, in plain words)."""
    parts: list[str] = []
    queued = False
    if recipient.in_flight:
        queued = True
        parts.append(f"attempt {recipient.latest.attempt} is {recipient.latest.status.value.replace('_', ' ')}")
    if history.retry_pending(recipient):
        queued = True
        parts.append("the platform has scheduled another attempt")
    for intent in ours:
        if recipient.recipient_id not in intent.recipient_ids:
            continue
        queued = True
        if intent.state is IntentState.LAUNCHED:
            parts.append(f"in our retry job {intent.retry_job_id or '(id not known yet)'}")
        else:
            parts.append("in a retry launch not confirmed yet")
    if not parts:
        return False, "Reached; no retry queued" if recipient.succeeded else "No retry queued"
    text = "; ".join(parts)
    return queued, text[:1].upper() + text[1:]
