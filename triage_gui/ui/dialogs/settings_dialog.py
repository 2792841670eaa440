"""The settings dialog: polling, the runbook's thresholds, phone region, bundle redaction, logs,
and the app's theme (applied to the running app on Save).

Values are validated by :class:`~triage_gui.store.settings.AppSettings` (the same rules as the
settings file), and each problem is shown beside its field. "Save" writes through
:class:`~triage_gui.store.settings.SettingsStore` and emits the new settings; the caller applies
them (poll interval, log level) to what is running.
"""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from triage_gui.store.settings import (
    FIELD_LABELS,
    POLL_INTERVAL_RANGE,
    STALL_THRESHOLD_RANGE,
    TRANSIENT_THRESHOLD_RANGE,
    AppSettings,
    LogLevel,
    SettingsError,
    SettingsStore,
    Theme,
)
from triage_gui.ui.app.theme import THEME_LABELS, apply_theme
from triage_gui.ui.dialogs import FieldError, warning_label, with_error

FROM_CAMPAIGN = "From the campaign's number"


def region_choices() -> list[tuple[str, str]]:
    """``(label, region code)`` for every region phonenumbers knows, sorted by label."""
    choices = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory.value else ""
        calling = phonenumbers.country_code_for_region(code)
        label = f"{name} ({code}, +{calling})" if name else f"{code} (+{calling})"
        choices.append((label, code))
    return sorted(choices, key=lambda item: item[0].casefold())


