"""What happens to each recipient, attempt by attempt: the scenario's outcome mix.

An :class:`OutcomeMix` describes a campaign's luck (how often a call fails, and how) and its
platform's retry behaviour; :func:`scripts_for` rolls it into one :data:`~.progression.Script`
per recipient. The retry policy is applied here, as the platform would apply it: a failure is
retried only while its code is in ``retryable_codes`` and attempts remain, except where a
scenario reproduces a platform bug (``retry_permanent_until``).
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from triage_gui.simulator.failure_codes import TRANSIENT_CODES, Failure, failure
from triage_gui.simulator.population import UploadRow
from triage_gui.simulator.progression import Script, Step

# How long each kind of call lasts, in seconds (low, mode, high).
_TALK = (20.0, 45.0, 200.0)
_RING_OUT = {"provider_timeout": (30.0, 32.0), "no_answer": (30.0, 45.0)}
_QUICK = (1.0, 6.0)

STANDARD_TRANSIENT: tuple[tuple[str, float], ...] = (
    ("busy", 3.0),
    ("no_answer", 4.0),
    ("provider_timeout", 1.0),
    ("temporarily_unavailable", 1.0),
    ("network_error", 0.5),
    ("rate_limited", 0.5),
)
STANDARD_PERMANENT: tuple[tuple[str, float], ...] = (
    ("invalid_number", 2.0),
    ("number_not_in_service", 3.0),
    ("declined", 2.0),
    ("do_not_call", 1.0),
    ("carrier_blocked", 0.5),
)
# A plausible policy that disagrees with the contract once: it retries ``busy`` but not
# ``no_answer`` (both transient), so unanswered calls are never retried.
STANDARD_RETRYABLE = (
    "provider_timeout",
    "temporarily_unavailable",
    "rate_limited",
    "network_error",
    "busy",
)


@dataclass(frozen=True)
class OutcomeMix:
    transient: float = 0.04  # chance an attempt fails transiently
    permanent: float = 0.015  # chance a recipient fails permanently on every attempt
    transient_codes: tuple[tuple[str, float], ...] = STANDARD_TRANSIENT
    permanent_codes: tuple[tuple[str, float], ...] = STANDARD_PERMANENT
    max_attempts: int = 3
    retryable_codes: tuple[str, ...] = STANDARD_RETRYABLE
    retry_delay: tuple[float, float] = (180.0, 420.0)
    wrong_flag: float = 0.03  # share of failures whose server flag is wrong or missing
    retry_permanent_until: tuple[int, int] | None = None  # bug: permanent failures retried
    exhaust: float = 0.0  # share of recipients failing transiently until max_attempts
    exhaust_codes: tuple[tuple[str, float], ...] = (("provider_timeout", 2.0), ("busy", 1.0))


@lru_cache(maxsize=64)
def _cumulative(weighted: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    codes = [c for c, _ in weighted]
    total = sum(w for _, w in weighted)
    return codes, list(accumulate(w / total for _, w in weighted))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    codes, cumulative = _cumulative(weighted)
    return codes[min(bisect(cumulative, rng.random()), len(codes) - 1)]


def _failure(rng: random.Random, code: str, mix: OutcomeMix) -> Failure:
    variant = int(rng.random() * 4)
    if rng.random() < mix.wrong_flag:
        # Half missing, half the opposite of the truth: both happen on real platforms.
        flag = None if rng.random() < 0.5 else code not in TRANSIENT_CODES
        return failure(code, variant, flag=flag)
    return failure(code, variant)


def _duration(rng: random.Random, outcome: Failure | None) -> float:
    if outcome is None:
        low, mode, high = _TALK
        return rng.triangular(low, high, mode)
    if outcome.code in _RING_OUT:
        return rng.uniform(*_RING_OUT[outcome.code])
    return rng.uniform(*_QUICK)


def script(rng: random.Random, mix: OutcomeMix, forced: Failure | None = None) -> Script:
    """One recipient's attempts. ``forced``: every attempt fails like this (unreachable cell)."""
    steps: list[Step] = []
    permanent_code = None
    if forced is None and rng.random() < mix.permanent:
        permanent_code = _pick(rng, mix.permanent_codes)
    exhausting = forced is None and permanent_code is None and rng.random() < mix.exhaust
    loops = mix.retry_permanent_until
    permanent_attempts = rng.randint(*loops) if loops else 1
    attempt = 0
    while True:
        attempt += 1
        low, high = mix.retry_delay
        delay = low + (high - low) * rng.random()
        if forced is not None:
            steps.append((forced, _duration(rng, forced), delay))
            return steps
        if permanent_code is not None:
            outcome = _failure(rng, permanent_code, mix)
            steps.append((outcome, _duration(rng, outcome), delay))
            if attempt < permanent_attempts:
                continue
            return steps
        if exhausting:
            outcome = _failure(rng, _pick(rng, mix.exhaust_codes), mix)
            steps.append((outcome, _duration(rng, outcome), delay))
            if attempt < mix.max_attempts:
                continue
            return steps
        if rng.random() < mix.transient:
            outcome = _failure(rng, _pick(rng, mix.transient_codes), mix)
            steps.append((outcome, _duration(rng, outcome), delay))
            if outcome.code in mix.retryable_codes and attempt < mix.max_attempts:
                continue
            return steps
        steps.append((None, _duration(rng, None), delay))
        return steps


def scripts_for(rng: random.Random, rows: list[UploadRow], mix: OutcomeMix) -> list[Script]:
    """A script per row; a cell the platform could not normalise fails at once, for good."""
    unreachable_empty = failure("payload_invalid")
    unreachable = failure("invalid_number", 0)
    return [
        script(rng, mix)
        if row.e164 is not None
        else script(rng, mix, unreachable_empty if not row.cell.strip() else unreachable)
        for row in rows
    ]
