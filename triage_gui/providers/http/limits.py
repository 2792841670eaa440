"""How much a server may make the client read, and for how long.

httpx's timeouts are per read: a server that drips a byte every few seconds never trips them.
So each call of the client has an overall deadline (every attempt and wait between attempts
included), each paged fetch (all its pages) a total one, and every answer's body is read with
a cap on its *decoded* size (a gzip bomb counts at its inflated size), while streaming.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MIB = 1024 * 1024
PLAUSIBLE_CLOCK_SKEW_S = 24 * 3600.0  # a server clock further off than this is broken, not skewed


@dataclass(frozen=True)
class ClientLimits:
    """The client's bounds; every default can be set per client (``BatchApiClient(limits=)``).

    - ``max_body_bytes``: the largest decoded body of one answer (a page of 500 calls is well
      under 1 MB; an upload's content is streamed but counted the same way).
    - ``request_deadline_s``: one call (``get_job``, one page), all attempts and waits included.
    - ``fetch_deadline_s``: one paged fetch (``iter_calls``...) or one upload stream, in all.
    - ``max_error_body_bytes``: how much of an error answer is read (the rest is ignored).
    - ``clock_plausibility_s``: a server ``Date`` further than this from the workstation's
      clock is not believed (the workstation's clock is used, the skew is reported). None: no
      bound (the demo, whose simulated clock runs faster than the wall clock).
    """

    max_body_bytes: int = 64 * MIB
    request_deadline_s: float = 60.0
    fetch_deadline_s: float = 600.0
    max_error_body_bytes: int = 1 * MIB
    clock_plausibility_s: float | None = PLAUSIBLE_CLOCK_SKEW_S

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "request_deadline_s", "fetch_deadline_s", "max_error_body_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClientLimits.{name} must be positive")
        if self.clock_plausibility_s is not None and not self.clock_plausibility_s > 0:
            raise ValueError("ClientLimits.clock_plausibility_s must be positive (or None: no bound)")


DEFAULT_LIMITS = ClientLimits()


class Deadline:
    """A point in (monotonic) time by which something must be over."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds  # the budget, for messages
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(self._end - self._clock(), 0.0)

    @property
    def expired(self) -> bool:
        return self._clock() >= self._end

    def within(self, other: Deadline | None) -> Deadline:
        """The earlier of this deadline and ``other``."""
        return self if other is None or self._end <= other._end else other

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g} s, {self.remaining():.1f} s left)"
