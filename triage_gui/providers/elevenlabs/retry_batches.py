"""Targeted retries on ElevenLabs: a new batch for the cohort, named by its intent key.

Batch submit has no idempotency key, and ``/retry`` re-dials every failed recipient of a batch
(no selection), so a targeted retry is a NEW batch of the planned recipients (mapping-proposal
section 8, option B), made safe without the platform's help:

1. its name is ``<intent key> retry of <batch id>``: the key is the launcher's (the same cohort
   always has the same key), and the launcher writes the intent to its ledger before this runs;
2. before any submit, the workspace's batches of the agent are searched for that name: found, it
   is that batch (``created`` False), nothing is sent;
3. no launch while an earlier retry batch of the same batch is ``pending`` or ``in_progress``;
4. the submit is sent once (the client never re-sends a POST, and the launcher sends a launch
   on this platform once per run: the provider says launch_is_keyed = False). After an ambiguous
   failure the launcher only looks the batch up; still unknown, the intent stays pending and the
   same command run again starts at step 2: a batch the platform did make is found by name.

Each recipient is submitted with its original data (user id, dynamic variables) plus
``triage_recipient_id`` (the recipient it retries, so the retry and its parent speak of the same
people) and ``triage_intent_key``.
"""

from __future__ import annotations

from typing import Any

from triage_gui.domain.models import BatchJob
from triage_gui.providers.elevenlabs.client import ElevenLabsClient
from triage_gui.providers.elevenlabs.mapping import (
    INTENT_VARIABLE,
    RECIPIENT_VARIABLE,
    RETRY_NAME,
    batch_job,
    check_batch_id,
    parse_retry_name,
    recipient_key,
    retry_name,
)
from triage_gui.providers.elevenlabs.wire import BatchCall, BatchCallDetail
from triage_gui.providers.errors import RequestRejected

UNFINISHED = frozenset({"pending", "in_progress"})
MAX_LISTED = 100_000


def retry_batches(client: ElevenLabsClient, agent_id: str | None, parent_id: str) -> list[BatchCall]:
    """Every batch named as a targeted retry of ``parent_id`` (the agent's list, all pages)."""
    found = []
    for batch in client.iter_batches(agent_id=agent_id, max_items=MAX_LISTED):
        check_batch_id(batch, "GET /v1/convai/batch-calling/workspace")
        parsed = parse_retry_name(batch.name)
        if parsed is not None and parsed[1] == parent_id:
            found.append(batch)
    return found


def launch(
    client: ElevenLabsClient, workspace_id: str, parent_id: str, recipient_ids: list[str], key: str
) -> tuple[BatchJob, bool]:
    """(the retry batch as a job, whether this call created it)."""
    name = retry_name(key, parent_id)
    if RETRY_NAME.match(name) is None:
        raise ValueError("the intent key must be 'triage-' and 40 hex digits")
    parent = client.get_batch(parent_id)
    check_batch_id(parent, f"GET /v1/convai/batch-calling/{parent_id}")
    earlier = retry_batches(client, parent.agent_id, parent_id)
    for batch in earlier:
        if batch.name == name:
            return batch_job(batch, workspace_id, client.server_now()), False
    busy = [b for b in earlier if b.status in UNFINISHED]
    if busy:
        names = ", ".join(f"{b.id} ({b.status})" for b in busy)
        raise RequestRejected(
            f"An earlier retry batch of {parent_id} is not finished: {names}. Wait until it ends; a new one now "
            "could dial its recipients a second time.",
            request=f"POST /v1/convai/batch-calling/submit ({name})",
        )
    created = client.submit_batch(submit_body(parent, recipient_ids, key, name))
    return batch_job(created, workspace_id, client.server_now()), True


def submit_body(parent: BatchCallDetail, recipient_ids: list[str], key: str, name: str) -> dict[str, Any]:
    """The submit request: the parent's agent, number and call settings, the chosen recipients."""
    by_app_id = {app_id: platform_id for platform_id, app_id in recipient_key(parent).items()}
    recipients = {r.id: r for r in parent.recipients}
    unknown = sorted(rid for rid in set(recipient_ids) if rid not in by_app_id)
    if unknown:
        raise RequestRejected(
            f"{len(unknown)} recipient(s) of the cohort are not in batch {parent.id}: {', '.join(unknown[:5])}.",
            request="POST /v1/convai/batch-calling/submit",
        )
    if not parent.agent_id:
        raise RequestRejected(f"Batch {parent.id} names no agent to retry with.", request="")
    rows: list[dict[str, Any]] = []
    for app_id in sorted(set(recipient_ids)):
        recipient = recipients[by_app_id[app_id]]
        data = recipient.conversation_initiation_client_data
        variables = dict((data.dynamic_variables or {}) if data is not None else {})
        variables[RECIPIENT_VARIABLE] = app_id
        variables[INTENT_VARIABLE] = key
        initiation: dict[str, Any] = {"dynamic_variables": variables}
        if data is not None and data.user_id:
            initiation["user_id"] = data.user_id
        row: dict[str, Any] = {"id": app_id, "conversation_initiation_client_data": initiation}
        if recipient.phone_number:
            row["phone_number"] = recipient.phone_number
        if recipient.whatsapp_user_id:
            row["whatsapp_user_id"] = recipient.whatsapp_user_id
        rows.append(row)
    body: dict[str, Any] = {"call_name": name, "agent_id": parent.agent_id, "recipients": rows}
    optional = {
        "agent_phone_number_id": parent.phone_number_id,
        "branch_id": parent.branch_id,
        "environment": parent.environment,
        "timezone": parent.timezone,
        "target_concurrency_limit": parent.target_concurrency_limit,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    ringing = parent.telephony_call_config.ringing_timeout_secs if parent.telephony_call_config else None
    if ringing is not None:
        body["telephony_call_config"] = {"ringing_timeout_secs": ringing}
    return body
