"""The settings dialog: shows the settings, validates with messages beside the fields, saves
through the real settings store into the (tmp) config dir."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox, QLabel, QWidget

from triage_gui.store.paths import AppPaths
from triage_gui.store.settings import AppSettings, LogLevel, SettingsStore
from triage_gui.ui.dialogs.settings_dialog import FROM_CAMPAIGN, SettingsDialog


@pytest.fixture
def store() -> SettingsStore:
    return SettingsStore(AppPaths())  # under the suite's tmp TRIAGE_HOME


@pytest.fixture
def open_dialog(qtbot, store):
    def make(settings: AppSettings | None = None) -> SettingsDialog:
        dialog = SettingsDialog(store, settings or AppSettings())
        qtbot.addWidget(dialog)
        dialog.open()
        return dialog

    return make


def click(qtbot, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_it_shows_the_current_settings(open_dialog):
    current = AppSettings(
        poll_interval_s=7,
        stall_threshold_min=25,
        transient_threshold_pct=12.5,
        default_region="DE",
        redact_phone_numbers=False,
        log_level="DEBUG",
    )
    dialog = open_dialog(current)
    assert dialog.poll_interval.value() == 7
    assert dialog.stall_threshold.value() == 25
    assert dialog.transient_threshold.value() == 12.5
    assert dialog.region.currentText() == "Germany (DE, +49)"
    assert not dialog.redact.isChecked()
    assert dialog.log_level.currentData() == "DEBUG"
    assert dialog.values() == current


def test_save_writes_the_file_and_hands_back_the_new_settings(qtbot, store, open_dialog):
    dialog = open_dialog()
    dialog.poll_interval.setValue(15)
    dialog.stall_threshold.setValue(30)
    dialog.transient_threshold.setValue(35.0)
    dialog.region.setCurrentIndex(dialog.region.findData("GB"))
    dialog.redact.setChecked(False)
    dialog.log_level.setCurrentIndex(dialog.log_level.findData("WARNING"))

    with qtbot.waitSignal(dialog.saved) as saved:
        click(qtbot, dialog.save_button)
    expected = AppSettings(
        poll_interval_s=15,
        stall_threshold_min=30,
        transient_threshold_pct=35.0,
        default_region="GB",
        redact_phone_numbers=False,
        log_level=LogLevel.WARNING,
    )
    assert saved.args == [expected]
    assert store.load().settings == expected
    assert not dialog.isVisible()


def test_a_region_can_be_typed_and_a_wrong_one_is_explained(qtbot, store, open_dialog):
    dialog = open_dialog()
    dialog.region.setEditText("UK")
    click(qtbot, dialog.save_button)
    error = dialog.errors["default_region"]
    assert error.isVisible()
    assert error.text().startswith("Default phone region: 'UK' is not a phone region code")
    assert "GB" in error.text()
    assert dialog.isVisible() and not store.path.exists()

    dialog.region.setEditText("gb")  # a code, in any case
    with qtbot.waitSignal(dialog.saved) as saved:
        click(qtbot, dialog.save_button)
    assert saved.args[0].default_region == "GB"


def test_from_the_campaigns_number_means_no_default_region(qtbot, open_dialog):
    dialog = open_dialog(AppSettings(default_region="US"))
    assert dialog.region.itemText(0) == FROM_CAMPAIGN
    dialog.region.setCurrentIndex(0)
    assert dialog.values().default_region is None
    dialog.region.setEditText("")
    assert dialog.values().default_region is None


def test_values_outside_the_ranges_cannot_be_entered(open_dialog):
    dialog = open_dialog()
    dialog.poll_interval.setValue(0)
    dialog.stall_threshold.setValue(100_000)
    dialog.transient_threshold.setValue(250.0)
    assert (dialog.poll_interval.value(), dialog.stall_threshold.value(), dialog.transient_threshold.value()) == (
        1,
        1440,
        100.0,
    )


def test_restore_defaults_fills_in_without_saving(qtbot, store, open_dialog):
    dialog = open_dialog(AppSettings(poll_interval_s=60, log_level="ERROR"))
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults))
    assert dialog.values() == AppSettings()
    assert not store.path.exists()


def test_a_failed_save_says_so_and_keeps_the_dialog_open(qtbot, store, open_dialog):
    store.path.mkdir(parents=True)  # a directory where the file should go: writing fails
    dialog = open_dialog()
    dialog.poll_interval.setValue(9)
    with qtbot.assertNotEmitted(dialog.saved):
        click(qtbot, dialog.save_button)
    assert dialog.isVisible()
    assert dialog.save_error.isVisible()
    assert "could not be saved" in dialog.save_error.text()


def mnemonics(widget: QWidget) -> list[str]:
    texts = [w.text() for w in widget.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.text() for w in widget.findChildren(QLabel) if w.isVisible()]
    return [m.group(1).lower() for t in texts for m in re.finditer(r"&([^&\s])", t)]


def test_keyboard_mnemonics_are_unique_and_every_field_is_named(open_dialog):
    dialog = open_dialog()
    keys = mnemonics(dialog)
    assert len(keys) == len(set(keys)), sorted(keys)
    for field in (
        dialog.poll_interval,
        dialog.stall_threshold,
        dialog.transient_threshold,
        dialog.region,
        dialog.redact,
        dialog.log_level,
    ):
        assert field.accessibleName() and field.toolTip()
    label = next(w for w in dialog.findChildren(QLabel) if w.text() == "Default phone &region:")
    buddy = label.buddy()
    while buddy.focusProxy() is not None:
        buddy = buddy.focusProxy()
    assert buddy is dialog.region
