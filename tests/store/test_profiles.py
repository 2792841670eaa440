from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from triage_gui.api.simulator import DEMO_WORKSPACE, RESTRICTED_WORKSPACE, Fault, Simulator
from triage_gui.store import profiles
from triage_gui.store.credentials import SERVICE_NAME, CredentialError, CredentialStore
from triage_gui.store.profiles import (
    ConnectionOutcome,
    ProfileError,
    ProfileStore,
    check_base_url,
    make_profile,
)

TOKEN = "demo-token"


# -- URL policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("HTTPS://api.example.com/tenant-a/", "https://api.example.com/tenant-a"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.4.5.6", "http://127.4.5.6"),
        ("http://localhost:5000/", "http://localhost:5000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_https_and_loopback_http_are_accepted(url, normalised):
    assert check_base_url(url) == (normalised, False)


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("http://api.example.com", "only allowed for this computer"),
        ("http://10.0.0.5:8080", "only allowed for this computer"),
        ("http://localhost.evil.com", "only allowed for this computer"),
        ("", "Enter the platform's address"),
        ("api.example.com", "is not a web address"),
        ("ftp://api.example.com", "is not a web address"),
        ("https://", "is not a web address"),
        ("https://user:pw@api.example.com", "Do not put a user name or password"),
        ("https://api.example.com/v1", "Leave out the trailing /v1"),
        ("https://api.example.com/?x=1", "cannot contain '?' or '#'"),
        ("https://api.example.com:99999", "invalid port"),
    ],
)
def test_bad_urls_are_refused_in_plain_words(url, phrase):
    with pytest.raises(ProfileError) as caught:
        check_base_url(url)
    assert phrase in str(caught.value)


def test_insecure_http_only_with_the_profiles_explicit_permission():
    with pytest.raises(ProfileError) as caught:
        make_profile(name="lab", base_url="http://lab.internal:8080")
    assert "base_url" in caught.value.field_errors
    lab = make_profile(name="lab", base_url="http://lab.internal:8080", allow_insecure_http=True)
    assert lab.insecure_http and lab.is_insecure
    assert lab.connection_options()["insecure"] is True
    local = make_profile(name="local", base_url="http://127.0.0.1:9", allow_insecure_http=True)
    assert not local.insecure_http
    assert make_profile(name="x", base_url="https://h", verify_tls=False).is_insecure


def test_profile_fields_are_validated_with_one_message_each():
    with pytest.raises(ProfileError) as caught:
        make_profile(name=" ", base_url="https://h", default_workspace="bad ws!", timeout_s=0)
    assert set(caught.value.field_errors) == {"name", "default_workspace", "timeout_s"}
    assert caught.value.field_errors["default_workspace"].startswith("Default workspace:")


def test_defaults_are_the_secure_ones():
    p = make_profile(name="prod", base_url="https://api.example.com")
    assert (p.verify_tls, p.use_env_proxy, p.allow_insecure_http, p.timeout_s) == (
        True, True, False, 10.0
    )
    assert p.connection_options() == {
        "base_url": "https://api.example.com", "label": "prod", "verify": True,
        "timeout_s": 10.0, "trust_env": True, "insecure": False,
    }


# -- the store without a keyring (forced fail backend) ---------------------------------------


@pytest.fixture
def store(app_paths, fail_keyring) -> ProfileStore:
    return ProfileStore(app_paths, CredentialStore(environ={}))


def test_add_list_get_update_rename_remove(store, app_paths):
    store.add(make_profile(name="staging", base_url="https://staging.example.com"))
    store.add(make_profile(name="Prod", base_url="https://api.example.com",
                           default_workspace="ws_1"))
    assert store.names() == ["Prod", "staging"]
    assert store.get("Prod").default_workspace == "ws_1"

    store.update("Prod", store.get("Prod").with_changes(timeout_s=30))
    assert store.get("Prod").timeout_s == 30

    store.rename("Prod", "production")
    assert store.names() == ["production", "staging"]
    with pytest.raises(ProfileError, match="no profile named 'Prod'"):
        store.get("Prod")

    assert store.remove("production") is None
    assert store.names() == ["staging"]
    assert ProfileStore(app_paths).names() == ["staging"]  # another process sees the same


def test_the_file_holds_no_token_field_and_is_private(store, app_paths):
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    document = json.loads(app_paths.profiles_file.read_text(encoding="utf-8"))
    assert document["format"] == 1
    assert set(document["profiles"][0]) == {
        "name", "base_url", "default_workspace", "verify_tls", "ca_bundle", "use_env_proxy",
        "timeout_s", "allow_insecure_http",
    }
    assert stat.S_IMODE(app_paths.profiles_file.stat().st_mode) == 0o600


def test_names_are_unique_ignoring_case(store):
    store.add(make_profile(name="prod", base_url="https://a.example.com"))
    with pytest.raises(ProfileError) as caught:
        store.add(make_profile(name="PROD", base_url="https://b.example.com"))
    assert "already exists" in caught.value.message
    store.add(make_profile(name="other", base_url="https://b.example.com"))
    with pytest.raises(ProfileError):
        store.rename("other", "Prod")


def test_a_missing_ca_bundle_is_refused(store, tmp_path):
    with pytest.raises(ProfileError) as caught:
        store.add(make_profile(name="corp", base_url="https://h",
                               ca_bundle=str(tmp_path / "no.pem")))
    assert "does not exist" in caught.value.field_errors["ca_bundle"]


