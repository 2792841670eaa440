"""A failed API call gives ``check`` and ``retry`` the same exit code and a plain message.

Run against the real simulator over loopback: the errors are the client's own, raised by real
401/403/404 answers, a broken answer and an unreachable port.
"""

from __future__ import annotations

import pytest

from triage_gui.cli.api_errors import exit_code
from triage_gui.cli.main import main
from triage_gui.providers import errors
from triage_gui.simulator import Fault

COMMANDS = ("check", "retry")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.AuthError("401"), 3),
        (errors.ForbiddenError("403"), 3),
        (errors.NotFound("404"), 4),
        (errors.InvalidResponse("bad shape"), 6),
        (errors.NetworkError("refused"), 5),
        (errors.ServerError("503"), 5),
        (errors.RateLimited("429"), 5),
        (errors.RequestRejected("422"), 5),
        (errors.ApiError("anything else"), 5),
    ],
)
def test_each_api_error_has_the_documented_exit_code(error: errors.ApiError, code: int) -> None:
    assert exit_code(error) == code


def _run(command: str, base_url: str, workspace: str, job: str, tmp_path) -> int:
    argv = [command, "--base-url", base_url, "--workspace", workspace, "--job", job]
    if command == "retry":
        argv += ["--case", str(tmp_path / "case")]
    return main(argv)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("workspace", "job", "token", "code", "words"),
    [
        ("ws_demo", "job_completed", "wrong-token", 3, "401"),
        ("ws_restricted", "job_completed", None, 3, "403"),
        ("ws_demo", "job_missing", None, 4, "Not found"),
    ],
)
def test_refused_and_missing_map_alike_in_both_commands(
    command, workspace, job, token, code, words, simulator, monkeypatch, capsys, tmp_path
) -> None:
    monkeypatch.setenv("TRIAGE_API_TOKEN", token or simulator.token)
    assert _run(command, simulator.base_url, workspace, job, tmp_path) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"triage-gui {command}: ") and words in err
    assert "wrong-token" not in err  # the token itself is never echoed


@pytest.mark.parametrize("command", COMMANDS)
def test_an_answer_that_breaks_the_contract_exits_6(command, simulator, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TRIAGE_API_TOKEN", simulator.token)
    simulator.faults.add(Fault("invalid_shape", path=r"/batch-jobs/job_completed$", times=None))
    assert _run(command, simulator.base_url, "ws_demo", "job_completed", tmp_path) == 6
    assert capsys.readouterr().err.startswith(f"triage-gui {command}: ")


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_server_exits_5(command, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TRIAGE_API_TOKEN", "t")
    assert _run(command, "http://127.0.0.1:9", "ws_demo", "job_completed", tmp_path) == 5
    err = capsys.readouterr().err
    assert err.startswith(f"triage-gui {command}: ") and "Cannot connect" in err
