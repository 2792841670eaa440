"""Where an API token comes from, in the UI: the masked token field, the keyring status panel,
and the prompt for a token when none can come from the keyring.

The prompt never writes anything: the token is for this session only (the caller keeps it in
the credential store's memory), or it is read from ``TRIAGE_API_TOKEN``. There is no "save to a
file" path by design: without a real keyring, tokens stay off the disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from html import escape

from PySide6.QtCore import QSize, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.store.credentials import CredentialError, ResolvedToken, TokenSource, backend_words, check_token
from triage_gui.store.paths import TOKEN_ENV
from triage_gui.ui.dialogs import FieldError, hint_label
from triage_gui.ui.widgets.icons import icon


class TokenField(QWidget):
    """A masked token entry with a "Show" toggle. Never pre-filled with a stored token."""

    def __init__(self, show_text: str = "S&how", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName("API token")
        self.edit.setToolTip("The API token from your platform's account settings.")
        self.reveal = QPushButton(show_text)
        self.reveal.setCheckable(True)
        self.reveal.setAccessibleName("Show the token")
        self.reveal.setToolTip("Show or hide the token you typed (check it before saving).")
        self.reveal.toggled.connect(self._set_revealed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.reveal)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def clear(self) -> None:
        """Forget the typed token and mask the field again."""
        self.edit.clear()
        self.reveal.setChecked(False)

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)

    @Slot(bool)
    def _set_revealed(self, revealed: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)


class KeyringPanel(QFrame):
    """The keyring's status (which keyring, whether it is a real one) in plain words; with
    none, the two safe choices: a token for this session only, or ``TRIAGE_API_TOKEN``."""

    choice_changed = Signal()

    def __init__(self, environ: Mapping[str, str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        env = os.environ if environ is None else environ
        self.available = False
        self.status_icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Keyring status")
        self.session_choice = QRadioButton("For this s&ession only (kept in memory)")
        self.session_choice.setToolTip("The token is forgotten when the app closes.")
        env_set = "set" if env.get(TOKEN_ENV, "").strip() else "not set"
        self.env_choice = QRadioButton(f"&From {TOKEN_ENV} ({env_set} in this session)")
        self.env_choice.setToolTip(f"Use the token in the environment variable {TOKEN_ENV}.")
        self.session_choice.setChecked(True)
        self.env_choice.toggled.connect(self.choice_changed)
        choices = QHBoxLayout()
        choices.addWidget(self.session_choice)
        choices.addWidget(self.env_choice)
        choices.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(self.text)
        column.addLayout(choices)
        layout = QHBoxLayout(self)
        layout.addWidget(self.status_icon)
        layout.addLayout(column, 1)

    def set_status(self, available: bool, backend: str, explanation: str) -> None:
        self.available = available
        self.status_icon.setPixmap(icon("connection-ok" if available else "verdict-warn").pixmap(QSize(24, 24)))
        kind = "System keyring" if available else "No usable system keyring"
        # plain words on screen; keyring's own name for the backend in the tooltip (and the
        # About dialog's diagnostics)
        self.text.setText(f"<b>{kind}</b> ({escape(backend_words(backend))}). {escape(explanation)}")
        self.text.setToolTip(f"Keyring backend: {backend}")
        self.session_choice.setVisible(not available)
        self.env_choice.setVisible(not available)
        self.choice_changed.emit()

    @property
    def from_environment(self) -> bool:
        """No keyring and the user chose ``TRIAGE_API_TOKEN``: the token field is not used."""
        return not self.available and self.env_choice.isChecked()


class TokenPrompt(QDialog):
    """The choice without a usable keyring: a token for this session only, or TRIAGE_API_TOKEN.

    ``accepted_token`` is emitted with the :class:`ResolvedToken` (source SESSION or
    ENVIRONMENT); the dialog stores nothing itself.
    """

    accepted_token = Signal(object)  # ResolvedToken

    def __init__(
        self,
        profile_name: str,
        explanation: str,
        *,
        environ: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._environ = os.environ if environ is None else environ
        self.resolved: ResolvedToken | None = None
        self.setWindowTitle(f"API token for '{profile_name}'")
        self.setMinimumWidth(520)

        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        self.session_choice = QRadioButton(
            "&Enter a token for this session only (kept in memory, never written to disk)"
        )
        self.token_field = TokenField()
        self.env_choice = QRadioButton(f"&Read it from the environment variable {TOKEN_ENV}")
        env_set = bool(self._environ.get(TOKEN_ENV, "").strip())
        self.env_choice.setEnabled(env_set)
        env_hint = (
            f"{TOKEN_ENV} is set in this session."
            if env_set
            else f"{TOKEN_ENV} is not set: start the app with it set to use this choice."
        )
        self.env_choice.setToolTip(env_hint)
        self.error = FieldError("API token")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        self.buttons.accepted.connect(self._accept_token)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addSpacing(6)
        layout.addWidget(self.session_choice)
        indented = QHBoxLayout()
        indented.addSpacing(24)
        indented.addWidget(self.token_field, 1)
        layout.addLayout(indented)
        layout.addWidget(self.env_choice)
        layout.addWidget(hint_label(env_hint))
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.session_choice.toggled.connect(self.token_field.setEnabled)
        self.session_choice.setChecked(True)
        self.token_field.setFocus()

    @Slot()
    def _accept_token(self) -> None:
        try:
            if self.env_choice.isChecked():
                token = check_token(self._environ.get(TOKEN_ENV, ""))
                source = TokenSource.ENVIRONMENT
            else:
                token = check_token(self.token_field.text())
                source = TokenSource.SESSION
        except CredentialError as error:
            where = TOKEN_ENV if self.env_choice.isChecked() else "API token"
            self.error.show_error(f"{where}: {error.message}")
            return
        self.resolved = ResolvedToken(token, source)
        self.token_field.clear()
        self.accepted_token.emit(self.resolved)
        self.accept()