def test_adding_with_a_token_but_no_keyring_saves_nothing(store, app_paths):
    with pytest.raises(CredentialError) as caught:
        store.add(make_profile(name="prod", base_url="https://h"), token="tok-123456")
    assert caught.value.keyring_unusable
    assert "tok-123456" not in str(caught.value)
    assert store.names() == []


def test_unknown_profiles_are_named_in_the_error(store):
    store.add(make_profile(name="a", base_url="https://h"))
    with pytest.raises(ProfileError, match=r"no profile named 'b' \(profiles: a\)"):
        store.get("b")
    for action in (lambda: store.remove("b"), lambda: store.rename("b", "c")):
        with pytest.raises(ProfileError):
            action()


def test_a_corrupt_profiles_file_is_kept_aside(store, app_paths):
    app_paths.profiles_file.write_text("{not json", encoding="utf-8")
    assert store.list() == []
    kept = list(app_paths.config_dir.glob("profiles.json.bad-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"
    assert "could not be read" in store.warnings[0]


def test_bad_entries_are_skipped_once_and_the_original_kept(store, app_paths):
    good = {"name": "ok", "base_url": "https://h"}
    bad = {"name": "plain", "base_url": "http://remote.example.com"}
    original = json.dumps({"format": 1, "profiles": [good, bad]})
    app_paths.profiles_file.write_text(original, encoding="utf-8")
    assert store.names() == ["ok"]
    assert "Profile 'plain' was skipped" in store.warnings[0]
    kept = list(app_paths.config_dir.glob("profiles.json.bad-*"))
    assert [k.read_text(encoding="utf-8") for k in kept] == [original]
    store.warnings.clear()
    assert store.names() == ["ok"]
    assert store.warnings == []  # rewritten without the bad entry: warned once


# -- the store with the real keyring (CI: .ci/keyring-session.sh) ----------------------------


@pytest.mark.keyring
def test_tokens_follow_their_profiles_in_the_real_keyring(app_paths, real_keyring, profile_names):
    first, renamed = profile_names("first"), profile_names("renamed")
    store = ProfileStore(app_paths, CredentialStore(environ={}))
    store.add(make_profile(name=first, base_url="https://h"), token=f"{TOKEN}-1\n")
    assert real_keyring.get_password(SERVICE_NAME, first) == f"{TOKEN}-1"

    store.rename(first, renamed)
    assert real_keyring.get_password(SERVICE_NAME, first) is None
    assert real_keyring.get_password(SERVICE_NAME, renamed) == f"{TOKEN}-1"

    store.update(renamed, store.get(renamed), token=f"{TOKEN}-2")
    assert store.resolve(renamed)[1].token == f"{TOKEN}-2"

    assert store.remove(renamed) is None
    assert real_keyring.get_password(SERVICE_NAME, renamed) is None
    assert f"{TOKEN}-" not in app_paths.profiles_file.read_text(encoding="utf-8")


# -- test connection against the real simulator and real sockets -----------------------------


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(token=TOKEN) as simulator:
        yield simulator


def _profile(base_url: str, **extra) -> profiles.ConnectionProfile:
    return make_profile(name="t", base_url=base_url, default_workspace=DEMO_WORKSPACE, **extra)


def test_right_token_connects(sim):
    result = profiles.test_connection(_profile(sim.base_url), TOKEN)
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
    result = profiles.test_connection(_profile(sim.base_url), token, workspace=workspace)
    assert (result.ok, result.kind) == (False, kind)
    assert phrase in result.message


def test_the_token_is_sent_as_a_bearer_header_and_never_in_the_url(sim):
    profiles.test_connection(_profile(sim.base_url), TOKEN)
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
    result = profiles.test_connection(_profile(sim.base_url, timeout_s=0.3), TOKEN)
    assert (result.ok, result.kind) == (False, kind)
    assert result.message and TOKEN not in result.message + result.detail


def test_nothing_listening_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = profiles.test_connection(_profile(f"http://127.0.0.1:{port}"), TOKEN)
    assert result.kind is ConnectionOutcome.UNREACHABLE
    assert "Could not reach" in result.message


def test_https_to_a_plain_http_server_is_a_tls_failure(sim):
    result = profiles.test_connection(_profile(sim.base_url.replace("http:", "https:")), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "does not speak TLS" in result.message


def test_a_workspace_is_needed():
    with pytest.raises(ProfileError, match="workspace"):
        profiles.test_connection(make_profile(name="t", base_url="https://h"), TOKEN)


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
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "ca.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_file, key_file


class _WorkspaceHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"id": DEMO_WORKSPACE, "name": "TLS test", "timezone": "UTC"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
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
    result = profiles.test_connection(_profile(url, use_env_proxy=False), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "certificate is not trusted" in result.message
    assert "CA bundle" in result.message


def test_a_custom_ca_bundle_makes_it_trusted(https_server):
    url, ca = https_server
    result = profiles.test_connection(_profile(url, ca_bundle=str(ca), use_env_proxy=False), TOKEN)
    assert result.ok, result


def test_verification_can_be_turned_off(https_server):
    url, _ = https_server
    result = profiles.test_connection(_profile(url, verify_tls=False, use_env_proxy=False), TOKEN)
    assert result.ok


def test_an_unreadable_ca_bundle_is_reported(tmp_path, https_server):
    url, _ = https_server
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    result = profiles.test_connection(_profile(url, ca_bundle=str(junk)), TOKEN)
    assert result.kind is ConnectionOutcome.TLS
    assert "cannot be used" in result.message
