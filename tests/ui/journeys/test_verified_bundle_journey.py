"""The verified-bundle journey (issue #13): from the job's IDs typed on the start page to a bundle
on disk that verifies against its manifest, in at most 10 actions beyond typing the IDs, counted
as a person would count them (each key press or click is one action). Documented in the README
("From a job ID to a verified bundle")."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from triage_gui.store.bundle_verify import verify_bundle

MAX_ACTIONS = 10


class CountingAgent:
    """The journeys' agent, counting its actions; typing the IDs is not counted."""

    def __init__(self, agent) -> None:
        self.agent = agent
        self.actions: list[str] = []

    def type_ids(self, field, text: str) -> None:
        self.agent.retype(field, text)  # typing the IDs: not an action of the journey

    def key(self, widget, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier, why: str = "") -> None:
        self.actions.append(why or f"key {key}")
        self.agent.key(widget, key, modifier)

    def click(self, widget, why: str = "") -> None:
        self.actions.append(why or f"click {widget.objectName() or type(widget).__name__}")
        self.agent.click(widget)


@pytest.fixture
def documents(tmp_path, monkeypatch) -> Path:
    """The agent's Documents folder, where the bundle is offered by default."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home / "Documents"


def test_from_typed_ids_to_a_verified_bundle_in_at_most_ten_actions(qtbot, demo_window, agent, documents):
    window = demo_window
    start = window.wizard.start_page
    person = CountingAgent(agent)
    info = window._scenarios["permit_starved"]

    person.type_ids(start.workspace, info.workspace_id)
    person.type_ids(start.job, info.job_id)
    person.key(start.job, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier, "Ctrl+L: Load")
    qtbot.waitUntil(
        lambda: window.controller.report is not None and window.controller.report.job_id == info.job_id,
        timeout=20_000,
    )
    qtbot.waitUntil(start.isComplete, timeout=5_000)

    # the steps strip: Ctrl+7 opens Export from the start page (no six Next)
    person.key(start.job, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier, "Ctrl+7: Export")
    export = window.wizard.export_page
    qtbot.waitUntil(lambda: window.wizard.currentPage() is export, timeout=5_000)

    person.click(export.bundle_button, "click: Export diagnostics bundle…")
    qtbot.waitUntil(lambda: export.bundle_dialog is not None and export.bundle_dialog.isVisible(), timeout=5_000)
    dialog = export.bundle_dialog
    assert Path(dialog.path.text()).parent == documents  # offered where the agent keeps files
    assert dialog.write_button.isDefault()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)  # the dialog takes the keys
    focus = QApplication.focusWidget()
    assert focus is not None and focus.window() is dialog
    person.key(focus, Qt.Key.Key_Return, why="Enter: Write bundle")
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=60_000)
    assert "verified" in dialog.status.text()
    person.key(dialog, Qt.Key.Key_Escape, why="Escape: close the dialog")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)

    written = dialog.result_.path
    assert written.parent == documents and written.exists()
    assert verify_bundle(written).ok
    with zipfile.ZipFile(written) as bundle:
        assert "manifest.json" in bundle.namelist()
    assert len(person.actions) <= MAX_ACTIONS, person.actions
    assert person.actions == [
        "Ctrl+L: Load",
        "Ctrl+7: Export",
        "click: Export diagnostics bundle…",
        "Enter: Write bundle",
        "Escape: close the dialog",
    ]
