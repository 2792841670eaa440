"""What the server's answers themselves say about how far they can be trusted: its clock, and
lists that repeated items. Reported under the job's health, where ages are judged."""

from __future__ import annotations

from triage_gui.domain.checks._common import finding
from triage_gui.domain.findings import Finding
from triage_gui.domain.incident import IncidentData
from triage_gui.domain.stall_detector import duration_text
from triage_gui.domain.vocabulary import Verdict

SKEW_REPORTED_S = 300.0  # a server clock further off than this is worth a word


def findings(data: IncidentData) -> list[Finding]:
    out: list[Finding] = []
    skew = data.server_clock_skew_s
    if skew is not None and (data.server_clock_rejected or abs(skew) > SKEW_REPORTED_S):
        where = "ahead of" if skew > 0 else "behind"
        evidence = {"skew_s": round(skew), "rejected": data.server_clock_rejected}
        if data.server_clock_rejected:
            out.append(
                finding(
                    "server_clock_rejected",
                    Verdict.WARN,
                    f"The server's clock is {duration_text(abs(skew))} {where} this workstation's: too far to be"
                    " believed, so ages (last dispatch, stalls) are judged on this workstation's clock.",
                    evidence,
                )
            )
        else:
            out.append(
                finding(
                    "server_clock_skew",
                    Verdict.PASS,
                    f"The server's clock is {duration_text(abs(skew))} {where} this workstation's; ages are"
                    " judged on the server's clock, as the job's own timestamps are.",
                    evidence,
                )
            )
    if data.repeated_items:
        listed = ", ".join(f"{n:,} {what}" for what, n in sorted(data.repeated_items.items()))
        out.append(
            finding(
                "repeated_items",
                Verdict.WARN,
                f"The server's lists repeated items ({listed}): each was counted once. This breaks the API"
                " contract: report it to the platform with the bundle.",
                {"repeated": dict(data.repeated_items)},
            )
        )
    return out
