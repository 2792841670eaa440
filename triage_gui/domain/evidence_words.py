"""Findings and their evidence in plain words: titles, labels and values with their units.

The checks speak in codes (``transient_not_retried``, ``idle_s: 1200``) because those travel in
JSON (``check --json``, bundles) and must stay stable. People read "Transient failures not
retried" and "Idle for: 20 min". This table turns one into the other; a code it does not know
reads as its humanised self ("work_left" -> "Work left"), never as nothing. The raw code stays
with the caller (the screens show it in a tooltip and copy it on request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from triage_gui.domain.phone_display import is_phone_field, mask_numbers_in_text, masked


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SECONDS = "seconds"  # a duration in seconds
    SKEW = "skew"  # signed seconds: the server's clock minus ours
    SHARE = "share"  # a fraction 0..1, shown as a percent
    TIME = "time"  # an ISO-8601 moment
    RATE = "rate"  # per minute
    KEY = "key"  # the value is itself an evidence key (a field name)
    CODES = "codes"  # a mapping or list of platform codes: its keys stay as the platform writes them


class Word(NamedTuple):
    label: str
    kind: Kind = Kind.TEXT


FINDING_TITLES: dict[str, str] = {
    "attempts_beyond_max": "Attempts beyond the retry limit",
    "attempts_within_max": "Attempts within the retry limit",
    "config_matches": "Job matches its campaign",
    "config_mismatch": "Job differs from its campaign",
    "config_unknown": "Job configuration not compared",
    "config_no_campaign": "No campaign to compare with",
    "counters_agree": "Counters agree with the calls",
    "counters_disagree": "Counters disagree with the calls",
    "counters_tally_unknown": "Counters not compared with the calls",
    "deliveries_unknown": "Duplicate deliveries not checked",
    "dispatch_blocked_by_permits": "Dispatch blocked by permits",
    "dispatch_progress": "Dispatch progress",
    "duplicate_delivery": "Recipients called twice",
    "duplicate_job_run": "Campaign run twice",
    "duplicate_recipient_reached": "Recipient reached twice",
    "expected_contacts": "Expected contacts",
    "expected_matches": "Contacts as expected",
    "expected_unknown": "Expected contacts unknown",
    "job_cancelled": "Job cancelled",
    "job_failed": "Job failed",
    "job_paused": "Job paused",
    "job_queued": "Job still queued",
    "job_runs_unknown": "Other runs not checked",
    "job_status": "Job status",
    "job_status_unknown": "Job status unknown",
    "no_duplicate_delivery": "No recipient called twice",
    "no_duplicate_job_run": "No duplicate run of the job",
    "not_stalled": "Dispatch moving",
    "nothing_to_retry": "Nothing to retry",
    "permanent_failure_retried": "Permanent failures retried",
    "permanent_failures_dominate": "Mostly permanent failures",
    "permanent_not_retried": "Permanent failures not retried",
    "permits_available": "Permits available",
    "permits_not_applicable": "Permits not applicable",
    "permits_saturated": "All permits in use",
    "permits_unknown": "Permits unknown",
    "policy_agrees": "Retry policy agrees",
    "policy_disagrees": "Retry policy disagrees",
    "repeated_items": "Items listed twice by the server",
    "retries_unknown": "Retries not checked",
    "retry_plan_on_hold": "Retry plan on hold",
    "retry_strategy_unknown": "Retry strategy unknown",
    "server_clock_rejected": "Server clock not believed",
    "server_clock_skew": "Server clock off",
    "server_flag_agrees": "Server's retry flag agrees",
    "server_flag_disagrees": "Server's retry flag disagrees",
    "short_of_expected": "Fewer contacts than expected",
    "stall_unknown": "Stall not judged",
    "stalled": "Dispatch stalled",
    "targeted_retry_plan": "Targeted retry plan",
    "transient_above_threshold": "Transient failures above the threshold",
    "transient_not_retried": "Transient failures not retried",
    "transient_retried": "Transient failures retried",
    "transient_share_unknown": "Transient share unknown",
    "transient_within_threshold": "Transient failures within the threshold",
    "unknown_failure_class": "Failures of unknown class",
    "upload_clean": "Contact list clean",
    "upload_duplicates": "Duplicate numbers in the contact list",
    "upload_invalid_rows": "Invalid numbers in the contact list",
    "upload_not_audited": "Contact list not audited",
}

_C, _S, _T, _P = Kind.COUNT, Kind.SECONDS, Kind.TIME, Kind.SHARE

EVIDENCE_WORDS: dict[str, Word] = {
    "agent_id": Word("Agent"),
    "attempt": Word("Attempt", _C),
    "attempts": Word("Attempts", _C),
    "basis": Word("Measured from", Kind.KEY),
    "by_class": Word("By failure class"),
    "by_code": Word("By failure code", Kind.CODES),
    "campaign": Word("Campaign's value"),
    "campaign_id": Word("Campaign"),
    "declared_by_platform": Word("Platform's own count", _C),
    "expected_from": Word("Expected contacts from"),
    "code": Word("Failure code"),
    "codes_outside_policy": Word("Codes outside the retry policy", Kind.CODES),
    "compared": Word("Compared with the campaign"),
    "concurrency_limit": Word("Concurrency limit", _C),
    "counters": Word("Job counters"),
    "counters_moving": Word("Counters moving"),
    "dedupe_dropped_events": Word("Dropped as duplicates", _C),
    "dialable_after_audit": Word("Dialable after the audit", _C),
    "disagreeing_attempts": Word("Attempts the server judges otherwise", _C),
    "disagreements": Word("Disagreements", Kind.CODES),
    "dispatch_key": Word("Dispatch key"),
    "dispatch_keys": Word("Dispatch keys", _C),
    "dispatch_keys_checked": Word("Dispatch keys checked", _C),
    "dispatch_rate_per_min": Word("Dispatch rate", Kind.RATE),
    "dispatched": Word("Dispatched", _C),
    "dispatches": Word("Dispatches", _C),
    "duplicate_groups": Word("Duplicate groups", _C),
    "duplicate_rows": Word("Duplicate rows", _C),
    "e164": Word("Phone number"),
    "eta": Word("Expected finish", _T),
    "eta_earliest": Word("Earliest finish", _T),
    "eta_latest": Word("Latest finish", _T),
    "events_fetched": Word("Events fetched"),
    "excluded": Word("Left out of the plan", Kind.CODES),
    "expected": Word("Expected contacts", _C),
    "failed_attempts": Word("Failed attempts", _C),
    "failed_recipients": Word("Failed recipients", _C),
    "failure_detail": Word("Failure detail"),
    "field": Word("Field", Kind.KEY),
    "flag_missing": Word("Attempts without the server's retry flag", _C),
    "from_number": Word("From number"),
    "highest_attempt": Word("Highest attempt", _C),
    "hold": Word("On hold"),
    "idle_s": Word("Idle for", _S),
    "invalid": Word("Invalid numbers", _C),
    "invalid_rows": Word("Invalid rows", _C),
    "job": Word("Job's value"),
    "job_id": Word("Job"),
    "job_ids": Word("Jobs"),
    "last_dispatch_at": Word("Last dispatch", _T),
    "max_attempts": Word("Attempts allowed", _C),
    "message": Word("Message"),
    "note": Word("Note"),
    "permanent_by_code": Word("Permanent failures by code", Kind.CODES),
    "permit_denied_total": Word("Permit denials", _C),
    "permits_in_use": Word("Permits in use", _C),
    "planned": Word("Planned for a retry", _C),
    "processed": Word("Processed", _C),
    "queued_for_s": Word("Queued for", _S),
    "recent_dispatched_events": Word("Dispatches lately", _C),
    "recent_permit_denied": Word("Permit denials lately", _C),
    "recent_window_s": Word("Lately means the last", _S),
    "recipient_id": Word("Recipient"),
    "recipients": Word("Recipients", _C),
    "recipients_checked": Word("Recipients checked", _C),
    "recipients_retried": Word("Recipients retried", _C),
    "recipients_with_finished_attempt": Word("Recipients with a finished attempt", _C),
    "recipients_with_permanent_failure": Word("Recipients with a permanent failure", _C),
    "region": Word("Default region"),
    "rejected": Word("Server clock rejected"),
    "related_jobs_considered": Word("Related jobs looked at", _C),
    "repeated": Word("Items listed twice"),
    "retryable_codes": Word("Retryable codes (policy)", Kind.CODES),
    "rows": Word("Rows", _C),
    "same_attempt_dispatched_twice": Word("Same attempt dispatched twice", _C),
    "sample": Word("Sample size", _C),
    "sample_ids": Word("Sample recipients"),
    "sample_keys": Word("Sample dispatch keys"),
    "server_now": Word("Server time", _T),
    "share": Word("Share", _P),
    "short_processed": Word("Processed short by", _C),
    "short_total": Word("Total short by", _C),
    "sip_status": Word("SIP status"),
    "skew_s": Word("Server clock", Kind.SKEW),
    "succeeded": Word("Succeeded", _C),
    "succeeded_more_than_once": Word("Reached more than once", _C),
    "tally_from_calls": Word("Tally from the calls"),
    "this_job": Word("This job"),
    "threshold": Word("Threshold", _P),
    "threshold_s": Word("Threshold", _S),
    "total": Word("Total", _C),
    "transient_recipients": Word("Recipients with a transient failure", _C),
    "unchanged_for_s": Word("Unchanged for", _S),
    "unique_valid": Word("Distinct valid numbers", _C),
    "upload_id": Word("Upload"),
    "valid": Word("Valid numbers", _C),
    "waiting_for_permit": Word("Waiting for a permit", _C),
    "watch_snapshots": Word("Snapshots watched", _C),
    "watch_window_s": Word("Watched for", _S),
    "work_left": Word("Work left", _C),
}


def humanise(key: str) -> str:
    """``work_left`` -> ``Work left``; ``sip_status`` -> ``Sip status`` (better a word than a code)."""
    text = " ".join(key.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:] if text else key


def finding_title(finding_id: str) -> str:
    return FINDING_TITLES.get(finding_id) or humanise(finding_id)


def word(key: str) -> Word:
    """How an evidence key (or an evidence table's column) reads; units guessed from a suffix."""
    known = EVIDENCE_WORDS.get(key)
    if known is not None:
        return known
    if key.endswith("_at"):
        return Word(humanise(key), _T)
    if key.endswith("_s"):
        return Word(humanise(key[:-2]), _S)
    return Word(humanise(key))


def label(key: str) -> str:
    return word(key).label


# -- values ---------------------------------------------------------------------------------


def duration_text(seconds: float) -> str:
    """750 -> "12 min 30 s"; 7260 -> "2 h 1 min"; 90000 -> "1 d 1 h"."""
    value = abs(float(seconds))
    if value < 10 and value != int(value):
        return f"{value:.1f} s"
    whole = round(value)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days:,} d {hours} h" if hours else f"{days:,} d"


