"""``triage-gui audit`` and the files it reads and writes (issue 12 §4): regular files only,
no formula injection in the outputs, no temp files left on signals or after a killed run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from triage_gui.cli import audit_command
from triage_gui.cli.audit_command import STALE_TEMP_SECONDS, CleanFileWriter, remove_stale_temp_files
from triage_gui.cli.main import main

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and these signals are POSIX")


@pytest.fixture()
def contacts(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "name;phone_number;note\n"
        '=HYPERLINK("http://evil","x");+447400123456;@SUM(1)\n'  # 2 kept
        "Bob;+44 7400 123456;-2+3\n"  # 3 duplicate of 2
        "\t=cmd;=1+1;+1\n"  # 4 invalid
        " =1;07400 123457;ok\n",  # 5 kept
        encoding="utf-8",
    )
    return path


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_outputs_neutralise_formulas_and_keep_the_phone_plus(contacts: Path) -> None:
    clean = contacts.parent / "clean.csv"
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(clean)]) == 0
    assert _read(clean) == [
        ["name", "phone_number", "note"],
        ['\'=HYPERLINK("http://evil","x")', "+447400123456", "'@SUM(1)"],
        ["' =1", "+447400123457", "ok"],
    ]
    assert _read(contacts.parent / "clean.rejects.csv") == [
        ["row", "reason", "name", "phone_number", "note"],
        ["3", "duplicate of row 2", "Bob", "+44 7400 123456", "'-2+3"],  # a phone: left as is
        ["4", "not a phone number", "'\t=cmd", "'=1+1", "'+1"],  # "=1+1" is no phone: quoted
    ]


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_outputs_only_go_to_regular_files(
    contacts: Path, capsys: pytest.CaptureFixture[str], kind: str, tmp_path: Path
) -> None:
    if kind == "fifo":
        target = tmp_path / "out.csv"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/null")
    else:
        target = tmp_path / "outdir"
        target.mkdir()
    before = os.stat(target).st_mode
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("triage-gui audit: ") and "outputs are written only to regular files" in err
    assert os.stat(target).st_mode == before  # the FIFO or the device is still what it was
    rejects_on_device = ["audit", str(contacts), "--out", str(tmp_path / "ok.csv"), "--rejects", "/dev/null"]
    assert main(rejects_on_device) == 2
    assert "/dev/null is a character device" in capsys.readouterr().err
    assert not (tmp_path / "ok.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@posix_only
@pytest.mark.timeout(20)
def test_a_fifo_input_exits_2_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    assert main(["audit", str(fifo)]) == 2
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().err


def test_a_late_nul_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [b"phone"] + [b"+447400%06d" % i for i in range(10_000)]
    lines[9000] = b"+4474\x00001"
    path = tmp_path / "nul.csv"
    path.write_bytes(b"\n".join(lines))
    assert main(["audit", str(path), "--out", str(tmp_path / "clean.csv")]) == 2
    assert "row 9001 contains a NUL byte" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nul.csv"]


def test_mixed_encodings_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("phone;name\n+447400000001;Renée\n".encode("cp1252") + "+447400000002;Zoë\n".encode())
    assert main(["audit", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    (warning,) = json.loads(captured.out)["warnings"]
    assert "the first is row 3" in warning
    assert "warning: " in captured.err and "mixes encodings" in captured.err


def test_stale_temp_files_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "clean.csv"
    old = time.time() - STALE_TEMP_SECONDS - 60
    dead = _dead_pid()
    files = {
        "dead_pid": f".clean.csv.{dead}.abcd1234.tmp",
        "old_legacy": ".clean.csv.zzzz9999.tmp",
        "live_pid": f".clean.csv.{os.getppid()}.abcd1234.tmp",
        "fresh_legacy": ".clean.csv.yyyy8888.tmp",
        "someone_elses": ".clean.csv.notours.tmp",
        "other_target": f".other.csv.{dead}.abcd1234.tmp",
    }
    for key, name in files.items():
        (tmp_path / name).write_text("x", encoding="utf-8")
        if key in ("old_legacy", "someone_elses"):
            os.utime(tmp_path / name, (old, old))
    assert remove_stale_temp_files(target) == 2
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {files[k] for k in ("live_pid", "fresh_legacy", "someone_elses", "other_target")}


def test_a_run_cleans_what_a_killed_run_left(contacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    leftover = contacts.parent / f".clean.csv.{_dead_pid()}.abcd1234.tmp"
    leftover.write_text("20 MB of contacts", encoding="utf-8")
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(contacts.parent / "clean.csv")]) == 0
    assert not leftover.exists()
    assert "removed 1 temporary file(s) an interrupted run left" in capsys.readouterr().out


@posix_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_the_audit_removes_the_temp_files(
    contacts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signum: signal.Signals
) -> None:
    """In-process: the handler raises, the writer aborts, the old handler comes back."""
    before = signal.getsignal(signum)
    write = CleanFileWriter.write

    def write_then_signal(self: CleanFileWriter, outcome: object, row: list[str]) -> None:
        write(self, outcome, row)  # type: ignore[arg-type]
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(CleanFileWriter, "write", write_then_signal)
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(contacts.parent / "clean.csv")]) == 128 + signum
    assert f"stopped by {signum.name}" in capsys.readouterr().err
    assert sorted(p.name for p in contacts.parent.iterdir()) == ["contacts.csv"]
    assert signal.getsignal(signum) is before


class _SignalInDel:
    """Signals its own process from ``__del__``: Python runs the handler there, and an
    exception the handler raises in a ``__del__`` is printed and dropped (as in logging's
    fork hook, where a CI run once lost a SIGTERM and the audit ended with 0)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        for _ in range(100):  # the handler runs at a bytecode boundary in here
            pass


