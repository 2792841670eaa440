"""The cohort of a targeted retry: who will be dialled again, chosen from a :class:`RetryPlan`.

The runbook: "Retry a small sample cohort before full relaunch", "Do not mass-retry invalid
numbers or permanently failed payloads", and "Retries are controlled and non-duplicative". So
a cohort starts from the plan's sample (10–20 recipients), then its remainder; the agent may
deselect recipients, a failure code or a failure class; and :func:`validate_cohort` refuses
what would dial someone who must not be dialled (a permanent failure, a number twice, someone
already reached or already in another retry) unless the agent writes why (an override).

The ``Idempotency-Key`` is derived from (workspace, job, cohort) alone, never from a clock or
a random number: whoever computes it again, after a crash, on another machine or by a double
click, gets the same key, and the server answers it with the job it already created.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.checks.permits_dispatch import dispatch_blocked_text
from triage_gui.domain.dispatch_monitor import MonitorKind, MonitorVerdict
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.phones import normalise
from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan
from triage_gui.domain.retry_planning import plan_region

MIN_OVERRIDE_REASON = 10  # characters: "ok" is not a reason anyone can audit later
KEY_PREFIX = "triage-"
KEY_HEX_CHARS = 40
# What the platform writes when it could normalise a number: taken as is (no parsing per call).
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class CohortPhase(StrEnum):
    SAMPLE = "sample"
    REMAINDER = "remainder"
    CUSTOM = "custom"


class CohortMember(BaseModel):
    """One recipient considered for this cohort, in or out, and why."""

    model_config = ConfigDict(frozen=True)

    recipient_id: str
    selected: bool
    reason: str  # "transient failure" when selected; else why it is out
    e164: str | None = None
    last_failure_code: str | None = None
    failure_class: FailureClass | None = None
    attempts: int = 0


class Cohort(BaseModel):
    """An immutable selection; every change returns a new cohort (undo is keeping the old one)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    job_id: str
    phase: CohortPhase = CohortPhase.SAMPLE
    members: list[CohortMember] = Field(default_factory=list)  # by recipient id

    @property
    def recipient_ids(self) -> list[str]:
        """The recipients who will be dialled, sorted (the order the key is derived from)."""
        return sorted(m.recipient_id for m in self.members if m.selected)

    @property
    def size(self) -> int:
        return sum(1 for m in self.members if m.selected)

    @property
    def key(self) -> str:
        return idempotency_key(self.workspace_id, self.job_id, self.recipient_ids)

    def member(self, recipient_id: str) -> CohortMember | None:
        return next((m for m in self.members if m.recipient_id == recipient_id), None)

    def reasons(self) -> dict[str, str]:
        """recipient id -> why it is in or out."""
        return {m.recipient_id: m.reason for m in self.members}

    def deselect(self, recipient_ids: Iterable[str], reason: str = "deselected by the agent") -> Cohort:
        chosen = set(recipient_ids)
        return self._replace(lambda m: m.recipient_id in chosen and m.selected, selected=False, reason=reason)

    def deselect_code(self, code: str) -> Cohort:
        wanted = code.strip().lower()
        return self._replace(
            lambda m: m.selected and (m.last_failure_code or "").lower() == wanted,
            selected=False,
            reason=f"failure code {wanted} deselected",
        )

    def deselect_class(self, failure_class: FailureClass | str) -> Cohort:
        wanted = FailureClass(failure_class)
        return self._replace(
            lambda m: m.selected and m.failure_class is wanted,
            selected=False,
            reason=f"{wanted.value} failures deselected",
        )

    def select(self, recipient_ids: Iterable[str], reason: str = "added by the agent") -> Cohort:
        """Put recipients in (also ones the plan left out: :func:`validate_cohort` judges them)."""
        chosen = list(dict.fromkeys(recipient_ids))
        wanted = set(chosen)
        known = {m.recipient_id for m in self.members}
        cohort = self._replace(lambda m: m.recipient_id in wanted and not m.selected, selected=True, reason=reason)
        extra = [CohortMember(recipient_id=r, selected=True, reason=reason) for r in chosen if r not in known]
        if not extra:
            return cohort
        members = sorted([*cohort.members, *extra], key=lambda m: m.recipient_id)
        return cohort.model_copy(update={"members": members, "phase": CohortPhase.CUSTOM})

    def _replace(self, match: Callable[[CohortMember], bool], **changes: object) -> Cohort:
        members = [m.model_copy(update=changes) if match(m) else m for m in self.members]
        return self.model_copy(update={"members": members})


