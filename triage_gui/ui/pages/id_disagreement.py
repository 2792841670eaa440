"""The start page's panel for typed IDs the job does not name: both side by side, and a choice.

Nothing is judged while it shows: a campaign or upload typed from a ticket that is not the
job's would otherwise be judged against the job (false configuration mismatches)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

if TYPE_CHECKING:  # the models load after the first frame (cold start)
    from triage_gui.domain.case import IdDisagreement


class IdDisagreementBox(QGroupBox):
    use_job_ids = Signal()  # take the job's IDs instead of the typed ones, and load
    keep_typed_ids = Signal()  # keep the typed ones (the agent knows better), and load

    def __init__(self) -> None:
        super().__init__("The IDs you typed are not the job's")
        self.disagreements: list[IdDisagreement] = []
        self.job_id = ""  # the job they are about
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("The IDs you typed and the job's")
        self.use_job = QPushButton("Use what the job &says")
        self.use_job.clicked.connect(self.use_job_ids)
        self.keep_typed = QPushButton("&Keep what I typed")
        self.keep_typed.clicked.connect(self.keep_typed_ids)
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.use_job)
        choice_row.addWidget(self.keep_typed)
        choice_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(choice_row)
        self.setVisible(False)

    def show_disagreements(self, found: list[IdDisagreement], job_id: str) -> None:
        """Show these (an empty list hides the panel)."""
        self.disagreements = list(found)
        self.job_id = job_id
        self.text.setText(
            "\n".join(f"{d.label}: you typed {d.typed}; the job {job_id} says {d.job_says}." for d in found)
        )
        self.setVisible(bool(found))
