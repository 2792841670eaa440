"""The saved cases: reopen, duplicate or delete one; on start, offer the unfinished ones.

Files the store cannot open (damaged, or written by a newer app) are listed with the store's
message saying what is wrong and where the file was kept; they can be neither opened nor
deleted from here, so nothing is ever lost by a click. Delete asks first, and removes the
case's screenshots with it; Duplicate copies them, so the two cases never share a file.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_gui.store.case_store import CaseStore, CaseStoreError, CaseSummary
from triage_gui.store.paths import AppPaths
from triage_gui.ui.widgets.icons import icon

if TYPE_CHECKING:
    from triage_gui.ui.tasks.background import BackgroundRunner


def case_folder(paths: AppPaths, case_id: str) -> Path:
    """Files that belong to a case besides its JSON (screenshots)."""
    return paths.data_dir / "cases" / case_id


def _state(summary: CaseSummary) -> tuple[str, str]:
    """(icon, word): never colour alone."""
    if not summary.openable:
        return "verdict-fail", "Cannot be opened"
    if summary.problem:
        return "verdict-warn", "Recovered"
    if summary.closed:
        return "verdict-pass", "Finished"
    return "note", "Unfinished"


class CaseListDialog(QDialog):
    """Open with ``open()``. ``case_opened`` carries the ``Case`` and a message for the agent
    (empty unless the previous version had to be used).

    With a ``runner`` the store is read on it, never on the GUI thread: listing reads and
    checks every saved case (20 cases of a long watch are ~30 MB of JSON, ~0.6 s), so the list
    says "Reading…" and fills when done. ``summaries`` already read (the recovery offer reads
    them before deciding to show the dialog) fill it at once. Without a runner (scripts,
    tests) the store is read where the call is made.
    """

    case_opened = Signal(object, str)

    def __init__(
        self,
        store: CaseStore,
        paths: AppPaths,
        *,
        recovery: bool = False,
        current_case_id: str | None = None,
        runner: BackgroundRunner | None = None,
        summaries: list[CaseSummary] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.paths = paths
        self.recovery = recovery
        self.current_case_id = current_case_id
        self.runner = runner
        self.confirm: QMessageBox | None = None
        self.summaries: list[CaseSummary] = []
        self._listing = 0  # the newest listing asked for: older results are dropped
        self._reading = False
        self.setObjectName("case_list_dialog")
        self.setMinimumSize(720, 360)
        if recovery:
            self.setWindowTitle("Recover unfinished cases")
            intro = (
                "These cases were not finished when Outbound Triage last closed. Open one to go on "
                "where you left off; the others stay saved."
            )
        else:
            self.setWindowTitle("Cases")
            intro = "Every case is saved as you work. Open, duplicate or delete one."
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Case", "Job", "Last saved", "State"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Saved cases")
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.currentItemChanged.connect(self._selection_changed)
        self.tree.itemActivated.connect(lambda *_: self.open_selected())
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName("About the selected case")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self._button("&Open", self.open_selected)
        self.open_button.setDefault(True)
        self.duplicate_button = self._button("D&uplicate", self.duplicate_selected)
        self.delete_button = self._button("&Delete…", self.delete_selected)
        self.buttons.rejected.connect(self.reject)
        if recovery:
            self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("&Later")

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.buttons)
        if summaries is not None:
            self._fill(summaries, None)
        else:
            self.reload()

    def _button(self, text: str, slot: object) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.clicked.connect(slot)
        return button

    # -- listing ---------------------------------------------------------------------------
    @property
    def reading(self) -> bool:
        """A listing is under way on the runner."""
        return self._reading

    def reload(self, select: str | None = None) -> None:
        if self.runner is None:
            self._fill(self.store.summaries(), select)
            return
        self._listing += 1
        listing = self._listing
        self._reading = True
        for button in (self.open_button, self.duplicate_button, self.delete_button):
            button.setEnabled(False)
        self.details.setText("Reading the saved cases…")

        def listed(summaries: list[CaseSummary]) -> None:
            if listing == self._listing and shiboken6.isValid(self):
                self._reading = False
                self._fill(summaries, select)

        def failed(error: BaseException) -> None:
            if listing == self._listing and shiboken6.isValid(self):
                self._reading = False
                self.details.setText(f"The saved cases could not be read: {error}")

        self.runner.run(lambda _ctx: self.store.summaries(), listed, failed)

    def _fill(self, summaries: list[CaseSummary], select: str | None) -> None:
        if self.recovery:
            summaries = [s for s in summaries if not s.closed or not s.openable]
        self.summaries = summaries
        self.tree.clear()
        for summary in summaries:
            name, word = _state(summary)
            title = summary.title or f"Case {summary.case_id}"
            when = f"{summary.updated_at.astimezone():%Y-%m-%d %H:%M}" if summary.updated_at else "—"
            item = QTreeWidgetItem([title, summary.job or "—", when, word])
            item.setIcon(3, icon(name))
            item.setData(0, Qt.ItemDataRole.UserRole, summary.case_id)
            if summary.problem:
                for column in range(4):
                    item.setToolTip(column, summary.problem)
            self.tree.addTopLevelItem(item)
            if summary.case_id == select:
                self.tree.setCurrentItem(item)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        self._selection_changed()

    def selected(self) -> CaseSummary | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        case_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((s for s in self.summaries if s.case_id == case_id), None)

    def select(self, case_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == case_id:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(case_id)

    @Slot()
    def _selection_changed(self, *_: object) -> None:
        if self._reading:  # the rows may be stale (a case just deleted): act on none until read
            return
        summary = self.selected()
        usable = summary is not None and summary.openable
        self.open_button.setEnabled(usable)
        self.duplicate_button.setEnabled(usable)
        self.delete_button.setEnabled(
            summary is not None and summary.openable and summary.case_id != self.current_case_id
        )
        if summary is None:
            self.details.setText("No saved case yet." if not self.summaries else "")
        elif summary.problem:
            self.details.setText(summary.problem)
        elif summary.case_id == self.current_case_id:
            self.details.setText("This is the case open now.")
        else:
            self.details.setText(f"Case {summary.case_id}")

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def open_selected(self) -> None:
        summary = self.selected()
        if summary is None or not summary.openable:
            return
        try:
            loaded = self.store.load(summary.case_id)
        except CaseStoreError as exc:
            self.details.setText(str(exc))
            self.reload()
            return
        self.case_opened.emit(loaded.case, loaded.message)
        self.accept()

    @Slot()
    def duplicate_selected(self) -> None:
        summary = self.selected()
        if summary is None or not summary.openable:
            return
        try:
            copy = self.store.duplicate(summary.case_id)
        except CaseStoreError as exc:
            self.details.setText(str(exc))
            return
        source = case_folder(self.paths, summary.case_id)
        if source.is_dir():
            try:
                shutil.copytree(source, case_folder(self.paths, copy.case_id))
            except OSError as exc:
                copy.screenshots = []
                self.store.save(copy)
                self.details.setText(f"Duplicated without its screenshots (they could not be copied: {exc}).")
                self.reload(select=copy.case_id)
                return
        self.reload(select=copy.case_id)
        self.details.setText(f"Duplicated as “{copy.title}”.")

    @Slot()
    def delete_selected(self) -> None:
        summary = self.selected()
        if summary is None or not summary.openable or summary.case_id == self.current_case_id:
            return
        title = summary.title or f"case {summary.case_id}"
        self.confirm = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete case",
            f"Delete “{title}” and its screenshots? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirm.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirm.finished.connect(lambda _result, case_id=summary.case_id: self._confirmed(case_id))
        self.confirm.open()

    def _confirmed(self, case_id: str) -> None:
        box, self.confirm = self.confirm, None
        if box is None:
            return
        box.deleteLater()
        if box.standardButton(box.clickedButton()) != QMessageBox.StandardButton.Yes:
            return
        self.store.delete(case_id)
        with contextlib.suppress(OSError):
            shutil.rmtree(case_folder(self.paths, case_id))
        self.reload()


def recovery_dialog(
    store: CaseStore,
    paths: AppPaths,
    *,
    current_case_id: str | None = None,
    summaries: list[CaseSummary] | None = None,
    runner: BackgroundRunner | None = None,
    parent: QWidget | None = None,
) -> CaseListDialog | None:
    """On start: a dialog offering the unfinished cases (and naming unusable files), or None
    when there is nothing to offer. ``summaries``: the store's list, if already read (else it
    is read here). The caller opens it with ``open()``."""
    if summaries is None:
        summaries = store.summaries()
    if not any(not s.closed or not s.openable for s in summaries):
        return None
    return CaseListDialog(
        store,
        paths,
        recovery=True,
        current_case_id=current_case_id,
        runner=runner,
        summaries=summaries,
        parent=parent,
    )