def propose_cohort(
    plan: RetryPlan,
    workspace_id: str,
    job_id: str,
    phase: CohortPhase | str = CohortPhase.SAMPLE,
    *,
    already_retried: Mapping[str, str] | None = None,
    exclude_codes: Iterable[str] = (),
) -> Cohort:
    """The plan's sample (or remainder), without anyone already in a launched retry of the job.

    Members include every candidate of the plan, so the agent sees why each one is out.
    ``already_retried`` maps recipient id -> the retry (key or job id) that already has it.
    """
    phase = CohortPhase(phase)
    retried = dict(already_retried or {})
    wanted = set(plan.sample_ids if phase is CohortPhase.SAMPLE else plan.remainder_ids)
    sample = set(plan.sample_ids)
    codes = {c.strip().lower() for c in exclude_codes}
    members: list[CohortMember] = []
    for candidate in plan.candidates:
        rid = candidate.recipient_id
        if not candidate.included:
            reason = candidate.reason
        elif rid in retried:
            reason = f"already in retry {retried[rid]}"
        elif rid not in wanted:
            reason = "in the sample" if rid in sample else "in the remainder, after the sample"
        elif (candidate.last_failure_code or "").lower() in codes:
            reason = f"failure code {candidate.last_failure_code} deselected"
        else:
            reason = ""
        members.append(_member(candidate, selected=not reason, reason=reason or candidate.reason))
    members.sort(key=lambda m: m.recipient_id)
    return Cohort(workspace_id=workspace_id, job_id=job_id, phase=phase, members=members)


def _member(candidate: RetryCandidate, *, selected: bool, reason: str) -> CohortMember:
    return CohortMember(
        recipient_id=candidate.recipient_id,
        selected=selected,
        reason=reason,
        e164=candidate.e164,
        last_failure_code=candidate.last_failure_code,
        failure_class=candidate.failure_class,
        attempts=candidate.attempts,
    )


# -- validation ----------------------------------------------------------------------------


class ProblemKind(StrEnum):
    EMPTY = "empty_cohort"
    UNKNOWN_RECIPIENT = "unknown_recipient"
    PERMANENT_FAILURE = "permanent_failure"
    UNKNOWN_FAILURE_CLASS = "unknown_failure_class"
    ALREADY_SUCCEEDED = "already_succeeded"
    DUPLICATE_NUMBER = "duplicate_number"
    ALREADY_RETRIED = "already_retried"
    STILL_IN_FLIGHT = "still_in_flight"
    PLAN_ON_HOLD = "plan_on_hold"
    SAMPLE_NOT_LAUNCHED = "sample_not_launched"
    SAMPLE_NOT_HEALTHY = "sample_not_healthy"
    RETRY_IN_PROGRESS = "retry_in_progress"  # an earlier retry job of this job is not finished
    IN_UNFINISHED_RETRY = "in_unfinished_retry"  # recipients an unfinished retry job still has
    UNFINISHED_RETRY_UNSEEN = "unfinished_retry_unseen"  # an unfinished retry job whose recipients are not all known
    DISPATCH_BLOCKED = "dispatch_blocked"  # the job's dispatch is blocked by permits: a retry would wait too


# Problems no written reason can lift: the server would refuse them, or there is nothing to send.
NOT_OVERRIDABLE = frozenset(
    {
        ProblemKind.EMPTY,
        ProblemKind.UNKNOWN_RECIPIENT,
        ProblemKind.IN_UNFINISHED_RETRY,
        ProblemKind.UNFINISHED_RETRY_UNSEEN,
    }
)


class CohortProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ProblemKind
    message: str
    recipient_ids: list[str] = Field(default_factory=list)

    @property
    def overridable(self) -> bool:
        return self.kind not in NOT_OVERRIDABLE


