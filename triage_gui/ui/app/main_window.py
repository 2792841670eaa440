"""The main window: the triage wizard, the live connection state, and (in the demo) the
scenario picker.

It is made in two parts, always. The constructor makes what the first frame shows (menus, the
demo banner, the wizard's start page, the remembered geometry), so the agent sees the real first
page and can type at once; :meth:`MainWindow.build_steps` then reads the settings and makes the
case controller, the other pages, the live connection state and autosave, a step at a time, and
emits ``ready``. ``run_gui`` runs the steps from the event loop (docs/performance.md, "Cold
start"); tests and scripts run them at once with :meth:`MainWindow.build`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

from triage_gui.ui.pages.wizard import TriageWizard
from triage_gui.ui.widgets.icons import app_icon

if TYPE_CHECKING:  # loaded after the first frame
    from triage_gui.domain.case import Case
    from triage_gui.providers.connection import Connection
    from triage_gui.store.case_store import CaseStore, CaseSummary
    from triage_gui.store.settings import AppSettings
    from triage_gui.ui.app.context import AppContext
    from triage_gui.ui.case.autosave import CaseAutosaver
    from triage_gui.ui.case.controller import CaseController
    from triage_gui.ui.dialogs.about_dialog import AboutDialog
    from triage_gui.ui.dialogs.case_list_dialog import CaseListDialog
    from triage_gui.ui.dialogs.profile_dialog import ProfileDialog
    from triage_gui.ui.dialogs.recipient_dialog import RecipientDialog
    from triage_gui.ui.dialogs.settings_dialog import SettingsDialog
    from triage_gui.ui.tasks.job_poller import PollStatus
    from triage_gui.ui.widgets.connection_status import ConnectionStatus

    Shortcut = QKeySequence | QKeySequence.StandardKey

log = logging.getLogger(__name__)

STARTING_TEXT = "Starting…"
PLATFORM_NAMES = {"elevenlabs": "ElevenLabs"}  # how the window names a platform other than the Batch API
SETTINGS_WARNING_MS = 30_000


class MainWindow(QMainWindow):
    """The wizard in a window, with menus and the connection's state, on ``ctx.connection``.

    Until :meth:`build_steps` has run to its end (``ready``, :attr:`is_ready`), the actions that
    act on the case are disabled and :attr:`controller` exists only from its "controller" step.
    ``poll_interval_s`` replaces the settings' interval (tests and benches poll faster)."""

    ready = Signal()
    closing = Signal()  # the window is closing: whoever runs its steps stops
    recovery_checked = Signal(bool)  # offer_recovery() is done: True when it offered cases

    # made by build_steps()
    connection_status: ConnectionStatus
    case_store: CaseStore
    autosaver: CaseAutosaver
    # the dialogs last opened (kept referenced while open)
    profile_dialog: ProfileDialog
    settings_dialog: SettingsDialog
    case_dialog: CaseListDialog
    about_dialog: AboutDialog
    recipient_dialog: RecipientDialog

    def __init__(
        self,
        ctx: AppContext,
        *,
        window_state: QSettings | None = None,
        poll_interval_s: float | None = None,
        connecting: bool = False,
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self.connection = ctx.require_connection()
        # True while ``connection`` only says where (a demo whose simulator is starting, a
        # profile whose token is being read): set_connection() gives the real one
        self.connecting = connecting
        self._window_state = window_state
        self._poll_interval_s = poll_interval_s
        self._controller: CaseController | None = None
        self._ready = False
        # the demo's scenarios, by name: their words and IDs (none is built until a load asks)
        self._scenarios = {e.name: e for e in ctx.simulator.scenario_entries()} if ctx.simulator else {}
        self.setWindowIcon(app_icon())
        self.wizard = TriageWizard()
        self.wizard.start_page.set_provider(self.connection.provider)

        central = QWidget()
        layout = self._central_layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.demo_banner = None
        if self.connection.is_demo:
            from triage_gui.ui.widgets.demo_banner import DemoBanner

            platform = PLATFORM_NAMES.get(self.connection.provider, "")
            # the scenario chooser comes with the simulator (set_connection), after the first frame
            self.demo_banner = DemoBanner(self.connection.base_url, platform=platform, deferred=connecting)
            self.demo_banner.set_scenarios([(e.name, e.title, e.description) for e in self._scenarios.values()])
            self.demo_banner.scenario_chosen.connect(self.open_scenario)
            layout.addWidget(self.demo_banner)
        layout.addWidget(self.wizard, 1)
        self.setCentralWidget(central)

        self.connection_label = QLabel(self._connection_text())
        self._mark_insecure()
        self.statusBar().addPermanentWidget(self.connection_label)
        self.statusBar().showMessage(STARTING_TEXT)
        # Shortcuts are bound by build_steps(): binding one builds the whole ``Qt`` namespace.
        self._pending_shortcuts: list[tuple[QAction, Shortcut]] = []
        self._build_menus()
        self._show_job_in_title("")
        self.resize(1180, 780)
        self._restore_geometry()

    @property
    def is_ready(self) -> bool:
        """The window is whole: controller, every page, autosave (``ready`` was emitted)."""
        return self._ready

    @property
    def controller(self) -> CaseController:
        """The case's controller, made by the "controller" step of :meth:`build_steps`."""
        if self._controller is None:
            raise RuntimeError("the main window's case controller is not made yet (see build_steps)")
        return self._controller

    def build(self) -> None:
        """Run :meth:`build_steps` to the end at once."""
        for _ in self.build_steps():
            pass

    def build_steps(self) -> Iterator[str]:
        """The window's second part, a step at a time (the settings, then one service or one page
        each), so a caller that runs them from the event loop keeps the window responsive between
        them. Runs once: a second call finds the controller made and does nothing."""
        if self._controller is not None:
            return
        if self.connecting:
            raise RuntimeError("the main window has no connection yet (see set_connection)")
        settings = self._ctx.load_settings()
        yield "settings"
        from triage_gui.store.case_store import CaseStore
        from triage_gui.ui.case.autosave import CaseAutosaver
        from triage_gui.ui.case.controller import CaseController
        from triage_gui.ui.widgets.connection_status import ConnectionStatus

        for action, shortcut in self._pending_shortcuts:
            action.setShortcut(shortcut)
        self._pending_shortcuts.clear()
        poll_interval_s = self._poll_interval_s
        if poll_interval_s is None:
            poll_interval_s = float(settings.poll_interval_s)
        controller = CaseController(
            self.connection, settings.to_analysis_settings(), poll_interval_s=poll_interval_s, parent=self
        )
        self.case_store = CaseStore(self._ctx.paths)
        self.autosaver = CaseAutosaver(controller, self.case_store, parent=self)
        self.autosaver.start()
        self._controller = controller  # with its autosaver: closeEvent() flushes and stops them
        self.connection_status = ConnectionStatus()
        self.connection_status.retry_requested.connect(controller.poll_now)
        controller.poll_status_changed.connect(self.connection_status.set_status)
        controller.poll_status_changed.connect(self._poll_status_changed)
        self.statusBar().insertPermanentWidget(0, self.connection_status, 1)
        yield "controller"
        yield from self.wizard.attach_steps(controller, self._ctx.paths)
        controller.report_changed.connect(self._update_title)
        controller.load_started.connect(self._update_title)
        controller.case_changed.connect(self._update_title)
        self.wizard.start_page.ids_edited.connect(self._update_title)
        self.wizard.case_done.connect(self._case_done)
        controller.load_started.connect(self._remember_inputs)
        controller.warm_up_connection()
        for action in self._case_actions:
            action.setEnabled(True)
        if self._ctx.settings_warning:
            self.statusBar().showMessage(self._ctx.settings_warning, SETTINGS_WARNING_MS)
        elif self.statusBar().currentMessage() == STARTING_TEXT:
            self.statusBar().clearMessage()
        self._ready = True
        self.wizard.start_page.attach(controller)  # last: may start a Load asked for early
        self.ready.emit()

    def set_connection(self, connection: Connection) -> None:
        """The real connection, once the demo's simulator runs or the profile's token is read
        (before :meth:`build_steps`): the banner, the status bar and the title follow it."""
        previous, self.connection, self.connecting = self.connection, connection, False
        if connection.provider != previous.provider:
            # the agent chose another platform's profile: the start page is shaped for one
            old, self.wizard = self.wizard, TriageWizard()
            self.wizard.start_page.set_provider(connection.provider)
            self._central_layout.replaceWidget(old, self.wizard)
            old.hide()
            old.deleteLater()
            self._restore_geometry()
        if self.demo_banner is not None:
            simulator = self._ctx.simulator
            self._scenarios = {e.name: e for e in simulator.scenario_entries()} if simulator else {}
            self.demo_banner.set_url(connection.base_url)
            self.demo_banner.finish_building()
            self.demo_banner.set_scenarios([(e.name, e.title, e.description) for e in self._scenarios.values()])
        start = self.wizard.start_page
        workspace = connection.default_workspace
        if workspace and not connection.is_demo and start.ids.fixed_workspace is None and not start.workspace.text():
            start.workspace.setText(workspace)
        self.connection_label.setText(self._connection_text())
        self._mark_insecure()
        self._update_title()

    # -- set-up ----------------------------------------------------------------------------
    def _mark_insecure(self) -> None:
        if self.connection.insecure:
            from triage_gui.ui.dialogs import warning_red

            self.connection_label.setStyleSheet(f"color: {warning_red(self.palette())}; font-weight: bold;")
        elif self.connection_label.styleSheet():
            self.connection_label.setStyleSheet("")

    def _connection_text(self, status: PollStatus | None = None) -> str:
        """ "Server: …" until a poll answers, "Connected to …" once one has, "Not connected to …"
        while nothing answers (never "Connected" before the server said anything)."""
        c = self.connection
        label = "demo" if c.is_demo else (c.label or c.base_url)
        platform = PLATFORM_NAMES.get(c.provider)
        if platform:
            label = f"{label} · {platform}"
        if self.connecting:
            return f"Connecting to {label}…"
        if status is None:
            text = f"Server: {label} ({c.base_url})"
        else:
            from triage_gui.ui.widgets.connection_status import server_text

            text = server_text(label, c.base_url, status)
        return text + " — INSECURE (plain http)" if c.insecure else text

    @Slot(object)
    def _poll_status_changed(self, status: PollStatus) -> None:
        self.connection_label.setText(self._connection_text(status))

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_case_action = self._action("&New case", QKeySequence.StandardKey.New, self.new_case, file_menu)
        cases_action = self._action("&Cases…", QKeySequence.StandardKey.Open, self.open_cases, file_menu)
        self.refresh_action = self._action(
            "&Refresh (fetch again)", QKeySequence.StandardKey.Refresh, self.refresh, file_menu
        )
        self.find_recipient_action = self._action(
            "&Find recipient…", QKeySequence.StandardKey.Find, self.find_recipient, file_menu
        )
        self.find_recipient_action.setToolTip("Every attempt of one recipient, by phone number (any format) or id")
        file_menu.addSeparator()
        self._action("Connection &profiles…", None, self.open_profiles, file_menu)
        settings_action = self._action("&Settings…", QKeySequence("Ctrl+,"), self.open_settings, file_menu)
        # these act on the case (or, for the settings, on what it is judged by): enabled when ready
        self._case_actions = [
            self.new_case_action,
            cases_action,
            self.refresh_action,
            self.find_recipient_action,
            settings_action,
        ]
        for action in self._case_actions:
            action.setEnabled(False)
        file_menu.addSeparator()
        self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, file_menu)
        help_menu = self.menuBar().addMenu("&Help")
        self._action("Open &log folder", None, self.open_log_folder, help_menu)
        self._action("&About Outbound Triage", None, self.about, help_menu)

    def _action(self, text: str, shortcut: Shortcut | None, slot: Callable[[], object], menu: QMenu) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            self._pending_shortcuts.append((action, shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    @Slot()
    def _update_title(self) -> None:
        """The case's job in the title, and that the IDs on the start page are not it."""
        job = self._controller.case.inputs.job_id if self._controller is not None else ""
        if job and self.wizard.start_page.edited_since_load():
            job += " (IDs edited, not loaded)"
        self._show_job_in_title(job)

    def _show_job_in_title(self, job: str) -> None:
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
        entry = self._scenarios.get(name)
        if entry is None:
            return
        if self.demo_banner is not None:
            self.demo_banner.select_scenario(name)
        self.wizard.restart()
        self.wizard.start_page.fill(
            workspace=entry.workspace_id, job=entry.job_id, campaign=entry.campaign_id, upload=entry.upload_id
        )
        self.wizard.start_page.load()

    @Slot()
    def find_recipient(self) -> None:
        """Edit → Find recipient: every attempt of one recipient in the open case."""
        from triage_gui.ui.dialogs.recipient_dialog import RecipientDialog

        self.recipient_dialog = RecipientDialog(self.controller, parent=self)
        self.recipient_dialog.open()

    @Slot()
    def open_profiles(self) -> None:
        from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

        self.profile_dialog = ProfileDialog(self._ctx.profiles, parent=self)
        self.profile_dialog.open()

    @Slot()
    def open_settings(self) -> None:
        from triage_gui.ui.dialogs.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(self._ctx.settings_store, self._ctx.load_settings(), parent=self)
        self.settings_dialog.saved.connect(self._settings_saved)
        self.settings_dialog.open()

    @Slot(object)
    def _settings_saved(self, settings: AppSettings) -> None:
        """New thresholds re-judge the open case at once; the poll interval applies now."""
        self._ctx.settings = settings
        logging.getLogger().setLevel(settings.log_level.value)
        self.controller.apply_settings(settings.to_analysis_settings(), poll_interval_s=float(settings.poll_interval_s))

    @Slot()
    def new_case(self) -> None:
        self.controller.new_case()
        self.wizard.restart()

    @Slot()
    def refresh(self) -> None:
        self.controller.refresh()

    @Slot()
    def _case_done(self) -> None:
        self.autosaver.flush()
        self.statusBar().showMessage("Case done: handed on. File > New case (Ctrl+N) starts the next one.", 30_000)

    # -- cases: autosave, reopen, recovery -------------------------------------------------
    @Slot()
    def open_cases(self) -> None:
        from triage_gui.ui.dialogs.case_list_dialog import CaseListDialog

        self.autosaver.flush()
        self.case_dialog = CaseListDialog(
            self.case_store,
            self._ctx.paths,
            current_case_id=self.controller.case.case_id,
            runner=self.controller.runner,
            parent=self,
        )
        self.case_dialog.case_opened.connect(self.open_case)
        self.case_dialog.open()

    def offer_recovery(self) -> None:
        """On start: offer the unfinished cases of earlier sessions (a crash loses nothing).
        The saved cases are read on the runner; the dialog appears only if there is one to offer."""
        controller = self.controller

        def listed(summaries: list[CaseSummary]) -> None:
            from triage_gui.ui.dialogs.case_list_dialog import recovery_dialog

            if controller.closed:
                return
            dialog = recovery_dialog(
                self.case_store,
                self._ctx.paths,
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

        controller.runner.run(lambda _ctx: self.case_store.summaries(), listed, failed)

    @Slot(object, str)
    def open_case(self, case: Case, message: str) -> None:
        self.wizard.restart()
        inputs = case.inputs
        self.wizard.start_page.fill(
            workspace=inputs.workspace_id,
            job=inputs.job_id,
            campaign=inputs.campaign_id,
            upload=inputs.upload_id,
            typed=inputs.typed_ids,
        )
        self.controller.open_case(case)
        if message:
            self.statusBar().showMessage(message, 15_000)

    @Slot()
    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._ctx.paths.log_dir)))

    @Slot()
    def about(self) -> None:
        from triage_gui.ui.dialogs.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(self._ctx.paths, self._ctx.credentials, self)
        self.about_dialog.open()

    # -- geometry and shutdown -------------------------------------------------------------
    def _restore_geometry(self) -> None:
        start = self.wizard.start_page
        state = self._window_state
        # the workspace last loaded on this machine, else the profile's default one
        workspace = (state.value("start/workspace", "") if state is not None else "") or (
            self.connection.default_workspace
        )
        if workspace and not self.connection.is_demo and start.ids.fixed_workspace is None:
            start.workspace.setText(str(workspace))
        if state is None:
            return
        geometry = state.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        timezone = state.value("start/timezone", "")
        if timezone:
            start.timezone.setCurrentText(str(timezone))

    @Slot()
    def _remember_inputs(self) -> None:
        """Last-used values come back next time (the IDs of an incident do not: they change)."""
        if self._window_state is None:
            return
        inputs = self.controller.case.inputs
        if not self.connection.is_demo and self.wizard.start_page.ids.fixed_workspace is None:
            self._window_state.setValue("start/workspace", inputs.workspace_id)
        self._window_state.setValue("start/timezone", inputs.timezone)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        if self._window_state is not None:
            self._window_state.setValue("main/geometry", self.saveGeometry())
            self._window_state.sync()
        if self._controller is not None:  # else closed before the steps made it: nothing to stop
            self.autosaver.flush()
            self._controller.stop()
        super().closeEvent(event)
