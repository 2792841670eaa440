"""The escalation form: what the agent hands on, pre-filled so an engineer needs no follow-up.

Every diagnostic the runbook requires becomes a :class:`FormField`; a required field that is
empty blocks "ready to send" until the agent fills it or waives it with a reason. The rest
(level, reasons, verdicts with overrides, what was already tried, notes, next action, ETA and
the customer message) comes from the case and the engine's report. Times are shown in the
case's timezone, with the zone's name, because the runbook asks for "time window and timezone".

Pure: ``build_form`` reads the case and the report; nothing here reads the clock or files.
The three renderers (in :mod:`.escalation_form_render`) share one outline
(:meth:`EscalationForm.outline`) so they never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field, computed_field

from triage_gui.domain import runbook
from triage_gui.domain.case import Case
from triage_gui.domain.escalation_form_render import (
    VERDICT_MARKS,
    format_time,
    render_html,
    render_markdown,
    render_text,
)
from triage_gui.domain.report import Report
from triage_gui.domain.retry_intent import RetryIntent
from triage_gui.domain.vocabulary import Verdict

MIN_WAIVER_REASON = 3

# The runbook's required diagnostics -> the form's field keys and labels. "Symptom summary with
# screenshot" is two fields: either may be missing on its own.
_DIAGNOSTIC_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Workspace ID": (("workspace_id", "Workspace ID"),),
    "Campaign ID": (("campaign_id", "Campaign ID"),),
    "Batch Job ID": (("job_id", "Batch Job ID"),),
    "Upload ID (if applicable)": (("upload_id", "Upload ID (if applicable)"),),
    "Time window and timezone": (("time_window", "Time window and timezone"),),
    "Symptom summary with screenshot": (
        ("symptom_summary", "Symptom summary"),
        ("screenshot", "Screenshot"),
    ),
    "Approximate failed vs successful counts": (("counts", "Approximate failed vs successful counts"),),
}


class FormField(BaseModel):
    key: str
    label: str
    value: str = ""
    required: bool = True
    waived_reason: str | None = None
    edited: bool = False  # the agent typed the value (kept when the form is rebuilt)
    source: str = ""  # where a derived value came from, when that is not obvious

    @computed_field  # type: ignore[prop-decorator]  # mypy refuses decorators over @property; pydantic says so too
    @property
    def missing(self) -> bool:
        return self.required and not self.value.strip() and not self.waived_reason


class VerdictLine(BaseModel):
    number: int
    title: str
    verdict: Verdict  # the effective verdict (the override when there is one)
    engine_verdict: Verdict
    override_reason: str | None = None
    findings: list[str] = Field(default_factory=list)  # the most serious first


class FieldsSection(NamedTuple):
    heading: str
    kind: Literal["fields"]
    items: Sequence[FormField]


class VerdictsSection(NamedTuple):
    heading: str
    kind: Literal["verdicts"]
    items: Sequence[VerdictLine]


class PairsSection(NamedTuple):
    heading: str
    kind: Literal["pairs"]
    items: Sequence[tuple[str, str]]  # (label, text)


class TextSection(NamedTuple):
    heading: str
    kind: Literal["list", "quote"]  # bullet points, or one quoted block per item
    items: Sequence[str]


# One part of the form; ``kind`` tells the renderers what ``items`` holds.
Section = FieldsSection | VerdictsSection | PairsSection | TextSection


class FormEdits(BaseModel):
    """What the agent changed on the form; re-applied when the form is rebuilt from a new report."""

    values: dict[str, str] = Field(default_factory=dict)
    waivers: dict[str, str] = Field(default_factory=dict)
    customer_message: str | None = None


class EscalationForm(BaseModel):
    case_id: str
    title: str
    generated_at: datetime | None = None
    timezone: str = "UTC"
    fields: list[FormField]
    level: int | None = None
    level_title: str = ""
    reasons: list[str] = Field(default_factory=list)
    verdicts: list[VerdictLine] = Field(default_factory=list)
    already_tried: list[str] = Field(default_factory=list)
    proposed_retry: str = ""
    notes: list[tuple[str, str]] = Field(default_factory=list)  # (label, text)
    screenshots: list[str] = Field(default_factory=list)
    next_action: str = ""
    eta_text: str = ""
    customer_message: str = ""
    customer_message_edited: bool = False

    # -- editing ---------------------------------------------------------------------------
    def field(self, key: str) -> FormField:
        for item in self.fields:
            if item.key == key:
                return item
        raise KeyError(key)

    def set_value(self, key: str, value: str) -> None:
        item = self.field(key)
        item.value, item.edited = value, True

    def waive(self, key: str, reason: str) -> None:
        """Mark a required field as deliberately left empty; the reason goes on the form."""
        reason = reason.strip()
        if len(reason) < MIN_WAIVER_REASON:
            raise ValueError(f"say why {self.field(key).label!r} is waived (at least {MIN_WAIVER_REASON} characters)")
        self.field(key).waived_reason = reason

    def clear_waiver(self, key: str) -> None:
        self.field(key).waived_reason = None

    def set_customer_message(self, text: str) -> None:
        self.customer_message, self.customer_message_edited = text, True

    def missing_fields(self) -> list[FormField]:
        return [item for item in self.fields if item.missing]

    @property
    def ready_to_send(self) -> bool:
        return not self.missing_fields()

    def edits(self) -> FormEdits:
        return FormEdits(
            values={f.key: f.value for f in self.fields if f.edited},
            waivers={f.key: f.waived_reason for f in self.fields if f.waived_reason},
            customer_message=self.customer_message if self.customer_message_edited else None,
        )

    def apply(self, edits: FormEdits) -> None:
        keys = {f.key for f in self.fields}
        for key, value in edits.values.items():
            if key in keys:
                self.set_value(key, value)
        for key, reason in edits.waivers.items():
            if key in keys and len(reason.strip()) >= MIN_WAIVER_REASON:
                self.waive(key, reason)
        if edits.customer_message is not None:
            self.set_customer_message(edits.customer_message)

    # -- rendering -------------------------------------------------------------------------
    def outline(self) -> list[Section]:
        """The form's sections, in order: kind "fields" (FormField), "verdicts" (VerdictLine),
        "pairs" ((label, text)), "list" (str) or "quote" (str)."""
        level = f"Level {self.level} — {self.level_title}" if self.level else "not assessed yet"
        sections: list[Section] = [
            FieldsSection("Required diagnostics", "fields", self.fields),
            PairsSection("Escalation", "pairs", [("Level", level)] + [("Reason", r) for r in self.reasons]),
        ]
        if self.verdicts:
            sections.append(VerdictsSection("Runbook checks", "verdicts", self.verdicts))
        tried = self.already_tried or ["Nothing recorded yet."]
        sections.append(TextSection("Already tried", "list", tried))
        if self.proposed_retry:
            sections.append(TextSection("Proposed retry", "list", [self.proposed_retry]))
        if self.notes:
            sections.append(PairsSection("Agent notes", "pairs", self.notes))
        next_action = [("Next action", self.next_action or "—"), ("ETA", self.eta_text or "—")]
        sections.append(PairsSection("Next action and ETA", "pairs", next_action))
        sections.append(TextSection("Customer message", "quote", [self.customer_message or "—"]))
        return sections

    def to_text(self) -> str:
        return render_text(self)

    def to_markdown(self) -> str:
        return render_markdown(self)

    def to_html(self, *, image_src: Mapping[str, str] | None = None) -> str:
        """A self-contained page (inline CSS). ``image_src`` maps a screenshot's name to an
        ``<img>`` source (a relative path in a bundle, or a ``data:`` URI) to show it inline."""
        return render_html(self, image_src)


# -- building ----------------------------------------------------------------------------------
def build_form(
    case: Case,
    report: Report | None,
    *,
    retries: Sequence[RetryIntent | str] = (),
    screenshots: Sequence[str] = (),
    edits: FormEdits | None = None,
) -> EscalationForm:
    """Pre-fill the form from the case and the engine's report; ``edits`` re-applies the agent's.

    ``retries`` is what was already tried: retry ledger entries (``RetryIntent``) or plain text.
    """
    inputs = case.inputs
    tz = inputs.timezone or "UTC"
    seen = report.model_dump(include={"workspace_id", "campaign_id", "job_id", "upload_id"}) if report else {}
    derived: dict[str, tuple[str, str]] = {
        key: (getattr(inputs, key) or seen.get(key) or "", "")
        for key in ("workspace_id", "campaign_id", "job_id", "upload_id")
    }
    derived |= {
        "time_window": _time_window(case, report, tz),
        "symptom_summary": (_symptom_summary(case, report), ""),
        "screenshot": (", ".join(screenshots), ""),
        "counts": (_counts(report), ""),
    }
    fields = []
    for line in runbook.REQUIRED_DIAGNOSTICS:
        for key, label in _DIAGNOSTIC_FIELDS[line]:
            value, source = derived[key]
            required = True
            if key == "upload_id" and not value and report is not None:
                required = False  # the engine saw the job and it has no upload: not applicable
            fields.append(FormField(key=key, label=label, value=value, required=required, source=source))
    escalation = report.escalation if report else None
    outcome = report.outcome if report else None
    form = EscalationForm(
        case_id=case.case_id,
        title=case.title or f"job {inputs.job_id or (report.job_id if report else '?')}",
        generated_at=report.generated_at if report else case.updated_at,
        timezone=tz,
        fields=fields,
        level=escalation.level if escalation else None,
        level_title=runbook.level(escalation.level).title if escalation else "",
        reasons=[f"(L{r.level}) {r.text}" for r in escalation.reasons] if escalation else [],
        verdicts=_verdicts(case, report),
        already_tried=_already_tried(case, retries or case.retries, tz),
        proposed_retry=_proposed_retry(report),
        notes=_notes(case),
        screenshots=list(screenshots),
        next_action=outcome.next_action if outcome else "",
        eta_text=outcome.eta_text if outcome else "",
        customer_message=outcome.customer_message if outcome else "",
    )
    if edits is not None:
        form.apply(edits)
    return form


def _time_window(case: Case, report: Report | None, tz: str) -> tuple[str, str]:
    start, end = case.inputs.window_start, case.inputs.window_end
    source = ""
    if start is None and end is None and case.snapshots:
        job = case.snapshots[-1].job
        start = job.started_at or job.created_at
        end = job.finished_at or case.snapshots[-1].at
        source = "the job's start to its latest observation"
    if start is None and end is None:
        return "", ""
    first = format_time(start, tz).split(" (")[0] if start else "open"
    last = format_time(end, tz).split(" (")[0] if end else "now"
    return f"{first} to {last}, timezone {tz}", source


def _symptom_summary(case: Case, report: Report | None) -> str:
    texts = {s.id: s.text for s in runbook.SYMPTOMS}
    parts = []
    if case.inputs.symptoms:
        parts.append("Reported: " + "; ".join(texts.get(s.value, s.value) for s in case.inputs.symptoms) + ".")
    if report is not None:
        c = report.counts
        observed = f"Observed: stage {report.progress.stage.value}, {c.processed:,} of {c.total:,} contacts processed"
        failing = [
            runbook.check_guidance(ch.id).title for ch in report.checks if case.effective_verdict(ch.id) is Verdict.FAIL
        ]
        if failing:
            observed += "; failing checks: " + "; ".join(failing)
        parts.append(observed + ".")
    return " ".join(parts)


def _counts(report: Report | None) -> str:
    if report is None:
        return ""
    c = report.counts
    unfinished = c.queued + c.in_progress + c.retry_scheduled
    text = f"about {c.failed:,} failed vs {c.succeeded:,} succeeded ({c.total:,} contacts, {unfinished:,} not finished)"
    if c.expected is not None and c.expected != c.total:
        text += f"; the upload has {c.expected:,} rows"
    return text


def _verdicts(case: Case, report: Report | None) -> list[VerdictLine]:
    if report is None:
        return []
    lines = []
    for check in report.checks:
        override = case.overrides.get(check.id)
        worst_first = sorted(check.findings, key=lambda f: -f.verdict.severity)
        lines.append(
            VerdictLine(
                number=runbook.check_guidance(check.id).number,
                title=check.title or runbook.check_guidance(check.id).title,
                verdict=override.verdict if override else check.verdict,
                engine_verdict=check.verdict,
                override_reason=override.reason if override else None,
                findings=[f"{VERDICT_MARKS[f.verdict]}: {f.summary}" for f in worst_first[:4]],
            )
        )
    return lines


def _already_tried(case: Case, retries: Sequence[RetryIntent | str], tz: str) -> list[str]:
    tried = [_describe_retry(item, tz) for item in retries]
    if case.snapshots:
        job = case.snapshots[-1].job
        if job.is_retry:
            tried.insert(0, f"This job is itself a retry of job {job.parent_job_id or '(unknown parent)'}.")
    return [text for text in tried if text.strip()]


def _describe_retry(item: RetryIntent | str, tz: str) -> str:
    """One launched retry, as the engineer needs it: cohort, key, outcome, monitor verdict."""
    if not isinstance(item, RetryIntent):
        return str(item)
    text = f"{(item.phase or 'retry').capitalize()} retry of {item.cohort_size:,} recipient(s)"
    text += f", {format_time(item.created_at, tz)}, key {item.key}"
    text += f": {item.state.value}" + (f" as job {item.retry_job_id}" if item.retry_job_id else "")
    if item.result and item.result != item.state.value:
        text += f" ({item.result})"
    if item.monitor and item.monitor.get("kind"):
        text += f"; first dispatches: {str(item.monitor['kind']).replace('_', ' ')}"
    if item.override_reason:
        text += f"; launched over a warning because: {item.override_reason}"
    return text + "."


def _proposed_retry(report: Report | None) -> str:
    if report is None:
        return ""
    plan = report.retry_plan
    if not plan.recipient_ids and not plan.excluded:
        return ""
    text = (
        f"{len(plan.recipient_ids):,} recipient(s): a sample cohort of {len(plan.sample_ids):,} first, "
        f"then {len(plan.remainder_ids):,} more"
    )
    if plan.excluded:
        text += "; excluded: " + ", ".join(f"{reason} {n:,}" for reason, n in sorted(plan.excluded.items()))
    if plan.hold:
        text += f"; on hold: {plan.hold_reason or 'wait for the provider'}"
    return text + "."


def _notes(case: Case) -> list[tuple[str, str]]:
    titles = {c.id.value: c.title for c in runbook.CHECKS}
    out = []
    for page, text in case.notes.items():
        if text.strip():
            label = titles.get(page) or page.replace("_", " ").capitalize()
            out.append((label, text))
    return out
