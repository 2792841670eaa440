"""The support runbook for batch outbound incidents, as data, in its own words.

Every face of the app (wizard pages, ``check`` output, escalation form, bundle) quotes these
lines, so the wording here is the runbook's, verbatim; the engine decides which apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage_gui.domain.vocabulary import CheckId


@dataclass(frozen=True, slots=True)
class Symptom:
    id: str
    text: str
    checks: tuple[CheckId, ...]  # where the runbook's checks look first for this symptom


@dataclass(frozen=True, slots=True)
class CheckGuidance:
    id: CheckId
    number: int
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    level: int
    title: str
    actions: tuple[str, ...]
    lead_in: str = ""  # Level 3: "Escalate when any of these occur:"


AUDIENCE: tuple[str, ...] = (
    "Support agents handling batch outbound incidents",
    "Workspace admins/operators running outbound campaigns",
)

PREREQUISITES: tuple[str, ...] = (
    "Access to batch campaign/job views",
    "Access to batch logs or status details",
    "Campaign ID and job ID for the incident",
)

SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        "stuck_running",
        "Job stuck in running state with no completed calls",
        (CheckId.JOB_HEALTH, CheckId.PERMITS_DISPATCH),
    ),
    Symptom(
        "fewer_calls",
        "Campaign delivers far fewer calls than expected",
        (CheckId.JOB_HEALTH, CheckId.DUPLICATES),
    ),
    Symptom(
        "repeated_failures",
        "Repeated call failures for a large contact segment",
        (CheckId.RETRY_STRATEGY, CheckId.PERMITS_DISPATCH),
    ),
    Symptom(
        "duplicate_calls",
        "Duplicate-call concerns after retries",
        (CheckId.DUPLICATES, CheckId.PERMITS_DISPATCH),
    ),
)

CHECKS: tuple[CheckGuidance, ...] = (
    CheckGuidance(
        CheckId.JOB_HEALTH,
        1,
        "Confirm job health and stage",
        (
            "Open the affected job and record current status.",
            "Confirm whether progress counters are moving.",
            "Compare expected contacts vs processed contacts.",
        ),
    ),
    CheckGuidance(
        CheckId.PERMITS_DISPATCH,
        2,
        "Validate permit and dispatch behavior",
        (
            "Check whether dispatch is blocked by permit/concurrency limits.",
            "Confirm retries are occurring for transient failures.",
            "Verify that non-retryable failures are not being retried indefinitely.",
        ),
    ),
    CheckGuidance(
        CheckId.DUPLICATES,
        3,
        "Check duplicate prevention behavior",
        (
            "Confirm there is no duplicate job run started unintentionally.",
            "Verify repeated deliveries are deduplicated at dispatch layer.",
            "Ensure recipients are not duplicated in upload source.",
        ),
    ),
    CheckGuidance(
        CheckId.RETRY_STRATEGY,
        4,
        "Determine retry strategy",
        (
            "Retry only when failures are transient (provider timeout, temporary unavailability).",
            "Do not mass-retry invalid numbers or permanently failed payloads.",
            "Prefer targeted retries for affected subset when possible.",
        ),
    ),
)

LEVELS: tuple[EscalationLevel, ...] = (
    EscalationLevel(
        1,
        "Operator self-service",
        (
            "Recheck job configuration (agent, number, campaign, upload).",
            "Validate contact file quality for malformed/duplicate numbers.",
            "Retry a small sample cohort before full relaunch.",
        ),
    ),
    EscalationLevel(
        2,
        "Support-assisted recovery",
        (
            "Confirm permit/concurrency symptoms and dispatch progression.",
            "Collect structured diagnostics (below) from customer.",
            "Recommend corrected retry path and monitor first 10-20 dispatches.",
        ),
    ),
    EscalationLevel(
        3,
        "Engineering escalation",
        (
            "Job remains stalled after validated retry path",
            "Duplicate processing persists despite dedupe checks",
            "Provider or dispatch failures exceed expected transient threshold",
        ),
        lead_in="Escalate when any of these occur:",
    ),
)

REQUIRED_DIAGNOSTICS: tuple[str, ...] = (
    "Workspace ID",
    "Campaign ID",
    "Batch Job ID",
    "Upload ID (if applicable)",
    "Time window and timezone",
    "Symptom summary with screenshot",
    "Approximate failed vs successful counts",
)

EXPECTED_RECOVERY_OUTCOMES: tuple[str, ...] = (
    "Job progresses and completes with traceable success/failure counts",
    "Retries are controlled and non-duplicative",
    "Customer receives clear next action and ETA",
)


def check_guidance(check_id: CheckId | str) -> CheckGuidance:
    wanted = CheckId(check_id)
    return next(c for c in CHECKS if c.id is wanted)


def level(number: int) -> EscalationLevel:
    return next(item for item in LEVELS if item.level == number)
