"""Help → About: versions, the app's folders, and "Copy diagnostics" for a bug report."""

from __future__ import annotations

from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from triage_gui import __version__
from triage_gui.store import system_info
from triage_gui.store.credentials import CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.ui.widgets.icons import app_icon


def qt_section() -> list[str]:
    app = QGuiApplication.instance()
    platform = QGuiApplication.platformName() if app else "(no application)"
    screen = QGuiApplication.primaryScreen() if app else None
    dpr = f", device pixel ratio {screen.devicePixelRatio():g}" if screen else ""
    return [f"Qt {qVersion()}, PySide6 {pyside_version}", f"platform plugin {platform}{dpr}"]


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, credentials: CredentialStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Outbound Triage")
        self.setWindowIcon(app_icon())
        self.diagnostics = system_info.collect(paths, credentials, {"Qt": qt_section})
        keyring = credentials.backend_status()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        title = QLabel(
            f"<h2>Outbound Triage {__version__}</h2>"
            f"<p>Qt {qVersion()} · PySide6 {pyside_version}</p>"
            "<p>Walks a batch outbound call incident through the support runbook.</p>"
            f"<p>Keyring: {escape(keyring.backend_words)}"
            f"{'' if keyring.available else ' (tokens are kept for the session only)'}</p>"
        )
        title.setToolTip(f"Keyring backend: {keyring.backend}")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(self.diagnostics)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Diagnostics")
        self.copy_button = QPushButton("&Copy diagnostics")
        self.copy_button.setToolTip("Copy versions, folders and keyring status for a bug report (no tokens)")
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(640, 480)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.diagnostics)
