"""Fixtures for the store tests: tmp app dirs, the real Secret Service, the fail backend.

Credential tests marked ``keyring`` use the REAL Secret Service that ``.ci/keyring-session.sh``
starts (it sets ``TRIAGE_REAL_KEYRING``); outside it they are skipped with that reason. Each
test gets unique profile names and every keyring entry it may have made is removed afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, suppress

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from triage_gui.store.credentials import SERVICE_NAME
from triage_gui.store.paths import AppPaths

REAL_KEYRING_ENV = "TRIAGE_REAL_KEYRING"
SKIP_REASON = (
    "needs a real Secret Service: run inside .ci/keyring-session.sh "
    f"(which starts gnome-keyring in a D-Bus session and sets {REAL_KEYRING_ENV}=1)"
)


@pytest.fixture
def app_paths(tmp_path, monkeypatch) -> AppPaths:
    """App dirs under a tmp ``TRIAGE_HOME``; no token in the environment."""
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TRIAGE_API_TOKEN", raising=False)
    return AppPaths()


@pytest.fixture
def fail_keyring() -> Iterator[KeyringBackend]:
    """keyring's fail backend (what a headless Linux without Secret Service gets)."""
    previous = keyring.get_keyring()
    backend = fail.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def real_keyring() -> KeyringBackend:
    if not os.environ.get(REAL_KEYRING_ENV):
        pytest.skip(SKIP_REASON)
    backend = keyring.get_keyring()
    # Under the session script anything but Secret Service is a broken set-up, not a skip.
    assert type(backend).__module__ == "keyring.backends.SecretService", backend
    return backend


@pytest.fixture
def profile_names(real_keyring: KeyringBackend) -> Iterator[Callable[[str], str]]:
    """Makes unique profile names; removes their keyring entries after the test."""
    made: list[str] = []

    def new_name(label: str = "p") -> str:
        name = f"pytest-{label}-{uuid.uuid4().hex[:10]}"
        made.append(name)
        return name

    yield new_name
    for name in made:
        with suppress(keyring.errors.PasswordDeleteError):
            real_keyring.delete_password(SERVICE_NAME, name)
    for name in made:
        assert real_keyring.get_password(SERVICE_NAME, name) is None


@pytest.fixture
def lock_keyring(real_keyring: KeyringBackend) -> Iterator[Callable[[], None]]:
    """Locks the real keyring on request, and unlocks it again without a prompt afterwards
    (gnome-keyring's own unlock-with-password call; the session script exports the password)."""
    password = os.environ.get("TRIAGE_KEYRING_PASSWORD")
    if not password:
        pytest.skip("needs TRIAGE_KEYRING_PASSWORD from .ci/keyring-session.sh to unlock again")
    import secretstorage
    from secretstorage.util import DBusAddressWrapper, format_secret, open_session

    locked = False

    def lock() -> None:
        nonlocal locked
        with closing(secretstorage.dbus_init()) as bus:
            secretstorage.get_default_collection(bus).lock()
        locked = True

    yield lock
    if locked:
        with closing(secretstorage.dbus_init()) as bus:
            collection = secretstorage.get_default_collection(bus)
            secret = format_secret(open_session(bus), password.encode(), "text/plain")
            DBusAddressWrapper(
                "/org/freedesktop/secrets",
                "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                bus,
            ).call("UnlockWithMasterPassword", "o(oayays)", collection.collection_path, secret)
            assert not collection.is_locked()
