"""The diagnostics bundle's preview: every file it will hold, then the write, with progress.

Nothing is written until the agent presses "Write bundle". The write runs on the
``BackgroundRunner``, the garbage collector paused meanwhile (``write_bundle`` itself writes a
temp file and renames it, so a cancelled or failed write leaves nothing behind). An existing
file is never replaced silently: the bundle goes to the next free name (``…-2.zip``), and the
dialog says so, unless the agent chose that file with "Browse…" and confirmed replacing it. Raw phone numbers are only offered when the report says
Level 3, and ``write_bundle`` refuses them otherwise; the manifest records the choice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_gui.store.bundle_writer import (
    BundleCancelled,
    BundleError,
    BundleInputs,
    BundleResult,
    plan_bundle,
    raw_numbers_allowed,
    write_bundle,
)
from triage_gui.ui.tasks.background import BackgroundRunner, TaskContext
from triage_gui.ui.tasks.gc_policy import paused_collection
from triage_gui.ui.widgets.icons import icon

if TYPE_CHECKING:  # pyqtgraph and numpy load only when a chart is built
    pass


def _size(n: int) -> str:
    return f"{n:,} B" if n < 1024 else f"{n / 1024:,.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


class BundlePreviewDialog(QDialog):
    """Open with ``open()``. ``written`` carries the :class:`BundleResult`; ``failed`` a message."""

    written = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        inputs: BundleInputs,
        runner: BackgroundRunner,
        target: Path | str,
        parent: QWidget | None = None,
        *,
        before_write: Callable[[BundleInputs], BundleInputs] | None = None,
    ) -> None:
        """``before_write``: what the inputs need on the GUI thread before the writer takes them
        (the export page's chart, drawn in steps after the dialog shows, is finished there)."""
        super().__init__(parent)
        self._before_write = before_write
        self.setWindowTitle("Export diagnostics bundle")
        self.setObjectName("bundle_preview_dialog")
        self.setMinimumWidth(680)
        self._inputs = inputs
        self._runner = runner
        self._task: TaskContext | None = None
        self.result_: BundleResult | None = None
        self._replace_confirmed: Path | None = None  # chosen with Browse, replacing it confirmed
        self._target: Path | None = None

        entries = plan_bundle(inputs)
        self.files = QTreeWidget()
        self.files.setHeaderLabels(["File", "Size (approx.)", "What it is"])
        self.files.setRootIsDecorated(False)
        self.files.setAccessibleName("Files in the bundle")
        for entry in entries:
            item = QTreeWidgetItem([entry.name, _size(entry.approx_size), entry.description])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.files.addTopLevelItem(item)
        header = self.files.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        total = sum(e.approx_size for e in entries)
        summary = QLabel(
            f"{len(entries)} files, about {_size(total)} before compression. Tokens are removed and "
            "phone numbers masked in every file; screenshots and the chart lose their metadata."
        )
        summary.setWordWrap(True)

        report = inputs.effective_report()
        self.raw_numbers = QCheckBox(
            "Include &raw phone numbers (Level 3 engineering escalation; recorded in the manifest)"
        )
        self.raw_numbers.setVisible(raw_numbers_allowed(report))
        self.raw_numbers.toggled.connect(self._raw_toggled)
        self.raw_note = QLabel()
        self.raw_note.setWordWrap(True)
        if not raw_numbers_allowed(report):
            self.raw_note.setText(
                "Phone numbers are masked (same number, same pseudonym; last 2 digits kept). "
                "Raw numbers are only offered for a Level 3 escalation."
            )

        self.path = QLineEdit(str(target))
        self.path.setAccessibleName("Bundle file")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        browse.setAutoDefault(False)  # Enter writes the bundle, never opens the file dialog
        where = QHBoxLayout()
        where.addWidget(QLabel("Save as:"))
        where.addWidget(self.path, 1)
        where.addWidget(browse)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setAccessibleName("Bundle progress")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.write_button = self.buttons.addButton("&Write bundle", QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.setIcon(icon("export"))
        self.write_button.setDefault(True)
        # Enter writes the bundle; the Close button must not take the default when shown
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        close.setDefault(False)
        self.write_button.clicked.connect(self.write)
        self.cancel_button = self.buttons.addButton("&Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setVisible(False)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.raw_numbers)
        layout.addWidget(self.raw_note)
        layout.addLayout(where)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    @property
    def writing(self) -> bool:
        return self._task is not None

    @Slot(bool)
    def _raw_toggled(self, on: bool) -> None:
        self.raw_note.setText(
            "The bundle will hold raw phone numbers; the manifest says so. Tokens are still removed." if on else ""
        )

    @Slot()
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the bundle", self.path.text(), "Zip archive (*.zip)")
        if path:
            chosen = path if path.endswith(".zip") else path + ".zip"
            self.path.setText(chosen)
            # the file dialog asked before it let an existing file be chosen (not when ".zip" was added)
            self._replace_confirmed = Path(chosen) if chosen == path and Path(chosen).exists() else None

    @Slot()
    def write(self) -> None:
        if self._task is not None:
            return
        target = Path(self.path.text().strip()).expanduser()
        if not self.path.text().strip() or not target.parent.is_dir():
            self.status.setText(f"Choose a file in an existing folder (not {target.parent}).")
            return
        if self._before_write is not None:
            self._inputs = self._before_write(self._inputs)
        inputs = dataclasses.replace(self._inputs, raw_numbers=self.raw_numbers.isChecked())
        overwrite = self._replace_confirmed is not None and self._replace_confirmed == target
        self._target = target
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText("Writing the bundle…")
        self.write_button.setEnabled(False)
        self.cancel_button.setVisible(True)
        self._task = self._runner.run(
            lambda ctx: _write(inputs, target, ctx, overwrite=overwrite),
            self._on_written,
            self._on_failed,
            on_progress=self._on_progress,
        )

    @Slot()
    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel.set()
            self.status.setText("Stopping…")

    def reject(self) -> None:
        self.cancel()  # closing mid-write stops it; the temp file is removed, nothing is left
        super().reject()

    def _on_progress(self, name: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(f"Writing {name} ({done} of {total})…")

    def _finish(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.write_button.setEnabled(True)

    def _on_written(self, result: BundleResult) -> None:
        self._finish()
        self.result_ = result
        self.write_button.setEnabled(False)  # written: a second press would only overwrite it
        text = (
            f"Bundle written and verified: {result.path} ({_size(result.size)}, {len(result.files) + 1} files,"
            " each checked against the manifest)."
        )
        if self._target is not None and result.path != self._target:
            text += f" {self._target.name} already exists and was left as it is."
        self.status.setText(text)
        self.written.emit(result)

    def _on_failed(self, error: BaseException) -> None:
        self._finish()
        if isinstance(error, BundleCancelled):
            message = "Stopped: no bundle was written."
        elif isinstance(error, (BundleError, OSError)):
            message = f"The bundle could not be written: {error}"
        else:
            message = f"The bundle could not be written ({type(error).__name__}: {error})"
        self.status.setText(message)
        self.failed.emit(message)


def _write(inputs: BundleInputs, target: Path, ctx: TaskContext, *, overwrite: bool) -> BundleResult:
    """On the runner: the collector paused while the bundle's hundreds of thousands of lines
    are made (a collection would stall the GUI thread as much as this one). Then the file on disk
    is read back and checked against its manifest, as ``triage-gui bundle verify`` would: the
    agent hands on a bundle known to be whole."""
    from triage_gui.store.bundle_verify import verify_bundle

    with paused_collection():
        result = write_bundle(
            inputs,
            target,
            progress=lambda done, total, name: ctx.progress(name, done, total),
            cancel=ctx.cancel,
            overwrite=overwrite,
        )
    ctx.progress("verifying against the manifest", 1, 1)
    check = verify_bundle(result.path)
    if not check.ok:
        # a bundle that does not verify must not be attached to a ticket by mistake
        result.path.unlink(missing_ok=True)
        raise BundleError(
            f"{result.path} was written but did not verify, and was removed: " + "; ".join(check.problems[:3])
        )
    return result
