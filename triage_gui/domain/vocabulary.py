"""The runbook's fixed words: verdicts, the four checks, the symptoms, and the contract's ID form.

Plain enums and one pattern, with no pydantic: the first window (the start page, the icons)
needs these and nothing else of the domain, so it can be drawn before the models load
(docs/performance.md, "Cold start"). Every module imports them from here (no re-exports).

Verdict meanings are fixed so verdicts are predictable (issue #3, "Decisions"):
``fail`` = this check found a cause of the incident that needs action; ``warn`` = a risk or
data-quality problem that needs a look but does not by itself explain the incident;
``pass`` = checked and fine; ``unknown`` = could not be checked (the finding says what was missing).
"""

from __future__ import annotations

from enum import StrEnum

# Opaque IDs as the contract defines them.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """Order for "worst of": fail > warn > unknown > pass."""
        return {"pass": 0, "unknown": 1, "warn": 2, "fail": 3}[self.value]

    @staticmethod
    def worst(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Verdict:
        return max(verdicts, key=lambda v: v.severity, default=Verdict.PASS)


class CheckId(StrEnum):
    """The runbook's four operational checks, in the runbook's order."""

    JOB_HEALTH = "job_health"
    PERMITS_DISPATCH = "permits_dispatch"
    DUPLICATES = "duplicates"
    RETRY_STRATEGY = "retry_strategy"


class Symptom(StrEnum):
    """The runbook's user-visible symptoms (they set emphasis; no check is ever skipped)."""

    STUCK_RUNNING = "stuck_running"
    FEWER_CALLS = "fewer_calls"
    REPEATED_FAILURES = "repeated_failures"
    DUPLICATE_CALLS = "duplicate_calls"
