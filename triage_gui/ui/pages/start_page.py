"""Wizard start page: the case's IDs, time window, symptoms, and "Load"."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QRegularExpression, QTimeZone, Slot
from PySide6.QtGui import QFocusEvent, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from triage_gui.domain import runbook
from triage_gui.domain.vocabulary import ID_PATTERN, Symptom

if TYPE_CHECKING:  # the models and the controller load after the first frame (cold start)
    from triage_gui.domain.case import CaseInputs
    from triage_gui.ui.case.controller import CaseController

_ID_RE = re.compile(ID_PATTERN)


def workstation_zone() -> str:
    zone_id = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
    try:
        zoneinfo.ZoneInfo(zone_id)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return "UTC"
    return zone_id


def _utc(edit: QDateTimeEdit) -> datetime:
    value = edit.dateTime().toPython()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


class ZoneCombo(QComboBox):
    """An editable IANA time-zone picker. The ~600 zone names are listed the first time the
    list is opened or the field gets focus, not at start-up (reading them costs ~40 ms)."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.setEditable(True)
        self.addItem(current)
        self._filled = False

    def fill(self) -> None:
        if self._filled:
            return
        self._filled = True
        current = self.currentText()
        self.clear()
        self.addItems(sorted(zoneinfo.available_timezones()))
        self.setCurrentText(current)

    def showPopup(self) -> None:
        self.fill()
        super().showPopup()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.fill()
        super().focusInEvent(event)


class IdField(QLineEdit):
    """An ID entry validated as typed against the contract's ID pattern."""

    def __init__(self, placeholder: str, *, required: bool) -> None:
        super().__init__()
        self.required = required
        self.setPlaceholderText(placeholder)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[A-Za-z0-9_-]{0,64}")))
        self.setClearButtonEnabled(True)
        self.textChanged.connect(self._restyle)

    def is_valid(self) -> bool:
        text = self.text().strip()
        return bool(_ID_RE.match(text)) if (text or self.required) else True

    @Slot()
    def _restyle(self) -> None:
        ok = self.is_valid() or not self.text()
        self.setProperty("invalid", not ok)
        self.setToolTip("" if ok else "Use 1–64 letters, digits, '_' or '-'.")


