"""Help → About: the keyring in plain words on screen; keyring's own name in the diagnostics."""

from __future__ import annotations

from keyring.backends import fail
from PySide6.QtWidgets import QLabel

from triage_gui.store.credentials import CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.ui.dialogs.about_dialog import AboutDialog


def test_the_keyring_is_named_in_plain_words_and_its_backend_stays_in_the_diagnostics(qtbot):
    dialog = AboutDialog(AppPaths(), CredentialStore(backend=fail.Keyring(), environ={}))
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    shown = next(t for t in texts if "Keyring:" in t)
    assert "Keyring: none found (tokens are kept for the session only)" in shown
    assert "keyring.backends" not in shown
    assert any("keyring.backends.fail.Keyring" in label.toolTip() for label in dialog.findChildren(QLabel))
    assert "keyring.backends.fail.Keyring" in dialog.diagnostics  # what "Copy diagnostics" copies
