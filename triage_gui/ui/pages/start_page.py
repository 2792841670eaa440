"""Wizard start page: the case's IDs, time window, symptoms, and "Load"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from triage_gui.domain import runbook
from triage_gui.domain.vocabulary import Symptom
from triage_gui.ui.pages.id_disagreement import IdDisagreementBox
from triage_gui.ui.pages.start_fields import IdField, IdFields, ZoneCombo, utc_of, workstation_zone

if TYPE_CHECKING:  # the models and the controller load after the first frame (cold start)
    from triage_gui.domain.case import CaseInputs, IdDisagreement
    from triage_gui.ui.case.controller import CaseController

__all__ = ["IdField", "StartPage", "ZoneCombo", "workstation_zone"]
LOADED_TEXT = "Loaded. Use Next (Alt+N) to go through the checks."


class StartPage(QWizardPage):
    """Built before the case controller exists (the app's first frame); :meth:`attach` connects
    it. A Load asked for before then is remembered and carried out on attach.

    Next is allowed only for what was loaded: while a load runs, while typed IDs disagree with
    the job, and while the IDs on the page are not the loaded ones (the agent edited one since),
    the page says so and Next waits for a Load. Campaign and Upload, unless the agent typed them,
    are the job's: filled on Load, emptied when the agent edits the workspace or job ID."""

    ids_edited = Signal(bool)  # True while the IDs on the page are not the loaded case's

    def __init__(self) -> None:
        super().__init__()
        self.controller: CaseController | None = None
        self._load_pending = False
        self._loaded = False  # a report of the case's inputs is there
        self._loading = False
        self._complete = False  # what completeChanged last told the wizard
        self._edited = False  # what ids_edited last said
        self.provider = "batch_v1"  # the platform the IDs are of (set_provider)
        self.setTitle("New case")
        self.setSubTitle(
            "Enter the incident's IDs and what the customer sees, then Load. Symptoms set the "
            "emphasis; every check of the runbook still runs."
        )
        self.ids = IdFields(self._show_id_note)
        self.workspace, self.job, self.campaign, self.upload = self.ids.all
        for field_ in self.ids.all:
            field_.textChanged.connect(self._fields_changed)
            field_.textEdited.connect(self._agent_edited)
        self.id_note = QLabel("")
        self.id_note.setWordWrap(True)
        self.id_note.setVisible(False)
        self.id_note.setAccessibleName("About the IDs typed")

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
        self.job_label = QLabel("Batch &job ID:")
        self.job_label.setBuddy(self.job)
        form.addRow("&Workspace ID:", self.workspace)
        form.addRow(self.job_label, self.job)
        form.addRow("&Campaign ID:", self.campaign)
        form.addRow("&Upload ID:", self.upload)
        form.addRow("", self.id_note)
        window_row = QHBoxLayout()
        window_row.addWidget(self.window_start)
        window_row.addWidget(QLabel("to"))
        window_row.addWidget(self.window_end)
        window_label = QLabel("&Time window:")
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
        self.cancel_button = QPushButton("Cancel l&oad")
        self.cancel_button.setToolTip("Stop this load; nothing of it is kept")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 0)
        self.load_progress.setVisible(False)
        self.load_progress.setAccessibleName("Loading")
        self.load_status = QLabel("")
        self.load_status.setWordWrap(True)
        load_row = QHBoxLayout()
        load_row.addWidget(self.load_button)
        load_row.addWidget(self.cancel_button)
        load_row.addWidget(self.load_progress, 1)

        # typed IDs the job does not name: both side by side, and the agent's choice
        self.disagreement = IdDisagreementBox()
        self.disagreement.use_job_ids.connect(self._use_job_ids)
        self.disagreement.keep_typed_ids.connect(self._keep_typed_ids)

        self.known = QLabel("")
        self.known.setWordWrap(True)
        self.known.setAccessibleName("What the API knows")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(symptoms)
        layout.addLayout(load_row)
        layout.addWidget(self.load_status)
        layout.addWidget(self.disagreement)
        layout.addWidget(self.known)
        layout.addStretch(1)
        # scrolls when the window is short (800 x 600; the IDs' disagreement box open)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll = scroll  # not a Tab stop (set in attach(): no Qt enum before the first frame)
        scroll.setWidget(body)
        QVBoxLayout(self).addWidget(scroll)

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
            self.cancel_button,
            self.disagreement.use_job,
            self.disagreement.keep_typed,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def set_provider(self, provider: str) -> None:
        """The platform the IDs are of (the connection's): on ElevenLabs the job is a batch
        ("Batch ID"), and the workspace, campaign and upload fields say why they are not there."""
        self.provider = provider
        self.ids.set_provider(provider)
        if provider == "elevenlabs":
            self.job_label.setText("B&atch ID:")  # Alt+A: Alt+B is the wizard's Back
            self.setSubTitle(
                "Enter the ElevenLabs batch's ID and what the customer sees, then Load. Symptoms set "
                'the emphasis; every check of the runbook still runs (a check answers "unknown" where '
                "ElevenLabs shows nothing to judge it by)."
            )

    def attach(self, controller: CaseController) -> None:
        from PySide6.QtCore import Qt

        # Set here, not in __init__: the first use of any ``Qt.*`` enum builds all ~90 of the
        # namespace (15 ms, a tenth of the cold start); a key sequence does too (its overloads
        # take ``Qt.Key``). The labels fill only after a load; the button works by mnemonic.
        for label in (self.load_status, self.known, self.disagreement.text):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.load_button.setShortcut(QKeySequence("Ctrl+L"))
        self.controller = controller
        controller.load_started.connect(self._on_load_started)
        controller.load_progress.connect(self.load_status.setText)
        controller.load_failed.connect(self._on_load_failed)
        controller.load_cancelled.connect(self._on_load_cancelled)
        controller.ids_disagree.connect(self._on_ids_disagree)
        controller.report_changed.connect(self._on_report)
        controller.case_changed.connect(self._fields_changed)  # a new or reopened case
        for box in self.symptom_boxes.values():
            box.toggled.connect(self._symptoms_changed)
        if self._load_pending:
            self._load_pending = False
            self.load()

    # -- inputs ----------------------------------------------------------------------------
    def inputs(self, *, keep: tuple[str, ...] = ()) -> CaseInputs:
        """The case's inputs as the page holds them. Untyped campaign and upload are left empty
        (the job's are taken); ``keep`` names typed ones the agent keeps though the job disagrees,
        and so do the loaded case's while they hold the same value."""
        from triage_gui.domain.case import CaseInputs

        assert self.controller is not None, "inputs() needs the attached controller"
        typed = self.ids.typed()
        loaded = self.controller.case.inputs
        return CaseInputs(
            connection_label=self.controller.connection.label,
            base_url=self.controller.connection.base_url,
            provider=self.controller.connection.provider,
            workspace_id=self.ids.workspace_id(),
            campaign_id=typed.get("campaign_id", ""),
            job_id=self.job.text().strip(),
            upload_id=typed.get("upload_id", ""),
            window_start=utc_of(self.window_start),
            window_end=utc_of(self.window_end),
            timezone=self.timezone.currentText(),
            symptoms=[s for s, box in self.symptom_boxes.items() if box.isChecked()],
            typed_ids=tuple(typed),
            kept_ids=tuple(
                n for n, v in typed.items() if n in keep or (n in loaded.kept_ids and getattr(loaded, n) == v)
            ),
        )

    def fill(
        self, *, workspace: str, job: str, campaign: str = "", upload: str = "", typed: tuple[str, ...] = ()
    ) -> None:
        """Fill the IDs as the app does (a scenario, a saved case); ``typed`` names those of
        campaign_id and upload_id that the agent had typed (the others are the job's)."""
        self.ids.fill(workspace, job, campaign, upload, typed)
        self._show_id_note("")

    def fields_valid(self) -> bool:
        return not self.ids.invalid()

    def edited_since_load(self) -> bool:
        """The IDs on the page are not those of the case loaded (or loading)."""
        inputs = self.controller.case.inputs if self.controller is not None else None
        return inputs is not None and bool(inputs.job_id) and self.ids.edited_since(inputs)

    @Slot()
    def load(self) -> None:
        """Validate and load; before the controller is attached, remember to load on attach
        (with the fields as they are then: the agent may still be typing)."""
        self._load()

    def _load(self, keep: tuple[str, ...] = ()) -> None:
        bad = self.ids.invalid()
        if bad:
            self._show_loading(False)  # e.g. a Load asked for while starting up, edited since
            self.load_status.setText("Please fix: " + ", ".join(bad) + " (1–64 letters, digits, '_' or '-').")
            return
        if self.window_end.dateTime() < self.window_start.dateTime():
            self._show_loading(False)
            self.load_status.setText("The time window ends before it starts.")
            return
        self._loaded = False
        self._show_disagreements([])
        self._show_id_note("")
        if self.controller is None:  # still starting up: load as soon as the controller is there
            self._load_pending = True
            self._on_load_started()
            return
        self.controller.load(self.inputs(keep=keep))

    @Slot()
    def cancel(self) -> None:
        if self.controller is not None:
            self.controller.cancel_load()
        elif self._load_pending:
            self._load_pending = False
            self._on_load_cancelled()

    @Slot()
    def _symptoms_changed(self) -> None:
        assert self.controller is not None  # connected by attach()
        if self.controller.case.inputs.job_id:
            symptoms = [s for s, box in self.symptom_boxes.items() if box.isChecked()]
            self.controller.set_symptoms(self.controller.case.inputs.model_copy(update={"symptoms": symptoms}))

    # -- the agent's edits -----------------------------------------------------------------
    @Slot()
    def _agent_edited(self) -> None:
        """An ID the agent edited: the job's campaign and upload follow the workspace and job
        (the loaded job's while they are its IDs, else empty until the next Load)."""
        if self.sender() in (self.workspace, self.job):
            loaded = self.controller.case.inputs if self.controller is not None else None
            self.ids.show_job_ids(loaded if loaded is not None and self.ids.same_job_as(loaded) else None)
        if self.disagreement.disagreements:  # they were about the IDs as they were: Load asks again
            self._show_disagreements([])
            self.load_status.setText("Press Load (Ctrl+L) to load the IDs as they are now.")
        self._fields_changed()

    @Slot()
    def _fields_changed(self) -> None:
        job = self.controller.case.inputs.job_id if self.controller is not None else ""
        if self.disagreement.disagreements and self.disagreement.job_id != job:
            self._show_disagreements([])  # another case (New case, reopened): they were about the old one
        edited = self.edited_since_load()
        if edited != self._edited:
            self._edited = edited
            self.ids_edited.emit(edited)
        judged = self.controller is not None and self.controller.report is not None
        settled = self._loaded and not self._loading and not self.disagreement.disagreements
        self.known.setVisible(judged and settled and not edited)  # of the job loaded: not of other IDs
        if settled and judged:
            if edited:
                self.load_status.setText(
                    f"The IDs changed since the load: the checks still show {job}. Load (Ctrl+L) "
                    "to load these IDs; Next waits until then."
                )
            else:
                self.load_status.setText(LOADED_TEXT)
        self._update_complete()

    def _show_id_note(self, note: str) -> None:
        self.id_note.setText(note)
        self.id_note.setVisible(bool(note))

    # -- controller signals ----------------------------------------------------------------
    def _show_loading(self, loading: bool) -> None:
        self._loading = loading
        self.load_button.setEnabled(not loading)
        self.cancel_button.setVisible(loading)
        self.load_progress.setVisible(loading)
        self._update_complete()

    @Slot()
    def _on_load_started(self) -> None:
        self._show_loading(True)
        self.load_status.setText("Loading…")
        self._fields_changed()

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self._show_loading(False)
        self.load_status.setText(f"Could not load: {message}")

    @Slot()
    def _on_load_cancelled(self) -> None:
        self._show_loading(False)
        self._loaded = self.controller is not None and self.controller.report is not None
        self.load_status.setText("Load cancelled: nothing of it was kept. Load (Ctrl+L) to try again.")
        self._fields_changed()

    @Slot(object)
    def _on_ids_disagree(self, found: list[IdDisagreement]) -> None:
        self._show_loading(False)
        self._show_disagreements(found)
        self.load_status.setText("Which IDs are right? Nothing is judged until you choose.")
        self._fields_changed()

    def _show_disagreements(self, found: list[IdDisagreement]) -> None:
        self.disagreement.show_disagreements(found, self.controller.case.inputs.job_id if self.controller else "")
        self._update_complete()

    @Slot()
    def _use_job_ids(self) -> None:
        fields = {name: f for f, name in self.ids.job_named}
        for found in self.disagreement.disagreements:
            fields[found.field].fill(found.job_says)
        self._load()

    @Slot()
    def _keep_typed_ids(self) -> None:
        self._load(keep=tuple(d.field for d in self.disagreement.disagreements))

    @Slot(object)
    def _on_report(self, _report: object) -> None:
        assert self.controller is not None
        self._show_loading(self.controller.loading)  # a report can come while a load runs (an override)
        inputs = self.controller.case.inputs
        data = self.controller.data
        self._loaded = True
        if self.ids.same_job_as(inputs):  # else the agent is typing another job: leave its fields
            self.ids.show_job_ids(inputs)
        parts = []
        if self.ids.job_named:  # a platform with campaigns and uploads
            parts.append(f"Campaign: {inputs.campaign_id}")
            if data is not None and data.campaign is not None and data.campaign.name:
                parts[0] += f" ({data.campaign.name})"
            parts.append(f"Upload: {inputs.upload_id or '—'}")
        parts.append(f"Agent: {inputs.agent_id or '—'}")
        from triage_gui.domain.phone_display import masked

        parts.append(f"From number: {masked(inputs.from_number) if inputs.from_number else '—'}")
        if data is not None:
            parts.append(f"Status: {data.job.status.value}")
        self.known.setText("   ·   ".join(parts))
        self._fields_changed()

    def _update_complete(self) -> None:
        """Tell the wizard only when the answer changes: each time it is told, it re-lays its
        buttons (it hides its contents for a moment), which is not free."""
        complete = self.isComplete()
        if complete != self._complete:
            self._complete = complete
            self.completeChanged.emit()

    def isComplete(self) -> bool:
        return (
            self._loaded
            and self.controller is not None
            and self.controller.report is not None  # e.g. not after New case
            and not self._loading
            and not self.disagreement.disagreements
            and self.fields_valid()
            and not self.edited_since_load()
        )
