"""The simulator's responses validate against triage_gui/providers/batch_v1/openapi.yaml, endpoint by endpoint."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import FormatChecker
from openapi_schema_validator import OAS31Validator

from triage_gui.simulator import SCENARIOS, Fault, Simulator

WS = "/v1/workspaces/ws_demo"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    text = resources.files("triage_gui.providers.batch_v1").joinpath("openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return item[method.lower()]
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check(spec: dict[str, Any], response: httpx.Response) -> None:
    """Validate one real response against the document's schema for its status."""
    request = response.request
    operation = _operation(spec, request.method, request.url.path)
    status = str(response.status_code)
    responses = operation["responses"]
    declared = responses.get(status) or responses.get(f"{status[0]}XX")
    assert declared is not None, f"{request.method} {request.url.path}: {status} not declared"
    if "$ref" in declared:
        declared = spec["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    media = response.headers["content-type"].split(";")[0]
    content = declared["content"]
    assert media in content, f"{media} not declared for {status}"
    if media == "text/csv":
        assert response.text.splitlines()[0]
        return
    schema = {"components": spec["components"], **content[media]["schema"]}
    OAS31Validator(schema, format_checker=FormatChecker()).validate(response.json())


def test_every_endpoint_validates(spec: dict[str, Any], http: httpx.Client, simulator: Simulator) -> None:
    checked = set()

    def get(path: str, **params: Any) -> httpx.Response:
        response = http.get(path, params=params)
        check(spec, response)
        checked.add((response.request.method, _template(spec, path)))
        return response

    get(WS)
    for name in SCENARIOS:
        info = simulator.scenario(name)
        get(f"{WS}/campaigns/{info.campaign_id}")
        get(f"{WS}/uploads/{info.upload_id}")
        get(f"{WS}/uploads/{info.upload_id}/content")
        for job_id in (info.job_id, *info.related_job_ids):
            get(f"{WS}/batch-jobs/{job_id}")
            get(f"{WS}/batch-jobs/{job_id}/calls", limit=500)
            get(f"{WS}/batch-jobs/{job_id}/calls", status="failed", limit=500)
            get(f"{WS}/batch-jobs/{job_id}/events", limit=500)
    get(f"{WS}/batch-jobs", limit=500)
    body = {"recipient_ids": simulator.scenario("completed").truth["recipient_ids"][:3]}
    for expected in (201, 200):
        created = http.post(
            f"{WS}/batch-jobs/job_completed/retries",
            json=body,
            headers={"Idempotency-Key": "openapi"},
        )
        assert created.status_code == expected
        check(spec, created)
    checked.add(("POST", "/v1/workspaces/{ws}/batch-jobs/{job_id}/retries"))
    assert {t for _, t in checked} == set(spec["paths"])


def _template(spec: dict[str, Any], path: str) -> str:
    for template in spec["paths"]:
        if re.match("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$", path):
            return template
    raise AssertionError(path)


def test_errors_validate(spec: dict[str, Any], http: httpx.Client, simulator: Simulator) -> None:
    with httpx.Client(base_url=simulator.base_url or "") as anonymous:
        check(spec, anonymous.get(WS))
    check(spec, http.get("/v1/workspaces/ws_restricted"))
    check(spec, http.get(f"{WS}/batch-jobs/job_nope"))
    check(spec, http.get(f"{WS}/batch-jobs/job_healthy/calls", params={"limit": 0}))
    check(
        spec,
        http.post(
            f"{WS}/batch-jobs/job_healthy/retries",
            json={"recipient_ids": ["x"]},
            headers={"Idempotency-Key": "k"},
        ),
    )
    simulator.faults.add(Fault(kind="rate_limit", retry_after=2))
    check(spec, http.get(WS))
    simulator.faults.add(Fault(kind="status", status=503))
    check(spec, http.get(WS))


def test_a_wrong_shape_fails_validation(spec: dict[str, Any], http: httpx.Client, simulator: Simulator) -> None:
    simulator.faults.add(Fault(kind="invalid_shape"))
    with pytest.raises(Exception, match="required|is not of type"):
        check(spec, http.get(f"{WS}/batch-jobs/job_healthy"))
