"""``triage-gui retry --provider elevenlabs`` against the ElevenLabs simulator over loopback.

ElevenLabs' batch submit has no idempotency key: a targeted retry is a new batch whose name
carries the intent key, written to the ledger before it is sent and searched for by that name
before any submit. Run twice, from one data folder or two, and with the first submit's answer
lost or held past the client's timeout, the command still makes ONE batch, and never sends the
submit a second time by itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage_gui.cli.main import main
from triage_gui.cli.retry_command import EXIT_OK, EXIT_UNRESOLVED
from triage_gui.providers.connection import Connection
from triage_gui.providers.elevenlabs.mapping import parse_retry_name
from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
from triage_gui.simulator.elevenlabs import server as el_server
from triage_gui.store.paths import AppPaths
from triage_gui.store.retry_ledger import IntentState, RetryLedger, ledger_dir

PARENT = "btcal_completed"
SUBMIT = "/v1/convai/batch-calling/submit"


@pytest.fixture
def sim() -> Iterator[ElevenLabsSimulator]:
    with ElevenLabsSimulator(scenarios=["completed"], clock=ManualClock()) as simulator:
        yield simulator


@pytest.fixture
def run_cli(sim, monkeypatch, tmp_path, capsys):
    """``run_cli(folder, *extra)``: the command with ``TRIAGE_HOME`` (the data folder holding the
    ledger) set to ``tmp_path / folder``; returns (exit code, stdout, stderr)."""
    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    monkeypatch.setenv("TRIAGE_API_TOKEN", sim.key)

    def run(folder: str, *extra: str) -> tuple[int, str, str]:
        monkeypatch.setenv("TRIAGE_HOME", str(tmp_path / folder))
        argv = ["retry", "--provider", "elevenlabs", "--base-url", str(sim.base_url), "--job", PARENT, *extra]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def submits(sim: ElevenLabsSimulator) -> int:
    """Submits the server received (a held one counts from the moment it arrived)."""
    return len(sim.submitted)


def retry_batches(sim: ElevenLabsSimulator) -> list[str]:
    """The batches on the server named as a targeted retry of the parent."""
    return sorted(
        b.id for b in sim.state.batches.values() if (parsed := parse_retry_name(b.name)) and parsed[1] == PARENT
    )


def ledger_of(tmp_path: Path, folder: str, sim: ElevenLabsSimulator) -> RetryLedger:
    data_dir = AppPaths(environ={"TRIAGE_HOME": str(tmp_path / folder)}).data_dir
    return RetryLedger(ledger_dir(data_dir, str(sim.base_url), "default", PARENT))


class HeldSubmit:
    """The next submit held by the server past the client's timeout, either after the server made
    the batch (``acted=True``: its answer is late) or before (the server makes it only once
    released). ``arrived`` counts the submits that reached the server, held or not.

    The ElevenLabs simulator has no such fault yet (only ``lose_next_submit_answer``), so its
    request handler is wrapped here, for these tests only."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.gate = threading.Event()
        self.arrived = 0
        self._first = True

    def _submit(self, method: str, path: str) -> bool:
        return (method, path.split("?")[0]) == ("POST", SUBMIT)

    def _take(self, method: str, path: str) -> bool:
        if self._submit(method, path) and self._first:
            self._first = False
            return True
        return False

    def __call__(self, *, acted: bool) -> None:
        held = self
        reply, answer = el_server._Handler._reply, el_server._Handler._answer

        def held_reply(handler, sim_, method, path, query, body):
            if held._submit(method, path):
                held.arrived += 1
            if not acted and held._take(method, path):
                held.gate.wait(60)
            return reply(handler, sim_, method, path, query, body)

        def held_answer(handler, method, result):
            if acted and held._take(method, handler.path):
                held.gate.wait(60)
            return answer(handler, method, result)

        self.monkeypatch.setattr(el_server._Handler, "_reply", held_reply)
        self.monkeypatch.setattr(el_server._Handler, "_answer", held_answer)

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def held_submit(sim, monkeypatch) -> Iterator[HeldSubmit]:
    # the client's timeout, short for these tests only (the CLI has no option for it)
    open_provider = Connection.open_provider
    monkeypatch.setattr(Connection, "open_provider", lambda self, **kw: open_provider(self, **{**kw, "timeout_s": 2}))
    held = HeldSubmit(monkeypatch)
    try:
        yield held
    finally:
        held.release()  # before the simulator stops: it joins its handler threads


# -- (d) the dry run -----------------------------------------------------------------------------
def test_the_dry_run_never_submits(run_cli, sim):
    code, out, _ = run_cli("a")
    assert code == EXIT_OK and "Dry run: this retry would be launched" in out
    code, out, _ = run_cli("a", "--json")
    data = json.loads(out)
    assert code == EXIT_OK and data["dry_run"] is True and data["provider"] == "elevenlabs"
    assert sorted(r["recipient_id"] for r in data["cohort"]["recipients"]) == sim.scenario("completed").truth["cohort"]
    assert [r.method for r in sim.request_log if r.method != "GET"] == []
    assert submits(sim) == 0 and retry_batches(sim) == []


