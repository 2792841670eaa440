"""Where a command connects, and the token as it enters: checked before any request."""

from __future__ import annotations

import pytest

from triage_gui.cli.main import main

SECRET = "tok_live_SECRETSECRET"


@pytest.mark.parametrize(
    ("token", "words"),
    [
        (f"{SECRET}\nX-Injected: 1", "line break"),
        (f"{SECRET} tail", "space"),
        (f"{SECRET}é", "non-ASCII"),
        ("x" * 5000, "too long"),
    ],
)
@pytest.mark.parametrize("command", ["check", "retry"])
def test_a_token_that_cannot_be_sent_is_refused_without_echoing_it(
    simulator, monkeypatch, capsys, token, words, command
):
    monkeypatch.setenv("TRIAGE_API_TOKEN", token)
    code = main([command, "--base-url", simulator.base_url, "--workspace", "ws_demo", "--job", "job_completed"])
    out, err = capsys.readouterr()
    assert code == 2
    assert words in err and "TRIAGE_API_TOKEN" in err
    assert SECRET not in out + err and "x" * 100 not in err
    assert "Traceback" not in err
    assert list(simulator.request_log) == []  # refused before any request


def test_surrounding_white_space_of_a_pasted_token_is_dropped(simulator, monkeypatch, capsys):
    monkeypatch.setenv("TRIAGE_API_TOKEN", f"  {simulator.token}\n")
    code = main(
        ["check", "--base-url", simulator.base_url, "--workspace", "ws_demo", "--job", "job_completed", "--json"]
    )
    capsys.readouterr()
    assert code == 0
