"""The "Test connection" check against the real simulator and real (TLS) sockets."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from triage_gui.providers.batch_v1.connection_probe import ConnectionOutcome, WorkspaceRequired, check_connection
from triage_gui.simulator import DEMO_WORKSPACE, RESTRICTED_WORKSPACE, Fault, Simulator
from triage_gui.store.profiles import ConnectionProfile, make_profile

TOKEN = "demo-token"


def test_the_store_layer_does_no_http():
    code = (
        "import sys, triage_gui.store.profiles, triage_gui.store.credentials, "
        "triage_gui.store.settings; print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(token=TOKEN) as simulator:
        yield simulator


def _profile(base_url: str, **extra) -> ConnectionProfile:
    return make_profile(name="t", base_url=base_url, default_workspace=DEMO_WORKSPACE, **extra)


def test_right_token_connects(sim):
    result = check_connection(_profile(sim.base_url), TOKEN)
    assert result.ok and result.kind is ConnectionOutcome.OK
    assert result.workspace.id == DEMO_WORKSPACE
    assert "Connected: workspace" in result.message


@pytest.mark.parametrize(
    ("token", "workspace", "kind", "phrase"),
    [
        ("wrong-token", DEMO_WORKSPACE, ConnectionOutcome.AUTH, "rejected the token"),
        (TOKEN, RESTRICTED_WORKSPACE, ConnectionOutcome.FORBIDDEN, "no access to workspace"),
        (TOKEN, "ws_missing", ConnectionOutcome.NOT_FOUND, "was not found"),
    ],
)
def test_auth_access_and_workspace_problems(sim, token, workspace, kind, phrase):
    result = check_connection(_profile(sim.base_url), token, workspace=workspace)
    assert (result.ok, result.kind) == (False, kind)
    assert phrase in result.message


def test_the_token_is_sent_as_a_bearer_header_and_never_in_the_url(sim):
    check_connection(_profile(sim.base_url), TOKEN)
    logged = sim.request_log[-1]
    assert logged.path == f"/v1/workspaces/{DEMO_WORKSPACE}"
    assert TOKEN not in logged.path


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault("status", status=500), ConnectionOutcome.BAD_RESPONSE),
        (Fault("invalid_shape"), ConnectionOutcome.BAD_RESPONSE),
        (Fault("malformed_json"), ConnectionOutcome.BAD_RESPONSE),
        (Fault("drop"), ConnectionOutcome.BAD_RESPONSE),
        (Fault("latency", seconds=1.0), ConnectionOutcome.TIMEOUT),
    ],
)
def test_server_trouble_is_named(sim, fault, kind):
    sim.faults.add(fault)
    result = check_connection(_profile(sim.base_url, timeout_s=0.3), TOKEN)
    assert (result.ok, result.kind) == (False, kind)
    assert result.message and TOKEN not in result.message + result.detail


def test_nothing_listening_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check_connection(_profile(f"http://127.0.0.1:{port}"), TOKEN)
    assert result.kind is ConnectionOutcome.UNREACHABLE
    assert "Could not reach" in result.message


def test_https_to_a_plain_http_server_is_a_tls_failure(sim):
    result = check_connection(_profile(sim.base_url.replace("http:", "https:")), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "does not speak TLS" in result.message


def test_a_workspace_is_needed():
    with pytest.raises(WorkspaceRequired, match="workspace") as raised:
        check_connection(make_profile(name="t", base_url="https://h"), TOKEN)
    assert set(raised.value.field_errors) == {"default_workspace"}


# A real HTTPS server with a self-signed certificate: what a corporate TLS proxy looks like.


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Corp Proxy CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "ca.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _WorkspaceHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"id": DEMO_WORKSPACE, "name": "TLS test", "timezone": "UTC"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path) -> Iterator[tuple[str, Path]]:
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WorkspaceHandler)
    server.daemon_threads = False
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert_file
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_an_untrusted_certificate_is_a_tls_failure(https_server):
    url, _ = https_server
    result = check_connection(_profile(url, use_env_proxy=False), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "certificate is not trusted" in result.message
    assert "CA bundle" in result.message


def test_a_custom_ca_bundle_makes_it_trusted(https_server):
    url, ca = https_server
    result = check_connection(_profile(url, ca_bundle=str(ca), use_env_proxy=False), TOKEN)
    assert result.ok, result


def test_verification_can_be_turned_off(https_server):
    url, _ = https_server
    result = check_connection(_profile(url, verify_tls=False, use_env_proxy=False), TOKEN)
    assert result.ok


def test_an_unreadable_ca_bundle_is_reported(tmp_path, https_server):
    url, _ = https_server
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    result = check_connection(_profile(url, ca_bundle=str(junk)), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "cannot be used" in result.message
