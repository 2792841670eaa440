"""What the app's parts share: built once by ``run_gui`` (or a test, a script) and passed down.

The stores behind it are made on first use, not with the context: the first frame needs none
of them (settings, profiles and the keyring load after it; see docs/performance.md, "Cold
start"), and the demo never touches the keyring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from triage_gui.providers.connection import Connection
from triage_gui.store.paths import AppPaths

if TYPE_CHECKING:
    from triage_gui.simulator import Simulator
    from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
    from triage_gui.store.credentials import CredentialStore
    from triage_gui.store.log_setup import LoggingSetup
    from triage_gui.store.profiles import ProfileStore
    from triage_gui.store.settings import AppSettings, SettingsStore

log = logging.getLogger(__name__)


@dataclass(eq=False)
class AppContext:
    """The app's folders, settings, stores and connection.

    ``settings`` is None until :meth:`load_settings` (given one, the context uses it as it is:
    tests). ``connection`` is None until one is chosen; the main window opens on it.
    ``credentials``, ``profiles`` and ``settings_store`` are made on first use (a test may set
    ``credentials`` to a store of its own before that)."""

    paths: AppPaths
    settings: AppSettings | None = None
    connection: Connection | None = None
    simulator: Simulator | ElevenLabsSimulator | None = None  # the demo's (its platform's), stopped by close()
    settings_warning: str | None = None  # unusable settings were set aside: told once in the window
    logging_setup: LoggingSetup | None = field(default=None, repr=False)
    cleanups: list[Callable[[], object]] = field(default_factory=list, repr=False)
    _early_secrets: list[str] = field(default_factory=list, repr=False)

    @cached_property
    def credentials(self) -> CredentialStore:
        """Every token it hands out is registered with the log scrubber."""
        from triage_gui.store.credentials import CredentialStore

        return CredentialStore(on_secret=self._note_secret)

    @cached_property
    def profiles(self) -> ProfileStore:
        from triage_gui.store.profiles import ProfileStore

        return ProfileStore(self.paths, self.credentials)

    @cached_property
    def settings_store(self) -> SettingsStore:
        from triage_gui.store.settings import SettingsStore

        return SettingsStore(self.paths)

    def require_connection(self) -> Connection:
        if self.connection is None:
            raise RuntimeError("no connection chosen yet")
        return self.connection

    def redact(self, text: str) -> str:
        """Text as the log would keep it: tokens and phone numbers redacted."""
        if self.logging_setup is not None:
            return self.logging_setup.scrub.redact(text)
        from triage_gui.domain.redaction import Redactor

        redactor = Redactor()
        for secret in self._early_secrets:
            redactor.add_secret(secret)
        return redactor.redact(text)

    def _note_secret(self, secret: str) -> None:
        """Every token handed out is scrubbed from the logs, also one read before logging was
        set up (the profiles dialog can be opened while the window is still being finished)."""
        if self.logging_setup is not None:
            self.logging_setup.add_secret(secret)
        else:
            self._early_secrets.append(secret)

    def load_settings(self) -> AppSettings:
        """Read the settings and set up logging by them (once; later calls return the same)."""
        if self.settings is not None:
            return self.settings
        from triage_gui.store.log_setup import setup_logging

        loaded = self.settings_store.load()
        self.logging_setup = setup_logging(
            self.paths, loaded.settings.log_level, mask_phones=loaded.settings.redact_phone_numbers
        )
        self.cleanups.append(self.logging_setup.close)
        for secret in self._early_secrets:
            self.logging_setup.add_secret(secret)
        self._early_secrets.clear()
        if loaded.warning:
            log.warning("%s", loaded.warning)
        self.settings = loaded.settings
        self.settings_warning = loaded.warning
        return self.settings

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception:
                log.exception("cleanup failed")
        self.cleanups.clear()


def build_context() -> AppContext:
    """A context with its settings read and logging set up (what scripts and tests want)."""
    ctx = AppContext(paths=AppPaths())
    ctx.load_settings()
    return ctx
