"""The case at a glance on every page: the four checks' verdicts, the escalation level, and the
way to the form and the export, each a button that opens its step.

So page 1's PASS beside a Level 3 storm is never the whole story, and the form is one click (or
Ctrl+6) away from anywhere. Each step is numbered as in the runbook; Ctrl+<number> opens it
(a shortcut, not an Alt mnemonic: the start page's symptoms take Alt+1..4).
Verdicts are said in words with their icon (never colour alone); the tooltip says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from triage_gui.domain.vocabulary import CheckId, Verdict
from triage_gui.ui.widgets.icons import icon, verdict_icon
from triage_gui.ui.widgets.verdict_style import verdict_meaning, verdict_word

if TYPE_CHECKING:
    from triage_gui.domain.case import VerdictOverride
    from triage_gui.domain.findings import CheckResult
    from triage_gui.domain.report import Report
    from triage_gui.ui.case.controller import CaseController

ESCALATION = "escalation"
FORM = "form"
EXPORT = "export"
STEPS: tuple[str, ...] = (*(c.value for c in CheckId), ESCALATION, FORM, EXPORT)

# the runbook's names of the checks, short enough for a strip beside the page
_CHECK_NAMES = {
    CheckId.JOB_HEALTH: "Job health",
    CheckId.PERMITS_DISPATCH: "Permits",
    CheckId.DUPLICATES: "Duplicates",
    CheckId.RETRY_STRATEGY: "Retries",
}
_ICON = QSize(18, 18)


def _reason(result: CheckResult) -> str:
    """The worst finding's summary: why the check has its verdict."""
    return next((f.summary for f in result.findings if f.verdict is result.verdict), "No findings.")


class VerdictStrip(QWidget):
    """``step_requested`` carries a key of :data:`STEPS`: a check's id, "escalation", "form"
    or "export"; whoever holds the pages opens it."""

    step_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict_strip")
        self.setAccessibleName("Case at a glance")
        self.chips: dict[str, QToolButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(4)
        heading = QLabel("<b>Steps</b>")
        heading.setAccessibleName("Steps")
        layout.addWidget(heading)
        for number, key in enumerate(STEPS, start=1):
            chip = QToolButton()
            chip.setObjectName(f"step_{key}")
            chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            chip.setIconSize(_ICON)
            chip.setCheckable(True)  # checked: the step on screen
            chip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            chip.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            chip.clicked.connect(lambda _checked=False, k=key: self._chip_clicked(k))
            chip.setProperty("step_number", number)
            self.chips[key] = chip
            if key == ESCALATION:
                layout.addSpacing(6)
            layout.addWidget(chip)
        layout.addStretch(1)
        self._current: str | None = None
        self.show_report(None)

    # -- API ------------------------------------------------------------------------------
    def attach(self, controller: CaseController) -> None:
        """Follow ``controller``'s case: each report (and override) and each new case."""
        self._controller = controller

        def report_changed(report: object) -> None:
            self.show_report(report, controller.case.overrides)  # type: ignore[arg-type]

        def case_changed() -> None:
            if controller.report is None:
                self.show_report(None)

        controller.report_changed.connect(report_changed)
        controller.case_changed.connect(case_changed)
        if controller.report is not None:
            self.show_report(controller.report, controller.case.overrides)

    def show_report(self, report: Report | None, overrides: dict[CheckId, VerdictOverride] | None = None) -> None:
        overrides = overrides or {}
        for number, check in enumerate(CheckId, start=1):
            if report is None:
                self._show_check(number, check, None, "No verdict yet: load a job on the start page.", False)
                continue
            result = report.check(check)
            override = overrides.get(check)
            if override is not None:
                why = (
                    f"{verdict_meaning(override.verdict)}. Overridden by the agent ({override.reason}); "
                    f"the engine said {verdict_word(result.verdict)}: {_reason(result)}"
                )
                self._show_check(number, check, Verdict(override.verdict), why, True)
            else:
                why = f"{verdict_meaning(result.verdict)}. {_reason(result)}"
                self._show_check(number, check, Verdict(result.verdict), why, False)
        self._show_level(report)
        self._show_jump(
            FORM, "Form", "The escalation form, pre-filled from the checks: fill in or waive what is missing"
        )
        self._show_jump(EXPORT, "Export", "Copy or save the form, or export the diagnostics bundle")
        for chip in self.chips.values():
            chip.setEnabled(report is not None)

    def set_current(self, key: str | None) -> None:
        """Mark the step on screen (None: none of them, e.g. the start page)."""
        self._current = key
        for chip_key, chip in self.chips.items():
            chip.setChecked(chip_key == key)

    def verdict_text(self, key: str) -> str:
        """What the chip of ``key`` says (e.g. "1 FAIL")."""
        return self.chips[key].text()

    # -- internals ------------------------------------------------------------------------
    def _chip_clicked(self, key: str) -> None:
        self.chips[key].setChecked(key == self._current)  # only a page switch moves the mark
        self.step_requested.emit(key)

    def _show_check(self, number: int, check: CheckId, verdict: Verdict | None, why: str, overridden: bool) -> None:
        chip = self.chips[check.value]
        word = verdict_word(verdict)
        mark = "*" if overridden else ""
        chip.setText(f"{number} {word}{mark}")  # the name is in the tooltip: the strip stays narrow
        chip.setIcon(verdict_icon(verdict) if verdict is not None else icon("verdict-unknown"))
        said = f"{word}, overridden by the agent" if overridden else word
        chip.setAccessibleName(f"Step {number}, {_CHECK_NAMES[check]}: {said}")
        chip.setAccessibleDescription(why)
        chip.setToolTip(f"{number}. {_CHECK_NAMES[check]}: {said}\n{why}\n(Ctrl+{number} opens this step)")

    def _show_level(self, report: Report | None) -> None:
        chip = self.chips[ESCALATION]
        number = STEPS.index(ESCALATION) + 1
        if report is None:
            chip.setText(f"{number} Level {verdict_word(None)}")
            chip.setIcon(icon("level-1"))
            why = "No escalation level yet: load a job on the start page."
            chip.setAccessibleName(f"Step {number}, escalation level: none yet")
        else:
            esc = report.escalation
            chip.setText(f"{number} Level {esc.level}")
            chip.setIcon(icon(f"level-{esc.level}"))
            reasons = "; ".join(r.text for r in esc.reasons) or "no escalation trigger"
            why = f"{esc.title or f'Level {esc.level}'}: {reasons}"
            chip.setAccessibleName(f"Step {number}, escalation: Level {esc.level}")
        chip.setAccessibleDescription(why)
        chip.setToolTip(f"{why}\n(Ctrl+{number} opens the escalation step)")

    def _show_jump(self, key: str, word: str, what: str) -> None:
        chip = self.chips[key]
        number = STEPS.index(key) + 1
        chip.setText(f"{number} {word}")
        chip.setIcon(icon("export" if key == EXPORT else "note"))
        chip.setAccessibleName(f"Step {number}, {word.lower()}")
        chip.setAccessibleDescription(what)
        chip.setToolTip(f"{what}\n(Ctrl+{number} opens it)")
