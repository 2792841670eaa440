"""The user's settings (``settings.json`` in the config dir) and how they are loaded and saved.

A file the app cannot use (broken JSON, a value out of range after a hand edit, a file from a
future version with a wrong type) never stops the app: defaults are used, the user is told in
plain words, and the file is renamed to ``settings.json.bad-<UTC timestamp>`` so nothing the user
wrote is lost. Unknown keys are ignored, so a newer version's file still loads.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage_gui.domain.incident import AnalysisSettings
from triage_gui.store.paths import AppPaths, atomic_write_text, set_aside

log = logging.getLogger(__name__)


class Theme(StrEnum):
    """The app's look (ui/app/theme.py): the desktop's light or dark choice, or one of them."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


# Labels and ranges as the settings dialog shows them; the messages below quote them.
FIELD_LABELS: dict[str, str] = {
    "poll_interval_s": "Poll interval (seconds)",
    "stall_threshold_min": "Stall threshold (minutes)",
    "transient_threshold_pct": "Transient-failure threshold for Level 3 (%)",
    "default_region": "Default phone region",
    "redact_phone_numbers": "Mask phone numbers in diagnostics bundles",
    "log_level": "Log level",
    "theme": "Theme",
}
POLL_INTERVAL_RANGE = (1, 300)
STALL_THRESHOLD_RANGE = (1, 1440)
TRANSIENT_THRESHOLD_RANGE = (0, 100)


class AppSettings(BaseModel):
    """Immutable; build a changed copy with :meth:`with_changes` (it validates)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    poll_interval_s: int = Field(5, ge=POLL_INTERVAL_RANGE[0], le=POLL_INTERVAL_RANGE[1])
    stall_threshold_min: int = Field(10, ge=STALL_THRESHOLD_RANGE[0], le=STALL_THRESHOLD_RANGE[1])
    transient_threshold_pct: float = Field(20.0, ge=TRANSIENT_THRESHOLD_RANGE[0], le=TRANSIENT_THRESHOLD_RANGE[1])
    # None: numbers without "+" are read in the region of the campaign's from-number.
    default_region: str | None = None
    redact_phone_numbers: bool = True
    log_level: LogLevel = LogLevel.INFO
    theme: Theme = Theme.SYSTEM  # absent from older files: they load with it

    @field_validator("default_region", mode="before")
    @classmethod
    def _region_code(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        code = value.strip().upper()
        import phonenumbers  # loaded on first use (cold start)

        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"'{value.strip()}' is not a phone region code; use two letters such as US, GB or DE, or leave it empty"
            )
        return code

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("theme", mode="before")
    @classmethod
    def _theme_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def with_changes(self, **changes: Any) -> AppSettings:
        """A copy with ``changes`` applied and validated (raises :class:`SettingsError`)."""
        return parse_settings(self.model_dump() | changes)

    def to_analysis_settings(self) -> AnalysisSettings:
        return AnalysisSettings(
            stall_threshold_s=self.stall_threshold_min * 60.0,
            transient_threshold=self.transient_threshold_pct / 100.0,
            default_region=self.default_region,
        )


class SettingsError(ValueError):
    """Settings that cannot be used; ``field_errors`` maps each field to a plain-words message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = field_errors
        super().__init__("; ".join(field_errors.values()))


def parse_settings(data: dict[str, Any]) -> AppSettings:
    """Validate raw values (dialog or file); :class:`SettingsError` says what is wrong."""
    try:
        return AppSettings.model_validate(data)
    except ValidationError as error:
        raise SettingsError(_plain_errors(error)) from None


def _plain_errors(error: ValidationError) -> dict[str, str]:
    ranges = {
        "poll_interval_s": POLL_INTERVAL_RANGE,
        "stall_threshold_min": STALL_THRESHOLD_RANGE,
        "transient_threshold_pct": TRANSIENT_THRESHOLD_RANGE,
    }
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        field = str(item["loc"][0]) if item["loc"] else "settings"
        label = FIELD_LABELS.get(field, field)
        if field in ranges:
            low, high = ranges[field]
            kind = "a whole number" if field != "transient_threshold_pct" else "a number"
            text = f"must be {kind} from {low} to {high}"
        elif field == "log_level":
            text = "must be one of " + ", ".join(level.value for level in LogLevel)
        elif field == "theme":
            text = "must be one of " + ", ".join(theme.value for theme in Theme)
        elif item["type"] == "value_error":
            text = str(item["ctx"]["error"]) if "ctx" in item else item["msg"]
        else:
            text = item["msg"][:1].lower() + item["msg"][1:]
        messages.setdefault(field, f"{label}: {text}.")
    return messages


@dataclass(frozen=True)
class SettingsLoad:
    settings: AppSettings
    # Set when the file could not be used: what happened and where the file went, in plain words.
    warning: str | None = None
    set_aside_as: str | None = None


class SettingsStore:
    def __init__(self, paths: AppPaths) -> None:
        self._paths = paths

    @property
    def path(self) -> Path:
        return self._paths.settings_file

    def load(self, *, now: datetime | None = None) -> SettingsLoad:
        path = self._paths.settings_file
        if not path.exists():
            return SettingsLoad(AppSettings())
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise SettingsError({"settings": "the file does not hold a JSON object"})
            return SettingsLoad(parse_settings(data))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, SettingsError) as error:
            reason = _reason(error)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        try:
            aside = set_aside(path, stamp)
        except OSError as error:
            warning = (
                f"Your settings file {path} could not be used ({reason}) and could not be "
                f"renamed ({error.strerror}). Default settings are used for now."
            )
            log.warning("%s", warning)
            return SettingsLoad(AppSettings(), warning)
        warning = (
            f"Your settings file could not be used ({reason}). Default settings are used; the "
            f"old file was kept as {aside}."
        )
        log.warning("%s", warning)
        return SettingsLoad(AppSettings(), warning, str(aside))

    def save(self, settings: AppSettings) -> None:
        text = json.dumps(settings.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
        atomic_write_text(self._paths.settings_file, text)


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"it is not valid JSON: {error.msg} at line {error.lineno}"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(error, OSError):
        return f"it cannot be read: {error.strerror or error}"
    return str(error)
