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


def run_check_json(server, monkeypatch, capsys) -> tuple[int, dict, str]:
    import json

    monkeypatch.setenv("TRIAGE_API_TOKEN", TOKEN)
    code = main(["check", "--base-url", server.base_url, "--workspace", WS, "--job", JOB, "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, (json.loads(out) if out else {}), err


def _findings(payload: dict) -> dict[str, dict]:
    return {f["id"]: f for check in payload["checks"] for f in check["findings"]}


def test_endless_fresh_cursors_exit_6_and_judge_nothing(hostile, monkeypatch, capsys):
    """Issue 12: endless cursors grew to 2,000,000 calls and then judged a 423-recipient job as
    Level 3. The job's counters bound the list; past it the check stops, and no level is printed."""
    from hostile_data import CALLS_PATH
    from hostile_server import endless_pages

    hostile.route(CALLS_PATH, endless_pages(per_page=500))
    code, payload, err = run_check_json(hostile, monkeypatch, capsys)
    assert code == 6 and payload == {}
    assert "went past" in only_sentence(err)
    assert hostile.count(CALLS_PATH) < 40  # ~10k calls are plausible for a 2-recipient job


def test_a_page_that_repeats_a_call_is_counted_once_and_reported(hostile, monkeypatch, capsys):
    """A repeated call (same id) once made a healthy job Level 3 ("dispatch keys dispatched more
    than once"): it is kept once, and the repetition is a contract finding."""
    from hostile_data import CALLS_PATH, call_body
    from hostile_server import pages

    _code, honest, _err = run_check_json(hostile, monkeypatch, capsys)  # the same incident, each call once
    hostile.route(CALLS_PATH, pages([call_body(1), call_body(2)], [call_body(2), call_body(1)]))
    code, payload, _err = run_check_json(hostile, monkeypatch, capsys)
    assert code == 0
    findings = _findings(payload)
    assert findings["repeated_items"]["evidence"]["repeated"] == {"calls": 2}
    assert findings["repeated_items"]["verdict"] == "warn"
    assert findings["no_duplicate_delivery"]["verdict"] == "pass"
    assert payload["counts"] == honest["counts"]
    assert payload["escalation"]["reasons"] == honest["escalation"]["reasons"]


@pytest.mark.parametrize(
    ("date", "rejected"), [("Mon, 01 Jan 1990 00:00:00 GMT", True), ("Fri, 01 Jan 2100 00:00:00 GMT", True)]
)
def test_an_absurd_server_clock_is_not_believed_and_is_reported(hostile, monkeypatch, capsys, date, rejected):
    """A Date of 1990 turned a stalled job into "last dispatch 0 s ago"; 2100 into "640563 h ago"."""
    import re

    for route in [r"^/v1/.*"]:
        hostile.route(route, _with_date(date))
    code, payload, _err = run_check_json(hostile, monkeypatch, capsys)
    assert code == 0
    clock = _findings(payload)["server_clock_rejected"]
    assert clock["verdict"] == "warn" and clock["evidence"]["rejected"] is rejected
    assert abs(clock["evidence"]["skew_s"]) > 365 * 86400
    now = payload["checks"][0]["findings"][0]["evidence"]["server_now"]
    assert re.match(r"20\d\d-", now) and not now.startswith(("1990", "2100"))  # the workstation's clock


def _with_date(date: str):
    """Every default answer, with this ``Date``."""
    from hostile_data import default_answers

    answers = default_answers()

    def behave(x) -> None:
        body, kind = answers[x.path]
        answer(body, content_type=kind, date=date)(x)

    return behave