def validate_cohort(
    cohort: Cohort,
    plan: RetryPlan,
    data: IncidentData,
    *,
    already_retried: Mapping[str, str] | None = None,
    settings: AnalysisSettings | None = None,
) -> list[CohortProblem]:
    """Everything that would make this launch dial someone it must not; empty = good to go.

    ``already_retried``: recipient id -> the retry launched earlier for this job that has it
    (from the retry ledger and the job's retry children).
    """
    ids = cohort.recipient_ids
    if not ids:
        return [CohortProblem(kind=ProblemKind.EMPTY, message="The cohort is empty: nobody would be called.")]
    history = CallHistory.build(data.calls, data.events)
    candidates = {c.recipient_id: c for c in plan.candidates}
    region = plan_region(data, settings or AnalysisSettings())
    found: dict[ProblemKind, list[str]] = defaultdict(list)
    numbers: dict[str, list[str]] = defaultdict(list)
    succeeded_numbers = {
        _e164(r.phone_number, region) for r in history.recipients.values() if r.succeeded and r.phone_number
    }
    retried = already_retried or {}
    for rid in ids:
        recipient = history.recipients.get(rid)
        if recipient is None:
            found[ProblemKind.UNKNOWN_RECIPIENT].append(rid)
            continue
        candidate = candidates.get(rid)
        e164 = (candidate.e164 if candidate else None) or _e164(recipient.phone_number, region)
        if e164:
            numbers[e164].append(rid)
        if recipient.succeeded or (e164 and e164 in succeeded_numbers):
            found[ProblemKind.ALREADY_SUCCEEDED].append(rid)
        elif recipient.in_flight or history.retry_pending(recipient):
            found[ProblemKind.STILL_IN_FLIGHT].append(rid)
        elif recipient.latest_class is FailureClass.PERMANENT:
            found[ProblemKind.PERMANENT_FAILURE].append(rid)
        elif recipient.latest_class is not FailureClass.TRANSIENT:
            found[ProblemKind.UNKNOWN_FAILURE_CLASS].append(rid)
        if rid in retried:
            found[ProblemKind.ALREADY_RETRIED].append(rid)
    for group in numbers.values():
        if len(group) > 1:
            found[ProblemKind.DUPLICATE_NUMBER].extend(group)

    problems = [
        CohortProblem(kind=kind, message=_MESSAGES[kind](found[kind], retried), recipient_ids=sorted(found[kind]))
        for kind in ProblemKind
        if found.get(kind)
    ]
    if plan.hold:
        problems.append(
            CohortProblem(
                kind=ProblemKind.PLAN_ON_HOLD,
                message=f"The retry plan is on hold: {plan.hold_reason or 'transient failures above the threshold'}.",
            )
        )
    blocked = dispatch_blocked_text(data, settings or AnalysisSettings())
    if blocked is not None:  # a retry launched now waits behind the same permits
        problems.append(CohortProblem(kind=ProblemKind.DISPATCH_BLOCKED, message=blocked))
    return problems


def _e164(raw: str, region: str | None) -> str | None:
    if not raw:
        return None
    if _E164.match(raw):
        return raw
    return normalise(raw, region).e164 or raw.strip()


def _count(ids: list[str]) -> str:
    return f"{len(ids)} recipient{'s' if len(ids) != 1 else ''}"


def _already_retried(ids: list[str], retried: Mapping[str, str]) -> str:
    where = sorted({retried[r] for r in ids if r in retried})
    return f"{_count(ids)} already in another retry of this job ({', '.join(where[:3])}): they would be called twice."


# (recipient ids with the problem, recipient id -> the retry already holding it) -> message
_MESSAGES: dict[ProblemKind, Callable[[list[str], Mapping[str, str]], str]] = {
    ProblemKind.EMPTY: lambda ids, _r: "The cohort is empty.",
    ProblemKind.UNKNOWN_RECIPIENT: lambda ids, _r: (
        f"{_count(ids)} not in this job (unknown ids): the server refuses them."
    ),
    ProblemKind.PERMANENT_FAILURE: lambda ids, _r: (
        f"{_count(ids)} failed permanently (invalid number, do-not-call, blocked…): the runbook says not to retry them."
    ),
    ProblemKind.UNKNOWN_FAILURE_CLASS: lambda ids, _r: (
        f"{_count(ids)} failed for a reason that is neither clearly transient nor permanent: check them by hand."
    ),
    ProblemKind.ALREADY_SUCCEEDED: lambda ids, _r: (
        f"{_count(ids)} already reached (succeeded, in this job or under another id with the same number)."
    ),
    ProblemKind.DUPLICATE_NUMBER: lambda ids, _r: f"{_count(ids)} share a phone number with another cohort member.",
    ProblemKind.ALREADY_RETRIED: _already_retried,
    ProblemKind.STILL_IN_FLIGHT: lambda ids, _r: (
        f"{_count(ids)} still queued, in progress or scheduled for a retry by the platform itself."
    ),
    ProblemKind.PLAN_ON_HOLD: lambda ids, _r: "The retry plan is on hold.",
}


