"""Connection profiles: where the platform is and how to reach it (``profiles.json``).

The file holds no secret: each profile's token is in the OS keyring (see
:mod:`triage_gui.store.credentials`), so renaming a profile moves its token and removing a
profile removes it. ``http://`` is refused unless the host is loopback or the profile says
``allow_insecure_http`` (the window then shows that in red).

A profile names its platform (``provider``): ``batch_v1`` (the Batch Outbound API; a file
written before profiles had a provider loads as that) or ``elevenlabs`` (ElevenLabs Agents
Platform, whose API key decides the workspace, so the profile names none).

"Test connection" lives in the providers (``batch_v1.connection_probe``,
``elevenlabs.connection_probe``): the store does no HTTP.
"""

from __future__ import annotations

import json
import logging
import shutil
import ssl
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from triage_gui.domain.addresses import is_loopback
from triage_gui.domain.vocabulary import ID_PATTERN
from triage_gui.store.credentials import CredentialError, CredentialStore, ResolvedToken
from triage_gui.store.paths import AppPaths, atomic_write_text, set_aside

log = logging.getLogger(__name__)

FILE_FORMAT = 1
ProviderName = Literal["batch_v1", "elevenlabs"]  # as triage_gui.providers.connection.PROVIDERS
PROVIDER_NAMES: tuple[ProviderName, ...] = get_args(ProviderName)
PROVIDER_LABELS: dict[str, str] = {"batch_v1": "Batch Outbound API", "elevenlabs": "ElevenLabs"}
NO_WORKSPACE_NEEDED = "not needed for ElevenLabs (the API key decides it); leave it empty"
FIELD_LABELS: dict[str, str] = {
    "name": "Profile name",
    "provider": "Platform",
    "base_url": "Base URL",
    "default_workspace": "Default workspace",
    "verify_tls": "Verify TLS certificates",
    "ca_bundle": "CA bundle",
    "use_env_proxy": "Use the proxy from the environment",
    "timeout_s": "Timeout (seconds)",
    "allow_insecure_http": "Allow insecure http://",
}


