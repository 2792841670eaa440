"""The targeted retry plan: who is in the cohort, who is out and why, and the hold banner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.findings import Verdict
from triage_gui.domain.report import RetryCandidate, RetryPlan
from triage_gui.ui.icons import icon
from triage_gui.ui.widgets.sorting import KeySortProxy, value_sort_key
from triage_gui.ui.widgets.verdict_style import verdict_colour

_Index = QModelIndex | QPersistentModelIndex
MASK = "•"


def mask_e164(e164: str | None, keep: int = 2) -> str:
    """Only the last digits stay readable: enough to match a customer's report, no more."""
    if not e164:
        return "—"
    digits = sum(ch.isdigit() for ch in e164)
    out, seen = [], 0
    for ch in e164:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else MASK)
        else:
            out.append(ch)
    return "".join(out)


def counts_line(plan: RetryPlan) -> str:
    planned = len(plan.recipient_ids)
    text = f"{planned:,} planned"
    if planned:
        text += f" ({len(plan.sample_ids):,} in the sample)"
    excluded = sum(plan.excluded.values())
    if excluded:
        reasons = sorted(plan.excluded.items(), key=lambda kv: (-kv[1], kv[0]))
        text += f", {excluded:,} excluded: " + ", ".join(f"{r} {n:,}" for r, n in reasons)
    else:
        text += ", none excluded"
    return text


class RetryCandidatesModel(QAbstractTableModel):
    HEADERS = ("Recipient", "Included", "Reason", "Number", "Last failure", "Class", "Attempts")
    RECIPIENT, INCLUDED, REASON, NUMBER, FAILURE, CLASS, ATTEMPTS = range(7)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RetryCandidate] = []
        self._sample: set[str] = set()

    def set_candidates(self, candidates: list[RetryCandidate], sample_ids: list[str]) -> None:
        self.beginResetModel()
        self._rows = list(candidates)
        self._sample = set(sample_ids)
        self.endResetModel()

    def candidate(self, row: int) -> RetryCandidate:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def _included_text(self, c: RetryCandidate) -> str:
        if not c.included:
            return "✗ excluded"
        return "✓ in the sample" if c.recipient_id in self._sample else "✓ included"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return {
                self.RECIPIENT: c.recipient_id,
                self.INCLUDED: self._included_text(c),
                self.REASON: c.reason,
                self.NUMBER: mask_e164(c.e164),
                self.FAILURE: c.last_failure_code or "—",
                self.CLASS: c.failure_class.value if c.failure_class else "—",
                self.ATTEMPTS: str(c.attempts),
            }[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ATTEMPTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.NUMBER:
            return "Masked: only the last 2 digits are shown"
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        c = self._rows[row]
        if column == self.INCLUDED:  # the sample, then the rest of the cohort, then excluded
            rank = 0 if c.recipient_id in self._sample else 1 if c.included else 2
            return (rank, c.recipient_id)
        if column == self.ATTEMPTS:
            return (c.attempts,)
        if column == self.NUMBER:
            return value_sort_key((c.e164 or "")[-2:])
        return value_sort_key(self.data(self.index(row, column)))


class RetryPlanView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hold_icon = QLabel()
        self.hold_icon.setPixmap(icon("verdict-warn").pixmap(QSize(24, 24),
                                                            self.devicePixelRatioF()))
        self.hold_text = QLabel()
        self.hold_text.setWordWrap(True)
        self.hold_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.hold_text.font()
        font.setBold(True)
        self.hold_text.setFont(font)
        self.hold_banner = QFrame()
        self.hold_banner.setObjectName("retryHold")
        self.hold_banner.setAccessibleName("Retry on hold")
        hold_layout = QHBoxLayout(self.hold_banner)
        hold_layout.setContentsMargins(6, 6, 6, 6)
        hold_layout.addWidget(self.hold_icon, 0, Qt.AlignmentFlag.AlignTop)
        hold_layout.addWidget(self.hold_text, 1)
        self.hold_banner.setVisible(False)

        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts.setAccessibleName("Retry plan counts")

        self.model = RetryCandidatesModel(self)
        self.proxy = KeySortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setAccessibleName("Retry candidates")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.sortByColumn(RetryCandidatesModel.INCLUDED, Qt.SortOrder.AscendingOrder)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hold_banner)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.table)
        self.set_plan(RetryPlan())

    def set_plan(self, plan: RetryPlan) -> None:
        self.hold_banner.setVisible(plan.hold)
        self._style_hold()
        hold = "Hold: do not retry yet."
        if plan.hold_reason:
            hold = f"Hold: {plan.hold_reason}"
        self.hold_text.setText(hold)
        self.hold_banner.setAccessibleDescription(hold if plan.hold else "")
        self.counts.setText(counts_line(plan))
        self.model.set_candidates(plan.candidates, plan.sample_ids)
        if plan.candidates:
            self.table.resizeColumnsToContents()

    def counts_text(self) -> str:
        return self.counts.text()

    def _style_hold(self) -> None:
        colour = verdict_colour(Verdict.WARN, self.palette()).name()
        self.hold_banner.setStyleSheet(
            f"QFrame#retryHold {{ border: 2px solid {colour}; border-radius: 6px; }}"
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() in (
            QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange
        ) and hasattr(self, "hold_banner"):
            self._style_hold()
        super().changeEvent(event)
