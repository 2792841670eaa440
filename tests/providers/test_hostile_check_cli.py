"""``triage-gui check`` end to end against the hostile server: the documented exit code, one
plain sentence on stderr, and never a traceback."""

from __future__ import annotations

import pytest
from hostile_data import CONTENT_PATH, JOB, JOB_BODY, JOB_PATH, TOKEN, WS, job_body
from hostile_server import answer, drip, gzip_bomb, problem, redirect

from triage_gui.cli.main import main
from triage_gui.providers.http import limits


def run_check(server, monkeypatch, capsys, token: str = TOKEN) -> tuple[int, str, str]:
    monkeypatch.setenv("TRIAGE_API_TOKEN", token)
    code = main(["check", "--base-url", server.base_url, "--workspace", WS, "--job", JOB])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def only_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("triage-gui check: ")
    assert lines[0].isprintable()
    return lines[0]


def test_a_sane_server_runs(hostile, monkeypatch, capsys):
    code, out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 0, err
    assert JOB in out


def test_a_job_with_another_id_exits_6(hostile, monkeypatch, capsys):
    hostile.route(JOB_PATH, answer(job_body(id="../../../../tmp/evil")))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 6
    assert "id is '../../../../tmp/evil'" in only_sentence(err)


def test_negative_counters_exit_6(hostile, monkeypatch, capsys):
    hostile.route(JOB_PATH, answer(job_body(counters=dict(JOB_BODY["counters"], succeeded=-437, total=-430))))
    code, out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 6 and out == ""
    assert "a count is never negative" in only_sentence(err)


def test_a_redirect_exits_6_saying_so(hostile, monkeypatch, capsys):
    hostile.route(JOB_PATH, redirect("https://login.example/sso?session=abc"))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 6
    sentence = only_sentence(err)
    assert "redirect (302) to https://login.example/sso" in sentence and "session" not in sentence


def test_a_gzip_bomb_exits_6(hostile, monkeypatch, capsys):
    monkeypatch.setattr(limits, "DEFAULT_LIMITS", limits.ClientLimits(max_body_bytes=1024 * 1024))
    hostile.route(JOB_PATH, gzip_bomb(20 * 1024 * 1024))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 6
    assert "larger than 1 MB" in only_sentence(err)


def test_a_drip_exits_5_at_the_deadline(hostile, monkeypatch, capsys):
    monkeypatch.setattr(limits, "DEFAULT_LIMITS", limits.ClientLimits(request_deadline_s=1.0))
    hostile.route(JOB_PATH, drip(interval_s=0.1))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 5
    assert "within 1 s" in only_sentence(err)


def test_an_ansi_detail_on_a_404_exits_4_cleaned(hostile, monkeypatch, capsys):
    hostile.route(JOB_PATH, problem(404, detail="\x1b[2J\x1b[31mgone\x1b[0m " + "x" * 2_000_000))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 4
    sentence = only_sentence(err)
    assert "gone" in sentence and "\x1b" not in sentence and len(sentence) < 800


def test_a_nan_retry_after_still_runs(hostile, monkeypatch, capsys):
    hostile.route(JOB_PATH, problem(429, headers=[("Retry-After", "nan")]), times=1)
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 0, err


def test_an_upload_redirect_is_a_warning_that_says_so(hostile, monkeypatch, capsys):
    hostile.route(CONTENT_PATH, redirect("https://files.example/u.csv?sig=abc"))
    code, _out, err = run_check(hostile, monkeypatch, capsys)
    assert code == 0
    assert "redirect (302) to https://files.example/u.csv" in err and "empty" not in err


@pytest.mark.parametrize("token", [f"{TOKEN}\nsecond-line", f"{TOKEN} x", f"{TOKEN}\x1b[31m"])
def test_a_token_that_cannot_be_a_header_exits_2_without_echoing_it(hostile, monkeypatch, capsys, token):
    code, _out, err = run_check(hostile, monkeypatch, capsys, token=token)
    assert code == 2
    sentence = only_sentence(err)
    assert TOKEN not in sentence and "API token" in sentence
    assert hostile.requests == []
