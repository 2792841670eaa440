"""``triage-gui --demo``: the bundled simulator on loopback, a live window, a clean exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from triage_gui.ui.app.context import build_context
from triage_gui.ui.app.startup import make_window, start_demo
from triage_gui.ui.tasks import thread_registry


def test_demo_smoke_exits_zero_offscreen(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "triage_gui", "--demo", "--smoke", "--scenario", "permit_starved"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "smoke ok: job job_permit_starved" in proc.stdout
    assert "permits_dispatch=fail" in proc.stdout


def test_demo_window_shows_live_status_and_closes_cleanly(qtbot):
    ctx = build_context()
    try:
        ctx.connection = start_demo(ctx)
        port = int(ctx.connection.base_url.rsplit(":", 1)[1])
        window = make_window(ctx)
        qtbot.addWidget(window)
        window.build()
        window.show()
        assert window.demo_banner is not None and "DEMO" in window.windowTitle()
        window.open_scenario("healthy")
        qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
        qtbot.waitUntil(lambda: len(window.controller.case.snapshots) >= 2, timeout=20_000)
        assert window.controller.case.inputs.job_id == "job_healthy"
        qtbot.waitUntil(lambda: "Live" in window.connection_status.text(), timeout=10_000)
        window.close()
        assert not thread_registry.running()
    finally:
        ctx.close()
    # the server is gone: its port refuses connections
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_an_unknown_demo_scenario_is_a_clear_error(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "triage_gui", "--demo", "--smoke", "--scenario", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no demo scenario 'nope'" in proc.stderr and "permit_starved" in proc.stderr


def test_the_elevenlabs_demo_smoke_exits_zero_offscreen(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "triage_gui", "--demo", "--provider", "elevenlabs", "--smoke", "--scenario", "stalled"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "smoke ok: job btcal_stalled" in proc.stdout
    assert "permits_dispatch=unknown" in proc.stdout  # no permits to see on ElevenLabs


def test_the_elevenlabs_demo_runs_its_simulator_and_lists_its_scenarios(qtbot):
    from triage_gui.simulator.elevenlabs import SCENARIOS, ElevenLabsSimulator

    ctx = build_context()
    try:
        ctx.connection = start_demo(ctx, "elevenlabs")
        assert isinstance(ctx.simulator, ElevenLabsSimulator)
        assert ctx.connection.provider == "elevenlabs" and ctx.connection.is_demo
        assert ctx.connection.clock_plausibility_s is None
        window = make_window(ctx)
        qtbot.addWidget(window)
        banner = window.demo_banner
        assert banner is not None
        assert [banner.scenarios.itemData(i) for i in range(banner.scenarios.count())] == list(SCENARIOS)
        assert "bundled ElevenLabs simulator" in banner.accessibleDescription()
        window.close()
    finally:
        ctx.close()


def test_provider_without_demo_is_a_usage_error(capsys):
    from triage_gui.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(["--provider", "elevenlabs"])
    assert exit_.value.code == 2
    assert "--provider goes with --demo" in capsys.readouterr().err


def test_an_unknown_elevenlabs_demo_scenario_lists_elevenlabs_ones(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TRIAGE_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "triage_gui", "--demo", "--provider", "elevenlabs", "--smoke", "--scenario", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no demo scenario 'nope'" in proc.stderr and "transient_storm" in proc.stderr
