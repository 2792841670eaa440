"""A batch's attempts: each recipient's latest conversation, and (after a ``/retry``) the earlier ones.

- Latest: every recipient names its latest ``conversation_id``. Recipients that failed or are not
  finished have it read (a few at a time, final ones cached); ``completed`` recipients are taken as
  reached without a read (the cost of a big healthy batch stays one GET), ``pending`` ones have none.
- Earlier: a recipient keeps only its latest conversation, so once a batch was retried
  (``retry_count`` > 0) its earlier calls are found on the conversations list (the agent's, on the
  batch's number, since the batch was created), each read for its ``metadata.batch_call`` link.
  That list has no batch filter: it is bounded, and past the bound the earlier attempts are said
  to be missing instead of judged in part.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from triage_gui.domain.models import CallAttempt
from triage_gui.domain.phones import normalise
from triage_gui.providers.elevenlabs.client import ElevenLabsClient
from triage_gui.providers.elevenlabs.conversations import ConversationCache, Readings
from triage_gui.providers.elevenlabs.mapping import recipient_key
from triage_gui.providers.elevenlabs.outcomes import to_attempt
from triage_gui.providers.elevenlabs.wire import BatchCallDetail, Conversation, Recipient
from triage_gui.providers.errors import PagingLimitExceeded

NOT_READ = frozenset({"pending", "completed"})  # statuses whose conversation is not read
LIST_MARGIN = timedelta(minutes=1)


@dataclass
class BatchAttempts:
    latest: list[CallAttempt] = field(default_factory=list)  # one per recipient, in the batch's order
    all: list[CallAttempt] = field(default_factory=list)  # with the earlier attempts
    agent_number: str | None = None  # the caller's number, as a conversation showed it
    missing: dict[str, str] = field(default_factory=dict)


def number_key(recipient: Recipient) -> str:
    """Who a recipient is, for duplicate checks: the E.164 number, else the raw address."""
    raw = recipient.phone_number or ""
    if raw:
        return normalise(raw, None).e164 or raw.strip()
    return f"whatsapp:{recipient.whatsapp_user_id}" if recipient.whatsapp_user_id else f"recipient:{recipient.id}"


def load_attempts(
    client: ElevenLabsClient | None,
    cache: ConversationCache,
    batch: BatchCallDetail,
    *,
    earlier: bool = True,
    cancel: threading.Event | None = None,
    say: Callable[[str], None] = lambda _message: None,
) -> BatchAttempts:
    """The batch's attempts. ``client`` None: from the cache only, nothing read (the poller's
    cheap snapshot); ``earlier``: look for the calls before a ``/retry`` too."""
    out = BatchAttempts()
    ids = recipient_key(batch)
    wanted = [
        r.conversation_id for r in batch.recipients if r.conversation_id and (r.status or "unknown") not in NOT_READ
    ]
    if client is not None and wanted:
        say(f"Reading {len(wanted)} conversations…")
        readings = cache.read(client, wanted, cancel=cancel)
    else:
        readings = _cached(cache, wanted)
    if client is not None and readings.summary():
        out.missing["conversations"] = readings.summary() or ""
    history: dict[str, list[Conversation]] = {}
    if earlier and client is not None and (batch.retry_count or 0) > 0:
        say("Looking for the calls before the batch was retried…")
        history = _earlier(client, cache, batch, readings, out.missing, cancel)
    for recipient in batch.recipients:
        rid = ids[recipient.id]
        key = number_key(recipient)
        before = sorted(history.get(recipient.id, []), key=lambda c: c.metadata.start_time_unix_secs or 0.0)
        for n, earlier_call in enumerate(before, start=1):
            attempt = to_attempt(
                recipient,
                rid,
                batch_id=batch.id,
                attempt=n,
                conversation=earlier_call,
                dispatch_key=f"{key}#{n}",
                sip_code=readings.sip_codes.get(earlier_call.conversation_id),
                earlier=True,
            )
            out.all.append(attempt)
        cid = recipient.conversation_id
        conversation = readings.conversations.get(cid) if cid else None
        unreadable = readings.errors.get(cid, "") if cid else ""
        if cid and conversation is None and not unreadable and (recipient.status or "") not in NOT_READ:
            unreadable = "not read yet"
        number = len(before) + 1
        latest = to_attempt(
            recipient,
            rid,
            batch_id=batch.id,
            attempt=number,
            conversation=conversation,
            dispatch_key=f"{key}#{number}",
            sip_code=readings.sip_codes.get(cid) if cid else None,
            unreadable=unreadable,
        )
        out.latest.append(latest)
        out.all.append(latest)
        if out.agent_number is None and conversation is not None and conversation.metadata.phone_call is not None:
            out.agent_number = conversation.metadata.phone_call.agent_number
    return out


def _cached(cache: ConversationCache, wanted: list[str]) -> Readings:
    readings = Readings()
    for conversation_id in wanted:
        found = cache.get(conversation_id)
        if found is not None:
            readings.conversations[conversation_id] = found[0]
            if found[1] is not None:
                readings.sip_codes[conversation_id] = found[1]
    return readings


def _earlier(
    client: ElevenLabsClient,
    cache: ConversationCache,
    batch: BatchCallDetail,
    readings: Readings,
    missing: dict[str, str],
    cancel: threading.Event | None,
) -> dict[str, list[Conversation]]:
    """Recipient id on the platform -> its conversations before the latest one."""
    created = batch.created_at
    if not batch.agent_id or created is None:
        missing["earlier attempts"] = "the batch names no agent or creation time to look its earlier calls up by"
        return {}
    latest = {r.conversation_id for r in batch.recipients if r.conversation_id}
    bound = max(500, 4 * len(batch.recipients) * (1 + (batch.retry_count or 0)))
    try:
        rows = list(
            client.iter_conversations(
                agent_id=batch.agent_id,
                phone_number_id=batch.phone_number_id,
                started_after=created - LIST_MARGIN,
                max_items=bound,
            )
        )
    except PagingLimitExceeded:
        missing["earlier attempts"] = (
            f"the agent has more than {bound:,} calls since the batch was created: the calls before its retry "
            "were not read, only each recipient's latest call is judged"
        )
        return {}
    candidates = [r.conversation_id for r in rows if r.conversation_id not in latest and r.direction != "inbound"]
    found = cache.read(client, candidates, cancel=cancel)
    if found.errors:
        missing["earlier attempts"] = found.summary() or ""
    readings.sip_codes.update(found.sip_codes)
    recipients = {r.id for r in batch.recipients}
    history: dict[str, list[Conversation]] = {}
    for conversation in found.conversations.values():
        link = conversation.metadata.batch_call
        if link is None or link.batch_call_id != batch.id or link.batch_call_recipient_id not in recipients:
            continue
        history.setdefault(link.batch_call_recipient_id, []).append(conversation)
    return history
