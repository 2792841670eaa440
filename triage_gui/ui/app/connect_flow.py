"""Which platform the app opens on: ``--profile NAME``, else the last-used profile, else the
profiles to choose from, and on first run (no profile yet) the welcome screen.

The token comes from the keyring (or ``TRIAGE_API_TOKEN``); when it cannot, the token prompt
offers a token for this session only. The connection is for the platform the profile names
(``provider`` in ``ConnectionProfile.connection_options()``: the Batch Outbound API or
ElevenLabs). :class:`ConnectFlow` runs the steps on signals, so tests drive it with pytest-qt;
:func:`choose_connection` waits for it in a local event loop, before the main window exists.

Cold start (docs/performance.md): this module imports only what the welcome screen needs. The
first run is told by ``profiles.json`` being absent (no pydantic); the profile store, the
keyring, the profile dialog and httpx load after the welcome's first frame. A start that opens a
known profile without asking (:func:`preview_connection`) shows the main window first and runs
the flow after its first frame, the keyring on a worker (``background=True``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from triage_gui.providers.connection import PROVIDERS, Connection
from triage_gui.store.paths import AppPaths, atomic_write_text

if TYPE_CHECKING:  # loaded on first use: pydantic, keyring, httpx (cold start)
    from triage_gui.store.credentials import ResolvedToken
    from triage_gui.store.profiles import ProfileStore
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.dialogs.welcome_dialog import WelcomeChoice
    from triage_gui.ui.tasks.background import BackgroundRunner

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


def preview_connection(paths: AppPaths, profile_name: str | None) -> Connection | None:
    """The profile a start opens without asking, read from ``profiles.json`` as plain JSON
    (no validation, no keyring: the window's first frame shows it, the flow checks it after):
    ``--profile NAME``, else the last-used profile, else the only one. Its token is empty. None
    when the flow must ask first: no profile, several and none remembered, a name not in the
    file, or a file it cannot read."""
    try:
        entries = json.loads(paths.profiles_file.read_text(encoding="utf-8"))["profiles"]
        named = {e["name"].strip(): e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    name = profile_name
    if not name:
        last = last_profile(paths)
        name = last if last in named else (next(iter(named)) if len(named) == 1 else None)
    entry = named.get(name) if name else None
    if entry is None or not isinstance(entry.get("base_url"), str):
        return None
    provider = entry.get("provider", "batch_v1")
    workspace = entry.get("default_workspace")
    if provider not in PROVIDERS:
        return None
    base_url = entry["base_url"]
    return Connection(
        base_url=base_url,
        token="",
        label=str(name),
        provider=provider,
        insecure=_plain_http_elsewhere(base_url) and bool(entry.get("allow_insecure_http")),
        default_workspace=workspace if isinstance(workspace, str) and workspace else None,
    )


def _plain_http_elsewhere(base_url: str) -> bool:
    from urllib.parse import urlsplit

    from triage_gui.domain.addresses import is_loopback

    try:
        parts = urlsplit(base_url)
        return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")
    except ValueError:
        return False


class _CaBundleUnusable(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class ConnectFlow(QObject):
    """Emits ``finished`` once with the :class:`Connection` to open, or None (the user quit).

    The profiles are ``ctx.profiles`` (made on first use: not for the welcome screen); ``dialog``
    is the dialog currently shown (tests drive it), made a child of ``dialog_parent`` when given
    (the main window, when it is shown first). With ``background``, the profile file, the
    keyring and the CA bundle are read on a worker, not on the GUI thread.
    """

    finished = Signal(object)  # Connection | None

    def __init__(
        self,
        ctx: AppContext,
        profile_name: str | None = None,
        *,
        parent: QObject | None = None,
        dialog_parent: QWidget | None = None,
        background: bool = False,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._profile_name = profile_name
        self._dialog_parent = dialog_parent
        self._background = background
        self._runner: BackgroundRunner | None = None
        self.dialog: QDialog | None = None
        # Every dialog shown stays referenced until the flow ends: one is often replaced from
        # inside its own signal, and dropping the last reference there would delete it mid-call.
        self._shown: list[QDialog] = []
        self.connection: Connection | None = None
        self.done = False
        self.resolving = False  # a profile's token is being read on the worker
        self._prompting: str | None = None  # the profile the token prompt is for

    @property
    def store(self) -> ProfileStore:
        return self._ctx.profiles

    def start(self) -> None:
        if self._profile_name:
            self._connect_to(self._profile_name)
            return
        if not self._ctx.paths.profiles_file.exists():
            self._show_welcome()  # first run, told without loading the profile store
            return
        self._ctx.load_settings()
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
        self._ctx.load_settings()  # first: a token read is scrubbed from the log at once
        if not self._background:
            try:
                connection = _resolve(self.store, name)
            except Exception as error:
                self._connect_failed(name, error)
                return
            self._connected(name, connection)
            return
        if self._runner is None:
            from triage_gui.ui.tasks.background import BackgroundRunner

            self._runner = BackgroundRunner(max_threads=1, parent=self)
        store = self.store
        self.resolving = True
        self._runner.run(
            lambda _task: _resolve(store, name),
            lambda connection: self._resolved(name, connection, None),
            lambda error: self._resolved(name, None, error),
        )

    def _resolved(self, name: str, connection: Connection | None, error: BaseException | None) -> None:
        self.resolving = False
        if connection is not None:
            self._connected(name, connection)
        else:
            self._connect_failed(name, error if isinstance(error, Exception) else RuntimeError(str(error)))

    def _connect_failed(self, name: str, error: Exception) -> None:
        from triage_gui.store.credentials import CredentialError
        from triage_gui.store.profiles import ProfileError

        if isinstance(error, ProfileError):
            self._show_profiles(message=error.message)
        elif isinstance(error, CredentialError):
            self._show_token_prompt(name, error.message)
        elif isinstance(error, _CaBundleUnusable):
            self._show_profiles(
                select=name,
                message=f"The CA bundle of profile '{name}' cannot be used ({error.error}). Choose "
                "another file, or clear the field.",
            )
        else:  # not foreseen: the agent is told, and may choose or fix a profile
            log.error("could not open profile '%s'", name, exc_info=error)
            self._show_profiles(select=name, message=f"Profile '{name}' could not be opened: {error}")

    def _connected(self, name: str, connection: Connection) -> None:
        remember_profile(self._ctx.paths, name)
        self._finish(connection)

    def _open(self, name: str, resolved: ResolvedToken) -> None:
        try:
            connection = _connection(self.store, name, resolved)
        except Exception as error:
            self._connect_failed(name, error)
            return
        self._connected(name, connection)

    def _show_welcome(self) -> None:
        from triage_gui.ui.dialogs.welcome_dialog import WelcomeDialog

        dialog = WelcomeDialog(self._dialog_parent)
        dialog.chosen.connect(self._welcome_chosen)
        dialog.rejected.connect(self._cancelled)
        self._show(dialog)
        from triage_gui.ui.app.startup import AfterFirstFrame
        from triage_gui.ui.tasks.step_runner import StepRunner

        # While the agent reads it: the settings and logging, then what "Connect" opens.
        AfterFirstFrame(dialog, StepRunner(self._warm_up(), parent=dialog).start)

    def _warm_up(self) -> Iterator[str]:
        from importlib import import_module

        from triage_gui.ui.app.theme import apply_focus_ring

        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_focus_ring(app)  # the welcome's first frame is up: the ring before anyone Tabs
        yield "focus ring"
        self._ctx.load_settings()
        yield "settings"
        # a module a turn (~20-80 ms each): the keyring, the profiles' models, then the dialogs
        for module in ("store.credentials", "store.profiles", "ui.dialogs.profile_dialog", "ui.dialogs.token_prompt"):
            import_module(f"triage_gui.{module}")
            yield module

    @Slot(object)
    def _welcome_chosen(self, choice: WelcomeChoice) -> None:
        from triage_gui.ui.dialogs.welcome_dialog import WelcomeChoice

        if choice is WelcomeChoice.DEMO:
            from triage_gui.ui.app.startup import start_demo  # startup imports this module

            self._finish(start_demo(self._ctx))
        else:
            self._show_profiles()

    def _show_profiles(self, *, select: str | None = None, message: str | None = None) -> None:
        from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

        self._ctx.load_settings()
        dialog = ProfileDialog(self.store, choose=True, select=select, message=message, parent=self._dialog_parent)
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
        from triage_gui.ui.dialogs.token_prompt import TokenPrompt

        self._prompting = name
        dialog = TokenPrompt(name, explanation, parent=self._dialog_parent)
        dialog.accepted_token.connect(self._token_entered)
        dialog.rejected.connect(self._token_cancelled)
        self._show(dialog)

    @Slot(object)
    def _token_entered(self, resolved: ResolvedToken) -> None:
        from triage_gui.store.credentials import TokenSource

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


def _resolve(store: ProfileStore, name: str) -> Connection:
    """Profile ``name`` with its token, as a connection (any thread: file, keyring, CA bundle)."""
    store.get(name)
    return _connection(store, name, store.credentials.resolve(name))


def _connection(store: ProfileStore, name: str, resolved: ResolvedToken) -> Connection:
    import ssl

    profile = store.get(name)
    try:
        connection = Connection(token=resolved.token, **profile.connection_options())
    except (OSError, ssl.SSLError) as error:
        raise _CaBundleUnusable(error) from None
    log.info("connecting with profile '%s' (%s, token from %s)", name, profile.provider, resolved.source.value)
    return connection


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
