"""``triage-gui profile …`` run in-process through the real entry point (and once as a process),
against the real simulator; keyring-marked tests use the real Secret Service."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backends import fail

from triage_gui.cli.main import main
from triage_gui.simulator import DEMO_WORKSPACE, Simulator
from triage_gui.store.credentials import SERVICE_NAME

TOKEN = "demo-token"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TRIAGE_API_TOKEN", raising=False)
    return tmp_path / "home"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def real_keyring_names() -> Iterator[list[str]]:
    if not os.environ.get("TRIAGE_REAL_KEYRING"):
        pytest.skip("needs a real Secret Service: run inside .ci/keyring-session.sh (sets TRIAGE_REAL_KEYRING=1)")
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE_NAME, name)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(token=TOKEN) as simulator:
        yield simulator


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["profile", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_rename_remove_without_a_token(home, no_keyring, capsys, monkeypatch):
    code, out, _ = run(
        capsys, monkeypatch, "add", "staging", "--base-url", "https://staging.example.com/", "--workspace", "ws_1"
    )
    assert code == 0
    assert "Added profile 'staging' (https://staging.example.com)" in out
    assert "No token stored" in out

    code, out, _ = run(capsys, monkeypatch, "list")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["NAME", "BASE", "URL", "WORKSPACE", "TOKEN", "NOTES"]
    assert row.split()[:3] == ["staging", "https://staging.example.com", "ws_1"]
    assert "unknown (keyring unavailable)" in row

    assert run(capsys, monkeypatch, "rename", "staging", "stage")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "list", "--json")
    listed = json.loads(out)
    assert [p["name"] for p in listed] == ["stage"]
    assert listed[0]["token_stored"] is None

    code, out, _ = run(capsys, monkeypatch, "remove", "stage")
    assert (code, out.strip()) == (0, "Removed profile 'stage'.")
    assert "No profiles yet" in run(capsys, monkeypatch, "list")[1]


def test_a_token_without_a_keyring_is_refused_and_nothing_saved(home, no_keyring, capsys, monkeypatch):
    code, out, err = run(
        capsys,
        monkeypatch,
        "add",
        "prod",
        "--base-url",
        "https://api.example.com",
        "--token-stdin",
        stdin="s3cr3t-tok-99\n",
    )
    assert code == 2
    assert "No system keyring is available" in err
    assert "TRIAGE_API_TOKEN" in err
    assert "s3cr3t-tok-99" not in out + err
    assert json.loads(run(capsys, monkeypatch, "list", "--json")[1]) == []


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["add", "p", "--base-url", "http://api.example.com"], "only allowed for this computer"),
        (["add", "p", "--base-url", "https://h/v1"], "Leave out the trailing /v1"),
        (["add", "p", "--base-url", "https://h", "--workspace", "no spaces"], "Default workspace"),
        (["remove", "ghost"], "no profile named 'ghost'"),
        (["rename", "ghost", "spirit"], "no profile named 'ghost'"),
        (["test", "ghost"], "no profile named 'ghost'"),
    ],
)
def test_store_errors_exit_2_with_plain_words(home, no_keyring, capsys, monkeypatch, argv, phrase):
    code, _, err = run(capsys, monkeypatch, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert phrase in err


def test_usage_errors_exit_2(home, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["profile", "add", "p"])  # --base-url missing
    assert caught.value.code == 2
    assert "--base-url" in capsys.readouterr().err


def test_insecure_http_when_explicitly_allowed_is_flagged(home, no_keyring, capsys, monkeypatch):
    code, out, _ = run(
        capsys,
        monkeypatch,
        "add",
        "lab",
        "--base-url",
        "http://lab.internal:8080",
        "--allow-insecure-http",
        "--no-verify-tls",
    )
    assert code == 0
    assert "NOT secure" in out
    row = run(capsys, monkeypatch, "list")[1].splitlines()[1]
    assert "INSECURE http" in row and "TLS NOT VERIFIED" in row


def test_profile_test_with_the_environment_token(home, no_keyring, sim, capsys, monkeypatch):
    assert run(capsys, monkeypatch, "add", "demo", "--base-url", sim.base_url, "--workspace", DEMO_WORKSPACE)[0] == 0

    monkeypatch.setenv("TRIAGE_API_TOKEN", TOKEN)
    code, out, _ = run(capsys, monkeypatch, "test", "demo")
    assert code == 0
    assert "token from environment" in out
    assert "Connected: workspace '" in out and f"({DEMO_WORKSPACE})" in out

    monkeypatch.setenv("TRIAGE_API_TOKEN", "wrong-token")
    code, out, err = run(capsys, monkeypatch, "test", "demo")
    assert code == 1
    assert "Connection test failed (auth)" in err
    assert "wrong-token" not in out + err

    monkeypatch.setenv("TRIAGE_API_TOKEN", TOKEN)
    code, _, err = run(capsys, monkeypatch, "test", "demo", "--workspace", "ws_missing")
    assert code == 1 and "(not_found)" in err


def test_profile_test_without_any_token_says_what_to_do(home, no_keyring, sim, capsys, monkeypatch):
    run(capsys, monkeypatch, "add", "demo", "--base-url", sim.base_url, "--workspace", DEMO_WORKSPACE)
    code, _, err = run(capsys, monkeypatch, "test", "demo")
    assert code == 2
    assert "TRIAGE_API_TOKEN" in err


def test_profile_test_without_a_workspace_is_a_usage_error(home, no_keyring, sim, capsys, monkeypatch):
    run(capsys, monkeypatch, "add", "demo", "--base-url", sim.base_url)
    monkeypatch.setenv("TRIAGE_API_TOKEN", TOKEN)
    code, _, err = run(capsys, monkeypatch, "test", "demo")
    assert code == 2
    assert "Enter a workspace ID" in err
    assert sim.request_log == []


@pytest.mark.keyring
def test_scripted_set_up_with_the_real_keyring(home, real_keyring_names, sim, capsys, monkeypatch):
    name, renamed = f"pytest-cli-{uuid.uuid4().hex[:8]}", f"pytest-cli-{uuid.uuid4().hex[:8]}"
    real_keyring_names.extend([name, renamed])

    code, out, _ = run(
        capsys,
        monkeypatch,
        "add",
        name,
        "--base-url",
        sim.base_url,
        "--workspace",
        DEMO_WORKSPACE,
        "--token-stdin",
        stdin=f"{TOKEN}\n",
    )
    assert code == 0 and "stored in the system keyring" in out
    assert keyring.get_password(SERVICE_NAME, name) == TOKEN

    code, out, _ = run(capsys, monkeypatch, "list")
    assert TOKEN not in out
    assert "stored" in out.splitlines()[1]

    code, out, _ = run(capsys, monkeypatch, "test", name)
    assert code == 0 and "token from keyring" in out

    assert run(capsys, monkeypatch, "rename", name, renamed)[0] == 0
    assert keyring.get_password(SERVICE_NAME, name) is None
    assert run(capsys, monkeypatch, "test", renamed)[0] == 0

    assert run(capsys, monkeypatch, "remove", renamed)[0] == 0
    assert keyring.get_password(SERVICE_NAME, renamed) is None
    config = home / "config"
    assert all(TOKEN not in p.read_text(encoding="utf-8") for p in config.iterdir())


def test_the_installed_entry_point_runs_as_a_process(home):
    env = dict(os.environ, TRIAGE_HOME=str(home))
    env.pop("TRIAGE_API_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "triage_gui", "profile", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (done.returncode, json.loads(done.stdout)) == (0, []), done.stderr
