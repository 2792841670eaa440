"""The retry cohort as a table the agent edits, and the edits themselves.

A cohort is immutable (``domain.retry_cohort``): every edit makes a new one. The page keeps the
agent's edits as a list of :data:`CohortEdit` and replays them on every new proposal (a poll, a
reload), so what the agent unchecked stays unchecked until "Reset to the proposal".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal

from triage_gui.domain.report import FailureClass, RetryPlan
from triage_gui.domain.retry_cohort import Cohort, CohortMember, mask_number
from triage_gui.ui.pages.retry_texts import MASKED_NUMBER_TIP, failure_texts
from triage_gui.ui.widgets.table_model import RECIPIENT_ROLE, Index, RowTableModel

# (kind, value): ("in" | "out", recipient id), ("code", failure code) or ("class", failure class)
CohortEdit = tuple[str, str]

GROUP_RANK = {"sample": 0, "remainder": 1, "excluded": 2}


def apply_edit(cohort: Cohort, edit: CohortEdit) -> Cohort:
    kind, value = edit
    if kind == "in":
        return cohort.select([value])
    if kind == "out":
        return cohort.deselect([value])
    if kind == "code":
        return cohort.deselect_code(value)
    return cohort.deselect_class(FailureClass(value))


def replay_edits(cohort: Cohort, edits: Iterable[CohortEdit]) -> Cohort:
    for edit in edits:
        cohort = apply_edit(cohort, edit)
    return cohort


def deselect_choices(cohort: Cohort) -> list[tuple[str, str]]:
    """What "Deselect all with it" offers: each failure code, then each failure class, of the
    selected recipients, with how many it would take out; as (label, "kind:value")."""
    choices = []
    for kind, values in (
        ("code", [m.last_failure_code for m in cohort.members if m.selected]),
        ("class", [m.failure_class.value for m in cohort.members if m.selected and m.failure_class]),
    ):
        for value in sorted({v for v in values if v}):
            n = values.count(value)
            choices.append((f"{kind} {value} ({n} selected)", f"{kind}:{value}"))
    return choices


# each recipient's group, the rows in order, and their recipient ids
CohortRows = tuple[dict[str, str], list[CohortMember], list[str]]


def cohort_rows(cohort: Cohort, plan: RetryPlan) -> CohortRows:
    """Pure (no Qt): each member's group (sample, remainder, excluded) and the members in the
    order the table shows them, the sample first."""
    sample, planned = set(plan.sample_ids), set(plan.recipient_ids)
    group = {
        m.recipient_id: "sample"
        if m.recipient_id in sample
        else "remainder"
        if m.recipient_id in planned
        else "excluded"
        for m in cohort.members
    }
    order = sorted(group, key=lambda r: (GROUP_RANK[group[r]], r))
    members = {m.recipient_id: m for m in cohort.members}
    return group, [members[r] for r in order], order


class CohortModel(RowTableModel[CohortMember]):
    """Every candidate of the plan, sample first, then the remainder, then the excluded; the
    first column's check box puts a recipient in or out (``validate_cohort`` judges it)."""

    edited = Signal(str, bool)  # recipient id, selected
    HEADERS = ("Recipient", "Group", "In cohort", "Reason", "Number", "Last failure", "Class", "Attempts")
    RECIPIENT, GROUP, IN, REASON, NUMBER, FAILURE, CLASS, ATTEMPTS = range(8)
    RIGHT_ALIGNED = frozenset({ATTEMPTS})
    COLUMN_TIPS = {NUMBER: MASKED_NUMBER_TIP}
    NUMBERED_ROWS = False  # the view hides the vertical header

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cohort: Cohort | None = None
        self._group: dict[str, str] = {}
        self._ids: list[str] = []  # the rows' recipient ids

    def set_cohort(self, cohort: Cohort, plan: RetryPlan, rows: CohortRows | None = None) -> None:
        """Show ``cohort``; ``rows``: its :func:`cohort_rows` made already (on a worker for a big
        plan: ~0.1 s at 1M recipients)."""
        group, ordered, ids = rows if rows is not None else cohort_rows(cohort, plan)
        if ids == self._ids:  # (compared in C)
            # the same recipients in the same places: a check box changed, the selection stays
            self.cohort, self._group, self._rows = cohort, group, ordered
            if ordered:
                self.dataChanged.emit(self.index(0, 0), self.index(len(ordered) - 1, len(self.HEADERS) - 1))
            return
        with self.resetting():
            self.cohort, self._group, self._rows, self._ids = cohort, group, ordered, ids

    def set_rows(self, rows: Iterable[CohortMember]) -> None:
        super().set_rows(rows)
        self._ids = [m.recipient_id for m in self._rows]

    def member(self, row: int) -> CohortMember:
        return self.row_at(row)

    def texts(self, m: CohortMember, row: int) -> tuple[str, ...]:
        reason = m.reason if " " in m.reason else m.reason.replace("_", " ")  # plan keys in words
        return (
            m.recipient_id,
            self._group[m.recipient_id],
            "✓ in" if m.selected else "✗ out",
            reason,
            *failure_texts(m, mask_number),
        )

    def cell(self, m: CohortMember, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole and column == self.RECIPIENT:
            return Qt.CheckState.Checked if m.selected else Qt.CheckState.Unchecked
        if role == RECIPIENT_ROLE:  # "Find this recipient" from the row's menu
            return m.recipient_id
        return super().cell(m, row, column, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.RECIPIENT:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != self.RECIPIENT or self.cohort is None:
            return False
        selected = Qt.CheckState(value) == Qt.CheckState.Checked
        self.edited.emit(self._rows[index.row()].recipient_id, selected)
        return True
