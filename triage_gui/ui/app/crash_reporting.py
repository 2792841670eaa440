"""What the app does with an error nobody caught: the scrubbed log, and a plain dialog.

An exception raised in a slot (or on a worker thread) would otherwise reach only stderr, raw:
no log file, so no diagnostics bundle, and no word to the agent. Here every such exception is
written to the log (through its scrub filter: tokens and phone numbers redacted), and the agent
sees one plain dialog, at most one at a time. Qt's own warnings go to the same log, and a fatal
signal's Python stack is appended to ``faults.log`` in the log folder (``faulthandler``).
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("triage_gui.crash")
qt_log = logging.getLogger("qt")

FAULTS_FILE = "faults.log"
MAX_SHOWN = 300  # characters of the error shown in the dialog (the log has all of it)

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class CrashReporter:
    """Installs the hooks; :meth:`uninstall` puts the previous ones back (tests, shutdown)."""

    def __init__(self, parent: Callable[[], QWidget | None], redact: Callable[[str], str]) -> None:
        self._parent = parent
        self._redact = redact
        self._showing = False
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._fault_file: IO[str] | None = None
        self._previous_qt_handler: Callable[..., None] | None = None
        self._faulthandler_was_on = False
        self.dialog: QMessageBox | None = None
        self.reported = 0

    def install(self, log_dir: Path | None = None) -> None:
        sys.excepthook = self._on_exception
        threading.excepthook = self._on_thread_exception
        self._previous_qt_handler = qInstallMessageHandler(_to_log)
        if log_dir is not None:
            try:
                log_dir.mkdir(parents=True, exist_ok=True)
                self._fault_file = open(log_dir / FAULTS_FILE, "a", encoding="utf-8")  # noqa: SIM115 - kept open for a fatal signal
                self._faulthandler_was_on = faulthandler.is_enabled()
                faulthandler.enable(file=self._fault_file)
            except OSError as exc:
                log.warning("no fault log: %s", exc)

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook
        qInstallMessageHandler(self._previous_qt_handler)
        if self._fault_file is not None:
            faulthandler.disable()
            if self._faulthandler_was_on and sys.__stderr__ is not None:
                faulthandler.enable(file=sys.__stderr__)  # as it was (e.g. a test runner's), to stderr
            self._fault_file.close()
            self._fault_file = None

    # -- the hooks ----------------------------------------------------------------------------
    def _on_exception(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, error, tb)
            return
        self.reported += 1
        log.critical("unexpected error: %s", error, exc_info=(kind, error, tb))
        # A slot's exception arrives inside Qt's event dispatch: show the dialog afterwards.
        QTimer.singleShot(0, lambda: self._show(kind, error))

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.reported += 1
        name = args.thread.name if args.thread is not None else "?"
        log.critical(
            "unexpected error on thread %s: %s",
            name,
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    def _show(self, kind: type[BaseException], error: BaseException) -> None:
        if self._showing or QApplication.instance() is None:
            return  # one at a time: the log has every one
        self._showing = True
        text = self._redact(f"{kind.__name__}: {error}")
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + "…"
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Something went wrong",
            "Outbound Triage hit an unexpected error. Your case is autosaved; you can go on working.",
            QMessageBox.StandardButton.Ok,
            self._parent(),
        )
        box.setInformativeText(
            f"{text}\n\nThe details are in the log, and in the diagnostics bundle when you export one."
        )
        box.setAccessibleName("Unexpected error")
        box.finished.connect(self._closed)
        box.open()
        self.dialog = box

    def _closed(self, _result: int) -> None:
        self._showing = False


def _to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.category})" if context.category and context.category != "default" else ""
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s%s", message, where)