class ProfileError(ValueError):
    """A profile that cannot be saved or found; ``field_errors`` maps fields to messages."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> tuple[str, bool]:
    """``(base URL without trailing slash, insecure)``, where insecure means plain http to
    another machine (allowed only with ``allow_insecure_http``); :class:`ProfileError` says in
    plain words what is wrong."""
    url = url.strip()
    if not url:
        raise ProfileError("Enter the platform's address, e.g. https://api.example.com.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise ProfileError(f"'{url}' is not a web address; it must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise ProfileError("Do not put a user name or password in the URL; the token is kept apart.")
    if parts.query or parts.fragment:
        raise ProfileError("The base URL cannot contain '?' or '#'.")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ProfileError(f"'{url}' has an invalid port number.") from None
    host = parts.hostname
    if not host:
        raise ProfileError(f"'{url}' has no host name.")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        raise ProfileError("Leave out the trailing /v1: the app adds it to every request.")
    insecure = scheme == "http" and not is_loopback(host)
    if insecure and not allow_insecure_http:
        raise ProfileError(
            "http:// sends your token unencrypted, so it is only allowed for this computer "
            "(localhost, 127.0.0.1, ::1). Use https://, or allow insecure http for this profile."
        )
    return f"{scheme}://{parts.netloc}{path}", insecure


class ConnectionProfile(BaseModel):
    """One environment an agent works in. Immutable; the store saves changed copies."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(min_length=1, max_length=64)
    provider: ProviderName = "batch_v1"
    base_url: str
    default_workspace: str | None = Field(None, pattern=ID_PATTERN)
    verify_tls: bool = True
    ca_bundle: str | None = None  # a PEM file of extra CAs, e.g. a corporate TLS proxy's
    use_env_proxy: bool = True  # HTTPS_PROXY / NO_PROXY from the environment
    timeout_s: float = Field(10.0, gt=0, le=300)
    allow_insecure_http: bool = False

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if any(not ch.isprintable() for ch in value):
                raise ValueError("use letters, digits, spaces and punctuation only")
        return value

    @field_validator("default_workspace", "ca_bundle", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("default_workspace", mode="after")
    @classmethod
    def _workspace_for_the_provider(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("provider") == "elevenlabs":
            raise ValueError(NO_WORKSPACE_NEEDED)
        return value

    @model_validator(mode="after")
    def _url_policy(self) -> ConnectionProfile:
        normalised, _ = check_base_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        object.__setattr__(self, "base_url", normalised)
        return self

    @property
    def needs_workspace(self) -> bool:
        """False for ElevenLabs: its API key is the workspace."""
        return self.provider != "elevenlabs"

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS[self.provider]

    @property
    def insecure_http(self) -> bool:
        """Plain http to another machine: the window shows this in red."""
        return check_base_url(self.base_url, allow_insecure_http=True)[1]

    @property
    def is_insecure(self) -> bool:
        """Shown in red: plain http to another machine, or TLS certificates not checked."""
        return self.insecure_http or not self.verify_tls

    def connection_options(self) -> dict[str, Any]:
        """Keyword arguments for ``triage_gui.providers.connection.Connection`` (all but the token);
        the store does not import the API layer, so the caller builds it."""
        return {
            "provider": self.provider,
            "base_url": self.base_url,
            "label": self.name,
            "verify": tls_verify(self),
            "timeout_s": self.timeout_s,
            "trust_env": self.use_env_proxy,
            "insecure": self.insecure_http,
            "default_workspace": self.default_workspace,
        }

    def with_changes(self, **changes: Any) -> ConnectionProfile:
        return make_profile(**(self.model_dump() | changes))


def make_profile(**fields: Any) -> ConnectionProfile:
    """Validate a profile from raw values; :class:`ProfileError` has one message per field."""
    try:
        return ConnectionProfile.model_validate(fields)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors(include_url=False, include_input=False):
            field = str(item["loc"][0]) if item["loc"] else "base_url"
            if item["type"] == "value_error" and "ctx" in item:
                text = str(item["ctx"]["error"]).rstrip(".")
            elif field == "default_workspace" and item["type"] == "string_pattern_mismatch":
                text = "use 1-64 letters, digits, '_' or '-'"
            elif field == "name":
                text = "enter a name of 1 to 64 characters"
            elif field == "timeout_s":
                text = "must be a number of seconds above 0 and at most 300"
            elif field == "provider":
                text = f"choose one of {', '.join(PROVIDER_NAMES)}"
            else:
                text = item["msg"][:1].lower() + item["msg"][1:]
            errors.setdefault(field, f"{FIELD_LABELS.get(field, field)}: {text}.")
        raise ProfileError(" ".join(errors.values()), errors) from None


def tls_verify(profile: ConnectionProfile) -> ssl.SSLContext | bool:
    """The ``verify`` argument for an httpx client that honours the profile's TLS options."""
    if not profile.verify_tls:
        return False
    if profile.ca_bundle:
        # The custom CAs come on top of the system ones: a corporate proxy's CA must not stop
        # the app reaching hosts the proxy does not intercept.
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=profile.ca_bundle)
        return context
    return True


# -- the store -------------------------------------------------------------------------------


class ProfileStore:
    """Profiles in ``profiles.json`` (re-read on every call, so the CLI and GUI stay in step)."""

    def __init__(self, paths: AppPaths, credentials: CredentialStore) -> None:
        self._paths = paths
        self.credentials = credentials
        self.warnings: list[str] = []  # problems met while loading, for the UI to show once

    @property
    def path(self) -> Path:
        return self._paths.profiles_file

    def profiles(self) -> list[ConnectionProfile]:
        return sorted(self._load(), key=lambda p: p.name.casefold())

    def names(self) -> list[str]:
        return [p.name for p in self.profiles()]

    def get(self, name: str) -> ConnectionProfile:
        for profile in self._load():
            if profile.name == name:
                return profile
        known = ", ".join(self.names()) or "none yet"
        raise ProfileError(f"There is no profile named '{name}' (profiles: {known}).")

    def add(self, profile: ConnectionProfile, token: str | None = None) -> None:
        """Save a new profile; with ``token``, store it in the keyring first (so a keyring
        failure leaves nothing half-made)."""
        profiles = self._load()
        self._check_free(profiles, profile.name)
        self._check_ca_bundle(profile)
        if token is not None:
            self.credentials.set(profile.name, token)
        try:
            self._save([*profiles, profile])
        except OSError:
            if token is not None:
                self.credentials.delete(profile.name)
            raise

    def update(self, name: str, profile: ConnectionProfile, token: str | None = None) -> None:
        """Replace profile ``name`` by ``profile``; a different name renames it (token moves)."""
        profiles = self._load()
        if not any(p.name == name for p in profiles):
            raise ProfileError(f"There is no profile named '{name}'.")
        self._check_ca_bundle(profile)
        if profile.name != name:
            self._check_free([p for p in profiles if p.name != name], profile.name)
            self.credentials.rename(name, profile.name)
        try:
            self._save([profile if p.name == name else p for p in profiles])
        except OSError:
            if profile.name != name:
                self.credentials.rename(profile.name, name)
            raise
        if token is not None:
            self.credentials.set(profile.name, token)

    def rename(self, old: str, new: str) -> ConnectionProfile:
        renamed = make_profile(**(self.get(old).model_dump() | {"name": new}))
        self.update(old, renamed)
        return renamed

    def remove(self, name: str) -> str | None:
        """Remove the profile and its token. Returns a warning if the token had to stay behind."""
        profiles = self._load()
        if not any(p.name == name for p in profiles):
            raise ProfileError(f"There is no profile named '{name}'.")
        self._save([p for p in profiles if p.name != name])
        try:
            self.credentials.delete(name)
        except CredentialError as error:
            return (
                f"Profile '{name}' was removed, but its token could not be removed from the "
                f"keyring: {error.message} Remove the entry '{name}' of service "
                f"'{self.credentials.service}' with your keyring manager."
            )
        return None

    def resolve(self, name: str) -> tuple[ConnectionProfile, ResolvedToken]:
        """The profile and the token to use with it (``--profile NAME`` on the CLI)."""
        profile = self.get(name)
        return profile, self.credentials.resolve(profile.name)

    # -- file ------------------------------------------------------------------------------

    @staticmethod
    def _check_free(profiles: list[ConnectionProfile], name: str) -> None:
        # Case-insensitive, so "Prod" and "prod" never sit side by side in one list.
        if any(p.name.casefold() == name.casefold() for p in profiles):
            raise ProfileError(
                f"A profile named '{name}' already exists; choose another name.",
                {"name": f"{FIELD_LABELS['name']}: '{name}' is taken."},
            )

    @staticmethod
    def _check_ca_bundle(profile: ConnectionProfile) -> None:
        if profile.ca_bundle and not Path(profile.ca_bundle).expanduser().is_file():
            message = f"CA bundle: the file '{profile.ca_bundle}' does not exist."
            raise ProfileError(message, {"ca_bundle": message})

    def _load(self) -> list[ConnectionProfile]:
        path = self._paths.profiles_file
        if not path.exists():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["profiles"]
            if not isinstance(entries, list):
                raise TypeError
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
            aside = set_aside(path, _stamp())
            self._warn(
                f"The profiles file could not be read ({type(error).__name__}); it was kept as "
                f"{aside} and you start with no profiles. Tokens in the keyring were not touched."
            )
            return []
        profiles: list[ConnectionProfile] = []
        for entry in entries:
            try:
                profiles.append(make_profile(**entry))
            except (ProfileError, TypeError) as error:
                label = entry.get("name", "?") if isinstance(entry, dict) else "?"
                self._warn(f"Profile '{label}' was skipped: {error}")
        if len(profiles) != len(entries):
            # Keep what was there, then rewrite without the bad entries so this warning is
            # given once, not on every start.
            copy = path.with_name(f"{path.name}.bad-{_stamp()}")
            shutil.copy2(path, copy)
            self._warn(f"The original profiles file was kept as {copy}.")
            self._save(profiles)
        return profiles

    def _save(self, profiles: list[ConnectionProfile]) -> None:
        document = {
            "format": FILE_FORMAT,
            "profiles": [p.model_dump(mode="json") for p in profiles],
        }
        atomic_write_text(self._paths.profiles_file, json.dumps(document, indent=2) + "\n")

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
