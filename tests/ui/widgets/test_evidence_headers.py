"""An evidence table's headers are worded once per table, not on every ``columnCount`` (Qt asks
it for every cell: 114 ms per page switch at 1M recipients)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from triage_gui.domain import evidence_words
from triage_gui.domain.findings import EvidenceTable
from triage_gui.ui.widgets import evidence_table
from triage_gui.ui.widgets.evidence_table import EvidenceTableModel


def test_headers_are_worded_once_per_table(monkeypatch):
    worded: list[str] = []

    def counting_label(key: str) -> str:
        worded.append(key)
        return evidence_words.label(key)

    monkeypatch.setattr(evidence_table, "label", counting_label)
    model = EvidenceTableModel(EvidenceTable(columns=["recipient_id", "idle_s"], rows=[["r1", 1200], ["r2", 60]]))
    assert worded == ["recipient_id", "idle_s"]
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            model.index(row, column).data()
    assert model.headerData(1, Qt.Orientation.Horizontal) == evidence_words.label("idle_s")
    assert worded == ["recipient_id", "idle_s"]  # not again, however often Qt asks
    model.set_table(EvidenceTable(columns=["attempts"], rows=[[3]]))
    assert model.headerData(0, Qt.Orientation.Horizontal) == evidence_words.label("attempts")
    assert model.columnCount() == 1
    model.set_table(None)
    assert model.columnCount() == 0
