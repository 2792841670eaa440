"""A check's findings, worst first, with the selected finding's evidence beside them.

Everything reads in plain words (``domain/evidence_words.py``): a finding's title, not its id;
"Idle for: 20 min", not "idle_s: 1200". The codes stay one step away: in the tooltips and in
each table's context menu ("Copy raw"). Phone numbers show masked until the agent presses
"Show numbers" (per view, off at start, never saved).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.evidence_words import finding_title
from triage_gui.domain.findings import Finding
from triage_gui.domain.phone_display import mask_numbers_in_text
from triage_gui.ui.widgets.evidence_table import EvidenceTableModel, KeyValueModel
from triage_gui.ui.widgets.icons import verdict_icon
from triage_gui.ui.widgets.sorting import KeySortProxy
from triage_gui.ui.widgets.table_model import RAW_ROLE, RowTableModel
from triage_gui.ui.widgets.table_view import SIZE_SAMPLE_ROWS, TableMenu, read_only_table
from triage_gui.ui.widgets.verdict_style import verdict_colour, verdict_meaning, verdict_word


class FindingsModel(RowTableModel[Finding]):
    VERDICT, FINDING, SUMMARY = range(3)
    HEADERS = ("Verdict", "Finding", "Summary")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette: QPalette | None = None  # the view's; the app's when None
        self._numbers_shown = False

    def set_palette(self, palette: QPalette) -> None:
        """Verdict colours follow the view's palette (a widget may be darker than the app)."""
        self._palette = QPalette(palette)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.VERDICT),
                self.index(len(self._rows) - 1, self.VERDICT),
                [Qt.ItemDataRole.ForegroundRole],
            )

    def set_findings(self, findings: list[Finding]) -> None:
        self.set_rows(findings)

    def set_numbers_shown(self, shown: bool) -> None:
        self._numbers_shown = shown
        if self._rows:
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.SUMMARY), self.index(last, self.SUMMARY))

    def summary(self, item: Finding) -> str:
        return item.summary if self._numbers_shown else mask_numbers_in_text(item.summary)

    def finding(self, row: int) -> Finding:
        return self.row_at(row)

    def texts(self, item: Finding, row: int) -> tuple[str, str, str]:
        return (verdict_word(item.verdict), finding_title(item.id), self.summary(item))

    def cell(self, item: Finding, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(item, row)[column]
        if role == Qt.ItemDataRole.DecorationRole and column == self.VERDICT:
            return verdict_icon(item.verdict)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.VERDICT:
            return verdict_colour(item.verdict, self._palette)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.VERDICT:
                return verdict_meaning(item.verdict)
            return f"{finding_title(item.id)} (code: {item.id})" if column == self.FINDING else self.summary(item)
        if role == RAW_ROLE:
            return (item.verdict.value, item.id, self.summary(item))[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{verdict_word(item.verdict)}: {finding_title(item.id)}. {self.summary(item)}"
        return None

    def sort_key(self, row: int, column: int) -> tuple[Any, ...]:
        finding = self._rows[row]
        if column == self.VERDICT:
            return (finding.verdict.severity,)
        if column == self.FINDING:
            return (finding_title(finding.id).casefold(),)
        return (finding.summary.casefold(),)


def _table(name: str) -> QTableView:
    view = read_only_table(name)
    view.setSortingEnabled(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setHighlightSections(False)
    return view


class FindingsView(QWidget):
    finding_selected = Signal(object)  # Finding
    numbers_shown_changed = Signal(bool)
    # "Find this recipient" on a row (an id or a number); the page opens the lookup
    find_recipient_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingsModel(self)
        self.model.set_palette(self.palette())
        self.proxy = KeySortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = _table("Findings")
        self.table.setModel(self.proxy)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(FindingsModel.VERDICT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FindingsModel.FINDING, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.sortByColumn(FindingsModel.VERDICT, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextFormat(Qt.TextFormat.RichText)
        self.detail_title.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.detail_title.setAccessibleName("Selected finding")
        self.numbers_button = QPushButton("Show n&umbers")
        self.numbers_button.setCheckable(True)
        self.numbers_button.setAccessibleName("Show phone numbers")
        self.numbers_button.setToolTip(
            "Phone numbers are masked (last two digits). Show them whole until you switch this off; never saved."
        )
        self.numbers_button.toggled.connect(self.set_numbers_shown)

        self.evidence_model = KeyValueModel(parent=self)
        self.evidence_proxy = KeySortProxy(self)
        self.evidence_proxy.setSourceModel(self.evidence_model)
        self.evidence = _table("Evidence of the selected finding")
        self.evidence.setModel(self.evidence_proxy)
        self.evidence.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.evidence.horizontalHeader().setStretchLastSection(True)
        self.evidence.verticalHeader().setVisible(False)
        self.evidence.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the engine's order first

        self.rows_label = QLabel()
        self.rows_label.setAccessibleName("Rows behind the selected finding")
        self.rows_model = EvidenceTableModel(parent=self)
        self.rows_proxy = KeySortProxy(self)
        self.rows_proxy.setSourceModel(self.rows_model)
        self.rows = _table("Rows behind the selected finding")
        self.rows.setModel(self.rows_proxy)
        self.rows.horizontalHeader().setStretchLastSection(True)
        self.rows.horizontalHeader().setResizeContentsPrecision(SIZE_SAMPLE_ROWS)  # sized on a sample
        self.rows.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # source order until asked

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 4, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.detail_title, 1)
        title_row.addWidget(self.numbers_button, 0, Qt.AlignmentFlag.AlignTop)
        detail_layout.addLayout(title_row)
        detail_layout.addWidget(self.evidence, 1)
        detail_layout.addWidget(self.rows_label)
        detail_layout.addWidget(self.rows, 2)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([200, 300])  # first layout: findings 2, evidence 3 (scaled to fit)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.setFocusProxy(self.table)
        self.menus = [TableMenu(view) for view in (self.table, self.evidence, self.rows)]
        for menu in self.menus:
            menu.find_recipient.connect(self.find_recipient_requested)
        self._shown: Finding | None = None
        self._show(None)

    # -- API ------------------------------------------------------------------------------
    def set_findings(self, findings: list[Finding]) -> None:
        """Show new findings; the finding the agent had selected stays selected (live polls
        refresh the findings every few seconds), else the first (worst) one is."""
        previous = self.selected_finding()
        self._shown = None
        self.model.set_findings(findings)
        if self.proxy.rowCount() == 0:
            self._show(None)
            return
        target = self.proxy.index(0, 0)
        if previous is not None:
            for row in range(self.proxy.rowCount()):
                index = self.proxy.index(row, 0)
                if self.model.finding(self.proxy.mapToSource(index).row()).id == previous.id:
                    target = index
                    break
        self.table.selectionModel().setCurrentIndex(
            target,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        # a reset clears the current index, so the signal above normally showed it already
        self._show(self.model.finding(self.proxy.mapToSource(target).row()))

    def selected_finding(self) -> Finding | None:
        current = self.table.selectionModel().currentIndex()
        if not current.isValid():
            return None
        return self.model.finding(self.proxy.mapToSource(current).row())

    @property
    def numbers_shown(self) -> bool:
        return self.numbers_button.isChecked()

    @Slot(bool)
    def set_numbers_shown(self, shown: bool) -> None:
        """Phone numbers whole (``True``) or masked, in every table and text of this view."""
        if self.numbers_button.isChecked() != shown:
            self.numbers_button.setChecked(shown)  # comes back here through toggled
            return
        self.model.set_numbers_shown(shown)
        self.evidence_model.set_numbers_shown(shown)
        self.rows_model.set_numbers_shown(shown)
        if self._shown is not None:
            self._show_title(self._shown)
        self.numbers_shown_changed.emit(shown)

    def summary_text(self, text: str) -> str:
        """A sentence of a finding as this view shows it (numbers masked unless shown)."""
        return text if self.numbers_shown else mask_numbers_in_text(text)

    def findings_in_view_order(self) -> list[Finding]:
        return [
            self.model.finding(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]

    # -- internals ------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and hasattr(self, "model"):
            self.model.set_palette(self.palette())
        super().changeEvent(event)

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show(None)
            return
        finding = self.model.finding(self.proxy.mapToSource(current).row())
        self._show(finding)
        self.finding_selected.emit(finding)

    def _show(self, finding: Finding | None) -> None:
        if finding is not None and finding is self._shown:
            return
        self._shown = finding
        if finding is None:
            self.detail_title.setText("No findings." if self.model.rowCount() == 0 else "")
            self.evidence_model.set_values({})
            self.rows_model.set_table(None)
            self.evidence.setVisible(False)
            self.rows_label.setVisible(False)
            self.rows.setVisible(False)
            return
        self._show_title(finding)
        self.evidence_model.set_values(finding.evidence, finding_id=finding.id)
        self.evidence.setVisible(bool(finding.evidence))
        self.rows_model.set_table(finding.table, finding_id=finding.id)
        has_rows = finding.table is not None
        self.rows_label.setVisible(has_rows)
        self.rows.setVisible(has_rows)
        if has_rows:
            self.rows_label.setText(self._rows_caption())
        self.rows.resizeColumnsToContents()

    def _show_title(self, finding: Finding) -> None:
        title, summary = finding_title(finding.id), self.summary_text(finding.summary)
        self.detail_title.setText(f"<b>{verdict_word(finding.verdict)} · {escape(title)}</b><br>{escape(summary)}")
        self.detail_title.setToolTip(f"Finding code: {finding.id}")

    def _rows_caption(self) -> str:
        shown, total = self.rows_model.shown_rows, self.rows_model.total_rows
        if self.rows_model.truncated:
            return f"Rows behind this finding: showing {shown:,} of {total:,} rows"
        return f"Rows behind this finding: {shown:,} row{'s' if shown != 1 else ''}"
