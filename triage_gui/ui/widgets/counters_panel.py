"""A job's counters at a glance: a compact grid and a processed/total progress bar."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from triage_gui.domain.models import BatchJob

# key, label: in the order an agent reads them (runbook check 1: status, counters, expected).
FIELDS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("expected", "Expected contacts"),
    ("total", "Total recipients"),
    ("processed", "Processed"),
    ("queued", "Queued"),
    ("dispatched", "Dispatched"),
    ("in_progress", "In progress"),
    ("retry_scheduled", "Retry scheduled"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("permits", "Permits in use"),
    ("waiting_for_permit", "Waiting for permit"),
    ("last_dispatch", "Last dispatch"),
)
COLUMNS = 2  # label/value pairs per row: two keep page 1 within an 800 px window


def age_text(seconds: float) -> str:
    """A short age: "45 s ago", "3 min 12 s ago", "2 h 5 min ago", "3 d 4 h ago"."""
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s} s ago"
    if s < 3600:
        return f"{s // 60} min {s % 60} s ago"
    if s < 86_400:
        return f"{s // 3600} h {s % 3600 // 60} min ago"
    return f"{s // 86_400} d {s % 86_400 // 3600} h ago"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def counter_texts(job: BatchJob, *, expected: int | None, server_now: datetime) -> dict[str, str]:
    c, d = job.counters, job.dispatch
    total_text = f"{c.total:,}"
    if expected is not None and expected != c.total:
        gap = expected - c.total
        total_text += f" ({abs(gap):,} {'fewer' if gap > 0 else 'more'} than expected)"
    processed = f"{c.processed:,} of {c.total:,}"
    if c.total:
        processed += f" ({100 * c.processed / c.total:.1f} %)"
    if d.last_dispatch_at is None:
        last = "never"
    else:
        last = age_text((_aware(server_now) - _aware(d.last_dispatch_at)).total_seconds())
    return {
        "status": job.status.value,
        "expected": "unknown" if expected is None else f"{expected:,}",
        "total": total_text,
        "processed": processed,
        "queued": f"{c.queued:,}",
        "dispatched": f"{c.dispatched:,}",
        "in_progress": f"{c.in_progress:,}",
        "retry_scheduled": f"{c.retry_scheduled:,}",
        "succeeded": f"{c.succeeded:,}",
        "failed": f"{c.failed:,}",
        "permits": f"{d.permits_in_use:,} / {d.concurrency_limit:,}",
        "waiting_for_permit": f"{d.waiting_for_permit:,}",
        "last_dispatch": last,
    }


class CountersPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for i, (key, label) in enumerate(FIELDS):
            row, pair = divmod(i, COLUMNS)
            name = QLabel(f"{label}:")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value = QLabel("—")
            value.setWordWrap(True)  # a long value ("1,200 (300 fewer than expected)") wraps in a narrow window
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = value.font()
            font.setBold(True)
            value.setFont(font)
            value.setAccessibleName(label)
            name.setBuddy(value)
            grid.addWidget(name, row, pair * 2)
            grid.addWidget(value, row, pair * 2 + 1)
            self._values[key] = value
        for pair in range(COLUMNS):
            grid.setColumnStretch(pair * 2 + 1, 1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Processed of total")
        self.progress.setTextVisible(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.progress)
        self._set_progress(0, 0)

    def set_job(self, job: BatchJob, *, expected: int | None, server_now: datetime) -> None:
        for key, text in counter_texts(job, expected=expected, server_now=server_now).items():
            label = self._values[key]
            label.setText(text)
            label.setAccessibleDescription(text)
        self._set_progress(job.counters.processed, job.counters.total)

    def value_text(self, key: str) -> str:
        return self._values[key].text()

    def _set_progress(self, processed: int, total: int) -> None:
        if total <= 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("No recipients yet")
        else:
            # QProgressBar is int-based: 100k-recipient jobs fit, no scaling needed
            self.progress.setRange(0, total)
            self.progress.setValue(min(processed, total))
            self.progress.setFormat(f"%p% processed ({processed:,} of {total:,})")
        self.progress.setAccessibleDescription(self.progress.text())
