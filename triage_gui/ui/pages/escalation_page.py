"""Escalation page: the level, the reasons that triggered it, the runbook's actions for it,
and the expected recovery outcome (counts, next action, ETA)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from triage_gui.domain import runbook
from triage_gui.domain.report import Report
from triage_gui.domain.vocabulary import CheckId
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.pages.redraw_when_shown import RedrawWhenShown
from triage_gui.ui.widgets.guidance_list import GuidanceList
from triage_gui.ui.widgets.icons import icon
from triage_gui.ui.widgets.verdict_badge import VerdictBadge


def _selectable(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class EscalationPage(QWizardPage):
    def __init__(self, controller: CaseController) -> None:
        super().__init__()
        self.controller = controller
        self.setTitle("Escalation")
        self.setSubTitle("The runbook's escalation tree over the checks' findings: the highest level triggered wins.")
        self.setObjectName("page_escalation")

        self.level_icon = QLabel()
        self.level_label = _selectable(QLabel("—"))
        self.level_label.setAccessibleName("Escalation level")
        font = self.level_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.level_label.setFont(font)
        top = QHBoxLayout()
        top.addWidget(self.level_icon)
        top.addWidget(self.level_label, 1)

        self.reasons = QListWidget()
        self.reasons.setAccessibleName("Reasons")
        self.reasons.setWordWrap(True)
        reasons_box = QGroupBox("&Reasons")
        QVBoxLayout(reasons_box).addWidget(self.reasons)

        self.runbook_actions = GuidanceList()

        self.verdicts = QHBoxLayout()
        self.badges: dict[CheckId, VerdictBadge] = {}
        for guidance in runbook.CHECKS:
            badge = VerdictBadge()
            badge.setToolTip(f"{guidance.number}. {guidance.title}")
            self.badges[guidance.id] = badge
            column = QVBoxLayout()
            title = QLabel(f"{guidance.number}. {guidance.title}")
            title.setWordWrap(True)  # four side by side fit 800 px
            column.addWidget(title)
            column.addWidget(badge)
            self.verdicts.addLayout(column)

        outcome_box = QGroupBox("Expected recovery outcome")
        form = QFormLayout(outcome_box)
        self.counts = _selectable(QLabel(""))
        self.next_action = _selectable(QLabel(""))
        self.eta = _selectable(QLabel(""))
        self.customer_message = _selectable(QLabel(""))
        form.addRow("Counts:", self.counts)
        form.addRow("Next action:", self.next_action)
        form.addRow("ETA:", self.eta)
        form.addRow("Customer message:", self.customer_message)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.verdicts)
        layout.addWidget(reasons_box, 1)
        layout.addWidget(self.runbook_actions)
        layout.addWidget(outcome_box)
        # scrolls when the window is short (800 x 600) instead of growing it off the screen
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(body)
        QVBoxLayout(self).addWidget(scroll)
        self.redraw = RedrawWhenShown(self, controller, self._on_report)

    def initializePage(self) -> None:
        if self.controller.report is not None:
            self._on_report(self.controller.report)

    def _on_report(self, report: Report) -> None:
        esc = report.escalation
        level = runbook.level(esc.level)
        self.level_label.setText(esc.title or f"Level {esc.level}: {level.title}")
        self.level_icon.setPixmap(icon(f"level-{esc.level}").pixmap(32, 32))
        self.reasons.clear()
        for reason in esc.reasons:
            self.reasons.addItem(f"Level {reason.level} — {reason.text}")
        if not esc.reasons:
            self.reasons.addItem("No escalation trigger: operator self-service (Level 1).")
        actions = list(esc.actions or level.actions)
        self.runbook_actions.set_lines(f"Runbook actions for Level {esc.level}", actions)
        case = self.controller.case
        for check in report.checks:
            override = case.overrides.get(check.id)
            if override is not None:
                self.badges[check.id].set_verdict(override.verdict, overridden=True, engine_verdict=check.verdict)
            else:
                self.badges[check.id].set_verdict(check.verdict)
        c = report.counts
        expected = f"expected {c.expected:,} · " if c.expected is not None else ""
        self.counts.setText(
            f"{expected}total {c.total:,} · processed {c.processed:,} · succeeded {c.succeeded:,} · failed {c.failed:,}"
        )
        outcome = report.outcome
        self.next_action.setText(outcome.next_action or "—")
        self.eta.setText(outcome.eta_text or (f"{outcome.eta.astimezone():%Y-%m-%d %H:%M}" if outcome.eta else "—"))
        self.customer_message.setText(outcome.customer_message or "—")
