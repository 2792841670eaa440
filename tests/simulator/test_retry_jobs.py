"""POST .../retries: idempotency, validation, and how retry jobs progress."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.conftest import AllPages
from triage_gui.simulator import Simulator

WS = "/v1/workspaces/ws_demo"


def post_retry(
    http: httpx.Client,
    job_id: str,
    body: object,
    key: str | None = "key-1",
    raw: bytes | None = None,
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    if raw is not None:
        return http.post(
            f"{WS}/batch-jobs/{job_id}/retries",
            content=raw,
            headers={**headers, "Content-Type": "application/json"},
        )
    return http.post(f"{WS}/batch-jobs/{job_id}/retries", json=body, headers=headers)


def test_same_key_same_body_is_one_job(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("completed")
    cohort = info.truth["transient_failed_ids"][:5]
    before = simulator.job_count("ws_demo")
    first = post_retry(http, info.job_id, {"recipient_ids": cohort, "note": "sample"})
    assert first.status_code == 201
    created = first.json()
    assert created["trigger"] == "retry" and created["parent_job_id"] == info.job_id
    assert created["counters"]["total"] == 5
    assert first.headers["location"].endswith(created["id"])
    again = post_retry(http, info.job_id, {"recipient_ids": cohort, "note": "sample"})
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    assert simulator.job_count("ws_demo") == before + 1
    listed = http.get(f"{WS}/batch-jobs", params={"campaign_id": info.campaign_id}).json()
    assert listed["items"][0]["id"] == created["id"]  # newest first


def test_same_key_other_body_is_422(http: httpx.Client, simulator: Simulator) -> None:
    info = simulator.scenario("completed")
    ids = info.truth["recipient_ids"]
    assert post_retry(http, info.job_id, {"recipient_ids": ids[:2]}).status_code == 201
    clash = post_retry(http, info.job_id, {"recipient_ids": ids[:3]})
    assert clash.status_code == 422
    assert clash.headers["content-type"].startswith("application/problem+json")
    other_job = post_retry(http, "job_healthy", {"recipient_ids": ids[:2]})
    assert other_job.status_code == 422
    assert simulator.job_count("ws_demo") == 15


@pytest.mark.parametrize(
    ("body", "key", "raw", "status"),
    [
        ({"recipient_ids": ["rcp_000001"]}, None, None, 400),
        (None, "k", b"{not json", 400),
        (None, "k", b'["a list"]', 400),
        ({"recipient_ids": []}, "k", None, 422),
        ({"recipient_ids": "rcp_000001"}, "k", None, 422),
        ({"recipient_ids": ["rcp_000001", "nobody"]}, "k", None, 422),
        ({"recipient_ids": ["rcp_000001"], "note": 5}, "k", None, 422),
    ],
)
def test_invalid_retry_requests(
    http: httpx.Client,
    simulator: Simulator,
    body: object,
    key: str | None,
    raw: bytes | None,
    status: int,
) -> None:
    response = post_retry(http, "job_completed", body, key, raw)
    assert response.status_code == status, response.text
    assert response.json()["status"] == status
    assert simulator.job_count("ws_demo") == 14


def test_retry_of_unknown_job_is_404(http: httpx.Client) -> None:
    assert post_retry(http, "job_nope", {"recipient_ids": ["rcp_000001"]}).status_code == 404


def test_healthy_retry_mostly_succeeds_within_minutes(
    http: httpx.Client, simulator: Simulator, all_pages: AllPages
) -> None:
    info = simulator.scenario("retry_stalled")
    cohort = info.truth["transient_failed_ids"][:40]
    created = post_retry(http, info.job_id, {"recipient_ids": cohort}).json()
    simulator.clock.advance(15 * 60)
    later = http.get(f"{WS}/batch-jobs/{created['id']}").json()
    counters = later["counters"]
    assert counters["dispatched"] == 40
    assert counters["succeeded"] >= 30
    calls = all_pages(f"{WS}/batch-jobs/{created['id']}/calls")
    assert min(c["attempt"] for c in calls) == 1
    assert {c["recipient_id"] for c in calls} == set(cohort)
    assert all(c["dispatch_key"].startswith(f"dk_{created['id']}_") for c in calls)


@pytest.mark.parametrize("behaviour", ["failing", "stalled"])
def test_retry_behaviour(http: httpx.Client, simulator: Simulator, behaviour: str) -> None:
    info = simulator.scenario("completed")
    simulator.set_retry_behaviour(info.job_id, behaviour)
    created = post_retry(http, info.job_id, {"recipient_ids": info.truth["recipient_ids"][:20]})
    simulator.clock.advance(3600)
    counters = http.get(f"{WS}/batch-jobs/{created.json()['id']}").json()["counters"]
    if behaviour == "failing":
        assert counters["failed"] == 20 and counters["succeeded"] == 0
    else:
        assert counters["dispatched"] == 0 and counters["queued"] == 20
    with pytest.raises(ValueError):
        simulator.set_retry_behaviour(info.job_id, "sometimes")