def remainder_problems(sample_retry_job_id: str | None, sample_verdict: MonitorVerdict | None) -> list[CohortProblem]:
    """The runbook's order: the remainder goes only after the sample's first dispatches are healthy."""
    if sample_retry_job_id is None:
        return [
            CohortProblem(
                kind=ProblemKind.SAMPLE_NOT_LAUNCHED,
                message="No sample retry was launched for this job: launch the sample first and watch its first dispatches.",
            )
        ]
    if sample_verdict is None or sample_verdict.kind is not MonitorKind.HEALTHY:
        kind = sample_verdict.kind.value if sample_verdict else "not judged"
        return [
            CohortProblem(
                kind=ProblemKind.SAMPLE_NOT_HEALTHY,
                message=f"The sample retry {sample_retry_job_id} is {kind.replace('_', ' ')}, not healthy"
                + (f": {sample_verdict.next_action}" if sample_verdict else "."),
            )
        ]
    return []


def override_is_valid(reason: str | None) -> bool:
    return reason is not None and len(reason.strip()) >= MIN_OVERRIDE_REASON


def blocking_problems(problems: Iterable[CohortProblem], override_reason: str | None) -> list[CohortProblem]:
    """The problems still standing after the agent's written override (if it is long enough)."""
    overridden = override_is_valid(override_reason)
    return [p for p in problems if not (overridden and p.overridable)]


# -- the key and the confirmation ---------------------------------------------------------


def idempotency_key(workspace_id: str, job_id: str, recipient_ids: Iterable[str]) -> str:
    """``triage-`` + 40 hex digits of SHA-256 over the workspace, the job and the sorted ids.

    Order and repeats of the ids do not matter: the same set is the same cohort.
    """
    ids = sorted(set(recipient_ids))
    digest = hashlib.sha256("\n".join([workspace_id, job_id, *ids]).encode("utf-8")).hexdigest()
    return KEY_PREFIX + digest[:KEY_HEX_CHARS]


def mask_number(number: str | None) -> str:
    """Only the last two digits stay: enough to tell numbers apart on a call, not to dial."""
    if not number:
        return "(no number)"
    digits = [c for c in number if c.isdigit()]
    if len(digits) <= 2:
        return "*" * len(digits)
    return ("+" if number.strip().startswith("+") else "") + "*" * (len(digits) - 2) + "".join(digits[-2:])


def confirmation_text(cohort: Cohort, *, override_reason: str | None = None, limit: int = 20) -> str:
    """What the agent confirms before the launch: how many, who, with masked numbers."""
    selected = [m for m in cohort.members if m.selected]
    n = len(selected)
    lines = [
        f"Launch a retry of job {cohort.job_id} (workspace {cohort.workspace_id}): "
        f"{n} recipient{'s' if n != 1 else ''} will be called again ({cohort.phase.value}).",
    ]
    for m in selected[:limit]:
        failure = f", last failure {m.last_failure_code}" if m.last_failure_code else ""
        lines.append(f"  {m.recipient_id}  {mask_number(m.e164)}{failure}")
    if n > limit:
        lines.append(f"  … and {n - limit} more")
    if override_reason:
        lines.append(f"Override, recorded with the launch: {override_reason.strip()}")
    lines.append(f"Idempotency key: {cohort.key} (a repeat of this launch never creates a second job).")
    return "\n".join(lines)


def cohort_csv_rows(cohort: Cohort) -> list[dict[str, str]]:
    """Rows for operators who relaunch from their own console: id, masked number, last failure."""
    return [
        {
            "recipient_id": m.recipient_id,
            "masked_number": mask_number(m.e164),
            "last_failure": m.last_failure_code or "",
            "failure_class": m.failure_class.value if m.failure_class else "",
        }
        for m in cohort.members
        if m.selected
    ]
