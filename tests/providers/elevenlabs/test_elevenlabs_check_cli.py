"""``triage-gui check --provider elevenlabs`` against the ElevenLabs simulator: the same JSON shape
as for the Batch API, the exact verdicts of every scenario, where the key comes from, read-only."""

from __future__ import annotations

import json

import pytest
from test_elevenlabs_scenarios import EXPECTED

from triage_gui.cli.main import main

KEYS = ("TRIAGE_API_TOKEN", "ELEVENLABS_API_KEY")


def check(capsys, sim, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--provider", "elevenlabs", "--base-url", sim.base_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_every_scenario_through_the_command_line(capsys, monkeypatch, el_sim, scenario):
    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    info = el_sim.scenario(scenario)
    code, out, err = check(capsys, el_sim, "--job", info.batch_id, "--json")
    assert code == 0, err
    assert out.count("\n") == 1
    payload = json.loads(out)
    verdicts, level, reasons, hold = EXPECTED[scenario]
    assert [c["id"] for c in payload["checks"]] == ["job_health", "permits_dispatch", "duplicates", "retry_strategy"]
    assert tuple(c["verdict"] for c in payload["checks"]) == verdicts
    assert payload["escalation"]["level"] == level
    assert {r["code"] for r in payload["escalation"]["reasons"]} == reasons
    assert sorted(payload["retry_plan"]["recipient_ids"]) == info.truth["cohort"]
    assert payload["retry_plan"]["hold"] is hold
    assert payload["workspace_id"] == "default" and payload["job_id"] == info.batch_id
    assert payload["counts"]["processed"] == payload["counts"]["succeeded"] + payload["counts"]["failed"]
    assert {r.method for r in el_sim.request_log} == {"GET"}


@pytest.mark.parametrize("variable", KEYS)
def test_the_key_from_either_variable(capsys, monkeypatch, el_sim, variable):
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, el_sim.key)
    code, out, err = check(capsys, el_sim, "--job", "btcal_stalled")
    assert code == 0, err
    assert "1. Confirm job health and stage: FAIL" in out
    assert el_sim.key not in out + err


def test_no_key_is_a_usage_error_naming_both_variables(capsys, el_sim):
    code, out, err = check(capsys, el_sim, "--job", "btcal_stalled")
    assert code == 2 and out == ""
    assert "TRIAGE_API_TOKEN or ELEVENLABS_API_KEY" in err
    assert el_sim.request_log == []


def test_a_refused_key_exits_3_without_echoing_it(capsys, monkeypatch, el_sim):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_wrong_key_123")
    code, out, err = check(capsys, el_sim, "--job", "btcal_stalled")
    assert code == 3 and out == ""
    assert "xi-api-key" in err and "sk_wrong_key_123" not in err


def test_an_unknown_batch_exits_4(capsys, monkeypatch, el_sim):
    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    code, _out, err = check(capsys, el_sim, "--job", "btcal_nope")
    assert code == 4 and "Not found" in err


def test_a_profile_without_a_workspace_serves_elevenlabs(capsys, monkeypatch, el_sim):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # no keyring: the key comes from the environment
    try:
        assert main(["profile", "add", "el", "--provider", "elevenlabs", "--base-url", el_sim.base_url]) == 0
        capsys.readouterr()
        monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
        code = main(["check", "--provider", "elevenlabs", "--profile", "el", "--job", "btcal_healthy", "--json"])
        out, err = capsys.readouterr()
    finally:
        keyring.set_keyring(previous)
    assert code == 0, err
    assert json.loads(out)["job_id"] == "btcal_healthy"


def test_a_region_name_is_a_base_url(monkeypatch):
    import argparse

    from triage_gui.cli.connection_args import resolve_connection

    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_test_region")
    for region, url in (("eu", "https://api.eu.residency.elevenlabs.io"), (None, "https://api.elevenlabs.io")):
        args = argparse.Namespace(
            profile=None, base_url=region, workspace=None, allow_insecure_http=False, provider="elevenlabs"
        )
        resolved = resolve_connection(args)
        assert (resolved.connection.base_url, resolved.connection.provider, resolved.workspace) == (
            url,
            "elevenlabs",
            "default",
        )


def test_retry_command_launches_one_batch_however_often_it_is_run(capsys, monkeypatch, el_sim):
    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    argv = ["retry", "--provider", "elevenlabs", "--base-url", el_sim.base_url, "--job", "btcal_completed"]
    for _ in range(2):
        assert main([*argv, "--execute", "--json"]) == 0
    capsys.readouterr()
    [body] = el_sim.submitted
    assert sorted(r["id"] for r in body["recipients"]) == el_sim.scenario("completed").truth["cohort"]
    assert body["call_name"].endswith(" retry of btcal_completed")


def test_the_check_bundle_names_the_platform_and_verifies(capsys, monkeypatch, el_sim, tmp_path):
    import zipfile

    monkeypatch.setenv("ELEVENLABS_API_KEY", el_sim.key)
    info = el_sim.scenario("transient_storm")
    out_zip = tmp_path / "el.zip"
    code, _out, err = check(capsys, el_sim, "--job", info.batch_id, "--bundle", str(out_zip))
    assert code == 0, err
    with zipfile.ZipFile(out_zip) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["provider"] == "elevenlabs"
    assert main(["bundle", "verify", str(out_zip)]) == 0