# -- (a) twice, one data folder ------------------------------------------------------------------
def test_twice_from_one_data_folder_makes_one_batch(run_cli, sim, tmp_path):
    code, out, _ = run_cli("a", "--execute", "--json")
    first = json.loads(out)
    assert code == EXIT_OK and first["provider"] == "elevenlabs"
    assert first["launch"]["status"] == "launched"
    [batch] = retry_batches(sim)
    assert first["retry_job_id"] == first["launch"]["retry_job_id"] == batch
    assert parse_retry_name(sim.state.batches[batch].name) == (first["cohort"]["key"], PARENT)

    code, out, _ = run_cli("a", "--execute")
    assert code == EXIT_OK and f"Nothing left to launch: the sample was launched as retry job {batch}" in out
    code, out, _ = run_cli("a", "--execute", "--json")
    again = json.loads(out)
    assert code == EXIT_OK and again["retry_job_id"] == batch and "launch" not in again
    assert submits(sim) == 1 and retry_batches(sim) == [batch]
    (entry,) = ledger_of(tmp_path, "a", sim).entries()
    assert entry.state is IntentState.LAUNCHED and entry.retry_job_id == batch


# -- (b) twice, two data folders -----------------------------------------------------------------
def test_twice_from_two_data_folders_makes_one_batch(run_cli, sim, tmp_path):
    assert run_cli("a", "--execute")[0] == EXIT_OK
    [batch] = retry_batches(sim)
    # B's ledger knows nothing: the server's retry batch (found by its name) holds the cohort
    code, out, _ = run_cli("b", "--execute", "--json")
    data = json.loads(out)
    assert code == EXIT_OK and data["retry_job_id"] == batch and "launch" not in data
    assert data["cohort"]["size"] == 0 and data["unfinished_retry_jobs"] == [batch]
    code, out, _ = run_cli("b", "--execute")
    assert code == EXIT_OK and f"already in retry job {batch}" in out
    sim.clock.advance(6 * 3600)  # the retry batch has long finished: still nobody to launch
    assert run_cli("b", "--execute")[0] == EXIT_OK
    assert submits(sim) == 1 and retry_batches(sim) == [batch]
    assert ledger_of(tmp_path, "b", sim).entries() == []


# -- (c) the first submit's answer never arrives ---------------------------------------------------
def test_a_lost_answer_is_found_not_sent_again(run_cli, sim, tmp_path):
    sim.lose_next_submit_answer(503)  # the server makes the batch, the client gets a 503
    code, out, _ = run_cli("a", "--execute", "--json")
    first = json.loads(out)
    assert submits(sim) == 1
    [batch] = retry_batches(sim)
    assert code == EXIT_OK and first["launch"]["status"] == "launched" and first["retry_job_id"] == batch
    assert "after an ambiguous result" in first["launch"]["message"]
    for folder in ("a", "b"):
        code, out, _ = run_cli(folder, "--execute", "--json")
        assert code == EXIT_OK and json.loads(out)["retry_job_id"] == batch
    assert submits(sim) == 1 and retry_batches(sim) == [batch]


def test_a_timed_out_submit_the_server_acted_on_is_found(run_cli, sim, held_submit, tmp_path):
    held_submit(acted=True)
    code, out, err = run_cli("a", "--execute", "--json")
    first = json.loads(out)
    assert held_submit.arrived == 1 and submits(sim) == 1
    [batch] = retry_batches(sim)
    assert "The result is not known: looking the retry job up" in err  # the send timed out
    assert code == EXIT_OK and first["launch"]["status"] == "launched" and first["retry_job_id"] == batch
    assert "after an ambiguous result" in first["launch"]["message"]
    held_submit.release()
    for folder in ("a", "b"):
        code, out, _ = run_cli(folder, "--execute", "--json")
        assert code == EXIT_OK and json.loads(out)["retry_job_id"] == batch
    assert submits(sim) == 1 and retry_batches(sim) == [batch]


def test_a_submit_held_past_the_timeout_is_never_sent_again(run_cli, sim, held_submit, tmp_path):
    """The server acts only after the client gave up: the first run cannot know, so it ends
    unresolved with the intent pending; it does not send the submit again (nothing would stop
    a second batch). Run again once the server acted, it finds the batch by its name."""
    held_submit(acted=False)
    code, out, _ = run_cli("a", "--execute", "--json")
    first = json.loads(out)
    assert held_submit.arrived == 1  # sent once, not again after the timeout
    assert code == EXIT_UNRESOLVED and first["exit_code"] == EXIT_UNRESOLVED
    assert first["launch"]["status"] == "unresolved" and first["retry_job_id"] is None
    assert "do not relaunch" in first["launch"]["message"] and "did not answer POST" in first["launch"]["message"]
    (pending,) = ledger_of(tmp_path, "a", sim).pending()
    assert pending.key == first["cohort"]["key"]
    held_submit.release()
    _wait_for(lambda: len(retry_batches(sim)) == 1)
    assert submits(sim) == 1
    [batch] = retry_batches(sim)

    code, out, _ = run_cli("a", "--execute", "--json")
    again = json.loads(out)
    assert code == EXIT_OK and again["retry_job_id"] == batch
    assert [(r["status"], r["retry_job_id"]) for r in again["resumed"]] == [("already_launched", batch)]
    code, out, _ = run_cli("b", "--execute", "--json")
    assert code == EXIT_OK and json.loads(out)["retry_job_id"] == batch
    assert held_submit.arrived == 1 and submits(sim) == 1 and retry_batches(sim) == [batch]
    (entry,) = ledger_of(tmp_path, "a", sim).entries()
    assert entry.state is IntentState.LAUNCHED and entry.retry_job_id == batch


def _wait_for(condition, seconds: float = 30.0) -> None:
    done = threading.Event()
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        done.wait(0.02)
    raise AssertionError("the simulator never made the held batch")
