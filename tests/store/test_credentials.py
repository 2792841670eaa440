from __future__ import annotations

import keyring
import keyring.errors
import pytest

from triage_gui.store.credentials import (
    SERVICE_NAME,
    CredentialError,
    CredentialProblem,
    CredentialStore,
    TokenSource,
    backend_words,
    check_token,
)

TOKEN = "tok-8f3a9c1d2e4b-secret"


# -- token checks ------------------------------------------------------------------------------


def test_check_token_strips_the_newline_a_pipe_adds():
    assert check_token(f"  {TOKEN}\n") == TOKEN


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("abc def-ghi-jkl", "contains a space (character 4 of 15)"),
        ("abc\ndef-ghi-jkl", "contains a line break"),
        ("tökén-123456", "contains a non-ASCII character"),
        ("x" * 5000, "too long (5,000 characters; at most 4,096)"),
    ],
)
def test_bad_tokens_are_refused_without_quoting_them(raw, phrase):
    with pytest.raises(CredentialError) as caught:
        check_token(raw)
    assert caught.value.problem is CredentialProblem.INVALID_TOKEN
    assert phrase in caught.value.message
    if raw.strip():
        assert raw.strip()[:6] not in caught.value.message


# -- no keyring backend (keyring's fail backend, forced) ---------------------------------------


def test_fail_backend_counts_as_no_keyring(fail_keyring):
    status = CredentialStore().backend_status()
    assert status.available is False
    assert status.backend == "keyring.backends.fail.Keyring"
    assert "No system keyring is available" in status.explanation
    assert "for this session only" in status.explanation
    assert "TRIAGE_API_TOKEN" in status.explanation
    assert "keyrings.alt" not in status.explanation  # never suggest a plaintext store


def test_without_a_keyring_storing_fails_clearly_and_nothing_is_written(fail_keyring, tmp_path):
    store = CredentialStore()
    with pytest.raises(CredentialError) as caught:
        store.set("prod", TOKEN)
    error = caught.value
    assert error.problem is CredentialProblem.NO_BACKEND
    assert error.keyring_unusable
    assert TOKEN not in str(error)
    assert store.has_token("prod") is None  # cannot know


def test_session_only_token_is_used_and_then_forgotten(fail_keyring):
    seen: list[str] = []
    store = CredentialStore(on_secret=seen.append, environ={})
    store.set_session_token("prod", TOKEN + "\n")
    assert store.is_session_only("prod")
    assert store.get("prod") == TOKEN
    resolved = store.resolve("prod")
    assert (resolved.token, resolved.source) == (TOKEN, TokenSource.SESSION)
    assert TOKEN not in repr(resolved)
    assert seen == [TOKEN]  # told to the log filter
    store.rename("prod", "production")
    assert store.get("production") == TOKEN
    assert store.delete("production") is True
    assert store.delete("production") is False
    with pytest.raises(CredentialError):
        store.get("production")


def test_without_a_keyring_the_environment_token_is_used(fail_keyring):
    store = CredentialStore(environ={"TRIAGE_API_TOKEN": f"{TOKEN}\n"})
    resolved = store.resolve("prod")
    assert (resolved.token, resolved.source) == (TOKEN, TokenSource.ENVIRONMENT)
    assert store.resolve_token(None) == TOKEN


def test_without_keyring_or_environment_resolve_says_what_to_do(fail_keyring):
    store = CredentialStore(environ={})
    with pytest.raises(CredentialError) as caught:
        store.resolve("prod")
    assert caught.value.problem is CredentialProblem.NO_BACKEND
    assert "TRIAGE_API_TOKEN" in caught.value.message
    with pytest.raises(CredentialError) as caught:
        store.resolve(None)
    assert caught.value.problem is CredentialProblem.NO_TOKEN
    assert "TRIAGE_API_TOKEN" in caught.value.message


# -- backends we must not use, and backend failures ----------------------------------------------


# The two stand-ins below are plain classes on purpose: a KeyringBackend subclass registers
# itself with keyring, which would then chain it into every other test's default backend.


class _PlaintextLike:
    """Stands in for keyrings.alt's file stores: only its module name matters here."""

    def __init__(self) -> None:
        self.written: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.written.get((service, username))

    def set_password(self, service, username, password):
        self.written[(service, username)] = password

    def delete_password(self, service, username):
        self.written.pop((service, username))


_PlaintextLike.__module__ = "keyrings.alt.file"


def test_a_plaintext_file_store_is_never_used_for_tokens():
    plaintext = _PlaintextLike()
    store = CredentialStore(backend=plaintext)
    assert store.backend_status().available is False
    with pytest.raises(CredentialError) as caught:
        store.set("prod", TOKEN)
    assert caught.value.problem is CredentialProblem.NO_BACKEND
    assert plaintext.written == {}


