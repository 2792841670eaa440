"""A load against a slow server: Cancel stops it, and closing the window ends it at once (the
request in flight is aborted, not waited out to its read timeout, retry after retry)."""

from __future__ import annotations

from triage_gui.simulator import Fault


def start_a_slow_load(qtbot, window, simulator, agent) -> None:
    info = simulator.scenario("stalled")
    simulator.faults.add(Fault(kind="latency", seconds=60, path=r"/calls", method="GET", times=None))
    start = window.wizard.start_page
    agent.retype(start.workspace, info.workspace_id)
    agent.retype(start.job, info.job_id)
    agent.click(start.load_button)
    qtbot.waitUntil(lambda: "calls" in start.load_status.text(), timeout=20_000)
    qtbot.wait(300)  # inside the slow request by now


def test_closing_mid_load_closes_and_ends_the_load(qtbot, window, simulator, agent):
    agent.activate(window)
    start_a_slow_load(qtbot, window, simulator, agent)
    runner = window.controller.runner
    assert window.controller.loading and not runner.wait(0)
    window.close()
    assert not window.isVisible()
    # generous: the request was aborted, not waited out (it would hold for minutes)
    qtbot.waitUntil(lambda: runner.wait(0), timeout=5_000)


def test_cancel_stops_a_long_load_and_keeps_nothing_of_it(qtbot, window, simulator, agent):
    agent.activate(window)
    start = window.wizard.start_page
    start_a_slow_load(qtbot, window, simulator, agent)
    assert start.cancel_button.isVisible() and not start.load_button.isEnabled()
    agent.click(start.cancel_button)
    assert "cancelled" in start.load_status.text()
    assert start.load_button.isEnabled() and not start.cancel_button.isVisible()
    assert not window.controller.loading
    qtbot.waitUntil(lambda: window.controller.runner.wait(0), timeout=5_000)
    assert window.controller.report is None and not start.isComplete()
    # the server is quick again: Load works
    simulator.faults.clear()
    agent.click(start.load_button)
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(start.isComplete, timeout=5_000)
