"""The simulator's clock: jobs progress as simulated time runs, not as wall time does.

Tests use :class:`ManualClock` and move time on explicitly, so a "30 minutes later" check takes
no real time and never flakes. The demo and the command line use :class:`RealClock`, which runs
``speed`` times faster than the wall clock so a user can watch a job drain in minutes.

Internally every time is a float of seconds since the Unix epoch (UTC): the progression code
bisects sorted arrays of them, which is much cheaper than comparing ``datetime`` objects.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol

# A fixed start, for a session that must be reproduced to the byte (pass it explicitly).
DEFAULT_START = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def this_minute() -> datetime:
    """The current minute (UTC), whole: ``ManualClock``'s default start. A server whose clock is
    days away from the workstation's is not believed by the client (``ClientLimits``), and a
    smaller skew is reported, so the simulated time starts at the real one."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


class Clock(Protocol):
    """What the simulator needs from a clock."""

    @property
    def start(self) -> datetime: ...

    def now(self) -> datetime: ...

    def now_ts(self) -> float: ...


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the simulator clock needs a timezone-aware datetime (use UTC)")
    return moment.astimezone(UTC)


class _SimulatedClock:
    """What every clock shares: a start, and ``now`` as a datetime of ``now_ts``."""

    def __init__(self, start: datetime) -> None:
        self._start = _aware(start)

    @property
    def start(self) -> datetime:
        return self._start

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_ts(), UTC)

    def now_ts(self) -> float:
        raise NotImplementedError


class ManualClock(_SimulatedClock):
    """Simulated time that moves only when told to (``advance``)."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start if start is not None else this_minute())
        self._now = self._start.timestamp()
        self._lock = threading.Lock()

    def now_ts(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward; returns the new now."""
        if seconds < 0:
            raise ValueError("simulated time never runs backwards")
        with self._lock:
            self._now += seconds
            return datetime.fromtimestamp(self._now, UTC)


class RealClock(_SimulatedClock):
    """Simulated time that follows the wall clock, ``speed`` times faster.

    ``start`` defaults to the current wall time (whole seconds), so the demo's timestamps look
    like today's; pass one to reproduce a session.
    """

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        if start is None:
            start = datetime.fromtimestamp(int(time.time()), UTC)
        super().__init__(start)
        self._wall_origin = time.monotonic()

    def now_ts(self) -> float:
        return self._start.timestamp() + (time.monotonic() - self._wall_origin) * self.speed


_DAY_PREFIX: dict[int, str] = {}  # days since the epoch -> "YYYY-MM-DDT" (a few hundred at most)


def iso(ts: float) -> str:
    """ISO-8601 UTC with ``Z`` to whole seconds, as the contract writes timestamps.

    What ``datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")`` gives, with the
    date part formatted once per day: ``strftime`` was half the CPU of serving a 100k job's pages.
    """
    day, second = divmod(int(ts), 86_400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT")
        if len(_DAY_PREFIX) >= 4096:  # never in practice: a scenario spans days, not years
            _DAY_PREFIX.clear()
        _DAY_PREFIX[day] = prefix
    hour, rest = divmod(second, 3600)
    minute, second = divmod(rest, 60)
    return f"{prefix}{hour:02d}:{minute:02d}:{second:02d}Z"


def iso_or_none(ts: float | None) -> str | None:
    if ts is None or ts == float("inf") or ts == float("-inf"):
        return None
    return iso(ts)


def parse_iso(text: str) -> float:
    """Parse a client's timestamp; a timezone is required (``Z`` or an offset)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        raise ValueError("timestamp has no timezone (add Z)")
    return moment.timestamp()
