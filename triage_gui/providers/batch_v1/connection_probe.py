"""The "Test connection" check: one ``GET /v1/workspaces/{ws}``, and how it went in plain words.

Used by the profile dialog's "Test connection" button and by ``triage-gui profile test``;
:func:`probe` (the request, and a failure to get any answer in plain words) and the result
types serve ElevenLabs' probe too (``providers.elevenlabs.connection_probe``). It
blocks for up to the profile's timeout, so the UI runs it through its ``BackgroundRunner``.

The api layer does not import the store, so the profile is taken by shape
(:class:`CheckableProfile`); ``triage_gui.store.profiles.ConnectionProfile`` fits it.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from triage_gui.domain.models import Workspace


class ConnectionOutcome(StrEnum):
    OK = "ok"
    AUTH = "auth"
    FORBIDDEN = "forbidden"
    TLS = "tls"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    NOT_FOUND = "not_found"
    BAD_RESPONSE = "bad_response"


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    kind: ConnectionOutcome
    message: str  # plain words for the agent
    detail: str = ""  # the technical cause, for the log and the diagnostics bundle
    workspace: Workspace | None = None


class WorkspaceRequired(ValueError):
    """No workspace to ask for: the caller shows ``field_errors`` beside the workspace field."""

    def __init__(self) -> None:
        message = "Enter a workspace ID to test the connection with."
        super().__init__(message)
        self.message = message
        self.field_errors = {"default_workspace": "Default workspace: needed to test the connection."}


class ReachableProfile(Protocol):
    """What a probe needs of a profile, whatever its platform."""

    @property
    def base_url(self) -> str: ...
    @property
    def ca_bundle(self) -> str | None: ...
    @property
    def timeout_s(self) -> float: ...

    def connection_options(self) -> dict[str, Any]: ...


class CheckableProfile(ReachableProfile, Protocol):
    @property
    def default_workspace(self) -> str | None: ...


def check_connection(profile: CheckableProfile, token: str, *, workspace: str | None = None) -> ConnectionTestResult:
    """Ask the platform for the workspace, and say in plain words how that went.

    Raises :class:`WorkspaceRequired` when neither ``workspace`` nor the profile names one.
    """
    ws = workspace or profile.default_workspace
    if not ws:
        raise WorkspaceRequired()
    url = f"{profile.base_url}/v1/workspaces/{quote(ws, safe='')}"
    headers = {"Authorization": f"Bearer {token.strip()}", "Accept": "application/json"}
    return probe(profile, url, headers, lambda response: _interpret(response, profile.base_url, ws))


def probe(
    profile: ReachableProfile,
    url: str,
    headers: dict[str, str],
    interpret: Callable[[httpx.Response], ConnectionTestResult],
    *,
    params: dict[str, str] | None = None,
) -> ConnectionTestResult:
    """One GET of ``url`` with the profile's TLS, proxy and timeout options; a failure to get an
    answer is said in plain words here, an answer by ``interpret`` (shared by every platform's
    "Test connection")."""
    try:
        # Building the options loads the profile's CA bundle: a broken file fails here.
        options = profile.connection_options()
    except (OSError, ssl.SSLError) as error:
        return failed(
            ConnectionOutcome.TLS,
            f"The CA bundle '{profile.ca_bundle}' cannot be used: check that it is a PEM file.",
            str(error),
        )
    try:
        with httpx.Client(
            verify=options["verify"],
            trust_env=options["trust_env"],
            timeout=profile.timeout_s,
            follow_redirects=False,
        ) as client:
            response = client.get(url, headers=headers, params=params)
    except httpx.TimeoutException as error:
        return failed(
            ConnectionOutcome.TIMEOUT,
            f"{profile.base_url} did not answer within {profile.timeout_s:g} seconds. The "
            "platform may be overloaded, or a firewall drops the connection.",
            repr(error),
        )
    except httpx.ProxyError as error:
        return failed(
            ConnectionOutcome.UNREACHABLE,
            "The proxy from your environment (HTTPS_PROXY) refused or failed the connection. "
            "Check the proxy, or turn off 'Use the proxy from the environment' for this profile.",
            str(error),
        )
    except httpx.RemoteProtocolError as error:
        return failed(
            ConnectionOutcome.BAD_RESPONSE,
            f"{profile.base_url} closed the connection without a proper answer. Check the "
            "address (https:// or http://, the port), or try again.",
            str(error),
        )
    except httpx.TransportError as error:
        if _is_tls_error(error):
            return failed(
                ConnectionOutcome.TLS,
                f"The secure (TLS) connection to {profile.base_url} failed: {_tls_reason(error)}",
                str(error),
            )
        return failed(
            ConnectionOutcome.UNREACHABLE,
            f"Could not reach {profile.base_url}. Check the address, your network or VPN, and that the platform is up.",
            str(error),
        )
    return interpret(response)


def _interpret(response: httpx.Response, base_url: str, ws: str) -> ConnectionTestResult:
    status = response.status_code
    if status == 200:
        try:
            found = Workspace.model_validate(response.json())
        except (ValueError, ValidationError) as error:
            return failed(
                ConnectionOutcome.BAD_RESPONSE,
                f"{base_url} answered, but not like the Batch Outbound API. Check the base URL.",
                f"HTTP 200, unexpected body: {type(error).__name__}",
            )
        return ConnectionTestResult(
            True,
            ConnectionOutcome.OK,
            f"Connected: workspace '{found.name}' ({found.id}).",
            "HTTP 200",
            found,
        )
    if status == 401:
        return failed(
            ConnectionOutcome.AUTH,
            "The platform rejected the token (it is wrong or has expired). Enter a new token.",
            "HTTP 401",
        )
    if status == 403:
        return failed(
            ConnectionOutcome.FORBIDDEN,
            f"The token is valid but has no access to workspace '{ws}'. Ask a workspace admin "
            "for access, or check the workspace ID.",
            "HTTP 403",
        )
    if status == 404:
        return failed(
            ConnectionOutcome.NOT_FOUND,
            f"Workspace '{ws}' was not found at {base_url}. Check the workspace ID and the base URL.",
            "HTTP 404",
        )
    return other_answer(response, base_url)


def other_answer(response: httpx.Response, base_url: str) -> ConnectionTestResult:
    """A redirect or an error status no platform's probe reads more closely."""
    status = response.status_code
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        return failed(
            ConnectionOutcome.BAD_RESPONSE,
            f"{base_url} redirects to {where}. Use the final address as the base URL.",
            f"HTTP {status}",
        )
    return failed(
        ConnectionOutcome.BAD_RESPONSE,
        f"The platform answered with an error (HTTP {status}). Try again later; if it "
        "persists, the platform may be having problems.",
        f"HTTP {status}",
    )


def failed(kind: ConnectionOutcome, message: str, detail: str) -> ConnectionTestResult:
    return ConnectionTestResult(False, kind, message, detail)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _is_tls_error(error: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLError) for e in _causes(error)) or "SSL" in str(error)


def _tls_reason(error: BaseException) -> str:
    text = " ".join(str(e) for e in _causes(error))
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            "its certificate is not trusted. If your company inspects TLS traffic, add its CA bundle to this profile."
        )
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        return "the server does not speak TLS there. Does the address need http:// ?"
    return "check the address and the certificate."
