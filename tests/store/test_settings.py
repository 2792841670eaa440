from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from triage_gui.domain.incident import AnalysisSettings
from triage_gui.store.settings import (
    AppSettings,
    LogLevel,
    SettingsError,
    SettingsStore,
    parse_settings,
)

NOW = datetime(2024, 1, 15, 10, 0, 0, tzinfo=UTC)


def test_defaults_match_the_issue():
    s = AppSettings()
    assert (s.poll_interval_s, s.stall_threshold_min, s.transient_threshold_pct) == (5, 10, 20)
    assert s.default_region is None
    assert s.redact_phone_numbers is True
    assert s.log_level is LogLevel.INFO


def test_analysis_settings_are_converted_to_the_engine_units():
    analysis = AppSettings(stall_threshold_min=15, transient_threshold_pct=35, default_region="de")
    converted = analysis.to_analysis_settings()
    assert isinstance(converted, AnalysisSettings)
    assert converted.stall_threshold_s == 900
    assert converted.transient_threshold == pytest.approx(0.35)
    assert converted.default_region == "DE"


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (300, True), (301, False)])
def test_poll_interval_range(value, ok):
    if ok:
        assert parse_settings({"poll_interval_s": value}).poll_interval_s == value
    else:
        with pytest.raises(SettingsError) as caught:
            parse_settings({"poll_interval_s": value})
        assert caught.value.field_errors == {
            "poll_interval_s": "Poll interval (seconds): must be a whole number from 1 to 300."
        }


def test_every_bad_field_gets_its_own_plain_message():
    with pytest.raises(SettingsError) as caught:
        parse_settings(
            {
                "stall_threshold_min": 0,
                "transient_threshold_pct": 101,
                "default_region": "XX",
                "log_level": "loud",
            }
        )
    errors = caught.value.field_errors
    assert set(errors) == {"stall_threshold_min", "transient_threshold_pct", "default_region", "log_level"}
    assert "from 0 to 100" in errors["transient_threshold_pct"]
    assert "'XX' is not a phone region code" in errors["default_region"]
    assert "DEBUG, INFO, WARNING, ERROR" in errors["log_level"]


@pytest.mark.parametrize(("given", "stored"), [("gb", "GB"), (" us ", "US"), ("", None), (None, None)])
def test_region_is_normalised(given, stored):
    assert AppSettings(default_region=given).default_region == stored


def test_with_changes_validates():
    s = AppSettings()
    assert s.with_changes(poll_interval_s=30).poll_interval_s == 30
    with pytest.raises(SettingsError):
        s.with_changes(poll_interval_s=-1)


def test_save_then_load_round_trips(app_paths):
    store = SettingsStore(app_paths)
    wanted = AppSettings(poll_interval_s=12, default_region="FR", log_level="debug", redact_phone_numbers=False)
    store.save(wanted)
    loaded = store.load(now=NOW)
    assert loaded.settings == wanted
    assert loaded.warning is None
    on_disk = json.loads(app_paths.settings_file.read_text(encoding="utf-8"))
    assert on_disk["log_level"] == "DEBUG"
    assert sorted(p.name for p in app_paths.config_dir.iterdir()) == ["settings.json"]


def test_missing_file_gives_defaults_silently(app_paths):
    loaded = SettingsStore(app_paths).load(now=NOW)
    assert loaded.settings == AppSettings()
    assert loaded.warning is None


def test_unknown_keys_from_a_newer_version_are_ignored(app_paths):
    app_paths.settings_file.write_text('{"poll_interval_s": 7, "future_knob": true}', "utf-8")
    loaded = SettingsStore(app_paths).load(now=NOW)
    assert loaded.settings.poll_interval_s == 7
    assert loaded.warning is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"poll_interval_s": 5,,}', "not valid JSON"),
        ('{"poll_interval_s": 0}', "Poll interval (seconds): must be a whole number from 1 to 300"),
        ("[1, 2]", "does not hold a JSON object"),
    ],
)
def test_a_bad_file_is_kept_aside_and_defaults_are_used(app_paths, caplog, content, reason):
    app_paths.settings_file.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="triage_gui.store.settings"):
        loaded = SettingsStore(app_paths).load(now=NOW)
    assert loaded.settings == AppSettings()
    aside = app_paths.config_dir / "settings.json.bad-20240115T100000Z"
    assert loaded.set_aside_as == str(aside)
    assert aside.read_text(encoding="utf-8") == content  # kept byte for byte, never deleted
    assert not app_paths.settings_file.exists()
    assert reason in loaded.warning
    assert str(aside) in loaded.warning
    assert loaded.warning in caplog.text


def test_saving_after_a_bad_file_keeps_the_bad_copy(app_paths):
    app_paths.settings_file.write_text("garbage", encoding="utf-8")
    store = SettingsStore(app_paths)
    store.save(store.load(now=NOW).settings.with_changes(poll_interval_s=9))
    assert store.load(now=NOW).settings.poll_interval_s == 9
    assert (app_paths.config_dir / "settings.json.bad-20240115T100000Z").exists()
