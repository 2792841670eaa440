"""The main window: the triage wizard, the live connection state, and (in the demo) the
scenario picker."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSettings, QUrl, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from triage_gui.api.connection import Connection
from triage_gui.domain.incident import AnalysisSettings
from triage_gui.ui.case_controller import CaseController
from triage_gui.ui.icons import app_icon
from triage_gui.ui.widgets.connection_status import ConnectionStatus
from triage_gui.ui.wizard import TriageWizard

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self,
        connection: Connection,
        settings: AnalysisSettings,
        *,
        poll_interval_s: float = 5.0,
        window_state: QSettings | None = None,
        log_dir: str | None = None,
        scenarios: list[tuple[str, str, str]] | None = None,
        scenario_ids: Callable[[str], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowIcon(app_icon())
        self.connection = connection
        self._window_state = window_state
        self._log_dir = log_dir
        self._scenario_ids = scenario_ids
        self.controller = CaseController(connection, settings, poll_interval_s=poll_interval_s, parent=self)
        self.wizard = TriageWizard(self.controller)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.demo_banner = None
        if connection.is_demo:
            from triage_gui.ui.widgets.demo_banner import DemoBanner

            self.demo_banner = DemoBanner(connection.base_url)
            self.demo_banner.set_scenarios(scenarios or [])
            self.demo_banner.scenario_chosen.connect(self.open_scenario)
            layout.addWidget(self.demo_banner)
        layout.addWidget(self.wizard, 1)
        self.setCentralWidget(central)

        self.connection_status = ConnectionStatus()
        self.connection_status.retry_requested.connect(self.controller.poll_now)
        self.controller.poll_status_changed.connect(self.connection_status.set_status)
        self.statusBar().addPermanentWidget(self.connection_status, 1)
        self.connection_label = QLabel(self._connection_text())
        if connection.insecure:
            self.connection_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.statusBar().addPermanentWidget(self.connection_label)
        self._build_menus()
        self._update_title()
        self.controller.report_changed.connect(self._update_title)
        self.resize(1180, 780)
        self._restore_geometry()
        self.controller.load_started.connect(self._remember_inputs)

    # -- set-up ----------------------------------------------------------------------------
    def _connection_text(self) -> str:
        c = self.connection
        label = "demo" if c.is_demo else (c.label or c.base_url)
        text = f"Connected to {label} ({c.base_url})"
        return text + " — INSECURE (plain http)" if c.insecure else text

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_case_action = self._action("&New case", QKeySequence.StandardKey.New, self.new_case, file_menu)
        self.refresh_action = self._action("&Refresh (fetch again)", QKeySequence.StandardKey.Refresh, self.controller.refresh, file_menu)
        file_menu.addSeparator()
        self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, file_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self._action("Open &log folder", None, self.open_log_folder, help_menu)
        self._action("&About Outbound Triage", None, self.about, help_menu)

    def _action(self, text: str, shortcut: object, slot: Callable[[], object], menu) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)  # type: ignore[arg-type]
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _update_title(self, *_: object) -> None:
        job = self.controller.case.inputs.job_id
        title = "Outbound Triage"
        if job:
            title = f"{job} — {title}"
        if self.connection.is_demo:
            title += " [DEMO]"
        if self.connection.insecure:
            title += " [INSECURE CONNECTION]"
        self.setWindowTitle(title)

    # -- actions ---------------------------------------------------------------------------
    @Slot(str)
    def open_scenario(self, name: str) -> None:
        """Demo: fill the start page with a scenario's IDs and load it."""
        if self._scenario_ids is None:
            return
        ids = self._scenario_ids(name)
        if self.demo_banner is not None:
            self.demo_banner.select_scenario(name)
        self.wizard.restart()
        self.wizard.start_page.fill(
            workspace=ids["workspace_id"], job=ids["job_id"], campaign=ids.get("campaign_id", ""),
            upload=ids.get("upload_id", ""),
        )
        self.wizard.start_page.load()

    @Slot()
    def new_case(self) -> None:
        self.wizard.restart()

    @Slot()
    def open_log_folder(self) -> None:
        if self._log_dir:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._log_dir))

    @Slot()
    def about(self) -> None:
        from triage_gui.store.paths import AppPaths
        from triage_gui.ui.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(AppPaths(), self)
        self.about_dialog.open()

    # -- geometry and shutdown -------------------------------------------------------------
    def _restore_geometry(self) -> None:
        if self._window_state is None:
            return
        geometry = self._window_state.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        start = self.wizard.start_page
        for key, field in (("start/workspace", start.workspace), ("start/timezone", None)):
            value = self._window_state.value(key, "")
            if not value:
                continue
            if field is not None and not self.connection.is_demo:
                field.setText(str(value))
            elif key == "start/timezone":
                start.timezone.setCurrentText(str(value))

    @Slot()
    def _remember_inputs(self) -> None:
        """Last-used values come back next time (the IDs of an incident do not: they change)."""
        if self._window_state is None:
            return
        inputs = self.controller.case.inputs
        if not self.connection.is_demo:
            self._window_state.setValue("start/workspace", inputs.workspace_id)
        self._window_state.setValue("start/timezone", inputs.timezone)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._window_state is not None:
            self._window_state.setValue("main/geometry", self.saveGeometry())
            self._window_state.sync()
        self.controller.stop()
        super().closeEvent(event)
