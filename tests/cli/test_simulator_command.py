"""``triage-gui simulator --host``: loopback in any spelling is accepted, anything else is refused
without --allow-remote. In process, with the Simulator replaced by a stand-in that records where
it was asked to listen, so no server is started (and none on another address)."""

from __future__ import annotations

from typing import Any

import pytest

from triage_gui.cli import simulator_command
from triage_gui.cli.main import main


class _StandIn:
    """Records ``start``'s host, then fails it like a busy port, so ``run`` returns at once."""

    hosts: list[str] = []

    def __init__(self, **options: Any) -> None:
        pass

    def start(self, host: str, port: int) -> str:
        _StandIn.hosts.append(host)
        raise OSError("stand-in: not listening")


@pytest.fixture
def stand_in(monkeypatch) -> list[str]:
    hosts: list[str] = []
    monkeypatch.setattr(_StandIn, "hosts", hosts)
    monkeypatch.setattr(simulator_command, "Simulator", _StandIn)
    return hosts


@pytest.mark.parametrize(
    ("given", "bound"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("::1", "::1"),
        ("[::1]", "::1"),  # as in a URL: the brackets are not part of the address
    ],
)
def test_loopback_hosts_are_accepted(stand_in, capsys, given, bound) -> None:
    assert main(["simulator", "--host", given, "--port", "0"]) == simulator_command.EXIT_USAGE
    error = capsys.readouterr().err
    assert "refusing" not in error
    assert stand_in == [bound]
    shown = f"[{bound}]" if ":" in bound else bound
    assert f"cannot listen on {shown}:0: stand-in: not listening" in error


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", "192.168.1.10", "example.com", "[127.0.0.1]"])
def test_other_hosts_are_refused_without_allow_remote(stand_in, capsys, host) -> None:
    assert main(["simulator", "--host", host, "--port", "0"]) == simulator_command.EXIT_USAGE
    assert "--allow-remote" in capsys.readouterr().err
    assert stand_in == []  # refused before any server exists


def test_allow_remote_lets_any_host_through(stand_in, capsys) -> None:
    assert main(["simulator", "--host", "0.0.0.0", "--port", "0", "--allow-remote"]) == simulator_command.EXIT_USAGE
    assert "refusing" not in capsys.readouterr().err
    assert stand_in == ["0.0.0.0"]  # the stand-in never listens


def test_the_elevenlabs_simulator_serves_and_stops_on_sigterm(tmp_path) -> None:
    """`triage-gui simulator --provider elevenlabs` prints where and with which key, then serves
    batch calling until SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "triage_gui", "simulator", "--provider", "elevenlabs", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        base_url = lines[0].split("Base URL: ", 1)[1].strip()
        key = lines[2].split("Key (xi-api-key): ", 1)[1].strip()
        answer = httpx.get(f"{base_url}/v1/convai/batch-calling/workspace", headers={"xi-api-key": key}, timeout=10)
        assert answer.status_code == 200 and answer.json()["batch_calls"]
        assert httpx.get(f"{base_url}/v1/convai/batch-calling/workspace", timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "stopped" in out
