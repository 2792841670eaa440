"""Autosave: every change to the open case reaches the disk within seconds, without blocking.

``case_changed`` marks the case dirty; :class:`SaveDebounce` says when to write (after a quiet
moment, never later than ``max_wait_s`` after the first unsaved change). The case is copied on
the GUI thread (the poller keeps appending snapshots to it) and the copy is written by
``CaseStore.save`` on the controller's ``BackgroundRunner``. One lock serialises the writes, so
a background save and :meth:`CaseAutosaver.flush` (called on close, on the GUI thread) never
write the same file at once. A case replaced by another (New case, reopen) is still saved:
dirty cases are kept by ID until written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from triage_gui.domain.case import Case
from triage_gui.store.case_store import CaseStore, CaseStoreError, SaveDebounce
from triage_gui.ui.case.controller import CaseController

log = logging.getLogger(__name__)


def worth_saving(case: Case) -> bool:
    """A blank new case (no job, nothing typed) is not kept: it would only clutter the list."""
    return bool(case.inputs.job_id or case.notes or case.form_edits or case.screenshots)


class CaseAutosaver(QObject):
    saved = Signal(str)  # case ID
    save_failed = Signal(str)  # a message for the agent

    def __init__(
        self,
        controller: CaseController,
        store: CaseStore,
        *,
        debounce: SaveDebounce | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.store = store
        self.debounce = debounce or SaveDebounce()
        self._monotonic = monotonic
        self._dirty: dict[str, Case] = {}
        self._write_lock = threading.Lock()
        self._written_at: dict[str, object] = {}  # case id -> updated_at of the newest copy written
        self._in_flight = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_due)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self.controller.case_changed.connect(self.mark_dirty)
            self._started = True

    @property
    def pending(self) -> bool:
        """Changes not yet handed to a writer."""
        return bool(self._dirty)

    @property
    def busy(self) -> bool:
        """A write is running on the background runner."""
        return self._in_flight > 0

    @Slot()
    def mark_dirty(self) -> None:
        case = self.controller.case
        self._dirty[case.case_id] = case
        self.debounce.changed(self._monotonic())
        self._schedule()

    def _schedule(self) -> None:
        due = self.debounce.due_at()
        if due is None:
            return
        wait_ms = max(0, int((due - self._monotonic()) * 1000))
        self._timer.start(wait_ms)

    @Slot()
    def _on_due(self) -> None:
        if not self.debounce.is_due(self._monotonic()):
            self._schedule()
            return
        copies = self._take_copies()
        if not copies:
            return
        self._in_flight += 1
        self.controller.runner.run(
            lambda _ctx: self._write(copies), self._on_saved, lambda error: self._on_failed(error, copies)
        )

    def _take_copies(self) -> list[Case]:
        """Deep copies of the dirty cases, made here on the GUI thread; the debounce restarts, so
        a change made while the copies are written is saved next time."""
        copies = [copy_for_save(case) for case in self._dirty.values() if worth_saving(case)]
        self._dirty.clear()
        self.debounce.saved()
        return copies

    def _write(self, cases: list[Case]) -> list[str]:
        with self._write_lock:
            for case in cases:
                newest = self._written_at.get(case.case_id)
                if newest is not None and case.updated_at < newest:  # type: ignore[operator]
                    continue  # a queued older copy must never overwrite a newer save
                self.store.save(case)
                self._written_at[case.case_id] = case.updated_at
        return [case.case_id for case in cases]

    def _on_saved(self, case_ids: list[str]) -> None:
        self._in_flight -= 1
        for case_id in case_ids:
            self.saved.emit(case_id)

    def _on_failed(self, error: BaseException, copies: list[Case]) -> None:
        self._in_flight -= 1
        log.error("autosave failed: %s", error)
        self.save_failed.emit(f"The case could not be saved: {error}. It will be tried again.")
        # Still unsaved: the open case itself (it may have changed since), else the copy.
        live = self.controller.case
        for copy in copies:
            self._dirty.setdefault(copy.case_id, live if live.case_id == copy.case_id else copy)
        self.debounce.changed(self._monotonic())
        self._schedule()

    def flush(self) -> bool:
        """Write what is unsaved now, on the calling (GUI) thread, after any write in progress.
        For closing the window; returns False when the save failed (the error is logged)."""
        self._timer.stop()
        copies = self._take_copies()
        if not copies:
            with self._write_lock:  # let a background write that is under way finish first
                return True
        try:
            for case_id in self._write(copies):
                self.saved.emit(case_id)
        except (OSError, CaseStoreError) as exc:
            log.error("saving the case on close failed: %s", exc)
            self.save_failed.emit(f"The case could not be saved: {exc}")
            return False
        return True


def copy_for_save(case: Case) -> Case:
    """A copy the writer thread can own, made on the GUI thread. The report is shared, not
    copied: it is frozen and only ever replaced whole, and copying its retry plan (thousands of
    recipients) was the GUI thread's longest stall while a 10k-recipient case loaded (~150 ms)."""
    copy = case.model_copy(update={"report": None}).model_copy(deep=True)
    copy.report = case.report
    return copy
