"""Small helpers every check shares: JSON-able evidence, capped samples, the runbook's lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from triage_gui.domain.call_history import CallHistory
from triage_gui.domain.findings import CheckResult, EvidenceTable, Finding
from triage_gui.domain.incident import IncidentData
from triage_gui.domain.runbook import check_guidance
from triage_gui.domain.vocabulary import CheckId, Verdict

# Evidence travels in JSON (check --json, bundles): lists of ids stay short, tables say how
# many rows they had in all.
SAMPLE_LIMIT = 20
TABLE_LIMIT = 200


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with "Z", as the API writes timestamps."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sample(ids: Iterable[str], limit: int = SAMPLE_LIMIT) -> list[str]:
    return sorted(ids)[:limit]


def table(columns: list[str], rows: Sequence[list[Any]], total: int | None = None) -> EvidenceTable:
    """At most TABLE_LIMIT rows; ``total`` = how many there were when the caller cut them."""
    return EvidenceTable(columns=columns, rows=list(rows[:TABLE_LIMIT]), total_rows=max(total or 0, len(rows)))


def finding(
    id_: str,
    verdict: Verdict,
    summary: str,
    evidence: dict[str, Any] | None = None,
    rows: EvidenceTable | None = None,
) -> Finding:
    return Finding(id=id_, verdict=verdict, summary=summary, evidence=evidence or {}, table=rows)


def result(check_id: CheckId, findings: list[Finding]) -> CheckResult:
    guidance = check_guidance(check_id)
    return CheckResult.from_findings(check_id, guidance.title, findings, list(guidance.lines))


def call_history(data: IncidentData, history: CallHistory | None) -> CallHistory:
    """The history ``analyse`` built once for every check, or a new one when a check runs alone."""
    return history if history is not None else CallHistory.build(data.calls, data.events)


def calls_missing(data: IncidentData) -> str | None:
    """Why the job's call attempts cannot be judged, or None when they can."""
    if "calls" in data.missing:
        return f"the job's call attempts could not be fetched: {data.missing['calls']}"
    if not data.calls:
        return "the job has no call attempts yet"
    return None


def upload_unavailable(data: IncidentData, *parts: str, otherwise: str) -> str:
    """Why a check cannot see the job's upload: it has none, or the first of ``parts`` (in the
    order this check needs them: "upload", "upload content") that could not be fetched."""
    if not (data.job.upload_id or (data.campaign and data.campaign.upload_id)):
        return "the job has no upload"
    return next((data.missing[part] for part in parts if data.missing.get(part)), otherwise)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.1f}%"
