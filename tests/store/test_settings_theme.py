"""The theme setting: System by default, older files load with it, a wrong value is explained."""

from __future__ import annotations

import json

import pytest

from triage_gui.store.paths import AppPaths
from triage_gui.store.settings import AppSettings, SettingsError, SettingsStore, Theme, parse_settings


def test_the_default_theme_follows_the_system():
    assert AppSettings().theme is Theme.SYSTEM


def test_a_file_from_before_the_theme_loads_with_the_system_theme():
    paths = AppPaths()
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps({"poll_interval_s": 7, "log_level": "INFO"}))
    loaded = SettingsStore(paths).load()
    assert loaded.warning is None
    assert loaded.settings.poll_interval_s == 7 and loaded.settings.theme is Theme.SYSTEM


def test_the_theme_is_saved_and_read_back():
    store = SettingsStore(AppPaths())
    store.save(AppSettings(theme="dark"))
    assert json.loads(store.path.read_text())["theme"] == "dark"
    assert store.load().settings.theme is Theme.DARK


def test_a_theme_in_another_case_is_accepted():
    assert parse_settings({"theme": " Light "}).theme is Theme.LIGHT


def test_an_unknown_theme_is_explained():
    with pytest.raises(SettingsError) as error:
        parse_settings({"theme": "neon"})
    assert error.value.field_errors["theme"] == "Theme: must be one of system, light, dark."
