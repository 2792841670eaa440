"""The profile dialog for ElevenLabs, driven with the keyboard and the mouse: the platform choice,
the region that fills and locks the base URL, no workspace, the API key, and "Test connection"
against the ElevenLabs simulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget
from test_profile_dialog import click, fill, mnemonics, test_result

from triage_gui.simulator import ManualClock
from triage_gui.simulator.elevenlabs import ElevenLabsSimulator
from triage_gui.store.credentials import CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import ProfileStore, make_profile
from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

EU = "https://api.eu.residency.elevenlabs.io"
DEFAULT = "https://api.elevenlabs.io"


@pytest.fixture
def store() -> ProfileStore:
    return ProfileStore(AppPaths(), CredentialStore(backend=fail.Keyring(), environ={}))


@pytest.fixture
def el_sim() -> Iterator[ElevenLabsSimulator]:
    with ElevenLabsSimulator(clock=ManualClock()) as sim:
        yield sim


@pytest.fixture
def dialog(qtbot, store) -> Iterator[ProfileDialog]:
    opened = ProfileDialog(store, environ={})
    qtbot.addWidget(opened)
    opened.open()
    yield opened
    if opened.isVisible():
        opened.reject()


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick ``text`` as a person does with the keyboard: focus the box, arrow keys."""
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, text
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def label_of(dialog: ProfileDialog, widget: QWidget) -> str:
    label = dialog.form._form.labelForField(widget)
    while label is None and widget.parentWidget() is not None:  # a field inside its error box
        widget = widget.parentWidget()
        label = dialog.form._form.labelForField(widget)
    assert isinstance(label, QLabel)
    return label.text()


def test_choosing_elevenlabs_offers_regions_locks_the_url_and_needs_no_workspace(qtbot, dialog):
    form = dialog.form
    assert not form.region_combo.isVisible() and form.workspace_edit.isEnabled()
    qtbot.keyClicks(form.workspace_edit, "ws_acme")

    choose(qtbot, form.platform_combo, "ElevenLabs")
    assert form.region_combo.isVisible() and form.region_combo.currentText() == "Default"
    assert form.base_url_edit.text() == DEFAULT and form.base_url_edit.isReadOnly()
    assert not form.workspace_edit.isEnabled() and form.workspace_edit.text() == ""
    assert form.workspace_edit.placeholderText() == "not needed (the API key decides it)"
    assert label_of(dialog, form.token_field) == "API &key (xi-api-key):"
    assert form.token_field.edit.accessibleName() == "API key (xi-api-key)"
    assert form.token_field.edit.placeholderText() == "paste the API key here"

    choose(qtbot, form.region_combo, "EU")
    assert form.base_url_edit.text() == EU and form.base_url_edit.isReadOnly()
    qtbot.keyClicks(form.base_url_edit, "x")  # locked: typing changes nothing
    assert form.base_url_edit.text() == EU

    choose(qtbot, form.region_combo, "Custom URL…")
    assert form.base_url_edit.text() == "" and not form.base_url_edit.isReadOnly()
    assert dialog.focusWidget() is form.base_url_edit
    qtbot.keyClicks(form.base_url_edit, "https://el.corp.example")

    # Back to the Batch API: the workspace and the token come back, the custom URL stays.
    choose(qtbot, form.platform_combo, "Batch Outbound API")
    assert not form.region_combo.isVisible() and form.workspace_edit.isEnabled()
    assert form.base_url_edit.text() == "https://el.corp.example" and not form.base_url_edit.isReadOnly()
    assert label_of(dialog, form.token_field) == "API to&ken:"
    choose(qtbot, form.platform_combo, "ElevenLabs")  # a new platform: its default address
    assert form.region_combo.currentText() == "Default" and form.base_url_edit.text() == DEFAULT
    choose(qtbot, form.platform_combo, "Batch Outbound API")  # an ElevenLabs URL is no Batch API address
    assert form.base_url_edit.text() == ""


