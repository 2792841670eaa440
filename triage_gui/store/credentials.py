"""API tokens in the OS keyring, and nowhere else on disk.

Naming scheme (what an admin sees in Seahorse, KWallet, Keychain Access or Credential Manager):
service ``outbound-triage``, username = the connection profile's name, exactly as typed
(Secret Service shows it as "Password for 'NAME' on 'outbound-triage'"). One token per profile;
renaming a profile moves its token, removing a profile removes it.

Only a real system keyring counts: the fail and null backends, the plaintext file stores of
``keyrings.alt`` and a chainer holding only those are "no keyring". When there is none (headless
Linux without Secret Service, a locked keyring) nothing is written anywhere: the caller explains
and offers a token kept in this process's memory for the session, or ``TRIAGE_API_TOKEN``.

Tokens never appear in messages, reprs or exception chains raised from here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from triage_gui.domain.plain_errors import plain_os_error
from triage_gui.domain.token_check import check_token as domain_check_token
from triage_gui.store.paths import TOKEN_ENV

SERVICE_NAME = "outbound-triage"

_NO_KEYRING_CHOICES = (
    "You can enter the token for this session only (kept in memory, never written), or set "
    f"the environment variable {TOKEN_ENV}."
)

_NO_KEYRING = (
    "No system keyring is available, so tokens cannot be stored. On Linux this means no "
    "Secret Service (GNOME Keyring, KWallet) is running in this session. " + _NO_KEYRING_CHOICES
)


class CredentialProblem(StrEnum):
    NO_BACKEND = "no_backend"  # no system keyring at all (or only plaintext stores)
    LOCKED = "locked"  # a keyring exists but stayed locked
    UNAVAILABLE = "unavailable"  # a keyring exists but failed
    NO_TOKEN = "no_token"
    INVALID_TOKEN = "invalid_token"


class CredentialError(Exception):
    """A credential problem in plain words; never carries the token."""

    def __init__(self, problem: CredentialProblem, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message
        self.detail = detail  # the keyring's own technical text, for a tooltip or the log

    @property
    def keyring_unusable(self) -> bool:
        """True when the UI should offer "this session only" or ``TRIAGE_API_TOKEN``."""
        return self.problem in (
            CredentialProblem.NO_BACKEND,
            CredentialProblem.LOCKED,
            CredentialProblem.UNAVAILABLE,
        )


@dataclass(frozen=True)
class BackendStatus:
    available: bool
    backend: str  # the keyring backend's name, for diagnostics
    explanation: str  # plain words for the settings / profile dialog

    @property
    def backend_words(self) -> str:
        """The backend in plain words, for the screen (the dotted name goes in a tooltip)."""
        return backend_words(self.backend)


class TokenSource(StrEnum):
    KEYRING = "keyring"
    SESSION = "session"  # typed in this session, held in memory only
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class ResolvedToken:
    token: str = field(repr=False)
    source: TokenSource


def check_token(token: str) -> str:
    """The token as it will be sent (surrounding white space removed), or :class:`CredentialError`.

    A token is one HTTP header value: printable ASCII without spaces. Checking here means a bad
    paste fails with a clear message instead of an HTTP library error quoting the header.
    """
    token = token.strip()
    try:
        domain_check_token(token)  # the one rule (domain/token_check.py), wherever a token enters
    except ValueError as exc:
        raise CredentialError(CredentialProblem.INVALID_TOKEN, str(exc)) from None
    return token


def _is_real(backend: KeyringBackend) -> bool:
    if isinstance(backend, (fail.Keyring, null.Keyring, chainer.ChainerBackend)):
        return False
    # keyrings.alt stores secrets in plain or barely obscured files.
    return not type(backend).__module__.startswith("keyrings.alt")


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


# A backend's dotted name (what keyring calls it, for diagnostics) -> what a person calls it.
_BACKEND_WORDS = {
    "keyring.backends.fail.Keyring": "none found",
    "keyring.backends.null.Keyring": "turned off",
    "keyring.backends.chainer.ChainerBackend": "none usable among the installed ones",
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring or KWallet)",
    "keyring.backends.libsecret.Keyring": "Secret Service (GNOME Keyring or KWallet)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}


def backend_words(backend: str) -> str:
    """A keyring backend's dotted name in plain words: "keyring.backends.fail.Keyring" is
    "none found". The dotted name stays :attr:`BackendStatus.backend` for diagnostics."""
    if backend in _BACKEND_WORDS:
        return _BACKEND_WORDS[backend]
    if backend.startswith("keyrings.alt"):
        return "a plain file store (not used: it is not safe for tokens)"
    module, _, name = backend.rpartition(".")
    return f"{name} from {module.split('.')[0]}" if module else backend


class CredentialStore:
    def __init__(
        self,
        *,
        service: str = SERVICE_NAME,
        environ: Mapping[str, str] | None = None,
        backend: KeyringBackend | None = None,
        on_secret: Callable[[str], None] | None = None,
    ) -> None:
        """``backend`` None means keyring's choice at each call; ``on_secret`` is told every
        token this store sees (the log filter registers it, so it is scrubbed from logs)."""
        self.service = service
        self._environ = os.environ if environ is None else environ
        self._backend = backend
        self._on_secret = on_secret
        self._session: dict[str, str] = {}

    # -- the backend ------------------------------------------------------------------------

    def _chosen_backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def _real_backend(self) -> KeyringBackend | None:
        chosen = self._chosen_backend()
        if isinstance(chosen, chainer.ChainerBackend):
            # The chainer would fall through to a plaintext store when the real one fails, so
            # we talk to the best real backend in the chain directly.
            return next((b for b in chosen.backends if _is_real(b)), None)
        return chosen if _is_real(chosen) else None

    def backend_status(self) -> BackendStatus:
        chosen = self._chosen_backend()
        real = self._real_backend()
        if real is not None:
            return BackendStatus(
                True,
                _backend_name(real),
                f"Tokens are stored in your system keyring (service '{self.service}', one entry per profile).",
            )
        return BackendStatus(False, _backend_name(chosen), _NO_KEYRING)

    def _require_backend(self) -> KeyringBackend:
        real = self._real_backend()
        if real is None:
            raise CredentialError(CredentialProblem.NO_BACKEND, _NO_KEYRING)
        return real

    # -- tokens -----------------------------------------------------------------------------

    def get(self, profile: str) -> str | None:
        """The profile's token (session first, then keyring), or None if none is stored."""
        if profile in self._session:
            return self._session[profile]
        backend = self._require_backend()
        try:
            token = backend.get_password(self.service, profile)
        except Exception as error:
            raise self._plain_error(error, "read the token of", profile) from None
        if token:
            self._notify(token)
            token = check_token(token)  # a bad value stored by another tool: say so, never send it
        return token or None

    def has_token(self, profile: str) -> bool | None:
        """Whether a token is stored; None when the keyring cannot be asked right now."""
        try:
            return self.get(profile) is not None
        except CredentialError:
            return None

    def set(self, profile: str, token: str) -> None:
        """Store the token in the system keyring; :class:`CredentialError` if there is none."""
        token = check_token(token)
        self._notify(token)
        self._keyring_set(self._require_backend(), profile, token)
        self._session.pop(profile, None)

    def set_session_token(self, profile: str, token: str) -> None:
        """Keep the token in memory for this session only (when there is no usable keyring)."""
        token = check_token(token)
        self._notify(token)
        self._session[profile] = token

    def is_session_only(self, profile: str) -> bool:
        return profile in self._session

    def delete(self, profile: str) -> bool:
        """Remove the profile's token; True if one was removed (session or keyring)."""
        removed = self._session.pop(profile, None) is not None
        backend = self._real_backend()
        if backend is None:
            return removed
        try:
            backend.delete_password(self.service, profile)
        except keyring.errors.PasswordDeleteError:
            return removed  # nothing was stored under this name
        except Exception as error:
            raise self._plain_error(error, "remove the token of", profile) from None
        return True

    def rename(self, old: str, new: str) -> None:
        """Move the token to the new profile name: store it under ``new``, then remove ``old``.

        If storing fails nothing has changed; if only the removal fails, the error says so.
        """
        if old == new:
            return
        if old in self._session:
            self._session[new] = self._session.pop(old)
        backend = self._real_backend()
        if backend is None:
            return
        try:
            token = backend.get_password(self.service, old)
        except Exception as error:
            raise self._plain_error(error, "read the token of", old) from None
        if not token:
            return
        self._notify(token)
        self._keyring_set(backend, new, token)
        try:
            backend.delete_password(self.service, old)
        except Exception as error:
            failure = self._plain_error(error, "remove the old entry of", old)
            raise CredentialError(
                failure.problem,
                f"The token was copied to '{new}', but the old keyring entry for '{old}' could "
                f"not be removed. {failure.message}",
            ) from None

    def resolve(self, profile: str | None) -> ResolvedToken:
        """The token to use: the profile's (session, keyring), else ``TRIAGE_API_TOKEN``."""
        keyring_error: CredentialError | None = None
        if profile is not None:
            try:
                token = self.get(profile)
            except CredentialError as error:
                token, keyring_error = None, error
            if token is not None:
                source = TokenSource.SESSION if profile in self._session else TokenSource.KEYRING
                return ResolvedToken(token, source)
        from_env = self._environ.get(TOKEN_ENV, "")
        if from_env.strip():
            token = check_token(from_env)
            self._notify(token)
            return ResolvedToken(token, TokenSource.ENVIRONMENT)
        if keyring_error is not None:
            raise keyring_error
        if profile is not None:
            raise CredentialError(
                CredentialProblem.NO_TOKEN,
                f"No token is stored for profile '{profile}'. Add one in the profile dialog or "
                f"with 'triage-gui profile add {profile} --base-url URL --token-stdin', or set "
                f"the environment variable {TOKEN_ENV}.",
            )
        raise CredentialError(
            CredentialProblem.NO_TOKEN,
            f"No API token: choose a connection profile with a stored token, or set the "
            f"environment variable {TOKEN_ENV}.",
        )

    def resolve_token(self, profile: str | None) -> str:
        return self.resolve(profile).token

    # -- helpers ----------------------------------------------------------------------------

    def _keyring_set(self, backend: KeyringBackend, profile: str, token: str) -> None:
        try:
            backend.set_password(self.service, profile, token)
        except Exception as error:
            raise self._plain_error(error, "store the token of", profile, token) from None

    def _notify(self, token: str) -> None:
        if self._on_secret is not None:
            self._on_secret(token)

    def _plain_error(self, error: Exception, action: str, profile: str, token: str | None = None) -> CredentialError:
        _close_leaked_connections(error)
        if isinstance(error, keyring.errors.NoKeyringError):
            return CredentialError(CredentialProblem.NO_BACKEND, _NO_KEYRING)
        if isinstance(error, keyring.errors.KeyringLocked):
            return CredentialError(
                CredentialProblem.LOCKED,
                f"Could not {action} profile '{profile}': the system keyring is locked. Unlock "
                "it (log in to your desktop session, or open your keyring manager) and try "
                "again. " + _NO_KEYRING_CHOICES,
            )
        detail = str(error).strip()
        if token:
            detail = detail.replace(token, "[REDACTED]")
        words = plain_os_error(detail) if detail else "no reason given"
        failed = f"failed: {words}" if "(" in words else f"failed ({words})"
        return CredentialError(
            CredentialProblem.UNAVAILABLE,
            f"Could not {action} profile '{profile}': the system keyring {failed}. " + _NO_KEYRING_CHOICES,
            detail=f"{type(error).__name__}: {detail}" if detail else type(error).__name__,
        )


def _close_leaked_connections(error: BaseException) -> None:
    # WORKAROUND: keyring 25.x's SecretService backend opens a D-Bus connection in
    # get_preferred_collection() and does not close it when it then raises (KeyringLocked,
    # InitError): the socket leaks until garbage collection. Close it here, found among the
    # locals of the failed call's frames; nothing else is touched.
    tb = error.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            kind = type(value)
            if kind.__module__.startswith("jeepney") and kind.__name__ == "DBusConnection":
                with contextlib.suppress(Exception):
                    value.close()
        tb = tb.tb_next
