"""Run a generator a step per event-loop turn, so the window repaints and takes input between
steps: how long work that must happen on the GUI thread (building the window's second part, a
chart) is cut up instead of stalling it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


class StepRunner(QObject):
    """Runs a generator one step per event-loop turn, so the window repaints and takes input
    between steps. ``failed`` carries the error of a step that raised (the rest is not run)."""

    finished = Signal()
    failed = Signal(str)

    def __init__(self, steps: Iterator[object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps = steps
        self._stopped = False

    def start(self) -> None:
        QTimer.singleShot(0, self, self._next)

    def stop(self) -> None:
        """Run no further step (the one running, if any, finishes)."""
        self._stopped = True

    def _next(self) -> None:
        if self._stopped:
            return
        try:
            next(self._steps)
        except StopIteration:
            self.finished.emit()
            return
        except Exception as exc:
            log.exception("step failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        QTimer.singleShot(0, self, self._next)