def test_add_and_test_an_elevenlabs_profile_against_the_simulator(qtbot, dialog, store, el_sim):
    form = dialog.form
    choose(qtbot, form.platform_combo, "ElevenLabs")
    choose(qtbot, form.region_combo, "Custom URL…")
    fill(qtbot, dialog, name="el", base_url=el_sim.base_url)

    click(qtbot, form.test_button)
    assert form.token_error.text() == "API key: enter the key to test with."
    assert el_sim.request_log == []

    qtbot.keyClicks(form.token_field.edit, el_sim.key)
    click(qtbot, form.test_button)
    assert "Testing the connection to ElevenLabs at" in form.test_result.text()
    assert "the API key can read batch calling" in test_result(qtbot, dialog)
    assert form.test_icon.isVisible()
    assert [r.path for r in el_sim.request_log] == ["/v1/convai/batch-calling/workspace?limit=1"]

    form.token_field.edit.clear()
    qtbot.keyClicks(form.token_field.edit, "sk_wrong_key_42")
    click(qtbot, form.test_button)
    assert "rejected the API key (xi-api-key)" in test_result(qtbot, dialog)

    form.token_field.edit.clear()
    qtbot.keyClicks(form.token_field.edit, el_sim.key)
    click(qtbot, form.save_button)
    saved = store.get("el")
    assert (saved.provider, saved.base_url, saved.default_workspace) == ("elevenlabs", el_sim.base_url, None)
    assert dialog.message.text() == "Added profile 'el'."
    click(qtbot, form.test_button)  # the session key, field left empty
    assert "the API key can read batch calling" in test_result(qtbot, dialog)


def test_a_saved_elevenlabs_profile_shows_its_region_locked(qtbot, store):
    store.add(make_profile(name="batch", base_url="https://api.example.com", default_workspace="ws_1"))
    store.add(make_profile(name="el", provider="elevenlabs", base_url=EU))
    dialog = ProfileDialog(store, select="el", environ={})
    qtbot.addWidget(dialog)
    dialog.open()
    form = dialog.form
    assert form.platform_combo.currentText() == "ElevenLabs"
    assert form.region_combo.currentText() == "EU" and form.base_url_edit.isReadOnly()
    assert not form.workspace_edit.isEnabled()
    assert not dialog._is_dirty()  # showing it changed nothing

    qtbot.mouseClick(
        dialog.profile_list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=dialog.profile_list.visualItemRect(dialog.profile_list.item(0)).center(),
    )
    assert dialog.current_profile == "batch"
    assert form.platform_combo.currentText() == "Batch Outbound API"
    assert not form.region_combo.isVisible() and not form.base_url_edit.isReadOnly()
    assert form.workspace_edit.text() == "ws_1" and form.workspace_edit.isEnabled()
    dialog.reject()


def test_a_batch_profile_moved_to_elevenlabs_loses_its_workspace_on_save(qtbot, store):
    store.add(make_profile(name="p", base_url="https://api.example.com", default_workspace="ws_1"))
    dialog = ProfileDialog(store, environ={})
    qtbot.addWidget(dialog)
    dialog.open()
    choose(qtbot, dialog.form.platform_combo, "ElevenLabs")
    choose(qtbot, dialog.form.region_combo, "India")
    click(qtbot, dialog.form.save_button)
    saved = store.get("p")
    assert (saved.provider, saved.base_url, saved.default_workspace) == (
        "elevenlabs",
        "https://api.in.residency.elevenlabs.io",
        None,
    )
    dialog.reject()


def test_mnemonics_stay_unique_and_every_control_is_named_and_explained(qtbot, dialog):
    form = dialog.form
    for provider in ("Batch Outbound API", "ElevenLabs"):
        choose(qtbot, form.platform_combo, provider)
        keys = mnemonics(dialog)
        assert len(keys) == len(set(keys)), sorted(keys)
        assert {"l", "k"} <= set(keys)
    assert "g" in mnemonics(dialog)  # Re&gion, shown for ElevenLabs
    assert (form.platform_combo.accessibleName(), form.region_combo.accessibleName()) == ("Platform", "Region")
    for widget in form.tab_chain():
        assert widget.toolTip(), widget
    for region in range(form.region_combo.count() - 1):  # each region says its URL
        assert form.region_combo.itemData(region, Qt.ItemDataRole.ToolTipRole).startswith("https://api.")
    buttons = [b for b in form.findChildren(QAbstractButton) if b.isVisible()]
    assert all(b.toolTip() or b.accessibleName() for b in buttons)


def test_the_region_mnemonic_reaches_the_region_box(qtbot, dialog):
    choose(qtbot, dialog.form.platform_combo, "ElevenLabs")
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.isActiveWindow(), timeout=5_000)
    qtbot.keyClick(dialog.form.name_edit, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.form.region_combo
    qtbot.keyClick(dialog.form.name_edit, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.form.platform_combo
