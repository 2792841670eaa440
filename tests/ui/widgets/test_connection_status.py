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


def refused() -> PollStatus:
    import httpx

    from triage_gui.providers.http.error_mapping import network_error, raw_detail

    error = network_error(httpx.ConnectError("[Errno 111] Connection refused"), "GET /v1/x", "http://127.0.0.1:8080")
    return PollStatus(
        state=PollState.ERROR,
        next_poll=T0 + timedelta(seconds=5),
        error=str(error),
        detail=raw_detail(error),
        unreachable=True,
        consecutive_failures=2,
    )


def test_nothing_answering_is_said_in_plain_words_with_the_raw_text_to_copy(status, qtbot, clock):
    status.set_status(refused())
    text = status.text()
    assert text.startswith("Not connected · retry in 5 s")
    assert "nothing answered at 127.0.0.1:8080 (connection refused)" in text
    assert "Errno" not in text and "Connected" not in text and "ConnectError" not in text
    tooltip = status._text.toolTip()
    assert "Technical details: ConnectError: [Errno 111] Connection refused" in tooltip
    # the raw text is one right click away: "Copy error details"
    assert status.copy_action in status.actions() and status.copy_action.isEnabled()
    status.copy_action.trigger()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert "nothing answered at 127.0.0.1:8080" in copied and "[Errno 111] Connection refused" in copied
    status.set_status(PollStatus(state=PollState.OK, last_ok=T0))
    assert not status.copy_action.isEnabled() and status.details() == ""


def test_the_server_label_says_connected_only_once_a_poll_answered():
    from triage_gui.ui.widgets.connection_status import server_text

    url = "http://127.0.0.1:8080"
    assert server_text("demo", url, refused()) == f"Not connected to demo ({url})"
    assert server_text("demo", url, None) == f"Server: demo ({url})"
    assert server_text("demo", url, PollStatus(state=PollState.CONNECTING)) == f"Server: demo ({url})"
    assert server_text(url, url, PollStatus(state=PollState.OK, last_ok=T0)) == f"Connected to {url}"
    answered_503 = PollStatus(state=PollState.ERROR, error="The server failed (503)", consecutive_failures=1)
    assert server_text("demo", url, answered_503) == f"Server: demo ({url})"
