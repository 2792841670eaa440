"""The start page's fields: the case's IDs (what may be typed or pasted into them, and why not,
and which the agent typed) and the time zone.

An ID copied from a ticket often brings a space or a line break around it: that is trimmed,
and the agent is told. A character no ID can contain is refused, and the agent is told which
and why (a field that silently ignores a key, or a whole paste, looks broken). Made for the
app's first frame: Qt, the standard library and the plain-enum vocabulary only.
"""

from __future__ import annotations

import re
import string
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimeZone, Signal, Slot
from PySide6.QtGui import QFocusEvent, QValidator
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit

from triage_gui.domain.vocabulary import ID_PATTERN

if TYPE_CHECKING:  # the models load after the first frame (cold start)
    from triage_gui.domain.case import CaseInputs

MAX_ID_LENGTH = 64
ID_RULE = "an ID is 1–64 letters, digits, '_' or '-'."
TRIMMED_NOTE = "The spaces or line breaks around the ID were removed."
# ElevenLabs: the API key is the workspace, and a batch carries its own recipients and agent
ELEVENLABS_WORKSPACE = "default"  # as providers.elevenlabs.provider.DEFAULT_WORKSPACE (not imported: first frame)
ELEVENLABS_NO_WORKSPACE = "Not on ElevenLabs: the API key decides the workspace"
ELEVENLABS_NO_CAMPAIGN = "Not on this platform: an ElevenLabs batch belongs to no campaign (its agent runs it)"
ELEVENLABS_NO_UPLOAD = "Not on this platform: an ElevenLabs batch carries its own recipients (no upload)"
_ALLOWED = frozenset(string.ascii_letters + string.digits + "_-")
_ID_RE = re.compile(ID_PATTERN)


def _describe(char: str) -> str:
    if char == " ":
        return "a space"
    if char in "\r\n\u2028\u2029":
        return "a line break"
    if char == "\t":
        return "a tab"
    if char.isspace():
        return "white space"
    if not char.isprintable():
        return f"the invisible character U+{ord(char):04X}"
    return f"'{char}'"


