"""Start/stop leave nothing behind; the request log; the clocks; the CLI; speed targets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from triage_gui.simulator import Fault, ManualClock, RealClock, Simulator

WS = "/v1/workspaces/ws_demo"


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_stop_is_prompt_and_leaves_no_thread_or_socket() -> None:
    before = set(threading.enumerate())
    sim = Simulator(scenarios=["stalled"])
    url = sim.start()
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer demo-token"}) as http:
        assert http.get(f"{WS}/batch-jobs/job_stalled").status_code == 200
        # A request hanging in a fault and an idle keep-alive connection must not block stop().
        sim.faults.add(Fault(kind="latency", seconds=30, path="/events$"))
        hanging = threading.Thread(
            target=lambda: pytest.raises(httpx.HTTPError, http.get, f"{WS}/batch-jobs/job_stalled/events")
        )
        hanging.start()
        deadline = time.monotonic() + 5
        while not sim.faults.fired and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        sim.stop()
        assert time.monotonic() - started < 1.0
        hanging.join(5)
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port_of(url)), 0.5):
        pass
    sim.stop()  # idempotent


def test_context_manager_and_restart() -> None:
    with Simulator(scenarios=["completed"]) as sim:
        assert sim.running and sim.base_url
    assert not sim.running
    sim.start()
    sim.stop()


def test_request_log_hides_the_token(http: httpx.Client, simulator: Simulator) -> None:
    http.get(f"{WS}/batch-jobs/job_stalled", params={"x": "1"})
    entry = simulator.request_log[-1]
    method, path, status, headers = entry
    assert (method, path, status) == ("GET", f"{WS}/batch-jobs/job_stalled?x=1", 200)
    assert "authorization" not in {k.lower() for k in headers}
    assert "demo-token" not in repr(simulator.request_log)


def test_clocks() -> None:
    manual = ManualClock(start=datetime(2030, 1, 1, tzinfo=UTC))
    assert manual.advance(90) == datetime(2030, 1, 1, 0, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        manual.advance(-1)
    with pytest.raises(ValueError):
        ManualClock(start=datetime(2030, 1, 1))
    fast = RealClock(speed=60.0, start=datetime(2030, 1, 1, tzinfo=UTC))
    first = fast.now()
    deadline = time.monotonic() + 2
    while fast.now() == first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (fast.now() - first).total_seconds() > 0
    assert abs((RealClock().now() - datetime.now(UTC)).total_seconds()) < 5


def test_demo_sized_real_clock_job_moves() -> None:
    with (
        Simulator(scenarios=["healthy"], clock=RealClock(speed=600.0)) as sim,
        httpx.Client(base_url=sim.base_url or "", headers={"Authorization": "Bearer demo-token"}) as client,
    ):
        first = client.get(f"{WS}/batch-jobs/job_healthy").json()["counters"]["dispatched"]
        deadline = time.monotonic() + 5
        now = first
        while now == first and time.monotonic() < deadline:
            time.sleep(0.05)
            now = client.get(f"{WS}/batch-jobs/job_healthy").json()["counters"]["dispatched"]
        assert now > first


@pytest.mark.slow
def test_100k_scenario_is_fast_to_build_and_to_read() -> None:
    sim = Simulator(scenarios=["healthy"], sizes={"healthy": 100_000})
    started = time.perf_counter()
    sim.scenario("healthy")
    assert time.perf_counter() - started < 10.0  # target 5 s; slack for loaded CI machines
    with (
        sim,
        httpx.Client(base_url=sim.base_url or "", headers={"Authorization": "Bearer demo-token"}) as http,
    ):
        job_times, page_times = [], []
        for _ in range(10):
            t = time.perf_counter()
            assert http.get(f"{WS}/batch-jobs/job_healthy").status_code == 200
            job_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            page = http.get(f"{WS}/batch-jobs/job_healthy/calls", params={"limit": 500}).json()
            page_times.append(time.perf_counter() - t)
            assert len(page["items"]) == 500
            sim.clock.advance(60)
        assert sorted(job_times)[5] < 0.02
        assert sorted(page_times)[5] < 0.05
        rows = http.get(f"{WS}/uploads/upl_healthy").json()["row_count"]
        assert rows == 100_000


def test_cli_prints_url_and_stops_cleanly_on_sigint() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "triage_gui",
            "simulator",
            "--port",
            "0",
            "--scenario",
            "stalled",
            "--scenario",
            "completed",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(lines)
        url = next(word for word in output.split() if word.startswith("http://127.0.0.1:"))
        assert "demo-token" in output and "job_stalled" in output and "job_healthy" not in output
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer demo-token"}) as http:
            assert http.get(f"{WS}/batch-jobs/job_completed").status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_cli_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "triage_gui", "simulator", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