class _Failing:
    """A backend whose every call fails like a real one can (locked, not initialised)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_password(self, service, username):
        raise self.error

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError(f"could not store {password!r} for {username}")

    def delete_password(self, service, username):
        raise self.error


@pytest.mark.parametrize(
    ("error", "problem", "phrase"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock"), CredentialProblem.LOCKED, "locked"),
        (keyring.errors.InitError("Prompt dismissed"), CredentialProblem.UNAVAILABLE, "failed (Prompt dismissed)"),
        (keyring.errors.NoKeyringError("none"), CredentialProblem.NO_BACKEND, "No system keyring"),
    ],
)
def test_keyring_errors_become_plain_words(error, problem, phrase):
    store = CredentialStore(backend=_Failing(error), environ={})
    with pytest.raises(CredentialError) as caught:
        store.get("prod")
    assert caught.value.problem is problem
    assert phrase in caught.value.message
    assert caught.value.keyring_unusable
    assert "for this session only" in caught.value.message


def test_an_error_quoting_the_token_is_scrubbed():
    store = CredentialStore(backend=_Failing(keyring.errors.InitError("x")))
    with pytest.raises(CredentialError) as caught:
        store.set("prod", TOKEN)
    assert TOKEN not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)


# -- the real Secret Service (CI: .ci/keyring-session.sh) ------------------------------------


@pytest.mark.keyring
def test_real_keyring_is_reported_available(real_keyring):
    status = CredentialStore().backend_status()
    assert status.available is True
    assert status.backend == "keyring.backends.SecretService.Keyring"
    assert SERVICE_NAME in status.explanation


@pytest.mark.keyring
def test_store_read_rename_delete_in_the_real_keyring(real_keyring, profile_names):
    old, new = profile_names("old"), profile_names("new")
    seen: list[str] = []
    store = CredentialStore(on_secret=seen.append, environ={})
    assert store.has_token(old) is False

    store.set(old, TOKEN)
    assert real_keyring.get_password(SERVICE_NAME, old) == TOKEN  # really in the keyring
    assert CredentialStore().get(old) == TOKEN  # a fresh store (another process) reads it
    assert store.resolve(old).source is TokenSource.KEYRING

    store.rename(old, new)
    assert real_keyring.get_password(SERVICE_NAME, new) == TOKEN
    assert real_keyring.get_password(SERVICE_NAME, old) is None

    assert store.delete(new) is True
    assert real_keyring.get_password(SERVICE_NAME, new) is None
    assert store.delete(new) is False
    assert seen and set(seen) == {TOKEN}


@pytest.mark.keyring
def test_storing_replaces_an_earlier_token_and_a_session_one(real_keyring, profile_names):
    name = profile_names()
    store = CredentialStore(environ={})
    store.set_session_token(name, "session-token-1")
    store.set(name, "first-token-1")
    store.set(name, "second-token-2")
    assert not store.is_session_only(name)
    assert CredentialStore().get(name) == "second-token-2"


@pytest.mark.keyring
def test_a_profile_without_a_stored_token_falls_back_to_the_environment(real_keyring, profile_names):
    name = profile_names()
    store = CredentialStore(environ={"TRIAGE_API_TOKEN": TOKEN})
    assert store.resolve(name).source is TokenSource.ENVIRONMENT
    with pytest.raises(CredentialError) as caught:
        CredentialStore(environ={}).resolve(name)
    assert caught.value.problem is CredentialProblem.NO_TOKEN
    assert f"triage-gui profile add {name}" in caught.value.message


@pytest.mark.keyring
def test_a_locked_real_keyring_gives_a_clear_message(real_keyring, profile_names, lock_keyring):
    name = profile_names()
    store = CredentialStore(environ={})
    store.set(name, TOKEN)
    lock_keyring()
    with pytest.raises(CredentialError) as caught:
        store.get(name)
    assert caught.value.problem is CredentialProblem.LOCKED
    assert "the system keyring is locked" in caught.value.message
    assert TOKEN not in caught.value.message
    store.set_session_token(name, "typed-for-now")
    assert store.resolve(name).token == "typed-for-now"


# -- plain words (issue #13) -------------------------------------------------------------------


def test_the_backend_has_plain_words_beside_its_dotted_name(fail_keyring):
    status = CredentialStore().backend_status()
    assert status.backend == "keyring.backends.fail.Keyring"  # for diagnostics
    assert status.backend_words == "none found"
    assert backend_words("keyring.backends.SecretService.Keyring") == "Secret Service (GNOME Keyring or KWallet)"
    assert backend_words("keyrings.alt.file.PlaintextKeyring").startswith("a plain file store")
    assert backend_words("acme_vault.backend.AcmeKeyring") == "AcmeKeyring from acme_vault"


def test_an_os_error_in_the_keyring_is_said_without_its_number():
    refused = ConnectionRefusedError(111, "Connection refused")  # a D-Bus socket nobody listens on
    store = CredentialStore(backend=_Failing(refused), environ={})
    with pytest.raises(CredentialError) as caught:
        store.get("prod")
    assert "the system keyring failed: nothing answered there (connection refused)." in caught.value.message
    assert "Errno" not in caught.value.message
    assert caught.value.detail == "ConnectionRefusedError: [Errno 111] Connection refused"