@posix_only
def test_a_signal_whose_exception_python_dropped_still_stops_the_audit(
    contacts: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write = CleanFileWriter.write
    sent: list[int] = []

    def write_and_lose_a_signal(self: CleanFileWriter, outcome: object, row: list[str]) -> None:
        write(self, outcome, row)  # type: ignore[arg-type]
        if not sent:
            sent.append(signal.SIGTERM)
            _SignalInDel(signal.SIGTERM)  # made and dropped at once: __del__ runs here

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(CleanFileWriter, "write", write_and_lose_a_signal)
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(contacts.parent / "clean.csv")]) == 143
    assert unraisable, "the handler's exception was not dropped: this test no longer tests the lost signal"
    assert "stopped by SIGTERM" in capsys.readouterr().err
    assert sorted(p.name for p in contacts.parent.iterdir()) == ["contacts.csv"]


@posix_only
def test_a_signal_during_the_renames_waits_for_both(contacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two renames are one step: a SIGHUP between them is raised after the second."""
    replace = os.replace
    calls: list[str] = []

    def replace_then_hang_up(src: str, dst: Path) -> None:
        replace(src, dst)
        calls.append(Path(dst).name)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGHUP)

    monkeypatch.setattr(audit_command.os, "replace", replace_then_hang_up)
    assert main(["audit", str(contacts), "--region", "GB", "--out", str(contacts.parent / "clean.csv")]) == 129
    assert calls == ["clean.csv", "clean.rejects.csv"]
    assert sorted(p.name for p in contacts.parent.iterdir()) == ["clean.csv", "clean.rejects.csv", "contacts.csv"]


@posix_only
def test_sigterm_to_a_real_audit_exits_promptly_and_leaves_no_temp_file(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,phone_number,name\n")
        for i in range(600_000):
            handle.write(f"r{i},+4474{i % 100:02d}{i:06d},Contact number {i}\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "triage_gui", "audit", str(source), "--out", str(out_dir / "clean.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(6000):  # until the temp files exist: the audit is writing
            if any(p.name.endswith(".tmp") for p in out_dir.iterdir()) or process.poll() is not None:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the audit ended before it could be interrupted"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)  # prompt: no waiting for the whole file
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def _dead_pid() -> int:
    """A pid no process has (a child that has been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_worker_processes_write_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the phone cells parsed by worker processes (store/audit_pool.py), the cleaned file, the
    rejects file and the JSON are byte for byte those of one process."""
    from triage_gui.store import audit_pool

    source = tmp_path / "contacts.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,phone_number,name\n")
        for i in range(2000):
            choices = [f"07400 1{i % 700:05d}", f"+44 7400 1{i % 900:05d}", "=cmd|x", "n/a", f"+1 415 555 {i:04d}"]
            phone = choices[i % 5]
            handle.write(f"r{i},{phone},@name {i}\n" if i % 13 else f"r{i}\n")
    monkeypatch.setattr(audit_pool, "CHUNK_ROWS", 64)
    outputs = {}
    for workers in (0, 2):
        monkeypatch.setattr(audit_pool, "worker_count", lambda requested=None, n=workers: n)
        out = tmp_path / f"clean{workers}.csv"
        assert main(["audit", str(source), "--region", "GB", "--json", "--out", str(out)]) == 0
        stdout = capsys.readouterr().out
        outputs[workers] = (stdout, out.read_bytes(), out.with_name(f"clean{workers}.rejects.csv").read_bytes())
    assert outputs[2] == outputs[0]
    assert json.loads(outputs[2][0])["duplicate_rows"] > 100
