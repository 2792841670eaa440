"""First run (no connection profile yet): connect to the platform, or try the demo.

The dialog only reports the choice; the caller opens the profile dialog or starts the demo.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Signal, Slot
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from triage_gui.ui.widgets.icons import app_icon, icon


class WelcomeChoice(StrEnum):
    CONNECT = "connect"
    DEMO = "demo"


class WelcomeDialog(QDialog):
    """``chosen`` carries the :class:`WelcomeChoice`; closing the dialog chooses nothing."""

    chosen = Signal(object)  # WelcomeChoice

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice: WelcomeChoice | None = None
        self.setWindowTitle("Welcome to Outbound Triage")
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(540)

        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(56, 56)))
        logo.setAccessibleName("Outbound Triage logo")
        title = QLabel("<h2>Welcome to Outbound Triage</h2>")
        intro = QLabel(
            "Walk a batch outbound call incident through the runbook: job health, permits and "
            "dispatch, duplicates, retry strategy, and when to escalate."
        )
        intro.setWordWrap(True)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(intro)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addLayout(heading, 1)

        self.connect_button = QCommandLinkButton(
            "&Connect to your platform",
            "Set up a connection profile: your platform (the Batch Outbound API or ElevenLabs), its "
            "address and your API token or key (kept in your system keyring, never in a file).",
        )
        self.connect_button.setIcon(icon("connection-ok"))
        self.connect_button.setAccessibleName("Connect to your platform")
        self.connect_button.setToolTip("Open the connection profiles to add your platform.")
        self.demo_button = QCommandLinkButton(
            "Try the &demo",
            "Explore example incidents on a simulator running on this computer. No account, token or network needed.",
        )
        self.demo_button.setIcon(icon("demo"))
        self.demo_button.setAccessibleName("Try the demo")
        self.demo_button.setToolTip("Start the built-in simulator with example incidents.")
        self.connect_button.clicked.connect(self._choose_connect)
        self.demo_button.clicked.connect(self._choose_demo)

        buttons = QDialogButtonBox()
        # not QDialogButtonBox(buttons): that overload's signature builds every Qt.* enum (~15 ms)
        buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        quit_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        quit_button.setText("&Quit")
        quit_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addWidget(self.connect_button)
        layout.addWidget(self.demo_button)
        layout.addStretch(1)
        layout.addWidget(buttons)

        self.connect_button.setDefault(True)
        self.connect_button.setFocus()
        self.setTabOrder(self.connect_button, self.demo_button)
        self.setTabOrder(self.demo_button, quit_button)

    @Slot()
    def _choose_connect(self) -> None:
        self._finish(WelcomeChoice.CONNECT)

    @Slot()
    def _choose_demo(self) -> None:
        self._finish(WelcomeChoice.DEMO)

    def _finish(self, choice: WelcomeChoice) -> None:
        self.choice = choice
        self.chosen.emit(choice)
        self.accept()
