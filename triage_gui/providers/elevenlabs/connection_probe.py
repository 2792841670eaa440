"""ElevenLabs' "Test connection": one page of the workspace's batch calls, and how it went in plain words.

``GET /v1/convai/batch-calling/workspace?limit=1`` with the key in ``xi-api-key`` (facts sheet
1.2, 3.2): the cheapest read that proves the base URL (region), the key and its right to read
batch calling, the very reads the triage makes. There is no workspace to name: the key decides it.

The result is batch_v1's :class:`ConnectionTestResult` (same outcomes, same transport failures
in the same words, :func:`~triage_gui.providers.batch_v1.connection_probe.probe`), so the
profile dialog and ``triage-gui profile test`` treat both platforms alike. It blocks for up to
the profile's timeout: the UI runs it through its ``BackgroundRunner``.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from triage_gui.providers.batch_v1.connection_probe import (
    ConnectionOutcome,
    ConnectionTestResult,
    ReachableProfile,
    failed,
    other_answer,
    probe,
)
from triage_gui.providers.elevenlabs.regions import REGION_LABELS, base_url, region_of
from triage_gui.providers.elevenlabs.wire import WorkspaceBatches

BATCHES_PATH = "/v1/convai/batch-calling/workspace"
KEY_HEADER = "xi-api-key"


def check_elevenlabs_connection(profile: ReachableProfile, key: str) -> ConnectionTestResult:
    """Read one page (one batch) of the key's workspace, and say in plain words how that went."""
    root = base_url(profile.base_url).rstrip("/")
    where = describe(root)
    headers = {KEY_HEADER: key.strip(), "Accept": "application/json"}
    return probe(
        profile,
        root + BATCHES_PATH,
        headers,
        lambda response: _interpret(response, where),
        params={"limit": "1"},
    )


def describe(url: str) -> str:
    """``ElevenLabs (EU region)`` for a region's URL, else the URL itself."""
    region = region_of(url)
    return f"ElevenLabs ({REGION_LABELS[region]} region)" if region else url


def _interpret(response: httpx.Response, where: str) -> ConnectionTestResult:
    status = response.status_code
    if status == 200:
        try:
            page = WorkspaceBatches.model_validate(response.json())
        except (ValueError, ValidationError) as error:
            return failed(
                ConnectionOutcome.BAD_RESPONSE,
                f"{where} answered, but not like ElevenLabs' batch calling API. Check the base URL or region.",
                f"HTTP 200, unexpected body: {type(error).__name__}",
            )
        if page.batch_calls:
            latest = page.batch_calls[0]
            seen = f"the latest batch call is '{(latest.name or latest.id)[:80]}' ({latest.id})"
        else:
            seen = "this workspace has no batch calls yet"
        return ConnectionTestResult(
            True,
            ConnectionOutcome.OK,
            f"Connected to {where}: the API key can read batch calling; {seen}.",
            "HTTP 200",
        )
    code = _detail_status(response)
    if status == 401 and code == "missing_permissions":
        # [INF] ElevenLabs answers a key without a needed scope with 401 (not 403) and this code.
        return _forbidden(where, status, code)
    if status == 401:
        return failed(
            ConnectionOutcome.AUTH,
            f"{where} rejected the API key (xi-api-key): it is wrong or has been revoked. Enter a new key.",
            f"HTTP 401 {code}".rstrip(),
        )
    if status == 403:
        return _forbidden(where, status, code)
    if status == 404:
        return failed(
            ConnectionOutcome.NOT_FOUND,
            f"{where} has no ElevenLabs batch calling API. Check the base URL or choose the region of your workspace.",
            f"HTTP 404 {code}".rstrip(),
        )
    if status == 429:
        return failed(
            ConnectionOutcome.BAD_RESPONSE,
            f"{where} is busy (too many requests: HTTP 429). The key was not refused; try again in a minute.",
            f"HTTP 429 {code}".rstrip(),
        )
    return other_answer(response, where)


def _forbidden(where: str, status: int, code: str) -> ConnectionTestResult:
    return failed(
        ConnectionOutcome.FORBIDDEN,
        f"The API key is valid but may not read batch calling at {where}. Give the key read access to "
        "ElevenLabs Agents (batch calling and conversations), or use another key.",
        f"HTTP {status} {code}".rstrip(),
    )


def _detail_status(response: httpx.Response) -> str:
    """``detail.status`` of an ElevenLabs error body (a machine code), else ''; the body's shape
    is not promised (facts sheet 2), so anything else is ''."""
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    code = detail.get("status") if isinstance(detail, dict) else None
    return code[:64] if isinstance(code, str) else ""
