"""Fault injection: make the next N matching requests slow, failing, malformed or dropped.

Tests add a :class:`Fault` to ``sim.faults``; the HTTP handler asks :meth:`FaultSet.take` for
each request and applies the first matching fault that still has firings left.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal[
    "latency",  # wait ``seconds``, then answer normally
    "status",  # answer ``status`` (5xx by default) as problem+json, ``Retry-After`` if set
    "rate_limit",  # 429 with ``Retry-After: retry_after`` (1 s by default)
    "malformed_json",  # 200 with the real body cut in half (Content-Length matches the cut)
    "invalid_shape",  # 200 with valid JSON of the wrong shape
    "drop",  # close the connection without answering
    "delay_after_processing",  # do the work (e.g. create the job), then wait ``seconds``
]
FAULT_KINDS: tuple[str, ...] = (
    "latency",
    "status",
    "rate_limit",
    "malformed_json",
    "invalid_shape",
    "drop",
    "delay_after_processing",
)


@dataclass
class Fault:
    kind: FaultKind
    path: str = ".*"  # regex, searched in the request path (without the query string)
    method: str | None = None  # None: any method
    times: int | None = 1  # None: until cleared
    seconds: float = 0.0  # latency / delay_after_processing
    status: int = 503
    retry_after: int | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 (or None for until cleared)")
        self._pattern = re.compile(self.path)
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self._pattern.search(path))


class FaultSet:
    """The simulator's active faults (thread-safe)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str, str]] = []  # (kind, method, path), for assertions

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, counting one firing; None if no fault applies."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    self.fired.append((fault.kind, method, path))
                    return fault
        return None
