"""TLS contexts for the clients: made once per process and setting, then shared.

A verifying context parses the whole CA bundle when it is made: 20–25 ms of C code (60 ms on a
busy machine) that holds the GIL, so every other thread, the GUI's among them, waits that long
(bench/poll_stall_bench.py). A client is made for each load, each re-fetch and each poller
start; made through here, they share one context per setting and pay that once. Sharing is
safe: an ``ssl.SSLContext`` may serve connections on several threads at once.

The contexts are httpx's own (``httpx.create_ssl_context``), so verification behaves exactly as
if each client had been given ``verify`` itself, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` included.

A plain-http API never speaks TLS with the context its client is given (redirects are not
followed; a proxy's own TLS uses httpcore's proxy context, not this one): :func:`context_for`
gives it a context with no CA at all (made in ~1 ms), which would fail any handshake, instead
of parsing the bundle for nothing (the demo, a simulator, an on-premises test server).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable

_lock = threading.Lock()
_contexts: dict[tuple[object, ...], ssl.SSLContext] = {}


def _cached(key: tuple[object, ...], make: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    with _lock:
        context = _contexts.get(key)
        if context is None:
            context = _contexts[key] = make()
        return context


def shared_context(verify: bool | str | ssl.SSLContext, *, trust_env: bool = True) -> ssl.SSLContext:
    """The context for ``verify`` (True, False, a CA bundle file or directory, or a context of
    the caller's, returned as it is); the same object for the same setting and environment."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")) if trust_env else (None, None)

    def make() -> ssl.SSLContext:
        import httpx

        return httpx.create_ssl_context(verify=verify, trust_env=trust_env)

    return _cached((verify, trust_env, *env), make)


def context_for(base_url: str, verify: bool | str | ssl.SSLContext, *, trust_env: bool = True) -> ssl.SSLContext:
    """The context a client of ``base_url`` needs: :func:`shared_context`, unless the URL is
    plain http (then one that trusts nothing, so a TLS connection it was never meant to make
    fails closed)."""
    if isinstance(verify, ssl.SSLContext) or not base_url.lower().startswith("http://"):
        return shared_context(verify, trust_env=trust_env)
    # verifies, with no CA loaded
    return _cached(("trusts-nothing",), lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