class SettingsDialog(QDialog):
    """``saved`` carries the new :class:`AppSettings` after they were written."""

    saved = Signal(object)  # AppSettings

    def __init__(self, store: SettingsStore, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.settings = settings
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self.errors = {field: FieldError(label) for field, label in FIELD_LABELS.items()}

        self.poll_interval = QSpinBox()
        self.poll_interval.setRange(*POLL_INTERVAL_RANGE)
        self.poll_interval.setSuffix(" s")
        self.stall_threshold = QSpinBox()
        self.stall_threshold.setRange(*STALL_THRESHOLD_RANGE)
        self.stall_threshold.setSuffix(" min")
        self.transient_threshold = QDoubleSpinBox()
        self.transient_threshold.setRange(*TRANSIENT_THRESHOLD_RANGE)
        self.transient_threshold.setDecimals(1)
        self.transient_threshold.setSuffix(" %")
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.region.addItem(FROM_CAMPAIGN, None)
        for label, code in region_choices():
            self.region.addItem(label, code)
        completer = self.region.completer()
        assert completer is not None  # an editable combo box has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.redact = QCheckBox("&Mask phone numbers in diagnostics bundles")
        self.log_level = QComboBox()
        for level in LogLevel:
            self.log_level.addItem(level.value.capitalize(), level.value)
        self.theme = QComboBox()
        for theme in Theme:
            self.theme.addItem(THEME_LABELS[theme.value], theme.value)

        fields: list[tuple[str, str, QWidget, str]] = [
            (
                "poll_interval_s",
                "&Poll interval:",
                self.poll_interval,
                "How often the open job is fetched again while you watch it "
                f"({POLL_INTERVAL_RANGE[0]}–{POLL_INTERVAL_RANGE[1]} seconds).",
            ),
            (
                "stall_threshold_min",
                "St&all threshold:",
                self.stall_threshold,
                "A running job whose processed count has not moved for this long is stalled "
                f"(runbook check 1; {STALL_THRESHOLD_RANGE[0]}–{STALL_THRESHOLD_RANGE[1]} "
                "minutes).",
            ),
            (
                "transient_threshold_pct",
                "&Transient failures, Level 3:",
                self.transient_threshold,
                "Escalate to engineering (Level 3) when provider or dispatch failures exceed this "
                "share of processed contacts (0–100 %).",
            ),
            (
                "default_region",
                "Default phone &region:",
                self.region,
                "Phone numbers written without '+' are read as numbers of this region. "
                f"'{FROM_CAMPAIGN}' uses the region of the campaign's caller ID.",
            ),
            (
                "redact_phone_numbers",
                "",
                self.redact,
                "Escalation bundles mask phone numbers unless you turn this off for one bundle.",
            ),
            (
                "log_level",
                "L&og level:",
                self.log_level,
                "Debug writes much more to the log files (tokens and numbers are always scrubbed).",
            ),
            (
                "theme",
                "T&heme:",
                self.theme,
                "Light or dark colours; System follows your desktop's choice. Applied when you Save.",
            ),
        ]
        form = QFormLayout()
        for field, label, widget, help_text in fields:
            widget.setToolTip(help_text)
            widget.setAccessibleName(FIELD_LABELS[field])
            widget.setAccessibleDescription(help_text)
            form.addRow(label, with_error(widget, self.errors[field], help_text))

        self.save_error = warning_label()
        self.save_error.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setText("Restore &defaults")
        defaults.setToolTip("Fill in the default values (nothing is saved until you Save).")
        defaults.clicked.connect(self.restore_defaults)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_error)
        layout.addStretch(1)  # extra height goes below the form, not between its lines
        layout.addWidget(self.buttons)
        self._show(settings)
        self.poll_interval.setFocus()

    def _show(self, settings: AppSettings) -> None:
        self.poll_interval.setValue(settings.poll_interval_s)
        self.stall_threshold.setValue(settings.stall_threshold_min)
        self.transient_threshold.setValue(settings.transient_threshold_pct)
        index = self.region.findData(settings.default_region)
        self.region.setCurrentIndex(max(index, 0))
        self.redact.setChecked(settings.redact_phone_numbers)
        self.log_level.setCurrentIndex(max(self.log_level.findData(settings.log_level.value), 0))
        self.theme.setCurrentIndex(max(self.theme.findData(settings.theme.value), 0))

    def _region_value(self) -> str | None:
        text = self.region.currentText().strip()
        if not text:
            return None
        index = self.region.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            code = self.region.itemData(index)
            return str(code) if code is not None else None
        return text  # typed by hand, e.g. "gb": AppSettings checks it is a region code

    def values(self) -> AppSettings:
        """The settings as shown; :class:`SettingsError` if any field is not acceptable."""
        return self.settings.with_changes(
            poll_interval_s=self.poll_interval.value(),
            stall_threshold_min=self.stall_threshold.value(),
            transient_threshold_pct=self.transient_threshold.value(),
            default_region=self._region_value(),
            redact_phone_numbers=self.redact.isChecked(),
            log_level=self.log_level.currentData(),
            theme=self.theme.currentData(),
        )

    @Slot()
    def restore_defaults(self) -> None:
        self._show(AppSettings())
        self._show_errors({})

    @Slot()
    def save(self) -> None:
        try:
            new = self.values()
        except SettingsError as error:
            self._show_errors(error.field_errors)
            return
        self._show_errors({})
        try:
            self._store.save(new)
        except OSError as error:
            self.save_error.setText(
                f"The settings could not be saved to {self._store.path}: "
                f"{error.strerror or error}. Nothing was changed."
            )
            self.save_error.setVisible(True)
            return
        self.settings = new
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, new.theme.value)  # live: every open window takes the new palette
        self.saved.emit(new)
        self.accept()

    def _show_errors(self, field_errors: dict[str, str]) -> None:
        self.save_error.setVisible(False)
        for field, label in self.errors.items():
            label.show_error(field_errors.get(field))
        first = next((f for f in self.errors if f in field_errors), None)
        widgets = {
            "poll_interval_s": self.poll_interval,
            "stall_threshold_min": self.stall_threshold,
            "transient_threshold_pct": self.transient_threshold,
            "default_region": self.region,
            "redact_phone_numbers": self.redact,
            "log_level": self.log_level,
            "theme": self.theme,
        }
        if first is not None:
            widgets[first].setFocus()
