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
