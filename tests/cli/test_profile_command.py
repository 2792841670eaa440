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
from triage_gui.simulator import DEMO_WORKSPACE, ManualClock, Simulator
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
from triage_gui.store.credentials import SERVICE_NAME, TOKEN_ENV

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
    assert header.split() == ["NAME", "PLATFORM", "BASE", "URL", "WORKSPACE", "TOKEN", "NOTES"]
    assert row.split()[:4] == ["staging", "batch_v1", "https://staging.example.com", "ws_1"]
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


def test_usage_errors_exit_2(home, no_keyring, capsys):
    assert main(["profile", "add", "p"]) == 2  # --base-url missing (the Batch API has no default address)
    assert "Give --base-url URL" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["profile", "add", "p", "--region", "eu", "--base-url", "https://h"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


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


# -- ElevenLabs profiles -----------------------------------------------------------------------

EU = "https://api.eu.residency.elevenlabs.io"


@pytest.fixture
def el_sim(monkeypatch) -> Iterator[ElevenLabsSimulator]:
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    with ElevenLabsSimulator(clock=ManualClock()) as simulator:
        yield simulator


def test_an_elevenlabs_profile_by_region_is_listed_and_shown_with_its_platform(home, no_keyring, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "add", "el", "--provider", "elevenlabs", "--region", "eu")
    assert code == 0
    assert f"Added profile 'el' (ElevenLabs, EU region: {EU})." in out
    assert "ELEVENLABS_API_KEY" in out  # where else the key may come from
    # --region alone says ElevenLabs; --base-url takes a region's name too, as 'check' does.
    assert run(capsys, monkeypatch, "add", "sg", "--region", "singapore")[0] == 0
    assert (
        run(capsys, monkeypatch, "add", "proxy", "--provider", "elevenlabs", "--base-url", "https://el.corp.example")[0]
        == 0
    )

    rows = {line.split()[0]: line.split() for line in run(capsys, monkeypatch, "list")[1].splitlines()[1:]}
    assert rows["el"][1:5] == ["elevenlabs", "(eu)", EU, "n/a"]
    assert rows["sg"][1:3] == ["elevenlabs", "(singapore)"]
    assert rows["proxy"][1:5] == ["elevenlabs", "(custom", "URL)", "https://el.corp.example"]

    listed = {p["name"]: p for p in json.loads(run(capsys, monkeypatch, "list", "--json")[1])}
    assert (listed["el"]["provider"], listed["el"]["region"], listed["el"]["default_workspace"]) == (
        "elevenlabs",
        "eu",
        None,
    )
    assert listed["proxy"]["region"] is None

    code, out, _ = run(capsys, monkeypatch, "show", "el")
    assert code == 0
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["Platform"].strip() == "ElevenLabs (elevenlabs)"
    assert lines["Region"].strip() == "EU"
    assert lines["Default workspace"].strip() == "not needed (the API key decides it)"
    assert json.loads(run(capsys, monkeypatch, "show", "el", "--json")[1])["region"] == "eu"


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["add", "p", "--provider", "batch_v1", "--region", "eu"], "--region is for --provider elevenlabs"),
        (["add", "p", "--region", "eu", "--workspace", "ws_1"], "not needed for ElevenLabs"),
        (["show", "ghost"], "no profile named 'ghost'"),
        (["edit", "ghost", "--timeout", "5"], "no profile named 'ghost'"),
    ],
)
def test_elevenlabs_usage_problems_exit_2_in_plain_words(home, no_keyring, capsys, monkeypatch, argv, phrase):
    code, _, err = run(capsys, monkeypatch, *argv)
    assert code == 2 and err.startswith("error: ")
    assert phrase in err


def test_edit_changes_only_what_is_given_and_follows_the_platform(home, no_keyring, capsys, monkeypatch):
    run(capsys, monkeypatch, "add", "p", "--base-url", "https://api.example.com", "--workspace", "ws_1")
    code, out, _ = run(capsys, monkeypatch, "edit", "p", "--timeout", "25", "--no-env-proxy")
    assert (code, out.splitlines()[0]) == (0, "Saved profile 'p' (https://api.example.com).")
    shown = json.loads(run(capsys, monkeypatch, "show", "p", "--json")[1])
    assert (shown["timeout_s"], shown["use_env_proxy"], shown["default_workspace"]) == (25.0, False, "ws_1")

    # To ElevenLabs: the default region, and no workspace (the key decides it).
    assert run(capsys, monkeypatch, "edit", "p", "--provider", "elevenlabs")[0] == 0
    shown = json.loads(run(capsys, monkeypatch, "show", "p", "--json")[1])
    assert (shown["provider"], shown["base_url"], shown["region"], shown["default_workspace"]) == (
        "elevenlabs",
        "https://api.elevenlabs.io",
        "default",
        None,
    )
    assert shown["timeout_s"] == 25.0  # what was not given stays
    assert run(capsys, monkeypatch, "edit", "p", "--region", "india")[0] == 0
    assert json.loads(run(capsys, monkeypatch, "show", "p", "--json")[1])["region"] == "india"

    # Back to the Batch API: its address must be given.
    code, _, err = run(capsys, monkeypatch, "edit", "p", "--provider", "batch_v1")
    assert code == 2 and "Give --base-url URL" in err
    args = ("edit", "p", "--provider", "batch_v1", "--base-url", "https://b.example.com", "--workspace", "ws_2")
    assert run(capsys, monkeypatch, *args)[0] == 0
    shown = json.loads(run(capsys, monkeypatch, "show", "p", "--json")[1])
    assert (shown["provider"], shown["base_url"], shown["default_workspace"]) == (
        "batch_v1",
        "https://b.example.com",
        "ws_2",
    )
    assert run(capsys, monkeypatch, "edit", "p", "--workspace", "")[0] == 0
    assert json.loads(run(capsys, monkeypatch, "show", "p", "--json")[1])["default_workspace"] is None


def test_profile_test_of_an_elevenlabs_profile_reads_one_page_of_batches(home, no_keyring, el_sim, capsys, monkeypatch):
    assert run(capsys, monkeypatch, "add", "el", "--provider", "elevenlabs", "--base-url", el_sim.base_url)[0] == 0

    code, _, err = run(capsys, monkeypatch, "test", "el")
    assert code == 2 and "ELEVENLABS_API_KEY" in err and TOKEN_ENV in err
    assert el_sim.request_log == []

    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    code, out, err = run(capsys, monkeypatch, "test", "el")
    assert code == 0, err
    assert "API key from ELEVENLABS_API_KEY" in out
    assert "the API key can read batch calling" in out
    [logged] = el_sim.request_log
    assert (logged.method, logged.path, logged.status) == ("GET", "/v1/convai/batch-calling/workspace?limit=1", 200)

    monkeypatch.setenv(TOKEN_ENV, "sk_wrong_key_0123")  # TRIAGE_API_TOKEN comes first, as for 'check'
    code, out, err = run(capsys, monkeypatch, "test", "el")
    assert code == 1
    assert "Connection test failed (auth)" in err and "xi-api-key" in err
    assert "sk_wrong_key_0123" not in out + err

    code, _, err = run(capsys, monkeypatch, "test", "el", "--workspace", "ws_1")
    assert code == 2 and "not needed for ElevenLabs" in err