def percent_text(share: float) -> str:
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def count_text(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def time_text(value: Any) -> str:
    """An ISO-8601 moment as "2026-11-25 11:40:00 UTC"; anything else as it is."""
    moment = value if isinstance(value, datetime) else _parse_iso(value)
    if moment is None:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def raw_text(value: Any) -> str:
    """A value as the engine wrote it (for "Copy raw" and tooltips): strings bare, the rest JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def value_text(key: str, value: Any, *, mask: bool = True, phone: bool | None = None) -> str:
    """How the value of evidence ``key`` reads. ``phone``: the value is a phone number (by
    default when the key names one); with ``mask`` such numbers show masked."""
    if phone is None:
        phone = is_phone_field(key)
    if value is None:
        return "—"
    if phone and mask and not isinstance(value, (bool, int, float)):
        return masked(value)
    kind = word(key).kind
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return _mapping_text(value, codes=kind is Kind.CODES, mask=mask)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(key, v, mask=mask, phone=phone) for v in value) if value else "none"
    if isinstance(value, (int, float)):
        return _number_text(kind, value)
    if kind is Kind.TIME:
        return time_text(value)
    if kind is Kind.KEY and isinstance(value, str):
        return label(value)
    text = str(value)
    return mask_numbers_in_text(text) if mask else text


def _number_text(kind: Kind, value: float) -> str:
    if kind is Kind.SECONDS:
        return duration_text(value)
    if kind is Kind.SKEW:
        if value == 0:
            return "in step with this computer"
        side = "ahead of" if value > 0 else "behind"
        return f"{duration_text(value)} {side} this computer"
    if kind is Kind.SHARE:
        return percent_text(value)
    if kind is Kind.RATE:
        return f"{count_text(value)} per min"
    return count_text(value)


def _mapping_text(value: Mapping[Any, Any], *, codes: bool, mask: bool) -> str:
    if not value:
        return "none"
    parts = []
    for k, v in value.items():
        name = str(k)
        shown = name if codes else (EVIDENCE_WORDS[name].label if name in EVIDENCE_WORDS else humanise(name))
        parts.append(f"{shown}: {value_text(name, v, mask=mask)}")
    return "; ".join(parts)


# -- which values are phone numbers, and whose row it is -------------------------------------

# Columns that hold phone numbers only in one finding's table.
_PHONE_COLUMNS_OF: dict[str, frozenset[str]] = {"upload_invalid_rows": frozenset({"value"})}
# Evidence keys that hold phone numbers only in one finding's evidence (config_mismatch names
# the field it compared in "field").
_PHONE_KEYS_WHEN_FIELD = frozenset({"job", "campaign"})


def phone_keys(finding_id: str, evidence: Mapping[str, Any]) -> frozenset[str]:
    keys = {k for k in evidence if is_phone_field(k)}
    if evidence.get("field") == "from_number":
        keys |= _PHONE_KEYS_WHEN_FIELD & set(evidence)
    return frozenset(keys)


def phone_columns(finding_id: str, columns: Sequence[str]) -> frozenset[int]:
    extra = _PHONE_COLUMNS_OF.get(finding_id, frozenset())
    return frozenset(i for i, c in enumerate(columns) if is_phone_field(c) or c in extra)


def recipient_query(columns: Sequence[str], row: Sequence[Any], phone_cols: frozenset[int]) -> str | None:
    """What to look a table row's recipient up by: its recipient id, else its phone number."""
    for i, column in enumerate(columns):
        if column == "recipient_id" and i < len(row) and row[i]:
            return str(row[i])
    for i in sorted(phone_cols):
        if i < len(row) and row[i] not in (None, ""):
            return str(row[i])
    return None
