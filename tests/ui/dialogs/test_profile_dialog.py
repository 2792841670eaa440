"""The connection profiles dialog, driven like an agent would: add, edit, rename, delete, and
"Test connection" against the real simulator over loopback with a right and a wrong token.

Without ``TRIAGE_REAL_KEYRING`` the dialog gets keyring's fail backend (a headless Linux without
Secret Service); the tests marked ``keyring`` use the real Secret Service of
``.ci/keyring-session.sh``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from triage_gui.simulator import DEMO_WORKSPACE, Fault
from triage_gui.store.credentials import SERVICE_NAME, TOKEN_ENV, CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import ProfileStore, make_profile
from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

WRONG_TOKEN = "wrong-token-0123"


@pytest.fixture
def paths() -> AppPaths:
    return AppPaths()  # under the suite's tmp TRIAGE_HOME


@pytest.fixture
def store(paths) -> ProfileStore:
    """No usable keyring (the fail backend), no token in the environment."""
    return ProfileStore(paths, CredentialStore(backend=fail.Keyring(), environ={}))


@pytest.fixture
def open_dialog(qtbot):
    opened: list[ProfileDialog] = []

    def make(store: ProfileStore, **kwargs) -> ProfileDialog:
        kwargs.setdefault("environ", {})
        dialog = ProfileDialog(store, **kwargs)
        qtbot.addWidget(dialog)
        dialog.open()
        opened.append(dialog)
        return dialog

    yield make
    for dialog in opened:
        if dialog.isVisible():
            dialog.reject()


def fill(qtbot, dialog: ProfileDialog, *, name: str, base_url: str, workspace: str = "", token: str = "") -> None:
    form = dialog.form
    for edit, text in (
        (form.name_edit, name),
        (form.base_url_edit, base_url),
        (form.workspace_edit, workspace),
        (form.token_field.edit, token),
    ):
        edit.clear()
        qtbot.keyClicks(edit, text)


def click(qtbot, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_result(qtbot, dialog: ProfileDialog) -> str:
    qtbot.waitUntil(lambda: not dialog.testing and dialog.form.test_button.isEnabled(), timeout=10_000)
    return dialog.form.test_result.text()


test_result.__test__ = False  # a helper, not a test


def config_text(paths: AppPaths) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in paths.config_dir.iterdir() if p.is_file())


# -- add and test connection -------------------------------------------------------------------


def test_add_a_profile_then_test_it_with_the_right_and_a_wrong_token(qtbot, store, paths, open_dialog, simulator):
    dialog = open_dialog(store)
    assert dialog.form.title() == "New profile"  # no profiles yet: the form is ready to add
    fill(qtbot, dialog, name="sim", base_url=simulator.base_url, workspace=DEMO_WORKSPACE, token=simulator.token)
    click(qtbot, dialog.form.test_button)
    assert "Connected: workspace" in test_result(qtbot, dialog)
    assert dialog.form.test_icon.isVisible()
    assert simulator.request_log[-1].path == f"/v1/workspaces/{DEMO_WORKSPACE}"

    dialog.form.token_field.edit.setText(WRONG_TOKEN)
    click(qtbot, dialog.form.test_button)
    assert "rejected the token" in test_result(qtbot, dialog)

    dialog.form.token_field.edit.setText(simulator.token)
    click(qtbot, dialog.form.save_button)
    assert store.get("sim").base_url == simulator.base_url
    assert [dialog.profile_list.item(i).text() for i in range(dialog.profile_list.count())] == ["sim"]
    assert dialog.message.text() == "Added profile 'sim'."
    # No keyring: the token is kept for this session only, never written.
    assert store.credentials.is_session_only("sim")
    assert dialog.form.token_field.text() == ""
    assert "kept for this session" in dialog.form.token_hint.text()
    assert simulator.token not in config_text(paths)

    # The stored (session) token is used when the field is left empty.
    click(qtbot, dialog.form.test_button)
    assert "Connected: workspace" in test_result(qtbot, dialog)


def test_unreachable_and_timeout_are_said_in_plain_words(qtbot, store, open_dialog, simulator):
    dialog = open_dialog(store)
    simulator.faults.add(Fault("latency", seconds=2.0))
    fill(qtbot, dialog, name="slow", base_url=simulator.base_url, workspace=DEMO_WORKSPACE, token=simulator.token)
    dialog.form.timeout.setValue(0.5)
    click(qtbot, dialog.form.test_button)
    assert "Testing the connection" in dialog.form.test_result.text()
    assert not dialog.form.test_button.isEnabled()  # one test at a time
    assert "did not answer within 0.5 seconds" in test_result(qtbot, dialog)

    dialog.form.base_url_edit.setText("http://127.0.0.1:9")  # the discard port: nothing there
    click(qtbot, dialog.form.test_button)
    assert "Could not reach http://127.0.0.1:9" in test_result(qtbot, dialog)


def test_test_connection_needs_a_workspace_and_a_token(qtbot, store, open_dialog, simulator):
    dialog = open_dialog(store)
    fill(qtbot, dialog, name="sim", base_url=simulator.base_url, token=simulator.token)
    click(qtbot, dialog.form.test_button)
    error = dialog.form.errors["default_workspace"]
    assert error.isVisible() and "needed to test the connection" in error.text()

    fill(qtbot, dialog, name="sim", base_url=simulator.base_url, workspace=DEMO_WORKSPACE)
    click(qtbot, dialog.form.test_button)
    assert dialog.form.token_error.text() == "API token: enter the token to test with."
    assert not dialog.testing
    assert simulator.request_log == []


def test_closing_during_a_test_stops_the_worker_and_ignores_its_result(qtbot, store, open_dialog, simulator):
    dialog = open_dialog(store)
    simulator.faults.add(Fault("latency", seconds=0.5))
    fill(qtbot, dialog, name="sim", base_url=simulator.base_url, workspace=DEMO_WORKSPACE, token=simulator.token)
    click(qtbot, dialog.form.test_button)
    dialog.reject()  # returns once the worker is done
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=5_000)
    assert "Testing the connection" in dialog.form.test_result.text()


# -- validation and the token field ------------------------------------------------------------


def test_every_problem_is_shown_beside_its_field_and_nothing_is_saved(qtbot, store, paths, open_dialog):
    dialog = open_dialog(store)
    fill(qtbot, dialog, base_url="http://10.0.0.5", name="", workspace="ws demo", token="two words")
    click(qtbot, dialog.form.save_button)
    errors = {field: label.text() for field, label in dialog.form.errors.items() if label.isVisible()}
    assert errors.keys() == {"name", "base_url", "default_workspace"}
    assert errors["base_url"].startswith("Base URL: http:// sends your token unencrypted")
    assert errors["name"].startswith("Profile name:")
    assert dialog.focusWidget() is dialog.form.name_edit  # the first problem gets the focus
    assert store.names() == []
    assert not paths.profiles_file.exists()

    fill(qtbot, dialog, name="lab", base_url="http://10.0.0.5", token="two words")
    dialog.form.allow_insecure.setChecked(True)
    assert dialog.form.insecure_http_warning.isVisible()  # in red, and in words
    click(qtbot, dialog.form.save_button)
    assert "contains a space" in dialog.form.token_error.text()
    assert store.names() == []

    dialog.form.token_field.edit.setText("good-token")
    click(qtbot, dialog.form.save_button)
    assert store.get("lab").insecure_http


def test_the_token_is_masked_with_a_reveal_toggle_and_never_prefilled(qtbot, store, open_dialog):
    store.add(make_profile(name="prod", base_url="https://api.example.com"))
    store.credentials.set_session_token("prod", "stored-secret")
    dialog = open_dialog(store)
    field = dialog.form.token_field
    assert dialog.current_profile == "prod"
    assert field.text() == "" and field.edit.echoMode() is QLineEdit.EchoMode.Password
    assert "leave empty to keep it" in dialog.form.token_hint.text()

    qtbot.keyClicks(field.edit, "typed-secret")
    assert field.edit.displayText() != "typed-secret"
    click(qtbot, field.reveal)
    assert field.edit.echoMode() is QLineEdit.EchoMode.Normal
    assert field.edit.displayText() == "typed-secret"
    click(qtbot, field.reveal)
    assert field.edit.echoMode() is QLineEdit.EchoMode.Password

    dialog.new_profile()  # switching profiles forgets what was typed, and masks again
    assert field.text() == ""
    assert all("secret" not in label.text() for label in dialog.findChildren(QLabel))


# -- edit, rename, delete ----------------------------------------------------------------------


def test_edit_and_rename_move_the_session_token(qtbot, store, open_dialog):
    store.add(make_profile(name="alpha", base_url="https://a.example.com"))
    store.add(make_profile(name="beta", base_url="https://b.example.com"))
    store.credentials.set_session_token("beta", "beta-token")
    dialog = open_dialog(store, select="beta")
    assert dialog.form.base_url_edit.text() == "https://b.example.com"

    dialog.form.workspace_edit.setText("ws_beta")
    click(qtbot, dialog.form.save_button)
    assert store.get("beta").default_workspace == "ws_beta"

    dialog.form.name_edit.setText("gamma")
    click(qtbot, dialog.form.save_button)
    assert store.names() == ["alpha", "gamma"]
    assert dialog.message.text() == "Renamed profile 'beta' to 'gamma'; its token moved."
    assert store.credentials.get("gamma") == "beta-token"
    assert not store.credentials.is_session_only("beta")
    assert dialog.profile_list.currentItem().text() == "gamma"

    dialog.form.name_edit.setText("ALPHA")  # names are unique whatever their case
    click(qtbot, dialog.form.save_button)
    assert "is taken" in dialog.form.errors["name"].text()


def test_delete_asks_first(qtbot, store, open_dialog):
    store.add(make_profile(name="old", base_url="https://old.example.com"))
    dialog = open_dialog(store)

    click(qtbot, dialog.delete_button)
    box = dialog.confirm_delete
    assert box is not None and box.isVisible() and "'old'" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Cancel))
    assert store.names() == ["old"]

    click(qtbot, dialog.delete_button)
    click(qtbot, dialog.confirm_delete.button(QMessageBox.StandardButton.Yes))
    assert store.names() == []
    assert dialog.message.text() == "Deleted profile 'old' and its token."
    assert dialog.form.title() == "New profile"
    assert not dialog.delete_button.isEnabled()


# -- no keyring --------------------------------------------------------------------------------


def test_without_a_keyring_it_explains_and_offers_the_environment_token(qtbot, store, open_dialog, simulator):
    store.add(make_profile(name="sim", base_url=simulator.base_url, default_workspace=DEMO_WORKSPACE))
    dialog = open_dialog(store, environ={TOKEN_ENV: simulator.token})
    text = dialog.keyring.text.text()
    assert "No usable system keyring" in text and "(none found)" in text
    assert "keyring.backends" not in text  # keyring's own name is in the tooltip (issue #13)
    assert "keyring.backends.fail.Keyring" in dialog.keyring.text.toolTip()
    assert "for this session only" in text and TOKEN_ENV in text
    assert dialog.keyring.session_choice.isVisible() and dialog.keyring.env_choice.isVisible()
    assert "(set in this session)" in dialog.keyring.env_choice.text()

    click(qtbot, dialog.keyring.env_choice)
    assert not dialog.form.token_field.isEnabled()
    assert TOKEN_ENV in dialog.form.token_hint.text()
    click(qtbot, dialog.form.test_button)
    assert "Connected: workspace" in test_result(qtbot, dialog)


# -- keyboard ----------------------------------------------------------------------------------


def mnemonics(widget: QWidget) -> list[str]:
    texts = [w.text() for w in widget.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.text() for w in widget.findChildren(QLabel) if w.isVisible()]
    return [m.group(1).lower() for t in texts for m in re.finditer(r"&([^&\s])", t)]


def test_keyboard_mnemonics_are_unique_and_fields_have_accessible_names(store, open_dialog):
    dialog = open_dialog(store, choose=True)
    keys = mnemonics(dialog)
    assert len(keys) == len(set(keys)), sorted(keys)
    assert {"p", "a", "d", "n", "b", "w", "t", "s", "o"} <= set(keys)
    for edit in dialog.findChildren(QLineEdit):
        if edit.isVisible() and edit.parent() is not dialog.form.timeout:
            assert edit.accessibleName(), edit
    # The "Base URL" label's mnemonic lands in the URL field, not on its container.
    label = next(w for w in dialog.findChildren(QLabel) if w.text() == "&Base URL:")
    buddy = label.buddy()
    while buddy.focusProxy() is not None:
        buddy = buddy.focusProxy()
    assert buddy is dialog.form.base_url_edit


# -- the real keyring --------------------------------------------------------------------------


@pytest.fixture
def real_keyring_names() -> Iterator[list[str]]:
    if not os.environ.get("TRIAGE_REAL_KEYRING"):
        pytest.skip("needs a real Secret Service: run inside .ci/keyring-session.sh (sets TRIAGE_REAL_KEYRING=1)")
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE_NAME, name)


@pytest.mark.keyring
def test_with_the_real_keyring_tokens_are_stored_moved_and_removed(
    qtbot, paths, open_dialog, simulator, real_keyring_names
):
    first, renamed = f"pytest-ui-{uuid.uuid4().hex[:8]}", f"pytest-ui-{uuid.uuid4().hex[:8]}"
    real_keyring_names.extend([first, renamed])
    store = ProfileStore(paths, CredentialStore(environ={}))
    dialog = open_dialog(store)
    text = dialog.keyring.text.text()
    assert "System keyring" in text and "Secret Service" in text
    assert "keyring.backends.SecretService.Keyring" in dialog.keyring.text.toolTip()
    assert not dialog.keyring.session_choice.isVisible()

    fill(qtbot, dialog, name=first, base_url=simulator.base_url, workspace=DEMO_WORKSPACE, token=simulator.token)
    click(qtbot, dialog.form.save_button)
    assert keyring.get_password(SERVICE_NAME, first) == simulator.token
    assert dialog.form.token_hint.text() == "A token is stored — leave empty to keep it."
    click(qtbot, dialog.form.test_button)
    assert "Connected: workspace" in test_result(qtbot, dialog)

    dialog.form.name_edit.setText(renamed)
    click(qtbot, dialog.form.save_button)
    assert keyring.get_password(SERVICE_NAME, first) is None
    assert keyring.get_password(SERVICE_NAME, renamed) == simulator.token

    click(qtbot, dialog.delete_button)
    click(qtbot, dialog.confirm_delete.button(QMessageBox.StandardButton.Yes))
    assert keyring.get_password(SERVICE_NAME, renamed) is None
    assert simulator.token not in json.dumps(config_text(paths))
