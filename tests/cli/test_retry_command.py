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
