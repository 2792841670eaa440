"""The escalation form written out: plain text, Markdown, and a self-contained HTML page.

The three walk the same outline (:meth:`EscalationForm.outline`), so they never disagree on
what the form says; each only escapes for its own format. Pure: no clock, no files.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from triage_gui.domain.vocabulary import Verdict

if TYPE_CHECKING:  # the form's module imports this one for its delegates
    from triage_gui.domain.escalation_form import EscalationForm, FormField, VerdictLine

# Verdicts carry a symbol and a word, never colour alone (STYLE.md, point 10).
VERDICT_MARKS: dict[Verdict, str] = {
    Verdict.PASS: "✓ PASS",
    Verdict.WARN: "⚠ WARN",
    Verdict.FAIL: "✗ FAIL",
    Verdict.UNKNOWN: "? UNKNOWN",
}


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


# -- the three formats ---------------------------------------------------------------------------
def render_text(form: EscalationForm) -> str:
    lines = [_heading(form), _generated(form), _status_line(form), ""]
    for section in form.outline():
        lines += [section.heading, "-" * len(section.heading)]
        if section.kind == "fields":
            lines += [f"{item.label}: {_field_text(item)}" for item in section.items]
        elif section.kind == "verdicts":
            for line in section.items:
                lines.append(f"{line.number}. {line.title}: {_verdict_text(line)}")
                lines += [f"   - {text}" for text in line.findings]
        elif section.kind == "pairs":
            lines += [f"{label}: {text}" for label, text in section.items]
        elif section.kind == "list":
            lines += [f"- {text}" for text in section.items]
        else:
            lines += section.items
        lines.append("")
    return "\n".join(lines)


def render_markdown(form: EscalationForm) -> str:
    md = _md_escape
    lines = [
        f"# {md(_heading(form))}",
        "",
        md(_generated(form)),
        "",
        f"**{md(_status_line(form))}**",
        "",
    ]
    for section in form.outline():
        lines += [f"## {section.heading}", ""]
        if section.kind == "fields":
            lines += ["| Field | Value |", "|---|---|"]
            for item in section.items:
                value = md(_field_text(item))
                lines.append(f"| {md(item.label)} | {f'**{value}**' if item.missing else value} |")
        elif section.kind == "verdicts":
            lines += ["| # | Check | Verdict | Findings |", "|---|---|---|---|"]
            for check in section.items:
                findings = "<br>".join(md(t) for t in check.findings)
                verdict = md(_verdict_text(check))
                lines.append(f"| {check.number} | {md(check.title)} | **{verdict}** | {findings} |")
        elif section.kind == "pairs":
            lines += [f"- **{md(label)}:** {md(text)}" for label, text in section.items]
        elif section.kind == "list":
            lines += [f"- {md(text)}" for text in section.items]
        else:
            lines += [f"> {md(line)}" if line else ">" for text in section.items for line in text.splitlines()]
        lines.append("")
    return "\n".join(lines)


def render_html(form: EscalationForm, image_src: Mapping[str, str] | None = None) -> str:
    """A self-contained page (inline CSS). ``image_src`` maps a screenshot's name to an
    ``<img>`` source (a relative path in a bundle, or a ``data:`` URI) to show it inline."""
    e = _html_escape
    body = [f"<h1>{e(_heading(form))}</h1>", f"<p class='meta'>{e(_generated(form))}</p>"]
    ready = "ready" if form.ready_to_send else "not-ready"
    body.append(f"<p class='status {ready}'><strong>{e(_status_line(form))}</strong></p>")
    for section in form.outline():
        body.append(f"<h2>{e(section.heading)}</h2>")
        if section.kind == "fields":
            rows = "".join(_html_field_row(item) for item in section.items)
            body.append(f"<table><tr><th>Field</th><th>Value</th></tr>{rows}</table>")
        elif section.kind == "verdicts":
            rows = "".join(
                f"<tr><td>{v.number}</td><td>{e(v.title)}</td>"
                f"<td class='verdict {v.verdict.value}'><strong>{e(_verdict_text(v))}</strong></td>"
                f"<td>{'<br>'.join(e(t) for t in v.findings)}</td></tr>"
                for v in section.items
            )
            body.append(f"<table><tr><th>#</th><th>Check</th><th>Verdict</th><th>Findings</th></tr>{rows}</table>")
        elif section.kind == "pairs":
            pairs = "".join(f"<li><strong>{e(a)}:</strong> {e(b)}</li>" for a, b in section.items)
            body.append(f"<ul>{pairs}</ul>")
        elif section.kind == "list":
            body.append("<ul>" + "".join(f"<li>{e(text)}</li>" for text in section.items) + "</ul>")
        else:
            body.append("".join(f"<blockquote>{e(text)}</blockquote>" for text in section.items))
    for name in form.screenshots:
        src = (image_src or {}).get(name)
        if src:
            body.append(
                f"<figure><img src='{e(src)}' alt='Screenshot {e(name)}' width='640'>"
                f"<figcaption>{e(name)}</figcaption></figure>"
            )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(_heading(form))}</title><style>{_CSS}</style></head>\n<body>\n"
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
    ".status.not-ready{color:#a00000}"
    "blockquote{border-left:3px solid #999;margin:0;padding:4px 10px;white-space:pre-wrap}"
    "img{max-width:100%;border:1px solid #999}"
)


# -- the parts every format shows ----------------------------------------------------------------
def _heading(form: EscalationForm) -> str:
    return f"Escalation: {form.title}"


def _generated(form: EscalationForm) -> str:
    if not form.generated_at:
        return f"Case {form.case_id}"
    return f"Case {form.case_id} · generated {format_time(form.generated_at, form.timezone)}"


def _status_line(form: EscalationForm) -> str:
    missing = form.missing_fields()
    if not missing:
        return "Ready to send: yes"
    return f"Ready to send: no — missing: {', '.join(f.label for f in missing)}"


def _field_text(item: FormField) -> str:
    if item.value.strip():
        return item.value + (f" ({item.source})" if item.source else "")
    if item.waived_reason:
        return f"waived: {item.waived_reason}"
    return "MISSING" if item.required else "not applicable"


def _verdict_text(line: VerdictLine) -> str:
    text = VERDICT_MARKS[line.verdict]
    if line.override_reason is not None:
        engine = VERDICT_MARKS[line.engine_verdict]
        text += f" (overridden; engine said {engine}: {line.override_reason})"
    return text


def _html_field_row(item: FormField) -> str:
    waived = item.waived_reason and not item.value.strip()
    css = "missing" if item.missing else ("waived" if waived else "")
    value = _html_escape(_field_text(item))
    if item.missing:
        value = f"<strong>✗ {value}</strong>"
    return f"<tr><th>{_html_escape(item.label)}</th><td class='{css}'>{value}</td></tr>"


def _md_escape(text: str) -> str:
    for char in "\\|*`<>[]":
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", " ").replace("\n", " ")


def _html_escape(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")
