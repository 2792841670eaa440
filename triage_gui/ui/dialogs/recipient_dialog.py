"""Find a recipient of the open case's job: type a number (any format) or an id, see every attempt.

The lookup itself is ``domain/recipient_lookup.py``; this dialog reads the open case when a
search runs (the case's incident data, the analysis settings for the default region, and the
retry ledger's copy in the case), so a live case is searched as it is now. Numbers show masked
until "Show numbers" (off at every opening, never saved); a number put in the search field from
a masked table row stays masked there too.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.domain.case import Case
from triage_gui.domain.evidence_words import time_text
from triage_gui.domain.incident import AnalysisSettings, IncidentData
from triage_gui.domain.phone_display import mask_numbers_in_text, masked
from triage_gui.domain.recipient_lookup import AttemptLine, LookupResult, RecipientMatch, lookup
from triage_gui.ui.widgets.table_model import RAW_ROLE, RECIPIENT_ROLE, RIGHT_ALIGN, RowTableModel
from triage_gui.ui.widgets.table_view import TableMenu, fit_columns_on_reset, read_only_table


class CaseSource(Protocol):
    """What the dialog reads of the open case (``CaseController`` has these attributes)."""

    data: IncidentData | None
    settings: AnalysisSettings
    case: Case


Row = tuple[AttemptLine, RecipientMatch]


def _when(moment: Any) -> str:
    return time_text(moment) if moment is not None else "—"


class AttemptsModel(RowTableModel[Row]):
    RECIPIENT, NUMBER, ATTEMPT, STATUS, CODE, SIP, CLASS, QUEUED, DISPATCHED, ENDED, RETRY = range(11)
    HEADERS = (
        "Recipient",
        "Number",
        "Attempt",
        "Status",
        "Failure code",
        "SIP",
        "Class",
        "Queued",
        "Dispatched",
        "Ended",
        "Retry queued",
    )
    RIGHT_ALIGNED = frozenset({ATTEMPT, SIP})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.numbers_shown = False

    def set_result(self, result: LookupResult) -> None:
        self.set_rows((a, m) for m in result.matches for a in m.attempts)

    def set_numbers_shown(self, shown: bool) -> None:
        self.numbers_shown = shown
        if self._rows:
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.NUMBER), self.index(last, self.NUMBER))

    def texts(self, item: Row, row: int) -> tuple[str, ...]:
        a, m = item
        return (
            a.recipient_id,
            a.phone_number if self.numbers_shown else masked(a.phone_number),
            str(a.attempt),
            a.status.replace("_", " "),
            a.code or "—",
            str(a.sip_status) if a.sip_status is not None else "—",
            a.failure_class.value if a.failure_class else "—",
            _when(a.queued_at),
            _when(a.dispatched_at),
            _when(a.ended_at),
            m.retry_text if a is m.attempts[-1] else "",  # said once, on the latest attempt
        )

    def cell(self, item: Row, row: int, column: int, role: int) -> Any:
        a, m = item
        if role == RECIPIENT_ROLE:
            return a.recipient_id
        if role == RAW_ROLE:
            raw = {
                self.NUMBER: self.texts(item, row)[self.NUMBER],
                self.STATUS: a.status,
                self.QUEUED: a.queued_at.isoformat() if a.queued_at else None,
                self.DISPATCHED: a.dispatched_at.isoformat() if a.dispatched_at else None,
                self.ENDED: a.ended_at.isoformat() if a.ended_at else None,
            }
            return raw.get(column, self.texts(item, row)[column])
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.CODE, self.SIP) and a.message:
            return a.message
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.RIGHT_ALIGNED:
            return RIGHT_ALIGN
        return super().cell(item, row, column, role)


class RecipientDialog(QDialog):
    """Open with ``open()``; :meth:`look_up` searches at once (a table row's "Find this recipient")."""

    def __init__(self, source: CaseSource, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.setWindowTitle("Find recipient")
        self.setObjectName("recipient_dialog")
        self.last_result: LookupResult | None = None
        self._hidden_query: tuple[str, str] | None = None  # (what the field shows, the number)

        self.query = QLineEdit()
        self.query.setAccessibleName("Phone number or recipient id")
        self.query.setPlaceholderText("e.g. 07911 123456, +44 7911 123456 or rcp_00042")
        self.query.setClearButtonEnabled(True)
        query_label = QLabel("&Phone number or recipient id:")
        query_label.setBuddy(self.query)
        self.find_button = QPushButton("&Find")
        self.find_button.setDefault(True)  # Enter in the field searches
        self.find_button.clicked.connect(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(self.query, 1)
        search_row.addWidget(self.find_button)

        self.status = QLabel("Type a phone number in any format, or a recipient id, and press Enter.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Lookup result")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.model = AttemptsModel(self)
        self.table = read_only_table("Attempts of the recipient", row_numbers=False)
        self.table.setModel(self.model)
        fit_columns_on_reset(self.table, stretch=AttemptsModel.RETRY)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.menu = TableMenu(self.table)
        self.menu.find_recipient.connect(self.look_up)
        table_label = QLabel("&Attempts:")
        table_label.setBuddy(self.table)

        self.numbers_button = QPushButton("Show n&umbers")
        self.numbers_button.setCheckable(True)
        self.numbers_button.setAccessibleName("Show phone numbers")
        self.numbers_button.setToolTip("Show phone numbers whole until you switch this off; never saved.")
        self.numbers_button.setAutoDefault(False)
        self.numbers_button.toggled.connect(self._numbers_toggled)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.numbers_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(query_label)
        layout.addLayout(search_row)
        layout.addWidget(self.status)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(900, 420)
        self.query.setFocus()

    # -- API ------------------------------------------------------------------------------
    @Slot(str)
    def look_up(self, query: str) -> None:
        """Put ``query`` in the field (a number masked while numbers are hidden) and search."""
        shown = query if self.numbers_button.isChecked() or not _is_number(query) else masked(query)
        self._hidden_query = (shown, query) if shown != query else None
        self.query.setText(shown)
        self.search()

    def query_text(self) -> str:
        """What is searched: the field, or the hidden number it shows masked."""
        text = self.query.text()
        if self._hidden_query is not None and text == self._hidden_query[0]:
            return self._hidden_query[1]
        return text

    @Slot()
    def search(self) -> None:
        case = self.source.case
        result = lookup(self.source.data, self.query_text(), settings=self.source.settings, retries=case.retries)
        self.last_result = result
        self.model.set_result(result)
        self.status.setText(self._status_text(result))
        if self.model.rowCount():
            self.table.selectRow(0)

    # -- internals ------------------------------------------------------------------------
    def _status_text(self, result: LookupResult) -> str:
        lines = [result.message, *(f"{m.recipient_id}: {m.retry_text}." for m in result.matches)]
        text = " ".join(lines)
        if self.numbers_button.isChecked():
            return text
        if self._hidden_query is not None:
            text = text.replace(self._hidden_query[1], self._hidden_query[0])
        return mask_numbers_in_text(text)

    @Slot(bool)
    def _numbers_toggled(self, shown: bool) -> None:
        self.model.set_numbers_shown(shown)
        if shown and self._hidden_query is not None and self.query.text() == self._hidden_query[0]:
            self.query.setText(self._hidden_query[1])
            self._hidden_query = None
        if self.last_result is not None:
            self.status.setText(self._status_text(self.last_result))


def _is_number(query: str) -> bool:
    digits = sum(c.isdigit() for c in query)
    return digits >= 6 and digits >= len(query.strip()) // 2
