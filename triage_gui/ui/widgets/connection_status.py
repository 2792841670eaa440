"""The live poller's state for the status bar: last poll, countdown, or the error and a retry.

An error is shown in plain words ("nothing answered at 127.0.0.1:8080 (connection refused)");
its technical text ("ConnectError: [Errno 111] Connection refused") is in the tooltip and in
"Copy error details" (right click). :func:`server_text` words the server label beside it so it
never says "Connected to" while nothing answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from triage_gui.ui.tasks.job_poller import PollState, PollStatus
from triage_gui.ui.widgets.icons import icon

ICON_SIZE = 16
TICK_MS = 1_000


def _clock_time(at: datetime) -> str:
    """Wall-clock time on the workstation (what the agent's watch says)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%H:%M:%S")


def _seconds_until(at: datetime, now: datetime) -> int:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return max(math.ceil((aware - now).total_seconds()), 0)


def server_text(label: str, base_url: str, status: PollStatus | None) -> str:
    """The server label for the status bar: "Connected to" only once a poll has answered."""
    where = label if label == base_url else f"{label} ({base_url})"
    if status is None or status.state is PollState.CONNECTING:
        return f"Server: {where}"
    if status.state is PollState.ERROR and status.unreachable:
        return f"Not connected to {where}"
    if status.state is PollState.OK:
        return f"Connected to {where}"
    return f"Server: {where}"


def error_details(status: PollStatus | None) -> str:
    """The error as the agent copies it: the plain words, then the technical text."""
    if status is None or status.state is not PollState.ERROR:
        return ""
    lines = [status.error or "Unknown error"]
    if status.detail:
        lines.append(f"Technical details: {status.detail}")
    return "\n".join(lines)


class ConnectionStatus(QWidget):
    retry_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._status: PollStatus | None = None
        self._full_text = ""

        self._icon = QLabel()
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._text = QLabel()
        self._text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._text.setMinimumWidth(120)
        self.retry = QPushButton(icon("retry"), "Retr&y now")
        self.retry.setAccessibleName("Retry the connection now")
        self.retry.setToolTip("Poll the server again now instead of waiting")
        self.retry.clicked.connect(self._retry_clicked)
        self.retry.setVisible(False)
        self.copy_action = QAction("&Copy error details", self)
        self.copy_action.setToolTip("Copy the error, with its technical text, for a ticket")
        self.copy_action.triggered.connect(self.copy_details)
        self.copy_action.setEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.addAction(self.copy_action)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self.retry)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._render)
        self.set_status(None)

    # -- API ------------------------------------------------------------------------------
    @Slot(object)
    def set_status(self, status: PollStatus | None) -> None:
        self._status = status
        counting = (
            status is not None
            and status.next_poll is not None
            and status.state
            in (
                PollState.OK,
                PollState.ERROR,
                PollState.CONNECTING,
            )
        )
        if counting and not self._tick.isActive():
            self._tick.start()
        elif not counting:
            self._tick.stop()
        self._render()

    def text(self) -> str:
        """The whole status line (the label may show it elided)."""
        return self._full_text

    @property
    def counting_down(self) -> bool:
        return self._tick.isActive()

    def details(self) -> str:
        """The current error with its technical text ("" when there is no error)."""
        return error_details(self._status)

    @Slot()
    def copy_details(self) -> None:
        details = self.details()
        if details:
            QGuiApplication.clipboard().setText(details)

    # -- internals ------------------------------------------------------------------------
    @Slot()
    def _retry_clicked(self) -> None:
        self.retry_requested.emit()

    @Slot()
    def _render(self) -> None:
        status = self._status
        now = self._clock()
        icon_name = "refresh"
        tooltip = ""
        if status is None:
            text = "Not watching a job"
        elif status.state is PollState.OK:
            icon_name = "connection-ok"
            text = "Live"
            if status.last_ok is not None:
                text += f" · last poll {_clock_time(status.last_ok)}"
            text += self._countdown("next in", status, now)
            tooltip = f"{status.polls:,} successful polls"
        elif status.state is PollState.ERROR:
            icon_name = "connection-error"
            failures = status.consecutive_failures
            headline = "Not connected" if status.unreachable else "Connection error"
            text = headline + self._countdown("retry in", status, now)
            if status.last_ok is not None:
                text += f" · last good poll {_clock_time(status.last_ok)}"
            text += f" · {status.error or 'unknown error'}"
            tooltip = (
                f"{error_details(status)}\n"
                f"{failures} failed poll{'s' if failures != 1 else ''} in a row. "
                "Data collected so far is kept. Right click to copy the error."
            )
        elif status.state is PollState.CONNECTING:
            text = "Connecting…" + self._countdown("next in", status, now)
        else:
            text = "Stopped"
            if status.last_ok is not None:
                text += f" · last poll {_clock_time(status.last_ok)}"
        in_error = status is not None and status.state is PollState.ERROR
        self.retry.setVisible(in_error)
        self.copy_action.setEnabled(in_error)
        self._icon.setPixmap(icon(icon_name).pixmap(QSize(ICON_SIZE, ICON_SIZE), self.devicePixelRatioF()))
        self._full_text = text
        self._text.setToolTip(tooltip or text)
        self.setAccessibleName("Connection status")
        self.setAccessibleDescription(text)
        self._elide()

    @staticmethod
    def _countdown(prefix: str, status: PollStatus, now: datetime) -> str:
        if status.next_poll is None:
            return ""
        seconds = _seconds_until(status.next_poll, now)
        return f" · {prefix} {seconds} s" if seconds > 0 else " · polling…"

    def _elide(self) -> None:
        width = max(self._text.width(), self._text.minimumWidth())
        self._text.setText(self._text.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        wanted = self._text.fontMetrics().horizontalAdvance(self._full_text) + 80
        return QSize(min(max(hint.width(), wanted), 900), hint.height())
