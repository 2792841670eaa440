"""The targeted retry plan: who to dial again, who not, and why.

The runbook: "Retry only when failures are transient", "Do not mass-retry invalid numbers or
permanently failed payloads", "Prefer targeted retries for affected subset", and at Level 1
"Retry a small sample cohort before full relaunch". The exact rule (issue #3, "Decisions"):

* planned: recipients whose latest attempt failed transiently (our classification), who never
  succeeded — not even under another recipient id with the same E.164 number —, whose number
  is valid, and who have nothing queued, in progress or scheduled (the platform retries those
  itself: adding them would dial twice). Recipients who used up ``max_attempts`` on transient
  failures ARE planned: a targeted retry job is their recovery path;
* of recipients sharing one E.164 number, one is planned: the first by recipient id;
* ``sample_ids``: the first ``settings.sample_size`` planned ids;
* with transient failures above the Level 3 threshold the plan is still computed but held:
  retrying into a provider incident only burns attempts.

Every recipient with a failed attempt is a candidate, in or out, with the reason key.
"""

from __future__ import annotations

import re
from collections import Counter

from triage_gui.domain.call_history import CallHistory, RecipientHistory
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.phones import PhoneResult, normalise, region_for_from_number
from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan

INCLUDED = "transient failure"

# Exclusion reason keys, in the order they are tested (the first that applies is counted).
STILL_IN_FLIGHT = "still_in_flight"
PERMANENT_FAILURE = "permanent_failure"
UNKNOWN_FAILURE_CLASS = "unknown_failure_class"
SUCCEEDED_ELSEWHERE = "succeeded_elsewhere"
INVALID_NUMBER = "invalid_number"
DUPLICATE_NUMBER = "duplicate_number"
EXCLUSION_REASONS: tuple[str, ...] = (
    STILL_IN_FLIGHT,
    PERMANENT_FAILURE,
    UNKNOWN_FAILURE_CLASS,
    SUCCEEDED_ELSEWHERE,
    INVALID_NUMBER,
    DUPLICATE_NUMBER,
)

# What the platform writes when it could normalise the number: trusted as is for matching
# successes (no parsing needed for the bulk of a 100k job).
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def plan_region(data: IncidentData, settings: AnalysisSettings) -> str | None:
    """Default region for numbers without "+": settings, else the campaign's (job's) from-number."""
    if settings.default_region:
        return settings.default_region
    from_number = (data.campaign.from_number if data.campaign else None) or data.job.from_number
    return region_for_from_number(from_number)


class _Numbers:
    """Each distinct raw number normalised once."""

    def __init__(self, region: str | None) -> None:
        self.region = region
        self._seen: dict[str, PhoneResult] = {}

    def result(self, raw: str) -> PhoneResult:
        found = self._seen.get(raw)
        if found is None:
            found = self._seen[raw] = normalise(raw, self.region)
        return found

    def key(self, raw: str) -> str:
        """The number's identity for matching: E.164 when it is one, else its normal form."""
        if _E164.match(raw):
            return raw
        return self.result(raw).e164 or raw.strip()


def plan_retry(data: IncidentData, settings: AnalysisSettings, *, history: CallHistory | None = None) -> RetryPlan:
    history = history if history is not None else CallHistory.build(data.calls, data.events)
    numbers = _Numbers(plan_region(data, settings))
    succeeded_numbers = {
        numbers.key(r.phone_number) for r in history.recipients.values() if r.succeeded and r.phone_number
    }
    candidates: list[RetryCandidate] = []
    eligible: list[tuple[RecipientHistory, str]] = []
    for recipient in sorted(
        (r for r in history.recipients.values() if r.ever_failed and not r.succeeded),
        key=lambda r: r.recipient_id,
    ):
        reason, e164 = _exclusion(recipient, history, numbers, succeeded_numbers)
        if reason is None and e164 is not None:
            eligible.append((recipient, e164))
        else:
            candidates.append(_candidate(recipient, reason or INVALID_NUMBER, e164, included=False))

    planned_numbers: set[str] = set()
    recipient_ids: list[str] = []
    for recipient, e164 in eligible:  # already in recipient id order
        if e164 in planned_numbers:
            candidates.append(_candidate(recipient, DUPLICATE_NUMBER, e164, included=False))
            continue
        planned_numbers.add(e164)
        recipient_ids.append(recipient.recipient_id)
        candidates.append(_candidate(recipient, INCLUDED, e164, included=True))
    candidates.sort(key=lambda c: c.recipient_id)

    excluded = Counter(c.reason for c in candidates if not c.included)
    share, transient, base = history.transient_share()
    hold = share is not None and share > settings.transient_threshold
    return RetryPlan(
        recipient_ids=recipient_ids,
        sample_ids=recipient_ids[: settings.sample_size],
        excluded={reason: excluded[reason] for reason in EXCLUSION_REASONS if excluded[reason]},
        hold=hold,
        hold_reason=(
            f"{transient} of {base} recipients ({share * 100:.1f}%) last failed transiently, above "
            f"the {settings.transient_threshold * 100:.0f}% threshold: hold the retry until the provider "
            "incident is resolved"
            if hold and share is not None
            else None
        ),
        candidates=candidates,
    )


def _exclusion(
    recipient: RecipientHistory,
    history: CallHistory,
    numbers: _Numbers,
    succeeded_numbers: set[str],
) -> tuple[str | None, str | None]:
    """(reason key or None when eligible, E.164 when known)."""
    if recipient.in_flight or history.retry_pending(recipient):
        return STILL_IN_FLIGHT, None
    failure_class = recipient.latest_class
    if failure_class is FailureClass.PERMANENT:
        return PERMANENT_FAILURE, None
    if failure_class is not FailureClass.TRANSIENT:
        return UNKNOWN_FAILURE_CLASS, None
    raw = recipient.phone_number
    phone = numbers.result(raw)
    if numbers.key(raw) in succeeded_numbers or (phone.e164 and phone.e164 in succeeded_numbers):
        return SUCCEEDED_ELSEWHERE, phone.e164
    if not phone.valid or phone.e164 is None:
        return INVALID_NUMBER, None
    return None, phone.e164


def _candidate(recipient: RecipientHistory, reason: str, e164: str | None, *, included: bool) -> RetryCandidate:
    failed = next((c for c in reversed(recipient.attempts) if c.failure is not None), None)
    return RetryCandidate(
        recipient_id=recipient.recipient_id,
        included=included,
        reason=reason,
        e164=e164,
        last_failure_code=failed.failure.code if failed and failed.failure else None,
        failure_class=recipient.latest_class or _last_class(recipient),
        attempts=len(recipient.attempts),
    )


def _last_class(recipient: RecipientHistory) -> FailureClass | None:
    for failure_class in reversed(recipient.classes):
        if failure_class is not None:
            return failure_class
    return None
