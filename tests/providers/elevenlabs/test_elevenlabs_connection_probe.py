"""ElevenLabs' "Test connection" against the ElevenLabs simulator and real loopback sockets: one
page of batches with the key in ``xi-api-key``, and every failure in batch_v1's plain outcomes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from triage_gui.providers.batch_v1.connection_probe import ConnectionOutcome, ConnectionTestResult
from triage_gui.providers.elevenlabs.connection_probe import check_elevenlabs_connection, describe
from triage_gui.store.profiles import ConnectionProfile, make_profile


def _profile(base_url: str, **extra) -> ConnectionProfile:
    return make_profile(name="el", provider="elevenlabs", base_url=base_url, **extra)


def test_the_right_key_reads_one_page_of_batches(el_sim):
    result = check_elevenlabs_connection(_profile(el_sim.base_url), el_sim.key)
    assert isinstance(result, ConnectionTestResult)
    assert (result.ok, result.kind, result.detail) == (True, ConnectionOutcome.OK, "HTTP 200")
    assert result.message.startswith(f"Connected to {el_sim.base_url}: the API key can read batch calling")
    assert "the latest batch call is '" in result.message
    [logged] = el_sim.request_log
    assert (logged.method, logged.path) == ("GET", "/v1/convai/batch-calling/workspace?limit=1")
    assert el_sim.key not in logged.path and "authorization" not in {k.lower() for k in logged.headers}


def test_an_empty_workspace_connects_too(el_sim):
    el_sim.state.batches.clear()
    result = check_elevenlabs_connection(_profile(el_sim.base_url), el_sim.key)
    assert result.ok and "no batch calls yet" in result.message


def test_a_wrong_key_is_auth_and_never_echoed(el_sim):
    result = check_elevenlabs_connection(_profile(el_sim.base_url), "sk_wrong_key_123")
    assert (result.ok, result.kind) == (False, ConnectionOutcome.AUTH)
    assert "rejected the API key (xi-api-key)" in result.message
    assert result.detail == "HTTP 401 invalid_api_key"
    assert "sk_wrong_key_123" not in result.message + result.detail


def test_a_url_without_elevenlabs_there_is_not_found(el_sim):
    result = check_elevenlabs_connection(_profile(el_sim.base_url + "/elsewhere"), el_sim.key)
    assert (result.ok, result.kind) == (False, ConnectionOutcome.NOT_FOUND)
    assert "Check the base URL or choose the region" in result.message


def test_a_busy_platform_is_not_a_refused_key(el_sim):
    el_sim.busy(1)
    result = check_elevenlabs_connection(_profile(el_sim.base_url), el_sim.key)
    assert (result.ok, result.kind) == (False, ConnectionOutcome.BAD_RESPONSE)
    assert "busy" in result.message and "not refused" in result.message
    assert result.detail == "HTTP 429 system_busy"


def test_nothing_listening_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check_elevenlabs_connection(_profile(f"http://127.0.0.1:{port}"), "sk_key_1")
    assert result.kind is ConnectionOutcome.UNREACHABLE
    assert f"Could not reach http://127.0.0.1:{port}" in result.message


def test_a_server_that_never_answers_is_a_timeout():
    # Listening but never accepting: the connection is made, the answer never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        result = check_elevenlabs_connection(_profile(f"http://127.0.0.1:{port}", timeout_s=0.3), "sk_key_1")
    assert result.kind is ConnectionOutcome.TIMEOUT
    assert "did not answer within 0.3 seconds" in result.message


def test_https_to_a_plain_http_server_is_a_tls_failure(el_sim):
    result = check_elevenlabs_connection(_profile(el_sim.base_url.replace("http:", "https:")), el_sim.key)
    assert result.kind is ConnectionOutcome.TLS


# -- answers the simulator does not give: a canned loopback server -----------------------------


class _Canned(BaseHTTPRequestHandler):
    status = 200
    body: object = {}
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        data = (self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()) or b""
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[tuple[str, type[_Canned]]]:
    handler = type("Handler", (_Canned,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "kind", "phrase"),
    [
        (403, {"detail": {"status": "forbidden", "message": "no"}}, ConnectionOutcome.FORBIDDEN, "may not read"),
        (401, {"detail": {"status": "missing_permissions"}}, ConnectionOutcome.FORBIDDEN, "may not read"),
        (401, {"detail": "Unauthorized"}, ConnectionOutcome.AUTH, "rejected the API key"),
        (500, b"<html>oops</html>", ConnectionOutcome.BAD_RESPONSE, "answered with an error (HTTP 500)"),
        (200, {"batch_calls": "not a list"}, ConnectionOutcome.BAD_RESPONSE, "not like ElevenLabs"),
        (200, b"<html>a login page</html>", ConnectionOutcome.BAD_RESPONSE, "not like ElevenLabs"),
    ],
)
def test_each_answer_has_its_plain_outcome(canned, status, body, kind, phrase):
    url, handler = canned
    handler.status, handler.body = status, body
    result = check_elevenlabs_connection(_profile(url), "  sk_key_1\n")
    assert (result.ok, result.kind) == (False, kind)
    assert phrase in result.message
    [seen] = handler.seen
    assert seen["xi-api-key"] == "sk_key_1"  # sent trimmed, in ElevenLabs' header
    assert "authorization" not in seen
    assert seen["path"] == "/v1/convai/batch-calling/workspace?limit=1"


def test_a_redirect_is_not_followed(canned):
    url, handler = canned
    handler.status, handler.body = 302, {}
    result = check_elevenlabs_connection(_profile(url), "sk_key_1")
    assert result.kind is ConnectionOutcome.BAD_RESPONSE and "redirects to" in result.message
    assert len(handler.seen) == 1


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://api.eu.residency.elevenlabs.io", "ElevenLabs (EU region)"),
        ("https://API.elevenlabs.io/", "ElevenLabs (Default region)"),
        ("https://el.corp.example", "https://el.corp.example"),
    ],
)
def test_a_region_is_named_in_the_messages(url, said):
    assert describe(url) == said
