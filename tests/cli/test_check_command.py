"""``triage-gui check`` against the real simulator: JSON shape, verdicts, exit codes, read-only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from triage_gui.cli.main import main
from triage_gui.simulator import RealClock, Simulator


def run_check(capsys, monkeypatch, sim, *args: str, token: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setenv("TRIAGE_API_TOKEN", token or sim.token)
    code = main(["check", "--base-url", sim.base_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_one_object_with_the_documented_keys(capsys, monkeypatch, simulator):
    info = simulator.scenario("permit_starved")
    code, out, _err = run_check(
        capsys, monkeypatch, simulator, "--workspace", info.workspace_id, "--job", info.job_id, "--json"
    )
    assert code == 0
    payload = json.loads(out)  # stdout holds exactly one JSON object
    assert out.count("\n") == 1
    assert [c["id"] for c in payload["checks"]] == ["job_health", "permits_dispatch", "duplicates", "retry_strategy"]
    for check in payload["checks"]:
        assert check["verdict"] in {"pass", "warn", "fail", "unknown"}
        for finding in check["findings"]:
            assert {"id", "verdict", "summary", "evidence"} <= finding.keys()
    verdicts = {c["id"]: c["verdict"] for c in payload["checks"]}
    assert verdicts["permits_dispatch"] == "fail"
    assert payload["escalation"]["level"] == 2
    assert payload["escalation"]["reasons"]
    counts = payload["counts"]
    assert counts["processed"] == counts["succeeded"] + counts["failed"]
    assert {"recipient_ids", "sample_ids", "excluded"} <= payload["retry_plan"].keys()
    assert set(payload["retry_plan"]["sample_ids"]) <= set(payload["retry_plan"]["recipient_ids"])


def test_check_is_read_only(capsys, monkeypatch, simulator):
    info = simulator.scenario("completed")
    code, _out, _err = run_check(
        capsys, monkeypatch, simulator, "--workspace", info.workspace_id, "--job", info.job_id, "--json"
    )
    assert code == 0
    assert [r for r in simulator.request_log if r.method != "GET"] == []


def test_human_output_names_each_check_and_the_level(capsys, monkeypatch, simulator):
    info = simulator.scenario("stalled")
    code, out, _err = run_check(capsys, monkeypatch, simulator, "--workspace", info.workspace_id, "--job", info.job_id)
    assert code == 0
    assert "1. Confirm job health and stage: FAIL" in out
    assert "Escalation: Level 2" in out


@pytest.mark.parametrize(
    ("args", "token", "code", "message"),
    [
        (["--workspace", "ws_demo", "--job", "job_stalled"], "wrong", 3, "401"),
        (["--workspace", "ws_demo", "--job", "job_missing"], None, 4, "Not found"),
        (["--workspace", "ws_demo", "--job", "bad id!"], None, 2, "not valid"),
    ],
)
def test_exit_codes_with_clear_messages(capsys, monkeypatch, simulator, args, token, code, message):
    got, out, err = run_check(capsys, monkeypatch, simulator, *args, token=token)
    assert got == code
    assert out == ""
    assert message in err
    assert "wrong" not in err or token != "wrong"  # the token itself is never echoed


def test_unreachable_server_exits_5(capsys, monkeypatch):
    monkeypatch.setenv("TRIAGE_API_TOKEN", "t")
    code = main(["check", "--base-url", "http://127.0.0.1:9", "--workspace", "ws_demo", "--job", "j"])
    assert code == 5
    assert "Cannot connect" in capsys.readouterr().err


def test_missing_token_and_insecure_url_are_usage_errors(capsys, monkeypatch):
    monkeypatch.delenv("TRIAGE_API_TOKEN", raising=False)
    assert main(["check", "--base-url", "http://127.0.0.1:9", "--workspace", "w", "--job", "j"]) == 2
    assert "TRIAGE_API_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("TRIAGE_API_TOKEN", "t")
    assert main(["check", "--base-url", "http://api.example.com", "--workspace", "w", "--job", "j"]) == 2
    assert "http://" in capsys.readouterr().err


def test_watch_detects_a_stall_over_the_window(monkeypatch):
    """A real subprocess: --watch collects snapshots over time; stdout is still one object."""
    with Simulator(clock=RealClock(speed=120.0), scenarios=["stalled"]) as sim:
        info = sim.scenario("stalled")
        env = {**os.environ, "TRIAGE_API_TOKEN": sim.token}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "triage_gui",
                "check",
                "--base-url",
                sim.base_url,
                "--workspace",
                info.workspace_id,
                "--job",
                info.job_id,
                "--watch",
                "2",
                "--interval",
                "0.5",
                "--json",
                "--stall-threshold",
                "1",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    health = next(c for c in payload["checks"] if c["id"] == "job_health")
    assert health["verdict"] == "fail"
    assert any(f["id"].startswith("stall") and f["verdict"] == "fail" for f in health["findings"])
    assert proc.stderr.count("watch:") >= 3


def test_collection_pauses_for_the_fetch_and_the_analysis_and_resumes(capsys, monkeypatch, simulator):
    """As the app's Load does (ui/tasks/gc_policy.py): ~1.6 s less at 100k recipients."""
    import gc

    from triage_gui.domain import analysis

    seen: list[bool] = []
    real = analysis.analyse

    def recording(data, settings=None):
        seen.append(gc.isenabled())
        return real(data, settings)

    monkeypatch.setattr(analysis, "analyse", recording)
    info = simulator.scenario("healthy")
    assert gc.isenabled()
    code, _out, _err = run_check(
        capsys, monkeypatch, simulator, "--workspace", info.workspace_id, "--job", info.job_id, "--json"
    )
    assert code == 0 and seen == [False]
    assert gc.isenabled()  # resumed
    assert gc.get_freeze_count() > 0  # the case it made, out of the collector's sight first
    gc.unfreeze()


def test_the_watch_before_the_fetch_polls_with_collection_on(capsys, monkeypatch, simulator):
    """A --watch can poll for minutes: its garbage is collected as usual, and only the fetch
    and the analysis that follow are paused (then frozen)."""
    import gc

    from triage_gui.cli import check_command

    during_watch: list[bool] = []
    real = check_command._watch

    def recording(provider, workspace, args):
        during_watch.append(gc.isenabled())
        return real(provider, workspace, args)

    monkeypatch.setattr(check_command, "_watch", recording)
    info = simulator.scenario("healthy")
    code, _out, _err = run_check(
        capsys,
        monkeypatch,
        simulator,
        "--workspace",
        info.workspace_id,
        "--job",
        info.job_id,
        "--json",
        "--watch",
        "0.2",
        "--interval",
        "0.1",
    )
    assert code == 0 and during_watch == [True]
    assert gc.isenabled()
    gc.unfreeze()
