"""One TLS context per setting, shared by every client (making one holds the GIL 20-60 ms)."""

from __future__ import annotations

import ssl
from pathlib import Path

from triage_gui.providers.batch_v1.client import BatchApiClient
from triage_gui.providers.http.abortable_transport import AbortableTransport
from triage_gui.providers.http.tls import shared_context


def _context_of(client: BatchApiClient) -> ssl.SSLContext:
    return client._http._transport._pool._ssl_context  # type: ignore[attr-defined]


def test_clients_with_the_same_setting_share_one_context():
    first = BatchApiClient("https://example.invalid", "t")
    second = BatchApiClient("https://example.invalid", "t")
    try:
        assert _context_of(first) is _context_of(second) is shared_context(True)
        assert _context_of(first).verify_mode is ssl.CERT_REQUIRED
        assert _context_of(first).check_hostname
    finally:
        first.close()
        second.close()


def test_the_poller_transport_shares_it_too():
    transport = AbortableTransport(verify=True)
    try:
        assert transport._pool._ssl_context is shared_context(True)  # type: ignore[attr-defined]
    finally:
        transport.close()


def test_each_setting_has_its_own_context_and_a_callers_context_is_kept():
    unverified = shared_context(False)
    assert unverified is not shared_context(True)
    assert unverified.verify_mode is ssl.CERT_NONE and not unverified.check_hostname
    mine = ssl.create_default_context()
    assert shared_context(mine) is mine


def test_the_environments_ca_bundle_is_part_of_the_setting(monkeypatch, tmp_path):
    import certifi

    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    default = shared_context(True)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    from_env = shared_context(True)
    assert from_env is not default
    assert shared_context(True, trust_env=False) is not from_env  # trust_env=False ignores it


def test_plain_http_gets_a_context_that_trusts_nothing():
    from triage_gui.providers.http.tls import context_for

    closed = context_for("http://127.0.0.1:8080", True)
    assert closed is not shared_context(True)
    assert closed.verify_mode is ssl.CERT_REQUIRED and closed.check_hostname
    assert closed.cert_store_stats()["x509_ca"] == 0  # no CA: any handshake fails closed
    assert context_for("HTTP://127.0.0.1:8080", False) is closed  # whatever the setting
    assert context_for("https://api.example.invalid", True) is shared_context(True)
    mine = ssl.create_default_context()
    assert context_for("http://127.0.0.1:8080", mine) is mine  # a caller's context is kept


def test_a_plain_http_client_still_talks_to_the_simulator(simulator):
    with BatchApiClient(simulator.base_url, simulator.token) as client:
        assert client.get_workspace("ws_demo").id == "ws_demo"