class IdValidator(QValidator):
    """Up to 64 ID characters; white space around them is trimmed; anything else is refused.
    ``on_note`` hears why an edit was changed or refused."""

    def __init__(self, on_note: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_note = on_note

    def validate(self, text: str, pos: int) -> object:
        trimmed = text.strip()
        bad = next((c for c in trimmed if c not in _ALLOWED), None)
        if bad is not None:
            self._on_note(f"{_describe(bad)[0].upper()}{_describe(bad)[1:]} cannot be part of an ID: {ID_RULE}")
            return QValidator.State.Invalid, text, pos
        if len(trimmed) > MAX_ID_LENGTH:
            self._on_note(f"That would make {len(trimmed)} characters: {ID_RULE}")
            return QValidator.State.Invalid, text, pos
        if trimmed != text:
            lead = len(text) - len(text.lstrip())
            pos = max(0, min(len(trimmed), pos - lead))
            self._on_note(TRIMMED_NOTE)
        return QValidator.State.Acceptable, trimmed, pos


class IdField(QLineEdit):
    """An ID entry, validated as typed against the contract's ID pattern.

    ``typed``: the agent typed (or pasted) what it holds; False when it is empty or was filled by
    the app (from the job, a scenario, a saved case). ``input_note`` says why an edit of the
    agent's was changed or refused."""

    input_note = Signal(str)

    def __init__(self, placeholder: str, *, required: bool) -> None:
        super().__init__()
        self.required = required
        self.typed = False
        self._filling = False
        self._noted_in_edit = False
        self.setPlaceholderText(placeholder)
        self.setValidator(IdValidator(self._noted, self))
        self.setClearButtonEnabled(True)
        self.textChanged.connect(self._restyle)
        self.textEdited.connect(self._edited)
        self.inputRejected.connect(self._rejected)

    def is_valid(self) -> bool:
        text = self.text().strip()
        return bool(_ID_RE.match(text)) if (text or self.required) else True

    def fill(self, text: str, *, typed: bool = False) -> None:
        """Set the text as the app (not the agent) does; ``typed`` keeps it as the agent's."""
        self._filling = True  # a note the app's own text raises is not the agent's to read
        try:
            self.setText(text)
        finally:
            self._filling = False
        self.typed = typed and bool(self.text())

    def _noted(self, note: str) -> None:
        if not self._filling:
            self._noted_in_edit = True
            self.input_note.emit(note)

    @Slot(str)
    def _edited(self, text: str) -> None:
        self.typed = bool(text)
        self._noted_in_edit = False

    @Slot()
    def _rejected(self) -> None:
        if not self._noted_in_edit:
            self.input_note.emit(f"That cannot be part of an ID: {ID_RULE}")
        self._noted_in_edit = False

    @Slot()
    def _restyle(self) -> None:
        ok = self.is_valid() or not self.text()
        self.setProperty("invalid", not ok)
        self.setToolTip("" if ok else "Use 1–64 letters, digits, '_' or '-'.")


class IdFields:
    """The case's four IDs. Workspace and job name the job; campaign and upload are the job's
    (filled on Load) unless the agent typed them. ``on_note`` hears, with the field's name, why
    an edit of the agent's was changed or refused.

    On a platform without workspaces, campaigns or uploads (:meth:`set_provider`, ElevenLabs)
    those fields are disabled and say why; the job is the batch, and the workspace is the one
    the platform's provider carries through (``fixed_workspace``)."""

    def __init__(self, on_note: Callable[[str], None]) -> None:
        self.workspace = IdField("e.g. ws_demo", required=True)
        self.job = IdField("e.g. job_stalled", required=True)
        self.campaign = IdField("optional: the job's campaign by default", required=False)
        self.upload = IdField("optional: the job's upload by default", required=False)
        self.fixed_workspace: str | None = None  # the platform has no workspace to type: this one
        names = ("Workspace ID", "Batch job ID", "Campaign ID", "Upload ID")
        for field_, name in zip(self.all, names, strict=True):
            field_.setAccessibleName(name)
            field_.input_note.connect(lambda note, field_=field_: on_note(f"{field_.accessibleName()}: {note}"))

    def set_provider(self, provider: str) -> None:
        """Shape the fields for the platform ``provider`` names (see the class's docstring)."""
        if provider != "elevenlabs":
            return
        self.fixed_workspace = ELEVENLABS_WORKSPACE
        self.job.setAccessibleName("Batch ID")
        self.job.setPlaceholderText("e.g. btcal_01jz9a7q2w3e4r5t6y7u8i9o0p")
        for field_, why in (
            (self.workspace, ELEVENLABS_NO_WORKSPACE),
            (self.campaign, ELEVENLABS_NO_CAMPAIGN),
            (self.upload, ELEVENLABS_NO_UPLOAD),
        ):
            field_.required = False
            field_.fill("")
            field_.setEnabled(False)
            field_.setPlaceholderText(why)
            field_.setToolTip(why)
            field_.setAccessibleDescription(why)

    @property
    def all(self) -> tuple[IdField, IdField, IdField, IdField]:
        return (self.workspace, self.job, self.campaign, self.upload)

    @property
    def job_named(self) -> tuple[tuple[IdField, str], ...]:
        """The IDs the job names too, with their CaseInputs field names (none where the platform
        has no campaigns or uploads)."""
        if self.fixed_workspace is not None:
            return ()
        return ((self.campaign, "campaign_id"), (self.upload, "upload_id"))

    def workspace_id(self) -> str:
        return self.fixed_workspace if self.fixed_workspace is not None else self.workspace.text().strip()

    def typed(self) -> dict[str, str]:
        """Of the IDs the job names too, the ones the agent typed, by CaseInputs field name."""
        return {name: f.text().strip() for f, name in self.job_named if f.typed and f.text().strip()}

    def invalid(self) -> list[str]:
        return [f.accessibleName() for f in self.all if f.isEnabled() and not f.is_valid()]

    def fill(self, workspace: str, job: str, campaign: str, upload: str, typed: tuple[str, ...]) -> None:
        if self.fixed_workspace is None:
            self.workspace.fill(workspace, typed=True)
        self.job.fill(job, typed=True)
        for f, name in self.job_named:
            f.fill(campaign if name == "campaign_id" else upload, typed=name in typed)

    def same_job_as(self, inputs: CaseInputs) -> bool:
        return (self.workspace_id(), self.job.text().strip()) == (inputs.workspace_id, inputs.job_id)

    def edited_since(self, inputs: CaseInputs) -> bool:
        """These are not the IDs of ``inputs`` (a job's, once loaded: an untyped empty field is
        the job's own)."""
        if not self.same_job_as(inputs):
            return True
        return any(f.text().strip() != getattr(inputs, n) and (f.typed or f.text().strip()) for f, n in self.job_named)

    def show_job_ids(self, inputs: CaseInputs | None) -> None:
        """The untyped campaign and upload: those of ``inputs`` (the job's), or empty."""
        for f, name in self.job_named:
            value = getattr(inputs, name) if inputs is not None else ""
            if not f.typed and f.text() != value:
                f.fill(value)


def workstation_zone() -> str:
    zone_id = bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"
    try:
        zoneinfo.ZoneInfo(zone_id)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return "UTC"
    return zone_id


def utc_of(edit: QDateTimeEdit) -> datetime:
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
