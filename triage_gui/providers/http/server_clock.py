"""The server's clock, from its answers' ``Date`` header, within a plausibility bound.

Stalls and ages are judged on the server's clock (the workstation's may be wrong). But a
``Date`` of 1990 or 2100 is not a clock, it is a broken server: beyond the bound (24 h by
default) the workstation's clock is used instead, and the measured skew is kept (signed
seconds, server minus workstation) with ``rejected`` set, so the caller can report it.
The skew is measured and kept even when no bound is set.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from triage_gui.providers.http.error_mapping import answer_date

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ServerClock:
    def __init__(self, plausibility_s: float | None, *, now: Callable[[], datetime] = _utc_now) -> None:
        self.plausibility_s = plausibility_s
        self.skew_s: float | None = None  # last measured: server minus workstation, seconds
        self.rejected = False  # the last Date was beyond the bound (the workstation's clock is used)
        self._offset: timedelta | None = None
        self._now = now

    @property
    def known(self) -> bool:
        """True when :meth:`now` is the server's clock (a plausible ``Date`` was seen)."""
        return self._offset is not None

    def now(self) -> datetime:
        local = self._now()
        return local + self._offset if self._offset is not None else local

    def note(self, response: httpx.Response) -> None:
        server = answer_date(response)
        if server is None:
            return
        try:
            offset = server - self._now()
            skew = offset.total_seconds()
        except (OverflowError, ValueError):
            return
        if not math.isfinite(skew):
            return
        self.skew_s = skew
        if self.plausibility_s is not None and abs(skew) > self.plausibility_s:
            if not self.rejected:
                log.warning(
                    "the server's clock (Date: %s) is %+.0f s from this workstation's; using the workstation's",
                    server.isoformat(),
                    skew,
                )
            self.rejected = True
            self._offset = None
        else:
            self.rejected = False
            self._offset = offset


class ServerClockReadings:
    """What a client says of its server's clock (a mixin: the client sets ``_clock``)."""

    _clock: ServerClock

    def server_now(self) -> datetime:
        """The server's clock (from the last plausible ``Date``), else the workstation's."""
        return self._clock.now()

    @property
    def knows_server_clock(self) -> bool:
        return self._clock.known

    @property
    def server_clock_skew_s(self) -> float | None:
        """The last measured skew, server minus workstation (signed seconds); None: no Date yet."""
        return self._clock.skew_s

    @property
    def server_clock_rejected(self) -> bool:
        """True when the last ``Date`` was beyond the plausibility bound and ignored."""
        return self._clock.rejected
