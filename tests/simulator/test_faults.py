"""Each fault kind, as a client sees it over real HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from triage_gui.simulator import Fault, Simulator

WS = "/v1/workspaces/ws_demo"
JOB = f"{WS}/batch-jobs/job_completed"


def test_latency_then_normal_answer(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="latency", seconds=0.3, path=r"/batch-jobs/job_completed$"))
    started = time.monotonic()
    assert http.get(JOB).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert http.get(JOB).status_code == 200  # fired once only
    assert time.monotonic() - started < 0.3


def test_status_fault_is_problem_json_with_retry_after(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="status", status=503, retry_after=4, path="job_completed", times=2))
    for _ in range(2):
        response = http.get(JOB)
        assert response.status_code == 503 and response.headers["retry-after"] == "4"
        assert response.headers["content-type"].startswith("application/problem+json")
    assert http.get(JOB).status_code == 200


def test_rate_limit_is_429_with_retry_after(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="rate_limit", retry_after=9, method="GET"))
    response = http.get(JOB)
    assert response.status_code == 429 and response.headers["retry-after"] == "9"


def test_malformed_json_is_a_truncated_200(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="malformed_json", path="job_completed"))
    response = http.get(JOB)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert response.text.startswith('{"id": "job_completed"')


def test_invalid_shape_is_valid_json_of_the_wrong_shape(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="invalid_shape", path="/calls$"))
    body = http.get(f"{JOB}/calls").json()
    assert not isinstance(body["items"], list) and "next_cursor" not in body


def test_drop_closes_without_an_answer(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="drop", path="job_completed", times=None))
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(JOB)
    assert simulator.request_log[-1].status == 0
    simulator.faults.clear()
    assert http.get(JOB).status_code == 200  # a fresh connection works again


def test_delay_after_processing_creates_the_job_before_answering(simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="delay_after_processing", seconds=2.0, method="POST", path="/retries$"))
    with httpx.Client(
        base_url=simulator.base_url or "",
        timeout=0.3,
        headers={"Authorization": f"Bearer {simulator.token}"},
    ) as http:
        body = {"recipient_ids": ["rcp_000001"]}
        with pytest.raises(httpx.ReadTimeout):
            http.post(f"{JOB}/retries", json=body, headers={"Idempotency-Key": "slow"})
        assert simulator.job_count("ws_demo") == 15  # it did succeed
        again = http.post(f"{JOB}/retries", json=body, headers={"Idempotency-Key": "slow"})
        assert again.status_code == 200  # the same job, not a second one
        assert simulator.job_count("ws_demo") == 15


def test_fault_matching_by_method_and_path(http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="status", status=500, method="POST", path="/retries$"))
    assert http.get(JOB).status_code == 200
    assert len(simulator.faults) == 1
    with pytest.raises(ValueError):
        Fault(kind="explode")  # type: ignore[arg-type]
