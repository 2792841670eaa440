"""ElevenLabs' error answers, read into the app's typed errors.

ElevenLabs writes ``{"detail": {"status": "<code>", "message": "<text>"}}`` (401, 429...),
``{"detail": "<text>"}``, or a validation list ``{"detail": [{"loc", "msg", "type"}]}`` (422), and
sometimes plain text. The shared mapping (``http.error_mapping``) reads problem+json, whose
``detail`` is a string; so the answer is first flattened to that shape (``detail``: the message
with its code; ``code``: the machine code) and then mapped as every other provider's. The
429 codes ElevenLabs documents, ``too_many_concurrent_requests`` and ``system_busy``, become
:class:`~triage_gui.providers.errors.RateLimited` (transient: a GET is tried again after its wait;
a POST never is).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from triage_gui.providers.errors import ApiError, AuthError, RateLimited, clean_text
from triage_gui.providers.http.error_mapping import error_for_response

RATE_LIMIT_CODES = frozenset({"too_many_concurrent_requests", "system_busy"})


def flatten(body: object) -> dict[str, Any]:
    """An ElevenLabs error body as a flat problem: ``detail`` (text) and ``code`` when given."""
    if not isinstance(body, dict):
        return {"detail": clean_text(body, 200)} if isinstance(body, str) and body.strip() else {}
    detail = body.get("detail")
    if isinstance(detail, dict):
        code = detail.get("status") if isinstance(detail.get("status"), str) else None
        message = detail.get("message")
        text = clean_text(message, 300) if isinstance(message, str) else ""
        out: dict[str, Any] = {"detail": f"{text} ({code})" if code and text else (text or code or "")}
        if code:
            out["code"] = clean_text(code, 64)
        return out
    if isinstance(detail, list):
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                parts.append(f"{where}: {item.get('msg', '')}".strip(": "))
        return {"detail": clean_text("; ".join(parts) or "the request was not valid", 300), "code": "validation"}
    if isinstance(detail, str):
        return {"detail": clean_text(detail, 300)}
    return {k: v for k, v in body.items() if isinstance(v, str | int | float | bool) and k in ("detail", "title")}


def error_for(response: httpx.Response, what: str) -> ApiError:
    """The typed error for an ElevenLabs error answer (its body already read)."""
    try:
        body: object = response.json()
    except (ValueError, RecursionError):
        body = response.text.strip()
    flat = flatten(body)
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-type"]
    headers.append(("content-type", "application/json"))
    reread = httpx.Response(
        response.status_code,
        headers=headers,
        content=json.dumps(flat).encode("utf-8"),
        request=response.request,
        extensions={k: v for k, v in response.extensions.items() if k == "reason_phrase"},
    )
    error = error_for_response(reread, what)
    code = flat.get("code")
    if isinstance(error, RateLimited) and code in RATE_LIMIT_CODES:
        wait = f" Retry after {error.retry_after:.0f} s." if error.retry_after is not None else ""
        words = "too many requests at once" if code == "too_many_concurrent_requests" else "the platform is busy"
        error = RateLimited(
            f"ElevenLabs is rate-limiting requests (429 {code}: {words}).{wait}",
            retry_after=error.retry_after,
            status=error.status,
            problem=flat,
            request=what,
        )
    elif type(error) is AuthError:
        error = AuthError(
            f"The ElevenLabs API key was refused (401: {flat.get('detail') or 'unauthorised'}). Check or replace "
            "the key (it is sent as xi-api-key).",
            status=error.status,
            problem=flat,
            request=what,
        )
    return error
