"""Export page: hand the case on. Today: the report as JSON and a plain-text summary;
the escalation form and the diagnostics bundle build on this page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWizardPage

from triage_gui.domain.report_text import report_as_text
from triage_gui.ui.case_controller import CaseController


class ExportPage(QWizardPage):
    def __init__(self, controller: CaseController) -> None:
        super().__init__()
        self.controller = controller
        self.setTitle("Export")
        self.setSubTitle("Hand the case on: a summary to paste into the ticket, and the report as JSON.")
        self.setObjectName("page_export")
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Summary")
        self.copy_button = QPushButton("&Copy summary")
        self.copy_button.clicked.connect(self._copy)
        self.save_button = QPushButton("Save report as &JSON…")
        self.save_button.clicked.connect(self._save_json)
        self.status = QLabel("")
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        report = self.controller.report
        self.summary.setPlainText(report_as_text(report, self.controller.case) if report else "")

    @Slot()
    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.summary.toPlainText())
        self.status.setText("Summary copied to the clipboard.")

    @Slot()
    def _save_json(self) -> None:
        report = self.controller.report
        if report is None:
            return
        default = f"report-{report.job_id}.json"
        path, _ = QFileDialog.getSaveFileName(self, "Save report", default, "JSON (*.json)")
        if path:
            Path(path).write_text(report.model_dump_json(indent=2), encoding="utf-8")
            self.status.setText(f"Saved {path}")
