"""Connection profiles: the list, the form to add or edit one, and "Test connection".

Editing the name and saving renames the profile (its token moves with it in the keyring);
deleting removes its token too. The token field is never filled with the stored token: it
says whether one is stored, and an empty field keeps it. Without a real keyring the dialog
says so and offers the two safe choices: a token for this session only, or
``TRIAGE_API_TOKEN``. "Test connection" runs the probe of the platform the form names
(the Batch Outbound API's workspace, or one page of ElevenLabs' batch calls) on the dialog's
``BackgroundRunner``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.store.credentials import CredentialError, CredentialStore, check_token
from triage_gui.store.paths import TOKEN_ENV
from triage_gui.store.profiles import ConnectionProfile, ProfileError, ProfileStore, make_profile
from triage_gui.ui.dialogs.profile_form import ProfileForm
from triage_gui.ui.dialogs.token_prompt import KeyringPanel
from triage_gui.ui.tasks.background import BackgroundRunner, TaskContext

if TYPE_CHECKING:  # the probes (httpx) load when "Test connection" first runs, on its worker
    from triage_gui.providers.batch_v1.connection_probe import ConnectionTestResult


def _test_op(
    credentials: CredentialStore, profile: ConnectionProfile, token: str | None, stored: str | None
) -> Callable[[TaskContext], ConnectionTestResult]:
    """The work of "Test connection", off the GUI thread (reading the keyring may block too)."""

    def op(_task: TaskContext) -> ConnectionTestResult:
        use = token if token is not None else credentials.resolve(stored).token
        if profile.provider == "elevenlabs":
            from triage_gui.providers.elevenlabs.connection_probe import check_elevenlabs_connection

            return check_elevenlabs_connection(profile, use)
        from triage_gui.providers.batch_v1.connection_probe import check_connection

        return check_connection(profile, use)

    return op


class ProfileDialog(QDialog):
    """``chosen`` (choose mode, at the app's start) carries the profile name to connect with;
    ``profiles_changed`` follows every save and delete."""

    chosen = Signal(str)
    profiles_changed = Signal()

    def __init__(
        self,
        store: ProfileStore,
        *,
        choose: bool = False,
        select: str | None = None,
        message: str | None = None,
        environ: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._credentials = store.credentials
        self._environ = os.environ if environ is None else environ
        self._runner = BackgroundRunner(parent=self)
        self._current: str | None = None  # the saved profile the form shows; None: a new one
        self._closed = False
        self.confirm_delete: QMessageBox | None = None
        self.setWindowTitle("Connection profiles")
        self.setMinimumWidth(860)
        self.resize(900, 640)

        self.keyring = KeyringPanel(self._environ)
        self.profile_list = QListWidget()
        self.profile_list.setAccessibleName("Connection profiles")
        self.profile_list.setMinimumWidth(190)
        self.add_button = QPushButton("&Add")
        self.add_button.setToolTip("Start a new profile.")
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setToolTip("Delete the selected profile and its stored token.")
        self.form = ProfileForm()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Profiles message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.connect_button: QPushButton | None = None
        if choose:
            self.connect_button = self.buttons.addButton("C&onnect", QDialogButtonBox.ButtonRole.ApplyRole)
            self.connect_button.setToolTip("Open the app with the selected profile.")
            self.connect_button.clicked.connect(self.connect_selected)
            self.profile_list.itemActivated.connect(self.connect_selected)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()

        self.profile_list.currentTextChanged.connect(self._show_selected)
        self.add_button.clicked.connect(self.new_profile)
        self.delete_button.clicked.connect(self.delete_selected)
        self.form.save_button.clicked.connect(self.save)
        self.form.test_button.clicked.connect(self.test_connection)
        self.form.provider_changed.connect(self._update_token_hint)
        self.keyring.choice_changed.connect(self._update_token_hint)
        status = self._credentials.backend_status()
        self.keyring.set_status(status.available, status.backend, status.explanation)
        (self.connect_button or self.form.save_button).setDefault(True)

        self.show_message(" ".join(filter(None, [*store.warnings, message])))
        store.warnings.clear()
        self._refresh_list(select)

    def _lay_out(self) -> None:
        list_label = QLabel("&Profiles:")
        list_label.setBuddy(self.profile_list)
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.profile_list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)
        columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addWidget(self.form, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        order = [self.profile_list, self.add_button, self.delete_button, *self.form.tab_chain()]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    # -- list ------------------------------------------------------------------------------

    def _refresh_list(self, select: str | None = None) -> None:
        names = self._store.names()
        self.profile_list.blockSignals(True)
        self.profile_list.clear()
        self.profile_list.addItems(names)
        self.profile_list.blockSignals(False)
        target = select if select in names else None
        if target is None and names:
            target = self._current if self._current in names else names[0]
        self.delete_button.setEnabled(bool(names))
        if target is None:
            self.new_profile()
            return
        self.profile_list.blockSignals(True)
        self.profile_list.setCurrentRow(names.index(target))
        self.profile_list.blockSignals(False)
        self._show_selected(target)

    @Slot(str)
    def _show_selected(self, name: str) -> None:
        if not name:
            return
        try:
            profile = self._store.get(name)
        except ProfileError as error:
            self.show_message(error.message)
            return
        self._current = profile.name
        self.form.fill(profile)
        self._update_token_hint()

    @Slot()
    def new_profile(self) -> None:
        self._current = None
        self.profile_list.blockSignals(True)
        self.profile_list.setCurrentRow(-1)
        self.profile_list.blockSignals(False)
        self.form.fill(None)
        self._update_token_hint()
        self.form.name_edit.setFocus()

    @property
    def current_profile(self) -> str | None:
        """The saved profile the form shows; None while it shows a new one."""
        return self._current

    # -- save, delete, connect -------------------------------------------------------------

    def _checked_form(self) -> tuple[ConnectionProfile, str | None] | None:
        """``(profile, typed token or None)``, or None after showing every problem beside its
        field (the focus goes to the first one)."""
        self.form.show_token_error(None)
        token, token_problem = None, None
        try:
            token = self.form.typed_token()
        except CredentialError as error:
            token_problem = error.message
        profile = self.form.profile()
        if token_problem:
            self.form.show_token_error(token_problem, focus=profile is not None)
        return None if profile is None or token_problem else (profile, token)

    @Slot()
    def save(self) -> bool:
        """Save the form (add or update); True when saved. Problems are shown beside fields."""
        checked = self._checked_form()
        if checked is None:
            return False
        profile, token = checked
        session_token = None
        if token is not None and not self.keyring.available:
            session_token, token = token, None  # never written: memory for this session
        old = self._current
        try:
            if old is None:
                self._store.add(profile, token)
            else:
                self._store.update(old, profile, token)
        except ProfileError as error:
            self.form.show_errors(error.field_errors or {"name": error.message})
            return False
        except CredentialError as error:
            if old is not None and profile.name in self._store.names():
                # update() saves the profile before its token: show what was saved.
                self._current = profile.name
                self._refresh_list(profile.name)
                self.show_message(f"Saved profile '{profile.name}', but not its token.")
            self.form.show_token_error(error.message)
            if error.keyring_unusable:
                backend = self._credentials.backend_status().backend
                self.keyring.set_status(False, backend, error.message)
            return False
        except OSError as error:
            self.show_message(f"The profile could not be saved: {error.strerror or error}.")
            return False
        if session_token is not None:
            self._credentials.set_session_token(profile.name, session_token)
        if old is None:
            self.show_message(f"Added profile '{profile.name}'.")
        elif old != profile.name:
            self.show_message(f"Renamed profile '{old}' to '{profile.name}'; its token moved.")
        else:
            self.show_message(f"Saved profile '{profile.name}'.")
        self._current = profile.name
        self._refresh_list(profile.name)
        self.profiles_changed.emit()
        return True

    @Slot()
    def delete_selected(self) -> None:
        name = self._current
        if name is None:
            return
        self.confirm_delete = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete profile",
            f"Delete the profile '{name}' and its stored token?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.confirm_delete.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_delete.finished.connect(self._confirmed_delete)
        self.confirm_delete.open()

    @Slot(int)
    def _confirmed_delete(self, result: int) -> None:
        name = self._current
        if result != QMessageBox.StandardButton.Yes.value or name is None:
            return
        try:
            warning = self._store.remove(name)
        except (ProfileError, OSError) as error:
            self.show_message(f"The profile could not be deleted: {error}")
            return
        self.show_message(warning or f"Deleted profile '{name}' and its token.")
        self._current = None
        self._refresh_list()
        self.profiles_changed.emit()

    def _is_dirty(self) -> bool:
        if self._current is None or self.form.token_field.text().strip():
            return True
        try:
            return make_profile(**self.form.values()) != self._store.get(self._current)
        except ProfileError:
            return True

    @Slot()
    def connect_selected(self) -> None:
        """Choose mode: save what was typed, then hand the profile to the caller."""
        if self._is_dirty() and not self.save():
            return
        if self._current is None:
            return
        self.chosen.emit(self._current)
        self.accept()

    # -- test connection -------------------------------------------------------------------

    @Slot()
    def test_connection(self) -> None:
        checked = self._checked_form()
        if checked is None:
            return
        profile, token = checked
        if token is None and self.keyring.from_environment:
            try:
                token = check_token(self._environ.get(TOKEN_ENV, ""))
            except CredentialError as error:
                self.form.show_token_error(f"{TOKEN_ENV}: {error.message}")
                return
        if token is None and self._current is None:
            self.form.show_token_error(f"enter the {self.form.token_word.removeprefix('API ')} to test with.")
            return
        if profile.needs_workspace and not profile.default_workspace:
            from triage_gui.providers.batch_v1.connection_probe import WorkspaceRequired

            self.form.show_errors(WorkspaceRequired().field_errors)
            return
        self.form.test_button.setEnabled(False)
        where = f"{profile.provider_label} at {profile.base_url}" if not profile.needs_workspace else profile.base_url
        self.form.show_test_result(None, f"Testing the connection to {where}…")
        self._runner.run(
            _test_op(self._credentials, profile, token, self._current),
            self._test_finished,
            self._test_failed,
        )

    @property
    def testing(self) -> bool:
        return self._runner.busy

    def _test_finished(self, result: ConnectionTestResult) -> None:
        if self._closed:
            return
        self.form.test_button.setEnabled(True)
        self.form.show_test_result(result.ok, result.message)

    def _test_failed(self, error: BaseException) -> None:
        from triage_gui.providers.batch_v1.connection_probe import WorkspaceRequired  # loaded by the test

        if self._closed:
            return
        self.form.test_button.setEnabled(True)
        if isinstance(error, CredentialError):
            self.form.show_token_error(error.message)
            self.form.show_test_result(False, "Not tested: there is no token to test with.")
        elif isinstance(error, WorkspaceRequired):
            self.form.show_errors(error.field_errors)
            self.form.show_test_result(False, error.message)
        else:
            self.form.show_test_result(False, f"The test could not run ({type(error).__name__}).")

    # -- texts -----------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    @Slot()
    def _update_token_hint(self) -> None:
        from_env = self.keyring.from_environment
        self.form.token_field.setEnabled(not from_env)
        self.form.token_field.set_placeholder(
            "" if from_env else f"paste the {'API key' if self.form.is_elevenlabs else 'token'} here"
        )
        name = self._current
        if from_env:
            text = f"The token is read from {TOKEN_ENV}; nothing is stored."
        elif name is not None and self._credentials.is_session_only(name):
            text = "A token is kept for this session — leave empty to keep it."
        elif not self.keyring.available:
            text = "Kept in memory for this session only; never written to disk."
        elif name is None:
            text = "Stored in your system keyring when you save."
        else:
            text = {
                True: "A token is stored — leave empty to keep it.",
                False: "No token is stored for this profile yet: enter one.",
                None: "The keyring cannot be asked right now.",
            }[self._credentials.has_token(name)]
        self.form.token_hint.setText(text)

    # -- closing ---------------------------------------------------------------------------

    def done(self, result: int) -> None:
        # Every way out (Close, Esc, Connect, the window's close button) ends here: the test
        # worker is stopped so nothing outlives the dialog, and a typed token is forgotten.
        self._closed = True
        self.form.token_field.clear()
        self._runner.shutdown()
        super().done(result)
