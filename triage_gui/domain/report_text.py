"""The report as plain text: what ``triage-gui check`` prints and what the agent pastes."""

from __future__ import annotations

from triage_gui.domain import runbook
from triage_gui.domain.case import Case
from triage_gui.domain.report import Report
from triage_gui.domain.vocabulary import Verdict

MARKS = {Verdict.PASS: "PASS", Verdict.WARN: "WARN", Verdict.FAIL: "FAIL", Verdict.UNKNOWN: "UNKNOWN"}


def report_as_text(report: Report, case: Case | None = None, *, max_findings: int = 12) -> str:
    lines: list[str] = []
    ids = f"workspace {report.workspace_id} · job {report.job_id}"
    if report.campaign_id:
        ids += f" · campaign {report.campaign_id}"
    if report.upload_id:
        ids += f" · upload {report.upload_id}"
    lines.append(f"Outbound Triage report — {ids}")
    lines.append(f"Generated {report.generated_at:%Y-%m-%d %H:%M:%S %Z}")
    if case is not None and case.inputs.symptoms:
        texts = {s.id: s.text for s in runbook.SYMPTOMS}
        lines.append("Symptoms: " + "; ".join(texts.get(s.value, s.value) for s in case.inputs.symptoms))
    lines.append("")
    for check in report.checks:
        guidance = runbook.check_guidance(check.id)
        verdict = check.verdict
        override = case.overrides.get(check.id) if case is not None else None
        mark = MARKS[verdict]
        if override is not None:
            mark = f"{MARKS[override.verdict]} (overridden; engine said {MARKS[verdict]}: {override.reason})"
        lines.append(f"{guidance.number}. {guidance.title}: {mark}")
        shown = sorted(check.findings, key=lambda f: -f.verdict.severity)[:max_findings]
        for finding in shown:
            lines.append(f"   [{MARKS[finding.verdict]:<7}] {finding.summary}")
        if len(check.findings) > len(shown):
            lines.append(f"   … and {len(check.findings) - len(shown)} more findings")
        if case is not None and case.notes.get(check.id.value):
            lines.append(f"   Note: {case.notes[check.id.value]}")
    esc = report.escalation
    lines.append("")
    lines.append(f"Escalation: {esc.title or f'Level {esc.level}: ' + runbook.level(esc.level).title}")
    for reason in esc.reasons:
        lines.append(f"   - (L{reason.level}) {reason.text}")
    c = report.counts
    lines.append("")
    expected = f"expected {c.expected:,}, " if c.expected is not None else ""
    lines.append(
        f"Counts: {expected}total {c.total:,}, processed {c.processed:,}, "
        f"succeeded {c.succeeded:,}, failed {c.failed:,}, in progress {c.in_progress:,}, "
        f"queued {c.queued:,}, retry scheduled {c.retry_scheduled:,}"
    )
    plan = report.retry_plan
    excluded = ", ".join(f"{k} {v:,}" for k, v in sorted(plan.excluded.items())) or "none"
    hold = f" — HOLD: {plan.hold_reason}" if plan.hold else ""
    lines.append(
        f"Retry plan: {len(plan.recipient_ids):,} recipients "
        f"(sample {len(plan.sample_ids):,} first); excluded: {excluded}{hold}"
    )
    outcome = report.outcome
    if outcome.next_action:
        lines.append(f"Next action: {outcome.next_action}")
    if outcome.eta_text:
        lines.append(f"ETA: {outcome.eta_text}")
    return "\n".join(lines) + "\n"
