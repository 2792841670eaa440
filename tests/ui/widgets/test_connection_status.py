from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from triage_gui.ui.tasks.job_poller import PollState, PollStatus
from triage_gui.ui.widgets.connection_status import ConnectionStatus

T0 = datetime(2025, 3, 4, 12, 3, 4, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def status(qtbot, clock):
    widget = ConnectionStatus(clock=clock)
    qtbot.addWidget(widget)
    widget.resize(400, 30)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def local(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def test_live_status_counts_down_to_the_next_poll(status, clock):
    status.set_status(PollStatus(state=PollState.OK, last_ok=T0, next_poll=T0 + timedelta(seconds=5), polls=3))
    assert status.text() == f"Live · last poll {local(T0)} · next in 5 s"
    assert status.counting_down
    assert not status.retry.isVisible()
    clock.now = T0 + timedelta(seconds=1, milliseconds=200)
    status._tick.timeout.emit()  # what the 1 s timer does
    assert status.text().endswith("next in 4 s")
    clock.now = T0 + timedelta(seconds=6)
    status._tick.timeout.emit()
    assert status.text().endswith("polling…")


def test_error_shows_the_message_and_retry_emits(status, qtbot, clock):
    message = "Server error 503: temporarily unavailable " + "x" * 200
    status.set_status(
        PollStatus(
            state=PollState.ERROR,
            last_ok=T0 - timedelta(minutes=1),
            next_poll=T0 + timedelta(seconds=20),
            error=message,
            consecutive_failures=3,
            polls=7,
        )
    )
    assert status.text().startswith("Connection error · retry in 20 s · last good poll")
    assert message in status.text()
    shown = status._text.text()
    assert shown.endswith("…") and len(shown) < len(status.text())  # elided on screen
    assert message in status._text.toolTip()  # all of it in the tooltip
    assert "3 failed polls in a row" in status._text.toolTip()
    assert status.retry.isVisible()
    with qtbot.waitSignal(status.retry_requested):
        qtbot.mouseClick(status.retry, Qt.MouseButton.LeftButton)


def test_recovering_hides_retry(status):
    status.set_status(PollStatus(state=PollState.ERROR, error="boom", consecutive_failures=1))
    assert status.retry.isVisible()
    status.set_status(PollStatus(state=PollState.OK, last_ok=T0))
    assert not status.retry.isVisible()
    assert status.text() == f"Live · last poll {local(T0)}"
    assert not status.counting_down  # no next poll known: nothing to count


def test_stopped_and_connecting(status):
    status.set_status(PollStatus(state=PollState.CONNECTING))
    assert status.text() == "Connecting…"
    status.set_status(PollStatus(state=PollState.STOPPED, last_ok=T0))
    assert status.text() == f"Stopped · last poll {local(T0)}"
    assert not status.counting_down
    status.set_status(None)
    assert status.text() == "Not watching a job"
