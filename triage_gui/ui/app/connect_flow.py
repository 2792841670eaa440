"""Which platform the app opens on: ``--profile NAME``, else the last-used profile, else the
profiles to choose from, and on first run (no profile yet) the welcome screen.

The token comes from the keyring (or ``TRIAGE_API_TOKEN``); when it cannot, the token prompt
offers a token for this session only. :class:`ConnectFlow` runs the steps on signals, so tests
drive it with pytest-qt; :func:`choose_connection` waits for it in a local event loop, before
the main window exists.
"""

from __future__ import annotations

import logging
import ssl
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Signal, Slot
from PySide6.QtWidgets import QDialog

from triage_gui.providers.connection import Connection
from triage_gui.store.credentials import CredentialError, ResolvedToken, TokenSource
from triage_gui.store.paths import AppPaths, atomic_write_text
from triage_gui.store.profiles import ProfileError
from triage_gui.ui.dialogs.profile_dialog import ProfileDialog
from triage_gui.ui.dialogs.token_prompt import TokenPrompt
from triage_gui.ui.dialogs.welcome_dialog import WelcomeChoice, WelcomeDialog

if TYPE_CHECKING:
    from triage_gui.ui.app.context import AppContext

log = logging.getLogger(__name__)

LAST_PROFILE_FILE = "last-profile.txt"  # in the config dir: a profile name, nothing secret


def last_profile(paths: AppPaths) -> str | None:
    path = paths.config_dir / LAST_PROFILE_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name or None


def remember_profile(paths: AppPaths, name: str) -> None:
    try:
        atomic_write_text(paths.config_dir / LAST_PROFILE_FILE, name + "\n")
    except OSError as error:  # only a convenience: the next start asks again
        log.warning("could not remember the last profile: %s", error.strerror or error)


class ConnectFlow(QObject):
    """Emits ``finished`` once with the :class:`Connection` to open, or None (the user quit).

    The profiles are ``ctx.profiles``; ``dialog`` is the dialog currently shown (tests drive it).
    """

    finished = Signal(object)  # Connection | None

    def __init__(self, ctx: AppContext, profile_name: str | None = None, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._profile_name = profile_name
        self.store = ctx.profiles
        self.dialog: QDialog | None = None
        # Every dialog shown stays referenced until the flow ends: one is often replaced from
        # inside its own signal, and dropping the last reference there would delete it mid-call.
        self._shown: list[QDialog] = []
        self.connection: Connection | None = None
        self.done = False
        self._prompting: str | None = None  # the profile the token prompt is for

    def start(self) -> None:
        if self._profile_name:
            self._connect_to(self._profile_name)
            return
        names = self.store.names()
        if not names:
            self._show_welcome()
            return
        last = last_profile(self._ctx.paths)
        if last in names:
            self._connect_to(last)
        elif len(names) == 1:
            self._connect_to(names[0])
        else:
            self._show_profiles()

    # -- steps -----------------------------------------------------------------------------

    def _connect_to(self, name: str) -> None:
        try:
            self.store.get(name)
            resolved = self.store.credentials.resolve(name)
        except ProfileError as error:
            self._show_profiles(message=error.message)
            return
        except CredentialError as error:
            self._show_token_prompt(name, error.message)
            return
        self._open(name, resolved)

    def _open(self, name: str, resolved: ResolvedToken) -> None:
        try:
            profile = self.store.get(name)
            connection = Connection(token=resolved.token, **profile.connection_options())
        except ProfileError as error:
            self._show_profiles(message=error.message)
            return
        except (OSError, ssl.SSLError) as error:
            self._show_profiles(
                select=name,
                message=f"The CA bundle of profile '{name}' cannot be used ({error}). Choose "
                "another file, or clear the field.",
            )
            return
        log.info("connecting with profile '%s' (token from %s)", name, resolved.source.value)
        remember_profile(self._ctx.paths, name)
        self._finish(connection)

    def _show_welcome(self) -> None:
        dialog = WelcomeDialog()
        dialog.chosen.connect(self._welcome_chosen)
        dialog.rejected.connect(self._cancelled)
        self._show(dialog)

    @Slot(object)
    def _welcome_chosen(self, choice: WelcomeChoice) -> None:
        if choice is WelcomeChoice.DEMO:
            from triage_gui.ui.app.startup import start_demo  # startup imports this module

            self._finish(start_demo(self._ctx))
        else:
            self._show_profiles()

    def _show_profiles(self, *, select: str | None = None, message: str | None = None) -> None:
        dialog = ProfileDialog(self.store, choose=True, select=select, message=message)
        dialog.chosen.connect(self._connect_to)
        dialog.rejected.connect(self._profiles_closed)
        self._show(dialog)

    @Slot()
    def _profiles_closed(self) -> None:
        # Closing the profiles on first run goes back to the welcome screen, not out of the app.
        if self.store.names():
            self._cancelled()
        else:
            self._show_welcome()

    def _show_token_prompt(self, name: str, explanation: str) -> None:
        self._prompting = name
        dialog = TokenPrompt(name, explanation)
        dialog.accepted_token.connect(self._token_entered)
        dialog.rejected.connect(self._token_cancelled)
        self._show(dialog)

    @Slot(object)
    def _token_entered(self, resolved: ResolvedToken) -> None:
        name = self._prompting
        assert name is not None
        if resolved.source is TokenSource.SESSION:
            self.store.credentials.set_session_token(name, resolved.token)
        self._open(name, resolved)

    @Slot()
    def _token_cancelled(self) -> None:
        self._show_profiles(select=self._prompting)

    @Slot()
    def _cancelled(self) -> None:
        self._finish(None)

    # -- plumbing --------------------------------------------------------------------------

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        self._shown.append(dialog)
        dialog.open()

    def _finish(self, connection: Connection | None) -> None:
        if self.done:
            return
        self.done = True
        self.connection = connection
        self.dialog = None
        for dialog in self._shown:
            dialog.deleteLater()
        self.finished.emit(connection)


def choose_connection(ctx: AppContext, profile_name: str | None) -> Connection | None:
    """The connection to open the main window on, or None when the user quit. Blocks (in a
    local event loop) until the dialogs are done; call it before the main window exists."""
    flow = ConnectFlow(ctx, profile_name)
    loop = QEventLoop()
    flow.finished.connect(loop.quit)
    flow.start()
    if not flow.done:
        loop.exec()
    return flow.connection
