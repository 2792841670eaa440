"""Where a command connects, and the token as it enters: checked before any request."""

from __future__ import annotations

import json

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


# -- the profile names the platform ------------------------------------------------------------


@pytest.fixture
def el_sim(monkeypatch):
    from triage_gui.simulator import ManualClock
    from triage_gui.simulator.elevenlabs import ElevenLabsSimulator

    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    monkeypatch.delenv("TRIAGE_API_TOKEN", raising=False)
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        yield sim


@pytest.fixture
def no_keyring():
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_an_elevenlabs_profile_needs_no_provider_flag(el_sim, no_keyring, monkeypatch, capsys):
    assert main(["profile", "add", "el", "--provider", "elevenlabs", "--base-url", el_sim.base_url]) == 0
    capsys.readouterr()
    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    code = main(["check", "--profile", "el", "--job", "btcal_healthy", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["job_id"] == "btcal_healthy"
    assert {r.path.split("?")[0] for r in el_sim.request_log} >= {"/v1/convai/batch-calling/btcal_healthy"}
    # Saying the same platform again is fine.
    assert main(["check", "--provider", "elevenlabs", "--profile", "el", "--job", "btcal_healthy", "--json"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("add", "provider"),
    [
        (["--provider", "elevenlabs", "--region", "eu"], "batch_v1"),
        (["--base-url", "https://api.example.com", "--workspace", "ws_1"], "elevenlabs"),
    ],
)
def test_a_provider_flag_that_disagrees_with_the_profile_is_a_usage_error(
    no_keyring, monkeypatch, capsys, add, provider
):
    monkeypatch.setenv("TRIAGE_API_TOKEN", "tok_12345678")
    assert main(["profile", "add", "p", *add]) == 0
    capsys.readouterr()
    code = main(["check", "--provider", provider, "--profile", "p", "--job", "job_1"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "profile 'p' is for" in err and "leave out --provider" in err
    assert "tok_12345678" not in err


def test_an_elevenlabs_profile_without_any_key_names_both_variables(el_sim, no_keyring, capsys):
    assert main(["profile", "add", "el", "--provider", "elevenlabs", "--base-url", el_sim.base_url]) == 0
    capsys.readouterr()
    code = main(["check", "--profile", "el", "--job", "btcal_healthy"])
    err = capsys.readouterr().err
    assert code == 2
    assert "TRIAGE_API_TOKEN" in err and "ELEVENLABS_API_KEY" in err
    assert el_sim.request_log == []
