"""The escalation form: what the agent hands on, pre-filled so an engineer needs no follow-up.

Every diagnostic the runbook requires becomes a :class:`FormField`; a required field that is
empty blocks "ready to send" until the agent fills it or waives it with a reason. The rest
(level, reasons, verdicts with overrides, what was already tried, notes, next action, ETA and
the customer message) comes from the case and the engine's report. Times are shown in the
case's timezone, with the zone's name, because the runbook asks for "time window and timezone".

Pure: ``build_form`` reads the case and the report; nothing here reads the clock or files.
The three renderers share one outline (:meth:`EscalationForm.outline`) so they never disagree.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, computed_field

from triage_gui.domain import runbook
from triage_gui.domain.case import Case
from triage_gui.domain.findings import Verdict
from triage_gui.domain.report import Report

MIN_WAIVER_REASON = 3

# Verdicts carry a symbol and a word, never colour alone (STYLE.md, point 10).
VERDICT_MARKS: dict[Verdict, str] = {
    Verdict.PASS: "✓ PASS",
    Verdict.WARN: "⚠ WARN",
    Verdict.FAIL: "✗ FAIL",
    Verdict.UNKNOWN: "? UNKNOWN",
}

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

    @computed_field  # type: ignore[prop-decorator]
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
    def outline(self) -> list[tuple[str, str, list]]:
        """``(heading, kind, items)`` sections: kind "fields" (FormField), "verdicts"
        (VerdictLine), "pairs" ((label, text)), "list" (str) or "quote" (str)."""
        level = f"Level {self.level} — {self.level_title}" if self.level else "not assessed yet"
        sections: list[tuple[str, str, list]] = [
            ("Required diagnostics", "fields", self.fields),
            ("Escalation", "pairs", [("Level", level)] + [("Reason", r) for r in self.reasons]),
        ]
        if self.verdicts:
            sections.append(("Runbook checks", "verdicts", self.verdicts))
        tried = self.already_tried or ["Nothing recorded yet."]
        sections.append(("Already tried", "list", tried))
        if self.proposed_retry:
            sections.append(("Proposed retry", "list", [self.proposed_retry]))
        if self.notes:
            sections.append(("Agent notes", "pairs", self.notes))
        sections.append(
            ("Next action and ETA", "pairs", [("Next action", self.next_action or "—"), ("ETA", self.eta_text or "—")])
        )
        sections.append(("Customer message", "quote", [self.customer_message or "—"]))
        return sections

    def _status_line(self) -> str:
        missing = self.missing_fields()
        if not missing:
            return "Ready to send: yes"
        return f"Ready to send: no — missing: {', '.join(f.label for f in missing)}"

    def _heading(self) -> str:
        return f"Escalation: {self.title}"

    def _generated(self) -> str:
        return f"Case {self.case_id}" + (f" · generated {format_time(self.generated_at, self.timezone)}" if self.generated_at else "")

    def to_text(self) -> str:
        lines = [self._heading(), self._generated(), self._status_line(), ""]
        for heading, kind, items in self.outline():
            lines += [heading, "-" * len(heading)]
            for item in items:
                if kind == "fields":
                    lines.append(f"{item.label}: {_field_text(item)}")
                elif kind == "verdicts":
                    lines.append(f"{item.number}. {item.title}: {_verdict_text(item)}")
                    lines += [f"   - {text}" for text in item.findings]
                elif kind == "pairs":
                    lines.append(f"{item[0]}: {item[1]}")
                else:
                    lines.append(f"- {item}" if kind == "list" else item)
            lines.append("")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        md = _md_escape
        lines = [f"# {md(self._heading())}", "", md(self._generated()), "", f"**{md(self._status_line())}**", ""]
        for heading, kind, items in self.outline():
            lines += [f"## {heading}", ""]
            if kind == "fields":
                lines += ["| Field | Value |", "|---|---|"]
                for item in items:
                    value = md(_field_text(item))
                    lines.append(f"| {md(item.label)} | {f'**{value}**' if item.missing else value} |")
            elif kind == "verdicts":
                lines += ["| # | Check | Verdict | Findings |", "|---|---|---|---|"]
                for item in items:
                    findings = "<br>".join(md(t) for t in item.findings)
                    lines.append(f"| {item.number} | {md(item.title)} | **{md(_verdict_text(item))}** | {findings} |")
            elif kind == "pairs":
                lines += [f"- **{md(label)}:** {md(text)}" for label, text in items]
            elif kind == "list":
                lines += [f"- {md(text)}" for text in items]
            else:
                lines += [f"> {md(line)}" if line else ">" for text in items for line in text.splitlines()]
            lines.append("")
        return "\n".join(lines)

    def to_html(self, *, image_src: Mapping[str, str] | None = None) -> str:
        """A self-contained page (inline CSS). ``image_src`` maps a screenshot's name to an
        ``<img>`` source (a relative path in a bundle, or a ``data:`` URI) to show it inline."""
        e = _html_escape
        body = [f"<h1>{e(self._heading())}</h1>", f"<p class='meta'>{e(self._generated())}</p>"]
        ready = "ready" if self.ready_to_send else "not-ready"
        body.append(f"<p class='status {ready}'><strong>{e(self._status_line())}</strong></p>")
        for heading, kind, items in self.outline():
            body.append(f"<h2>{e(heading)}</h2>")
            if kind == "fields":
                rows = "".join(_html_field_row(item) for item in items)
                body.append(f"<table><tr><th>Field</th><th>Value</th></tr>{rows}</table>")
            elif kind == "verdicts":
                rows = "".join(
                    f"<tr><td>{v.number}</td><td>{e(v.title)}</td>"
                    f"<td class='verdict {v.verdict.value}'><strong>{e(_verdict_text(v))}</strong></td>"
                    f"<td>{'<br>'.join(e(t) for t in v.findings)}</td></tr>"
                    for v in items
                )
                body.append(f"<table><tr><th>#</th><th>Check</th><th>Verdict</th><th>Findings</th></tr>{rows}</table>")
            elif kind == "pairs":
                body.append("<ul>" + "".join(f"<li><strong>{e(a)}:</strong> {e(b)}</li>" for a, b in items) + "</ul>")
            elif kind == "list":
                body.append("<ul>" + "".join(f"<li>{e(text)}</li>" for text in items) + "</ul>")
            else:
                body.append("".join(f"<blockquote>{e(text)}</blockquote>" for text in items))
        for name in self.screenshots:
            src = (image_src or {}).get(name)
            if src:
                body.append(f"<figure><img src='{e(src)}' alt='Screenshot {e(name)}' width='640'><figcaption>{e(name)}</figcaption></figure>")
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(self._heading())}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )


_CSS = (
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:10pt;color:#111;margin:1.5em}"
    "h1{font-size:15pt}h2{font-size:12pt;margin-top:1.2em;border-bottom:1px solid #999}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#eee}.meta{color:#444}"
    ".missing{color:#a00000}.waived{color:#555}.verdict.pass{color:#0a6b0a}"
    ".verdict.warn{color:#8a5a00}.verdict.fail{color:#a00000}.verdict.unknown{color:#555}"
    ".status.not-ready{color:#a00000}blockquote{border-left:3px solid #999;margin:0;padding:4px 10px;"
    "white-space:pre-wrap}img{max-width:100%;border:1px solid #999}"
)


def _field_text(item: FormField) -> str:
    if item.value.strip():
        return item.value + (f" ({item.source})" if item.source else "")
    if item.waived_reason:
        return f"waived: {item.waived_reason}"
    return "MISSING" if item.required else "not applicable"


def _html_field_row(item: FormField) -> str:
    css = "missing" if item.missing else ("waived" if item.waived_reason and not item.value.strip() else "")
    value = _html_escape(_field_text(item))
    if item.missing:
        value = f"<strong>✗ {value}</strong>"
    return f"<tr><th>{_html_escape(item.label)}</th><td class='{css}'>{value}</td></tr>"


def _verdict_text(line: VerdictLine) -> str:
    text = VERDICT_MARKS[line.verdict]
    if line.override_reason is not None:
        text += f" (overridden; engine said {VERDICT_MARKS[line.engine_verdict]}: {line.override_reason})"
    return text


def _md_escape(text: str) -> str:
    for char in "\\|*`<>[]":
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", " ").replace("\n", " ")


def _html_escape(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_time(moment: datetime, timezone: str) -> str:
    """``2026-11-25 12:00 GMT (Europe/London)``: the local time, its abbreviation and zone name."""
    local = moment.astimezone(zone(timezone))
    abbreviation = local.strftime("%Z")
    shown = f"{local:%Y-%m-%d %H:%M} {abbreviation}"
    return shown if abbreviation == timezone else f"{shown} ({timezone})"


# -- building ----------------------------------------------------------------------------------
def build_form(
    case: Case,
    report: Report | None,
    *,
    retries: Sequence[object] = (),
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
        already_tried=_already_tried(case, retries, tz),
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
        failing = [runbook.check_guidance(ch.id).title for ch in report.checks if case.effective_verdict(ch.id) is Verdict.FAIL]
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


def _already_tried(case: Case, retries: Sequence[object], tz: str) -> list[str]:
    tried = [_describe_retry(item, tz) for item in retries]
    if case.snapshots:
        job = case.snapshots[-1].job
        if job.is_retry:
            tried.insert(0, f"This job is itself a retry of job {job.parent_job_id or '(unknown parent)'}.")
    return [text for text in tried if text.strip()]


def _describe_retry(item: object, tz: str) -> str:
    """A retry ledger entry (duck-typed: the ledger lives in the store layer) or any text."""
    recipients = getattr(item, "recipient_ids", None)
    if not isinstance(recipients, list):
        return str(item)
    phase = str(getattr(item, "phase", "") or "retry")
    text = f"{phase.capitalize()} retry of {len(recipients):,} recipient(s)"
    created = getattr(item, "created_at", None)
    if isinstance(created, datetime):
        text += f", {format_time(created, tz)}"
    state = str(getattr(item, "state", "") or "")
    job = getattr(item, "retry_job_id", None)
    if state:
        text += f": {state}" + (f" as job {job}" if job else "")
    result = str(getattr(item, "result", "") or "")
    return text + (f" ({result})" if result and result != state else "") + "."


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

