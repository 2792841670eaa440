"""The main window: the triage wizard, the live connection state, and (in the demo) the
scenario picker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from triage_gui.providers.connection import Connection
from triage_gui.ui.pages.wizard import TriageWizard
from triage_gui.ui.widgets.icons import app_icon

if TYPE_CHECKING:  # loaded after the first frame (cold start, docs/performance.md)
    from triage_gui.domain.incident import AnalysisSettings
    from triage_gui.ui.case.controller import CaseController
    from triage_gui.ui.widgets.connection_status import ConnectionStatus

log = logging.getLogger(__name__)

STARTING_TEXT = "Starting…"


class MainWindow(QMainWindow):
    """The wizard in a window, with menus and the connection's state.

    Given analysis ``settings``, the window is whole when made. Without them (the app's cold
    start) it is made in two parts: first what the first frame shows (menus, the demo banner,
    the wizard's start page, the remembered geometry), so the agent sees the real first page
    and can type at once; then :meth:`completion_steps` (or :meth:`complete`) makes the case
    controller, the other pages, the live connection state and autosave, and emits ``ready``.
    Actions that need the case are disabled until then.
    """

    ready = Signal()
    closing = Signal()  # the window is closing: whoever builds its second part stops
    recovery_checked = Signal(bool)  # offer_recovery() is done: True when it offered cases

    def __init__(
        self,
        connection: Connection,
        settings: AnalysisSettings | None = None,
        *,
        poll_interval_s: float = 5.0,
        window_state: QSettings | None = None,
        log_dir: str | None = None,
        scenarios: list[tuple[str, str, str]] | None = None,
        scenario_ids: Callable[[str], dict[str, str]] | None = None,
        app_context: object | None = None,  # triage_gui.ui.app.startup.AppContext (settings, profiles)
    ) -> None:
        super().__init__()
        self._ctx = app_context
        self.setWindowIcon(app_icon())
        self.connection = connection
        self._window_state = window_state
        self._log_dir = log_dir
        self._scenario_ids = scenario_ids
        self.controller: CaseController | None = None
        self.connection_status: ConnectionStatus | None = None
        self._ready = False
        self.wizard = TriageWizard()

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

        self.connection_label = QLabel(self._connection_text())
        if connection.insecure:
            self.connection_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.statusBar().addPermanentWidget(self.connection_label)
        self.statusBar().showMessage(STARTING_TEXT)
        self._case_actions: list[QAction] = []
        # Shortcuts are bound in the window's second part: binding one resolves ``Qt.Key`` and
        # so builds the whole ``Qt`` namespace (15 ms) before the first frame otherwise.
        self._pending_shortcuts: list[tuple[QAction, object]] = []
        self._build_menus()
        self._update_title()
        self.resize(1180, 780)
        self._restore_geometry()
        if settings is not None:
            self.complete(settings, poll_interval_s=poll_interval_s)

    @property
    def is_ready(self) -> bool:
        """The window is whole: controller, every page, autosave (``ready`` was emitted)."""
        return self._ready

    def complete(self, settings: AnalysisSettings, *, poll_interval_s: float = 5.0) -> None:
        for _ in self.completion_steps(settings, poll_interval_s=poll_interval_s):
            pass

    def completion_steps(self, settings: AnalysisSettings, *, poll_interval_s: float = 5.0) -> Iterator[str]:
        """The window's second part, a step at a time (each is one page or one service, so a
        caller that runs them from the event loop keeps the window responsive between them).
        Runs once: a second call finds the controller made and does nothing."""
        if self.controller is not None:
            return
        from triage_gui.ui.case.controller import CaseController
        from triage_gui.ui.widgets.connection_status import ConnectionStatus

        for action, shortcut in self._pending_shortcuts:
            action.setShortcut(shortcut)  # type: ignore[arg-type]
        self._pending_shortcuts.clear()
        self.controller = CaseController(self.connection, settings, poll_interval_s=poll_interval_s, parent=self)
        self.connection_status = ConnectionStatus()
        self.connection_status.retry_requested.connect(self.controller.poll_now)
        self.controller.poll_status_changed.connect(self.connection_status.set_status)
        self.statusBar().insertPermanentWidget(0, self.connection_status, 1)
        yield "controller"
        yield from self.wizard.attach_steps(self.controller)
        self.controller.report_changed.connect(self._update_title)
        self.controller.load_started.connect(self._remember_inputs)
        self._start_autosave()
        self.controller.warm_up_connection()
        for action in self._case_actions:
            action.setEnabled(True)
        if self.statusBar().currentMessage() == STARTING_TEXT:
            self.statusBar().clearMessage()
        yield "autosave"
        self._ready = True
        self.wizard.start_page.attach(self.controller)  # last: may start a Load asked for early
        self.ready.emit()

    # -- set-up ----------------------------------------------------------------------------
    def _connection_text(self) -> str:
        c = self.connection
        label = "demo" if c.is_demo else (c.label or c.base_url)
        text = f"Connected to {label} ({c.base_url})"
        return text + " — INSECURE (plain http)" if c.insecure else text

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_case_action = self._action("&New case", QKeySequence.StandardKey.New, self.new_case, file_menu)
        cases_action = self._action("&Cases…", QKeySequence.StandardKey.Open, self.open_cases, file_menu)
        self.refresh_action = self._action(
            "&Refresh (fetch again)", QKeySequence.StandardKey.Refresh, self.refresh, file_menu
        )
        file_menu.addSeparator()
        self._action("Connection &profiles…", None, self.open_profiles, file_menu)
        settings_action = self._action("&Settings…", QKeySequence("Ctrl+,"), self.open_settings, file_menu)
        # these act on the case: enabled once the controller is there (a blink at start-up)
        self._case_actions = [self.new_case_action, cases_action, self.refresh_action, settings_action]
        for action in self._case_actions:
            action.setEnabled(False)
        file_menu.addSeparator()
        self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, file_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self._action("Open &log folder", None, self.open_log_folder, help_menu)
        self._action("&About Outbound Triage", None, self.about, help_menu)

    def _action(self, text: str, shortcut: object, slot: Callable[[], object], menu) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            self._pending_shortcuts.append((action, shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _update_title(self, *_: object) -> None:
        job = self.controller.case.inputs.job_id if self.controller is not None else ""
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
            workspace=ids["workspace_id"],
            job=ids["job_id"],
            campaign=ids.get("campaign_id", ""),
            upload=ids.get("upload_id", ""),
        )
        self.wizard.start_page.load()

    @Slot()
    def open_profiles(self) -> None:
        from triage_gui.store.credentials import CredentialStore
        from triage_gui.store.paths import AppPaths
        from triage_gui.store.profiles import ProfileStore
        from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

        paths = getattr(self._ctx, "paths", None) or AppPaths()
        credentials = getattr(self._ctx, "credentials", None) or CredentialStore()
        self.profile_dialog = ProfileDialog(ProfileStore(paths, credentials), parent=self)
        self.profile_dialog.open()

    @Slot()
    def open_settings(self) -> None:
        from triage_gui.store.paths import AppPaths
        from triage_gui.store.settings import SettingsStore
        from triage_gui.ui.dialogs.settings_dialog import SettingsDialog

        paths = getattr(self._ctx, "paths", None) or AppPaths()
        store = SettingsStore(paths)
        current = getattr(self._ctx, "settings", None) or store.load().settings
        self.settings_dialog = SettingsDialog(store, current, parent=self)
        self.settings_dialog.saved.connect(self._settings_saved)
        self.settings_dialog.open()

    @Slot(object)
    def _settings_saved(self, settings: object) -> None:
        """New thresholds re-judge the open case at once; the poll interval applies now."""
        if self._ctx is not None:
            self._ctx.settings = settings  # type: ignore[attr-defined]
        logging.getLogger().setLevel(settings.log_level.value)  # type: ignore[attr-defined]
        if self.controller is None:
            return
        self.controller.apply_settings(
            settings.to_analysis_settings(),  # type: ignore[attr-defined]
            poll_interval_s=float(settings.poll_interval_s),  # type: ignore[attr-defined]
        )

    @Slot()
    def new_case(self) -> None:
        if self.controller is None:
            return
        self.controller.new_case()
        self.wizard.restart()

    @Slot()
    def refresh(self) -> None:
        if self.controller is not None:
            self.controller.refresh()

    # -- cases: autosave, reopen, recovery -------------------------------------------------
    def _paths(self):
        from triage_gui.store.paths import AppPaths

        return getattr(self._ctx, "paths", None) or AppPaths()

    def _start_autosave(self) -> None:
        from triage_gui.store.case_store import CaseStore
        from triage_gui.ui.case.autosave import CaseAutosaver

        self.case_store = CaseStore(self._paths())
        self.autosaver = CaseAutosaver(self.controller, self.case_store, parent=self)
        self.autosaver.start()

    @Slot()
    def open_cases(self) -> None:
        from triage_gui.ui.dialogs.case_list_dialog import CaseListDialog

        if not self.is_ready:
            return
        self.autosaver.flush()
        self.case_dialog = CaseListDialog(
            self.case_store,
            self._paths(),
            current_case_id=self.controller.case.case_id,
            runner=self.controller.runner,
            parent=self,
        )
        self.case_dialog.case_opened.connect(self.open_case)
        self.case_dialog.open()

    def offer_recovery(self) -> None:
        """On start: offer the unfinished cases of earlier sessions (a crash loses nothing).
        The saved cases are read on the runner; the dialog appears only if there is one to offer."""
        if not self.is_ready:
            return
        assert self.controller is not None
        controller = self.controller

        def listed(summaries: list) -> None:
            from triage_gui.ui.dialogs.case_list_dialog import recovery_dialog

            if controller.closed:
                return
            dialog = recovery_dialog(
                self.case_store,
                self._paths(),
                current_case_id=controller.case.case_id,
                summaries=summaries,
                runner=controller.runner,
                parent=self,
            )
            if dialog is not None:
                self.case_dialog = dialog
                dialog.case_opened.connect(self.open_case)
                dialog.open()
            self.recovery_checked.emit(dialog is not None)

        def failed(error: BaseException) -> None:
            log.warning("could not read the saved cases: %s", error)
            self.recovery_checked.emit(False)

        controller.runner.run(lambda _ctx: self.case_store.list(), listed, failed)

    @Slot(object, str)
    def open_case(self, case: object, message: str) -> None:
        if self.controller is None:
            return
        self.wizard.restart()
        inputs = case.inputs  # type: ignore[attr-defined]
        self.wizard.start_page.fill(
            workspace=inputs.workspace_id, job=inputs.job_id, campaign=inputs.campaign_id, upload=inputs.upload_id
        )
        self.controller.open_case(case)  # type: ignore[arg-type]
        if message:
            self.statusBar().showMessage(message, 15_000)

    @Slot()
    def open_log_folder(self) -> None:
        if self._log_dir:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._log_dir))

    @Slot()
    def about(self) -> None:
        from triage_gui.store.paths import AppPaths
        from triage_gui.ui.dialogs.about_dialog import AboutDialog

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

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        if self._window_state is not None:
            self._window_state.setValue("main/geometry", self.saveGeometry())
            self._window_state.sync()
        if self.controller is not None:  # closed while starting up: nothing to save or stop yet
            if getattr(self, "autosaver", None) is not None:
                self.autosaver.flush()
            self.controller.stop()
        super().closeEvent(event)
