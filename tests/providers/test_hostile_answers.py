"""Answers that contradict the request, redirects, and server text that must not reach a
terminal raw: each a typed error naming what is wrong."""

from __future__ import annotations

import pytest
from hostile_data import (
    CALLS_PATH,
    CAMPAIGN,
    CAMPAIGN_PATH,
    CONTENT_PATH,
    EVENTS_PATH,
    JOB,
    JOB_BODY,
    JOB_PATH,
    JOBS_PATH,
    UPLOAD,
    WS,
    WS_PATH,
    call_body,
    event_body,
    job_body,
)
from hostile_server import answer, problem, redirect

from triage_gui.providers.errors import InvalidResponse, NotFound, Redirected, ServerError, clean_text

EVIL = "../../../../tmp/evil"


def test_a_job_answered_with_another_id_is_a_contract_error(hostile, make_client):
    hostile.route(JOB_PATH, answer(job_body(id=EVIL)))
    with pytest.raises(InvalidResponse) as err:
        make_client().get_job(WS, JOB)
    message = str(err.value)
    assert "breaks the API contract" in message and "id is" in message and EVIL in message
    assert err.value.details == [f"id: is '{EVIL}', not an ID (1–64 letters, digits, '_' or '-')"]


def test_a_job_of_another_workspace_is_a_contract_error(hostile, make_client):
    hostile.route(JOB_PATH, answer(job_body(workspace_id="ws_other")))
    with pytest.raises(InvalidResponse, match="workspace_id is 'ws_other', not 'ws_h' as asked"):
        make_client().get_job(WS, JOB)


@pytest.mark.parametrize("field", ["failed", "total", "succeeded", "retry_scheduled"])
def test_negative_counters_are_a_contract_error_naming_the_field(hostile, make_client, field):
    counters = dict(JOB_BODY["counters"], **{field: -437})
    hostile.route(JOB_PATH, answer(job_body(counters=counters)))
    with pytest.raises(InvalidResponse, match=f"counters.{field} is -437: a count is never negative"):
        make_client().get_job(WS, JOB)


def test_negative_permits_are_a_contract_error(hostile, make_client):
    hostile.route(JOB_PATH, answer(job_body(dispatch=dict(JOB_BODY["dispatch"], waiting_for_permit=-1))))
    with pytest.raises(InvalidResponse, match="dispatch.waiting_for_permit is -1"):
        make_client().get_job(WS, JOB)


def test_other_resources_must_be_the_ones_asked_for(hostile, make_client):
    client = make_client()
    hostile.route(WS_PATH, answer({"id": "ws_other"}))
    with pytest.raises(InvalidResponse, match="id is 'ws_other'"):
        client.get_workspace(WS)
    hostile.route(CAMPAIGN_PATH, answer({"id": CAMPAIGN, "upload_id": "../x"}))
    with pytest.raises(InvalidResponse, match="upload_id is '../x', not an ID"):
        client.get_campaign(WS, CAMPAIGN)
    hostile.route(f"{WS_PATH}/uploads/{UPLOAD}", answer({"id": UPLOAD, "row_count": -3}))
    with pytest.raises(InvalidResponse, match="row_count is -3"):
        client.get_upload(WS, UPLOAD)


def test_list_items_are_checked_and_named_by_position(hostile, make_client):
    client = make_client()
    hostile.route(CALLS_PATH, answer({"items": [call_body(1), call_body(2, id_=EVIL)], "next_cursor": None}))
    with pytest.raises(InvalidResponse, match=r"items\[1\]\.id is '\.\./"):
        list(client.iter_calls(WS, JOB))
    hostile.route(JOBS_PATH, answer({"items": [job_body(campaign_id="cmp_other")], "next_cursor": None}))
    with pytest.raises(InvalidResponse, match=r"items\[0\]\.campaign_id is 'cmp_other', not 'cmp_h' as asked"):
        list(client.iter_jobs(WS, campaign_id=CAMPAIGN))
    hostile.route(EVENTS_PATH, answer({"items": [event_body(3)], "next_cursor": None}))
    with pytest.raises(InvalidResponse, match=r"items\[0\]\.seq is 3, not after 7 as asked"):
        list(client.iter_events(WS, JOB, after=7))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_reported_as_such_and_not_followed(hostile, make_client, status):
    hostile.route(JOB_PATH, redirect(f"{hostile.base_url}/elsewhere?token=secret#frag", status))
    with pytest.raises(Redirected) as err:
        make_client().get_job(WS, JOB)
    message = str(err.value)
    assert f"redirect ({status}) to {hostile.base_url}/elsewhere." in message
    assert "not followed" in message and "secret" not in message and "not valid JSON" not in message
    assert err.value.location == f"{hostile.base_url}/elsewhere"
    assert hostile.count("/elsewhere") == 0  # never followed: the token went nowhere else
    assert hostile.count(JOB_PATH) == 1