class StartPage(QWizardPage):
    """Built before the case controller exists (the app's first frame); :meth:`attach` connects
    it. A Load asked for before then is remembered and carried out on attach."""

    def __init__(self) -> None:
        super().__init__()
        self.controller: CaseController | None = None
        self._load_pending = False
        self._loaded = False
        self.setTitle("New case")
        self.setSubTitle(
            "Enter the incident's IDs and what the customer sees, then Load. Symptoms set the "
            "emphasis; every check of the runbook still runs."
        )
        self.workspace = IdField("e.g. ws_demo", required=True)
        self.campaign = IdField("optional: the job's campaign by default", required=False)
        self.job = IdField("e.g. job_stalled", required=True)
        self.upload = IdField("optional: the job's upload by default", required=False)
        for field_, name in (
            (self.workspace, "Workspace ID"),
            (self.campaign, "Campaign ID"),
            (self.job, "Batch job ID"),
            (self.upload, "Upload ID"),
        ):
            field_.setAccessibleName(name)
            field_.textChanged.connect(self.completeChanged)

        now = datetime.now(UTC)
        self.window_start = QDateTimeEdit(QDateTime(now - timedelta(hours=24)).toLocalTime())
        self.window_end = QDateTimeEdit(QDateTime(now).toLocalTime())
        for edit, name in ((self.window_start, "Window start"), (self.window_end, "Window end")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setAccessibleName(name)
        self.timezone = ZoneCombo(workstation_zone())
        self.timezone.setAccessibleName("Timezone")

        form = QFormLayout()
        form.addRow("&Workspace ID:", self.workspace)
        form.addRow("Batch &job ID:", self.job)
        form.addRow("&Campaign ID:", self.campaign)
        form.addRow("&Upload ID:", self.upload)
        window_row = QHBoxLayout()
        window_row.addWidget(self.window_start)
        window_row.addWidget(QLabel("to"))
        window_row.addWidget(self.window_end)
        window_label = QLabel("Time &window:")
        window_label.setBuddy(self.window_start)
        form.addRow(window_label, window_row)
        form.addRow("Time&zone:", self.timezone)

        symptoms = QGroupBox("What the customer sees (symptoms)")
        symptoms_layout = QVBoxLayout(symptoms)
        self.symptom_boxes: dict[Symptom, QCheckBox] = {}
        for index, symptom in enumerate(runbook.SYMPTOMS, start=1):
            box = QCheckBox(f"&{index} {symptom.text}")
            box.setToolTip("Emphasises: " + ", ".join(runbook.check_guidance(c).title for c in symptom.checks))
            symptoms_layout.addWidget(box)
            self.symptom_boxes[Symptom(symptom.id)] = box

        self.load_button = QPushButton("&Load")
        self.load_button.setToolTip("Fetch the job and everything around it, then run the checks (Ctrl+L)")
        self.load_button.clicked.connect(self.load)
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 0)
        self.load_progress.setVisible(False)
        self.load_progress.setAccessibleName("Loading")
        self.load_status = QLabel("")
        self.load_status.setWordWrap(True)
        load_row = QHBoxLayout()
        load_row.addWidget(self.load_button)
        load_row.addWidget(self.load_progress, 1)

        self.known = QLabel("")
        self.known.setWordWrap(True)
        self.known.setAccessibleName("What the API knows")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(symptoms)
        layout.addLayout(load_row)
        layout.addWidget(self.load_status)
        layout.addWidget(self.known)
        layout.addStretch(1)

        # tab order follows the form as it reads, not the order the widgets were made in
        chain = [
            self.workspace,
            self.job,
            self.campaign,
            self.upload,
            self.window_start,
            self.window_end,
            self.timezone,
            *self.symptom_boxes.values(),
            self.load_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def attach(self, controller: CaseController) -> None:
        from PySide6.QtCore import Qt

        # Set here, not in __init__: the first use of any ``Qt.*`` enum builds all ~90 of the
        # namespace (15 ms, a tenth of the cold start); a key sequence does too (its overloads
        # take ``Qt.Key``). The labels fill only after a load; the button works by mnemonic.
        for label in (self.load_status, self.known):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.load_button.setShortcut(QKeySequence("Ctrl+L"))
        self.controller = controller
        controller.load_started.connect(self._on_load_started)
        controller.load_progress.connect(self.load_status.setText)
        controller.load_failed.connect(self._on_load_failed)
        controller.report_changed.connect(self._on_report)
        for box in self.symptom_boxes.values():
            box.toggled.connect(self._symptoms_changed)
        if self._load_pending:
            self._load_pending = False
            self.load()

    # -- inputs ----------------------------------------------------------------------------
    def inputs(self) -> CaseInputs:
        from triage_gui.domain.case import CaseInputs

        assert self.controller is not None, "inputs() needs the attached controller"
        return CaseInputs(
            connection_label=self.controller.connection.label,
            base_url=self.controller.connection.base_url,
            workspace_id=self.workspace.text().strip(),
            campaign_id=self.campaign.text().strip(),
            job_id=self.job.text().strip(),
            upload_id=self.upload.text().strip(),
            window_start=_utc(self.window_start),
            window_end=_utc(self.window_end),
            timezone=self.timezone.currentText(),
            symptoms=[s for s, box in self.symptom_boxes.items() if box.isChecked()],
        )

    def fill(self, *, workspace: str, job: str, campaign: str = "", upload: str = "") -> None:
        self.workspace.setText(workspace)
        self.job.setText(job)
        self.campaign.setText(campaign)
        self.upload.setText(upload)

    def fields_valid(self) -> bool:
        return all(f.is_valid() for f in (self.workspace, self.job, self.campaign, self.upload))

    @Slot()
    def load(self) -> None:
        """Validate and load; before the controller is attached, remember to load on attach
        (with the fields as they are then: the agent may still be typing)."""
        if not self.fields_valid():
            bad = [
                f.accessibleName() for f in (self.workspace, self.job, self.campaign, self.upload) if not f.is_valid()
            ]
            self._show_loading(False)  # e.g. a Load asked for while starting up, edited since
            self.load_status.setText("Please fix: " + ", ".join(bad) + " (1–64 letters, digits, '_' or '-').")
            return
        if self.window_end.dateTime() < self.window_start.dateTime():
            self._show_loading(False)
            self.load_status.setText("The time window ends before it starts.")
            return
        self._loaded = False
        self.completeChanged.emit()
        if self.controller is None:  # still starting up: load as soon as the controller is there
            self._load_pending = True
            self._on_load_started()
            return
        self.controller.load(self.inputs())

    @Slot()
    def _symptoms_changed(self) -> None:
        assert self.controller is not None  # connected by attach()
        if self.controller.case.inputs.job_id:
            symptoms = [s for s, box in self.symptom_boxes.items() if box.isChecked()]
            self.controller.set_symptoms(self.controller.case.inputs.model_copy(update={"symptoms": symptoms}))

    # -- controller signals ----------------------------------------------------------------
    def _show_loading(self, loading: bool) -> None:
        self.load_button.setEnabled(not loading)
        self.load_progress.setVisible(loading)

    @Slot()
    def _on_load_started(self) -> None:
        self._show_loading(True)
        self.load_status.setText("Loading…")

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self._show_loading(False)
        self.load_status.setText(f"Could not load: {message}")

    @Slot(object)
    def _on_report(self, _report: object) -> None:
        self._show_loading(False)
        assert self.controller is not None
        inputs = self.controller.case.inputs
        data = self.controller.data
        if not self._loaded:
            self.load_status.setText("Loaded. Use Next (Alt+N) to go through the checks.")
        self._loaded = True
        if not self.campaign.text():
            self.campaign.setText(inputs.campaign_id)
        if not self.upload.text():
            self.upload.setText(inputs.upload_id)
        parts = [f"Campaign: {inputs.campaign_id}"]
        if data is not None and data.campaign is not None and data.campaign.name:
            parts[0] += f" ({data.campaign.name})"
        parts.append(f"Upload: {inputs.upload_id or '—'}")
        parts.append(f"Agent: {inputs.agent_id or '—'}")
        parts.append(f"From number: {inputs.from_number or '—'}")
        if data is not None:
            parts.append(f"Status: {data.job.status.value}")
        self.known.setText("   ·   ".join(parts))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self._loaded and self.fields_valid()
