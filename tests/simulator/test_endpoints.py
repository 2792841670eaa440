"""Every endpoint of the contract, auth and error statuses, and cursor paging, over real HTTP."""

from __future__ import annotations

import csv
import io
import re
from email.utils import parsedate_to_datetime

import httpx
import phonenumbers
import pytest

from tests.simulator.conftest import AllPages
from triage_gui.simulator import Simulator

WS = "/v1/workspaces/ws_demo"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["status"] == status
    return body


def test_workspace_campaign_upload_and_job(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("healthy")
    ws = http.get(WS).json()
    assert ws["id"] == "ws_demo" and ws["timezone"] == "America/New_York"
    assert ws["concurrency_limit"] > 0 and "x_region" in ws  # an unknown field, on purpose
    campaign = http.get(f"{WS}/campaigns/{info.campaign_id}").json()
    assert campaign["upload_id"] == info.upload_id and campaign["from_number"].startswith("+1")
    upload = http.get(f"{WS}/uploads/{info.upload_id}").json()
    assert upload["row_count"] == len(info.truth["recipient_ids"])
    assert "phone_number" in upload["columns"]
    job = http.get(f"{WS}/batch-jobs/{info.job_id}").json()
    assert job["campaign_id"] == info.campaign_id and job["status"] == "running"
    for key in ("created_at", "started_at", "updated_at"):
        assert ISO_Z.match(job[key]), job[key]
    assert job["finished_at"] is None
    assert job["counters"] == info.truth["counters"]


def test_upload_content_is_csv_with_a_phone_column(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("dirty_upload")
    response = http.get(f"{WS}/uploads/{info.upload_id}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["recipient_id", "first_name", "last_name", "phone_number"]
    assert len(rows) == http.get(f"{WS}/uploads/{info.upload_id}").json()["row_count"]
    # Spreadsheet rows: header is row 1, so data row i is rows[i - 2].
    for row_number in info.truth["invalid_upload_rows"]:
        cell = rows[row_number - 2]["phone_number"]
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(cell, "DE"))
        except phonenumbers.NumberParseException:
            valid = False
        assert not valid, cell


def test_date_header_is_the_simulated_clock(http: httpx.Client, simulator: Simulator) -> None:
    first = parsedate_to_datetime(http.get(WS).headers["date"])
    assert first == simulator.clock.start
    simulator.clock.advance(3600)
    later = parsedate_to_datetime(http.get(WS).headers["date"])
    assert (later - first).total_seconds() == 3600


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": "Basic x"}, 401)],
)
def test_bad_or_missing_token_is_401(simulator: Simulator, headers: dict, status: int) -> None:
    with httpx.Client(base_url=simulator.base_url or "", headers=headers) as raw:
        response = raw.get(f"{WS}/batch-jobs/job_healthy")
    assert_problem(response, status)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_restricted_workspace_is_403_unknown_is_404_bad_id_is_400(http: httpx.Client) -> None:
    assert_problem(http.get("/v1/workspaces/ws_restricted"), 403)
    assert_problem(http.get("/v1/workspaces/ws_restricted/batch-jobs/job_healthy"), 403)
    assert_problem(http.get("/v1/workspaces/ws_nope"), 404)
    assert_problem(http.get(f"{WS}/batch-jobs/job_nope"), 404)
    assert_problem(http.get(f"{WS}/campaigns/cmp_nope"), 404)
    assert_problem(http.get(f"{WS}/uploads/upl_nope/content"), 404)
    assert_problem(http.get(f"{WS}/batch-jobs/bad%20id"), 400)
    assert_problem(http.get(f"{WS}/batch-jobs/{'x' * 65}"), 400)
    assert_problem(http.get("/v2/whatever"), 404)
    assert_problem(http.delete(f"{WS}/batch-jobs/job_healthy"), 405)


def test_scenarios_not_selected_do_not_exist() -> None:
    with (
        Simulator(scenarios=["stalled"]) as sim,
        httpx.Client(base_url=sim.base_url or "", headers={"Authorization": f"Bearer {sim.token}"}) as http,
    ):
        assert http.get(f"{WS}/batch-jobs/job_stalled").status_code == 200
        assert_problem(http.get(f"{WS}/batch-jobs/job_healthy"), 404)
        jobs = http.get(f"{WS}/batch-jobs").json()["items"]
        assert [j["id"] for j in jobs] == ["job_stalled"]


def test_limit_is_clamped_and_validated(http: httpx.Client, simulator: Simulator) -> None:
    job = simulator.scenario("healthy").job_id
    page = http.get(f"{WS}/batch-jobs/{job}/calls", params={"limit": 10_000}).json()
    assert len(page["items"]) == 500 and page["next_cursor"]
    default = http.get(f"{WS}/batch-jobs/{job}/calls").json()
    assert len(default["items"]) == 100
    assert_problem(http.get(f"{WS}/batch-jobs/{job}/calls", params={"limit": 0}), 400)
    assert_problem(http.get(f"{WS}/batch-jobs/{job}/calls", params={"limit": "ten"}), 400)


def test_calls_paging_roundtrip_matches_one_big_page(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("completed")
    url = f"{WS}/batch-jobs/{info.job_id}/calls"
    small = all_pages(url, limit=37)
    big = all_pages(url, limit=500)
    assert [c["id"] for c in small] == [c["id"] for c in big]
    assert len({c["id"] for c in small}) == len(small)
    order = [(c["queued_at"], c["id"]) for c in small]
    assert order == sorted(order)  # stable order: queued_at, then id


def test_calls_status_filter_and_cursor_bound_to_filters(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("completed")
    url = f"{WS}/batch-jobs/{info.job_id}/calls"
    failed = all_pages(url, status="failed", limit=7)
    assert failed and all(c["status"] == "failed" and c["failure"] for c in failed)
    every = all_pages(url, limit=500)
    assert len(failed) == sum(c["status"] == "failed" for c in every)
    cursor = http.get(url, params={"status": "failed", "limit": 3}).json()["next_cursor"]
    assert_problem(http.get(url, params={"status": "succeeded", "cursor": cursor}), 400)
    assert_problem(http.get(url, params={"cursor": "not-a-cursor"}), 400)
    assert_problem(http.get(url, params={"status": "ringing"}), 400)


def test_jobs_list_newest_first_with_filters(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    jobs = all_pages(f"{WS}/batch-jobs", limit=2)
    assert len(jobs) == simulator.job_count("ws_demo") == 14
    created = [j["created_at"] for j in jobs]
    assert created == sorted(created, reverse=True)
    info = simulator.scenario("duplicate_run")
    same = all_pages(f"{WS}/batch-jobs", campaign_id=info.campaign_id)
    assert {j["id"] for j in same} == {"job_duplicate_run", "job_duplicate_run_b"}
    by_upload = all_pages(f"{WS}/batch-jobs", upload_id=info.upload_id, limit=1)
    assert [j["id"] for j in by_upload] == [j["id"] for j in same]
    newest = same[0]
    after = all_pages(f"{WS}/batch-jobs", campaign_id=info.campaign_id, created_after=newest["created_at"])
    assert [j["id"] for j in after] == [newest["id"]]  # inclusive
    assert_problem(http.get(f"{WS}/batch-jobs", params={"created_after": "yesterday"}), 400)
    cursor = http.get(f"{WS}/batch-jobs", params={"limit": 1}).json()["next_cursor"]
    assert_problem(
        http.get(f"{WS}/batch-jobs", params={"cursor": cursor, "campaign_id": info.campaign_id}),
        400,
    )


def test_events_after_oldest_first_with_gaps(http: httpx.Client, simulator: Simulator, all_pages: AllPages) -> None:
    info = simulator.scenario("healthy")
    url = f"{WS}/batch-jobs/{info.job_id}/events"
    events = all_pages(url, limit=250)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert any(b - a > 1 for a, b in zip(seqs, seqs[1:], strict=False))  # gaps exist
    assert events[0]["type"] == "job_started"
    middle = seqs[len(seqs) // 2]
    later = all_pages(url, after=middle)
    assert [e["seq"] for e in later] == [s for s in seqs if s > middle]
    assert_problem(http.get(url, params={"after": "x"}), 400)
