"""Renders every widget, in a light and a dark palette, to /tmp/widgets/ for a human to look at.

The assertions are modest (a non-empty image of a sensible size); the PNGs are for eyes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.findings import EvidenceTable, Finding
from triage_gui.domain.report import FailureClass, RetryCandidate, RetryPlan
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.tasks.job_poller import PollState, PollStatus
from triage_gui.ui.widgets.connection_status import ConnectionStatus
from triage_gui.ui.widgets.counters_panel import CountersPanel
from triage_gui.ui.widgets.demo_banner import DemoBanner
from triage_gui.ui.widgets.findings_view import FindingsView
from triage_gui.ui.widgets.guidance_list import GuidanceList
from triage_gui.ui.widgets.note_override import NoteOverrideBox
from triage_gui.ui.widgets.progress_chart import ProgressChart
from triage_gui.ui.widgets.verdict_badge import VerdictBadge

OUT = Path(os.environ.get("TRIAGE_WIDGET_PNG_DIR", "/tmp/widgets"))
BASE_TIME = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)  # same instant as conftest's base_time


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#17181a",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#e8eaed",
        QPalette.ColorRole.Button: "#2d2f33",
        QPalette.ColorRole.ButtonText: "#e8eaed",
        QPalette.ColorRole.Highlight: "#3d6fd1",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2d2f33",
        QPalette.ColorRole.ToolTipText: "#e8eaed",
        QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7378"))
    return p


def findings() -> list[Finding]:
    return [
        Finding(
            id="counters_moving",
            verdict=Verdict.PASS,
            summary="Counters moved in the last 5 min.",
            evidence={"processed_then": 120, "processed_now": 410},
        ),
        Finding(
            id="dispatch_stalled",
            verdict=Verdict.FAIL,
            summary="No dispatch for 42 min while 600 recipients wait for a permit.",
            evidence={
                "last_dispatch_at": "2025-03-04T11:18:00Z",
                "waiting_for_permit": 600,
                "permits": {"in_use": 10, "limit": 10},
            },
            table=EvidenceTable(
                columns=["recipient", "attempts", "code"],
                rows=[["r_9", 3, "provider_timeout"], ["r_10", 12, "busy"], ["r_2", 1, "invalid_number"]],
                total_rows=250,
            ),
        ),
        Finding(
            id="expected_vs_processed",
            verdict=Verdict.WARN,
            summary="The upload has 1,020 rows; the job has 1,000 recipients.",
        ),
    ]


def plan() -> RetryPlan:
    cands = [
        RetryCandidate(
            recipient_id=f"r_{i:03d}",
            included=i % 3 != 0,
            reason="transient failure" if i % 3 else "permanent_failure",
            e164=f"+4420794601{i:02d}",
            last_failure_code="provider_timeout" if i % 3 else "invalid_number",
            failure_class=FailureClass.TRANSIENT if i % 3 else FailureClass.PERMANENT,
            attempts=i % 4 + 1,
        )
        for i in range(1, 16)
    ]
    included = sorted(c.recipient_id for c in cands if c.included)
    return RetryPlan(
        recipient_ids=included,
        sample_ids=included[:4],
        excluded={"permanent_failure": 5},
        hold=True,
        hold_reason="32 % of failures are transient (threshold 20 %): wait for the provider.",
        candidates=cands,
    )


def build_gallery(make_job, make_snapshots) -> dict[str, QWidget]:
    widgets: dict[str, QWidget] = {}
    badges = QWidget()
    layout = QVBoxLayout(badges)
    for v in [None, *Verdict]:
        b = VerdictBadge()
        b.set_verdict(v)
        layout.addWidget(b)
    b = VerdictBadge()
    b.set_verdict(Verdict.FAIL, overridden=True, engine_verdict=Verdict.WARN)
    layout.addWidget(b)
    widgets["verdict_badges"] = badges

    fv = FindingsView()
    fv.set_findings(findings())
    fv.resize(760, 520)
    widgets["findings_view"] = fv

    chart = ProgressChart()
    chart.set_snapshots(make_snapshots(300))
    chart.set_rate_text("Stage: dispatching · dispatch rate 36.0/min · ETA 13:05")
    chart.resize(760, 380)
    widgets["progress_chart"] = chart

    gl = GuidanceList()
    gl.set_lines(
        "Runbook: 2) Validate permit and dispatch behavior",
        [
            "Check whether dispatch is blocked by permit/concurrency limits.",
            "Confirm retries are occurring for transient failures.",
            "Verify that non-retryable failures are not being retried indefinitely.",
        ],
        emphasis={0},
    )
    gl.resize(360, 200)
    widgets["guidance_list"] = gl

    nob = NoteOverrideBox()
    nob.set_state("Customer says calls stopped at 11:20.", None)
    nob.enable.setChecked(True)
    nob.reason.setText("ok")
    nob.resize(380, 330)
    widgets["note_override_invalid"] = nob
    nob2 = NoteOverrideBox()
    nob2.set_state("", VerdictOverride(verdict=Verdict.FAIL, reason="Provider confirmed outage", at=BASE_TIME))
    nob2.resize(380, 330)
    widgets["note_override_applied"] = nob2

    ok = ConnectionStatus(clock=lambda: BASE_TIME)
    ok.set_status(
        PollStatus(
            state=PollState.OK,
            last_ok=BASE_TIME - timedelta(seconds=1),
            next_poll=BASE_TIME + timedelta(seconds=4),
            polls=12,
        )
    )
    ok.resize(520, 32)
    widgets["connection_ok"] = ok
    err = ConnectionStatus(clock=lambda: BASE_TIME)
    err.set_status(
        PollStatus(
            state=PollState.ERROR,
            last_ok=BASE_TIME - timedelta(seconds=60),
            next_poll=BASE_TIME + timedelta(seconds=20),
            error="Server error 503: the service is temporarily unavailable "
            "(request id 7f3a9c, upstream dispatch-api timed out)",
            consecutive_failures=3,
            polls=12,
        )
    )
    err.resize(520, 32)
    widgets["connection_error"] = err

    demo = DemoBanner("http://127.0.0.1:8765")
    demo.set_scenarios(
        [("stalled", "Stalled job", "Running, nothing dispatched for 40 min"), ("healthy", "Healthy job", "All good")]
    )
    demo.resize(760, 44)
    widgets["demo_banner"] = demo

    cp = CountersPanel()
    cp.set_job(
        make_job(
            total=1000,
            queued=400,
            dispatched=610,
            in_progress=10,
            succeeded=520,
            failed=70,
            retry_scheduled=0,
            permits_in_use=10,
            waiting_for_permit=400,
            last_dispatch_at=(BASE_TIME - timedelta(seconds=192)).isoformat(),
        ),
        expected=1020,
        server_now=BASE_TIME,
    )
    cp.resize(760, 150)
    widgets["counters_panel"] = cp
    return widgets


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_render_every_widget(qtbot, make_job, make_snapshots, theme):
    OUT.mkdir(parents=True, exist_ok=True)
    for name, widget in build_gallery(make_job, make_snapshots).items():
        qtbot.addWidget(widget)
        if theme == "dark":
            widget.setPalette(dark_palette())
            widget.setAutoFillBackground(True)
        widget.show()
        qtbot.waitExposed(widget)
        path = OUT / f"{name}-{theme}.png"
        assert widget.grab().save(str(path), "PNG")
        image = QImage(str(path))
        assert image.width() >= 100 and image.height() >= 20, name