def test_a_redirect_to_another_origin_drops_its_credentials(hostile, make_client):
    hostile.route(JOB_PATH, redirect("https://user:pw@evil.example:8443/login?next=/v1"))
    with pytest.raises(Redirected) as err:
        make_client().get_job(WS, JOB)
    assert err.value.location == "https://evil.example:8443/login"
    assert "pw" not in str(err.value)


def test_a_redirected_upload_is_not_an_empty_upload(hostile, make_client):
    hostile.route(CONTENT_PATH, redirect("https://files.example/u.csv?sig=abc"))
    with pytest.raises(Redirected, match="redirect \\(302\\) to https://files.example/u.csv"):
        list(make_client().iter_upload_lines(WS, UPLOAD))


def test_a_problem_detail_with_ansi_escapes_is_cleaned(hostile, make_client):
    detail = "\x1b[2J\x1b[31mowned\x1b[0m\r\nfake log line\x07 \u202eevil\x00"
    hostile.route(JOB_PATH, problem(404, detail=detail, title="\x1b]0;title\x07"))
    with pytest.raises(NotFound) as err:
        make_client().get_job(WS, JOB)
    message = str(err.value)
    assert "owned fake log line evil" in message
    assert all(ch.isprintable() for ch in message)
    assert all(
        isinstance(v, str | int) and (not isinstance(v, str) or v.isprintable()) for v in err.value.problem.values()
    )


def test_a_huge_detail_is_capped(hostile, make_client):
    hostile.route(JOB_PATH, problem(500, detail="boom " * 400_000))  # 2 MB
    with pytest.raises(ServerError) as err:
        make_client(max_error_body_bytes=4 * 1024 * 1024).get_job(WS, JOB)
    assert len(str(err.value)) < 700 and str(err.value).count("boom") <= 100
    assert len(err.value.problem["detail"]) <= 500


def test_a_non_json_error_body_is_cleaned(hostile, make_client):
    hostile.route(JOB_PATH, answer("\x1b[31m<html>nope</html>\n" * 1000, status=404, content_type="text/html"))
    with pytest.raises(NotFound) as err:
        make_client().get_job(WS, JOB)
    assert "\x1b" not in str(err.value) and len(str(err.value)) < 400


@pytest.mark.parametrize(
    "body", [b"1" * 5000, b"[" * 100_000 + b"]" * 100_000, b'{"id": "\xff\xfe"}', b"", b"\x1b[31mnot json"]
)
def test_unreadable_json_is_a_contract_error(hostile, make_client, body):
    hostile.route(JOB_PATH, answer(body))
    with pytest.raises(InvalidResponse, match="not valid JSON") as err:
        make_client().get_job(WS, JOB)
    assert all(ch.isprintable() for ch in str(err.value) + "".join(err.value.details))


def test_clean_text_strips_controls_and_caps():
    assert clean_text("a\x1b[1;31mb\x1b[0m\tc\n\nd\u200b\u202ee\x9b31mf") == "ab c def"
    assert clean_text("é日本 ok") == "é日本 ok"
    assert clean_text("x" * 10_000, 20) == "x" * 19 + "…"


def test_an_injected_client_that_follows_redirects_still_does_not(hostile):
    import httpx
    from hostile_data import TOKEN

    from triage_gui.providers.batch_v1.client import BatchApiClient

    hostile.route(JOB_PATH, redirect(f"{hostile.base_url}/elsewhere"))
    with (
        httpx.Client(follow_redirects=True) as http,
        BatchApiClient(hostile.base_url, TOKEN, http=http) as client,
        pytest.raises(Redirected),
    ):
        client.get_job(WS, JOB)
    assert hostile.count("/elsewhere") == 0


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (Redirected("r", location=None), 6),
        (InvalidResponse("i"), 6),
        (NotFound("n"), 4),
        (ServerError("s"), 5),
    ],
)
def test_the_new_errors_keep_the_documented_exit_codes(error, code):
    from triage_gui.cli.api_errors import exit_code
    from triage_gui.providers.errors import DeadlineExceeded, PagingLimitExceeded, ResponseTooLarge

    assert exit_code(error) == code
    assert exit_code(ResponseTooLarge("big", limit=1)) == 6
    assert exit_code(PagingLimitExceeded("endless")) == 6
    assert exit_code(DeadlineExceeded("slow", deadline_s=1.0)) == 5
