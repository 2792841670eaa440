"""Texts the retry tables share: the plan's counts line and the columns every cohort row ends
with (masked number, last failure, class, attempts)."""

from __future__ import annotations

from collections.abc import Callable

from triage_gui.domain.report import RetryPlan
from triage_gui.domain.retry_cohort import CohortMember

MASKED_NUMBER_TIP = "Masked: only the last 2 digits are shown"


def failure_texts(member: CohortMember, mask: Callable[[str | None], str]) -> tuple[str, str, str, str]:
    """The columns the cohort and monitor tables end with: number (masked), last failure, class, attempts."""
    return (
        mask(member.e164),
        member.last_failure_code or "—",
        member.failure_class.value if member.failure_class else "—",
        str(member.attempts),
    )


def counts_line(plan: RetryPlan) -> str:
    planned = len(plan.recipient_ids)
    text = f"{planned:,} planned"
    if planned:
        text += f" ({len(plan.sample_ids):,} in the sample)"
    excluded = sum(plan.excluded.values())
    if excluded:
        reasons = sorted(plan.excluded.items(), key=lambda kv: (-kv[1], kv[0]))
        text += f", {excluded:,} excluded: " + ", ".join(f"{r} {n:,}" for r, n in reasons)
    else:
        text += ", none excluded"
    return text
