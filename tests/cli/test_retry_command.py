"""``triage-gui retry`` against the real simulator over loopback, in process and as a child."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage_gui.cli.main import main
from triage_gui.cli.retry_command import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from triage_gui.simulator import Fault, ManualClock, Simulator
from triage_gui.store.retry_ledger import IntentState, RetryLedger

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def simulator():
    sim = Simulator(scenarios=["completed", "transient_storm"], clock=ManualClock())
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def run_cli(simulator, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TRIAGE_API_TOKEN", simulator.token)

    def run(*extra: str, job: str = "job_completed", case: Path | None = None) -> tuple[int, str, str]:
        argv = [
            "retry",
            "--base-url",
            simulator.base_url,
            "--workspace",
            "ws_demo",
            "--job",
            job,
            "--case",
            str(case or tmp_path / "case"),
            *extra,
        ]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def posts(simulator) -> list[str]:
    return [
        next((v for k, v in h.items() if k.lower() == "idempotency-key"), "")
        for (m, _p, _s, h) in list(simulator.request_log)
        if m == "POST"
    ]


def test_dry_run_prints_the_plan_and_never_posts(run_cli, simulator):
    code, out, _ = run_cli()
    assert code == EXIT_OK
    assert "Cohort (sample): 10 recipients would be called" in out
    assert "not in this cohort: 17 — permanent failure" in out
    assert "Dry run" in out and posts(simulator) == []
    info = simulator.scenario("completed")
    first = sorted(info.truth["transient_failed_ids"])[0]
    assert first in out


def test_dry_run_json_is_one_object(run_cli):
    code, out, _ = run_cli("--json", "--sample", "12")
    data = json.loads(out)
    assert code == EXIT_OK and data["dry_run"] is True and data["exit_code"] == 0
    assert data["provider"] == "batch_v1" and data["retry_job_id"] is None
    assert data["cohort"]["size"] == 12 and data["cohort"]["key"].startswith("triage-")
    assert data["plan"]["excluded"] == {"permanent_failure": 17}
    assert all(r["masked_number"].startswith("+*") for r in data["cohort"]["recipients"])


def test_the_same_command_twice_launches_once(run_cli, simulator, tmp_path):
    before = simulator.job_count("ws_demo")
    code, out, _ = run_cli("--execute")
    assert code == EXIT_OK and "10 recipients will be called again" in out
    assert "Launch launched" in out
    code, out, _ = run_cli("--execute")
    assert code == EXIT_OK and "Nothing left to launch" in out
    assert simulator.job_count("ws_demo") == before + 1
    assert len(posts(simulator)) == 1
    (entry,) = RetryLedger(tmp_path / "case").entries()
    assert entry.state is IntentState.LAUNCHED and entry.phase == "sample" and entry.monitor is not None


def test_remainder_waits_for_a_healthy_sample(run_cli, simulator):
    assert run_cli("--remainder", "--execute")[0] == EXIT_REFUSED  # no sample yet
    assert run_cli("--execute")[0] == EXIT_OK
    code, out, _ = run_cli("--remainder", "--execute")
    assert code == EXIT_REFUSED and "waiting, not healthy" in out
    simulator.clock.advance(15 * 60)
    code, out, _ = run_cli("--remainder", "--execute", "--json")
    data = json.loads(out)
    assert code == EXIT_OK and data["launch"]["status"] == "launched"
    assert data["retry_job_id"] == data["launch"]["retry_job_id"] is not None
    assert data["cohort"]["size"] == 8
    assert len(set(posts(simulator))) == 2


def test_a_plan_on_hold_is_refused_unless_overridden(run_cli, simulator, tmp_path):
    code, out, _ = run_cli("--execute", job="job_transient_storm")
    assert code == EXIT_REFUSED and "on hold" in out and posts(simulator) == []
    assert run_cli("--execute", "--override-reason", "short", job="job_transient_storm")[0] == EXIT_USAGE
    reason = "provider confirmed the incident is over"
    code, out, _ = run_cli("--execute", "--override-reason", reason, job="job_transient_storm")
    assert code == EXIT_OK and reason in out
    (entry,) = RetryLedger(tmp_path / "case").entries()
    assert entry.override_reason == reason and entry.overridden == ["plan_on_hold"]


def test_excluded_codes_are_left_out(run_cli):
    code, out, _ = run_cli("--exclude-code", "no_answer", "--json")
    data = json.loads(out)
    assert code == EXIT_OK
    assert {r["last_failure"] for r in data["cohort"]["recipients"]} <= {"busy", "provider_timeout"}
    assert data["not_in_cohort"]["failure code no_answer deselected"] >= 1


def test_usage_errors(run_cli, monkeypatch):
    assert run_cli("--sample", "5")[0] == EXIT_USAGE
    monkeypatch.delenv("TRIAGE_API_TOKEN")
    code, _, err = run_cli()
    assert code == EXIT_USAGE and "TRIAGE_API_TOKEN" in err


def test_killed_between_intent_and_answer_then_rerun_creates_one_job(simulator, tmp_path, monkeypatch, capsys):
    """SIGKILL the CLI after the server created the job but before it answered; run it again."""
    case = tmp_path / "case"
    ledger = RetryLedger(case)
    before = simulator.job_count("ws_demo")
    # The server does the work, then holds the answer: the kill lands inside that window.
    simulator.faults.add(Fault(kind="delay_after_processing", seconds=60, path=r"/retries$", method="POST", times=1))
    argv = [
        "retry",
        "--base-url",
        simulator.base_url,
        "--workspace",
        "ws_demo",
        "--job",
        "job_completed",
        "--case",
        str(case),
        "--execute",
    ]
    env = {**os.environ, "TRIAGE_API_TOKEN": simulator.token, "PYTHONPATH": str(REPO)}
    with (
        (tmp_path / "child.log").open("wb") as log,
        subprocess.Popen(
            [sys.executable, "-m", "triage_gui", *argv], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
        ) as child,
    ):
        deadline = time.monotonic() + 90
        while not (
            ledger.path.exists()
            and [e.state for e in ledger.entries()] == [IntentState.PENDING]
            and simulator.job_count("ws_demo") == before + 1
        ):
            assert child.poll() is None, (tmp_path / "child.log").read_text()
            assert time.monotonic() < deadline, "the child never reached the POST"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    (pending,) = ledger.pending()

    monkeypatch.setenv("TRIAGE_API_TOKEN", simulator.token)
    assert main(argv) == EXIT_OK  # "restart": the pending intent is resumed with its own key
    out = capsys.readouterr().out
    assert f"Resumed pending retry {pending.key}: already_launched" in out
    assert "Nothing left to launch" in out
    assert simulator.job_count("ws_demo") == before + 1
    (entry,) = ledger.entries()
    assert entry.state is IntentState.LAUNCHED and entry.retry_job_id
    assert set(posts(simulator)) == {pending.key}


def _retry_jobs_calls(simulator, parent: str) -> dict[str, set[str]]:
    """Every retry job of ``parent`` on the server -> the recipients it dialled (the truth)."""
    import httpx

    out: dict[str, set[str]] = {}
    with httpx.Client(base_url=simulator.base_url, headers={"Authorization": f"Bearer {simulator.token}"}) as http:
        jobs = http.get("/v1/workspaces/ws_demo/batch-jobs", params={"limit": 500}).json()["items"]
        for job in jobs:
            if job.get("parent_job_id") != parent:
                continue
            calls = http.get(f"/v1/workspaces/ws_demo/batch-jobs/{job['id']}/calls", params={"limit": 500}).json()
            out[job["id"]] = {c["recipient_id"] for c in calls["items"] if c.get("dispatched_at")}
    return out


def test_two_workstations_never_dial_anyone_twice(simulator, monkeypatch, tmp_path, capsys):
    """Issue 12: two data folders (two agents' machines, or the GUI then the CLI) each run
    ``retry --execute``; the second starts while the first retry job is still queued."""
    monkeypatch.setenv("TRIAGE_API_TOKEN", simulator.token)

    def run(home: Path, *extra: str) -> tuple[int, str]:
        monkeypatch.setenv("TRIAGE_HOME", str(home))
        argv = ["retry", "--base-url", simulator.base_url, "--workspace", "ws_demo", "--job", "job_completed"]
        code = main([*argv, "--execute", *extra])
        return code, capsys.readouterr().out

    a, b = tmp_path / "agent-a", tmp_path / "agent-b"
    code, out = run(a)
    assert code == EXIT_OK and "Launch launched" in out
    ((first, _),) = _retry_jobs_calls(simulator, "job_completed").items()
    assert first in out
    simulator.clock.advance(20)  # A's retry job has dialled a few of its recipients, not all
    assert 0 < len(_retry_jobs_calls(simulator, "job_completed")[first]) < 10

    # B knows nothing of A's ledger; the server does: the unfinished retry job holds B back ...
    code, out = run(b)
    assert code == EXIT_REFUSED and first in out and "not finished" in out
    # ... and a written reason cannot lift it while that job's recipients are not all known
    code, out = run(b, "--override-reason", "customer insists, second agent on the case")
    assert code == EXIT_REFUSED and "Not every recipient of the unfinished retry job is known yet" in out
    assert len(_retry_jobs_calls(simulator, "job_completed")) == 1

    simulator.clock.advance(6 * 3600)  # A's retry job has finished long since
    code, out = run(b)
    assert code == EXIT_OK
    simulator.clock.advance(6 * 3600)
    dialled = _retry_jobs_calls(simulator, "job_completed")
    seen: dict[str, str] = {}
    for job_id, recipients in dialled.items():
        for rid in recipients:
            assert rid not in seen, f"{rid} dialled by both {seen[rid]} and {job_id}"
            seen[rid] = job_id
    assert seen  # somebody was retried at all


def test_the_gui_and_the_cli_share_one_ledger_per_job(simulator, monkeypatch, tmp_path, capsys):
    """One location rule, keyed by (API base URL, workspace, job): the wizard's retry session and
    ``triage-gui retry`` resolve the same folder, and another API gets another one."""
    from triage_gui.cli.retry_command import default_ledger_dir
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.retry_ledger import ledger_dir

    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    cli_dir = default_ledger_dir(simulator.base_url, "ws_demo", "job_completed")
    assert cli_dir == ledger_dir(AppPaths().data_dir, simulator.base_url, "ws_demo", "job_completed")
    assert cli_dir == ledger_dir(AppPaths().data_dir, simulator.base_url + "/", "ws_demo", "job_completed")
    assert cli_dir != ledger_dir(AppPaths().data_dir, "https://api.example.com", "ws_demo", "job_completed")
    monkeypatch.setenv("TRIAGE_API_TOKEN", simulator.token)
    argv = ["retry", "--base-url", simulator.base_url, "--workspace", "ws_demo", "--job", "job_completed", "--execute"]
    assert main(argv) == EXIT_OK
    capsys.readouterr()
    (entry,) = RetryLedger(cli_dir).entries()
    assert entry.state is IntentState.LAUNCHED
