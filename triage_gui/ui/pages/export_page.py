"""Escalation form and export: what the agent hands on.

Left, what the agent can change: the required diagnostics (pre-filled by the engine; a missing
one is marked with an icon and the word "Missing", and blocks "Done" until it is filled or
waived with a reason), the customer-facing message (the engine's next action and ETA, editable)
and the screenshots. Right, the form as it will be sent. Below, the ways out: copy for a ticket
(rich text and plain text at once), Markdown, HTML, PDF (rendered on the background runner) and
the diagnostics bundle (previewed, then written on the runner).

The form is rebuilt from the case and the latest report whenever either changes; the agent's
edits live in ``case.form_edits`` (a :class:`FormEdits` dump) and are re-applied on every
rebuild, so a new poll never overwrites what the agent typed.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from triage_gui.domain.case import Case
from triage_gui.domain.escalation_form import MIN_WAIVER_REASON, EscalationForm, FormEdits, build_form
from triage_gui.domain.progress import progress_caption
from triage_gui.providers.http.request_log import REQUEST_LOG
from triage_gui.store.bundle_writer import BundleInputs
from triage_gui.store.paths import AppPaths, atomic_write_text
from triage_gui.ui.case.autosave import copy_for_save
from triage_gui.ui.case.controller import CaseController
from triage_gui.ui.dialogs.bundle_preview_dialog import BundlePreviewDialog
from triage_gui.ui.export.capture import ScreenshotArea, ScreenshotFiles
from triage_gui.ui.export.form_pdf import html_to_pdf, html_to_pdf_bytes
from triage_gui.ui.pages.form_fields import CustomerMessageBox, FieldRow, RequiredDiagnosticsBox
from triage_gui.ui.widgets.icons import icon

if TYPE_CHECKING:
    from triage_gui.ui.widgets.chart_render import ChartPicture

log = logging.getLogger(__name__)


class ExportPage(QWizardPage):
    exported = Signal(str)  # the path of a written file (Markdown, HTML, PDF)
    export_failed = Signal(str)

    def __init__(self, controller: CaseController, *, paths: AppPaths) -> None:
        super().__init__()
        self.controller = controller
        self.paths = paths
        self.form: EscalationForm | None = None
        self.bundle_dialog: BundlePreviewDialog | None = None
        self.setTitle("Escalation form and export")
        self.setSubTitle(
            "Check the pre-filled form, fill in or waive what is missing, add a redacted screenshot, "
            "then copy it into the ticket or export it with the diagnostics bundle."
        )
        self.setObjectName("page_export")

        # -- left: what the agent changes --------------------------------------------------
        self.fields_box = RequiredDiagnosticsBox(owner=self)

        self.message_box = CustomerMessageBox()
        self.message = self.message_box.message
        self.message.textChanged.connect(self._message_edited)
        self.reset_message = self.message_box.reset_message
        self.reset_message.clicked.connect(self._reset_message)

        self.screenshots = ScreenshotArea(self._screenshot_files, self._screenshot_names, self._set_screenshot_names)
        self.screenshots.changed.connect(self._screenshots_changed)
        self.screenshots.message.connect(self._say)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(self.fields_box)
        left_layout.addWidget(self.message_box)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its fields are the Tab stops

        # -- right: the form as it will be sent --------------------------------------------
        preview_box = QGroupBox("The form as it will be sent")
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Escalation form preview")
        self.summary.setOpenLinks(False)
        QVBoxLayout(preview_box).addWidget(self.summary)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(preview_box, 1)
        right_layout.addWidget(self.screenshots)

        right_scroll = QScrollArea()  # both sides scroll when the window is short (800 x 600)
        right_scroll.setWidget(right)
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        right_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right_scroll)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([660, 540])

        # -- below: readiness and the ways out ---------------------------------------------
        self.ready_icon = QLabel()
        self.ready_label = QLabel()
        self.ready_label.setWordWrap(True)
        self.ready_label.setAccessibleName("Ready to send")
        self.copy_button = QPushButton("&Copy for the ticket")
        self.copy_button.setToolTip("Copies the form as rich text and as plain text")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.markdown_button = QPushButton("&Markdown…")
        self.markdown_button.clicked.connect(lambda: self._ask_and_export("md"))
        self.html_button = QPushButton("HTM&L…")
        self.html_button.clicked.connect(lambda: self._ask_and_export("html"))
        self.pdf_button = QPushButton("&PDF…")
        self.pdf_button.clicked.connect(lambda: self._ask_and_export("pdf"))
        self.bundle_button = QPushButton(icon("export"), "E&xport diagnostics bundle…")
        self.bundle_button.clicked.connect(lambda: self.open_bundle_dialog())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ready = QHBoxLayout()  # readiness, and the bundle on the same row
        ready.addWidget(self.ready_icon)
        ready.addWidget(self.ready_label, 1)
        ready.addWidget(self.bundle_button)
        buttons = QHBoxLayout()  # the form's ways out, then the bundle's row: the page fits 800 px
        buttons.addWidget(self.copy_button)
        buttons.addWidget(QLabel("Save form as:"))
        for button in (self.markdown_button, self.html_button, self.pdf_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(ready)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        controller.report_changed.connect(self._on_report)

    # -- building --------------------------------------------------------------------------
    def initializePage(self) -> None:
        self.rebuild()
        self.screenshots.refresh()

    def isComplete(self) -> bool:
        return self.form is not None and self.form.ready_to_send

    def validatePage(self) -> bool:
        # "Done" on the last page: the case is handed on, so it is no longer offered for recovery.
        self.controller.case.closed = True
        self.controller.mark_changed()
        return True

    @Slot(object)
    def _on_report(self, _report: object) -> None:
        if self.form is not None or self.isVisible():
            self.rebuild()

    def build_form_for(self, case: Case) -> EscalationForm:
        edits = FormEdits.model_validate(case.form_edits) if case.form_edits else None
        report = self.controller.report if self.controller.report is not None else case.report
        # what was already tried: the retries launched from this case (the ledger's copy)
        tried = list(getattr(case, "retries", ()))
        return build_form(case, report, retries=tried, screenshots=list(case.screenshots), edits=edits)

    def rebuild(self) -> None:
        """Re-derive the form from the case and the latest report (the agent's edits kept)."""
        self.form = self.build_form_for(self.controller.case)
        self._show()

    @property
    def rows(self) -> dict[str, FieldRow]:
        """The required diagnostics' rows by field key (what a test or a shortcut reaches)."""
        return self.fields_box.rows

    def _show(self) -> None:
        form = self.form
        if form is None:
            return
        self.fields_box.show_fields(form.fields)
        self.message_box.show_form(form)
        missing = form.missing_fields()
        if missing:
            self.ready_icon.setPixmap(icon("verdict-fail").pixmap(22, 22))
            self.ready_label.setText(
                "<b>Not ready to send.</b> Fill in or waive: " + ", ".join(f.label for f in missing) + "."
            )
        else:
            self.ready_icon.setPixmap(icon("verdict-pass").pixmap(22, 22))
            self.ready_label.setText("<b>Ready to send.</b> Every required diagnostic is filled in or waived.")
        self._render_preview()
        self.completeChanged.emit()

    def _render_preview(self) -> None:
        assert self.form is not None
        bar = self.summary.verticalScrollBar()
        position = bar.value()
        sources = self._screenshot_files().file_urls(self.form.screenshots)
        html = self.form.to_html(image_src=sources)
        # the exported form shows screenshots 640 px wide; the preview pane is narrower
        width = max(200, self.summary.viewport().width() - 60)
        from triage_gui.ui.app.theme import themed_form_html

        html = html.replace("width='640'", f"width='{min(width, 640)}'")
        self.summary.setHtml(themed_form_html(html, self.summary.palette()))  # reads on dark too
        bar.setValue(position)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self.form:
            self._render_preview()  # the theme changed: the preview's colours follow

    # -- the agent's edits -----------------------------------------------------------------
    def value_edited(self, key: str, text: str) -> None:
        if self.form is None or self.form.field(key).value == text:
            return
        self.form.set_value(key, text)
        self._store_edits()

    def waive_toggled(self, key: str, on: bool) -> None:
        row = self.rows[key]
        row.reason.setVisible(on)
        if on:
            row.reason.setFocus()
            if len(row.reason.text().strip()) >= MIN_WAIVER_REASON:
                self.waiver_edited(key, row.reason.text())
        elif self.form is not None:
            row.reason.clear()
            self.form.clear_waiver(key)
            self._store_edits()

    def waiver_edited(self, key: str, reason: str) -> None:
        if self.form is None:
            return
        if len(reason.strip()) >= MIN_WAIVER_REASON:
            self.form.waive(key, reason)
        else:
            self.form.clear_waiver(key)
        self._store_edits()

    def waive(self, key: str, reason: str) -> None:
        """What the agent does with the Waive button and the reason box, in one call."""
        row = self.rows[key]
        row.waive.setChecked(True)
        row.reason.setText(reason)
        self.waiver_edited(key, reason)

    @Slot()
    def _message_edited(self) -> None:
        if self.form is not None and self.message.toPlainText() != self.form.customer_message:
            self.form.set_customer_message(self.message.toPlainText())
            self._store_edits()

    @Slot()
    def _reset_message(self) -> None:
        edits = FormEdits.model_validate(self.controller.case.form_edits or {})
        self.controller.case.form_edits = edits.model_copy(update={"customer_message": None}).model_dump()
        self.controller.mark_changed()
        self.rebuild()

    def _store_edits(self) -> None:
        assert self.form is not None
        self.controller.case.form_edits = self.form.edits().model_dump()
        self.controller.mark_changed()
        self._show()

    # -- screenshots -----------------------------------------------------------------------
    def _screenshot_files(self) -> ScreenshotFiles:
        return ScreenshotFiles(self.paths, self.controller.case.case_id)

    def _screenshot_names(self) -> list[str]:
        return list(self.controller.case.screenshots)

    def _set_screenshot_names(self, names: list[str]) -> None:
        self.controller.case.screenshots = list(names)

    @Slot()
    def _screenshots_changed(self) -> None:
        self.controller.mark_changed()
        self.rebuild()

    # -- copy and export -------------------------------------------------------------------
    def _current(self) -> EscalationForm:
        if self.form is None:
            self.rebuild()
        assert self.form is not None
        return self.form

    def _standalone_html(self, form: EscalationForm) -> str:
        """The form as HTML with its screenshots inside (data URIs): it goes where our files do not."""
        return form.to_html(image_src=self._screenshot_files().data_uris(form.screenshots))

    @Slot()
    def copy_to_clipboard(self) -> QMimeData:
        form = self._current()
        mime = QMimeData()
        mime.setText(form.to_text())
        mime.setHtml(self._standalone_html(form))
        QGuiApplication.clipboard().setMimeData(mime)
        self._say("The form is on the clipboard (rich text and plain text): paste it into the ticket.")
        return mime

    def _ask_and_export(self, kind: str) -> None:
        titles = {"md": "Markdown (*.md)", "html": "HTML (*.html)", "pdf": "PDF (*.pdf)"}
        suggested = str(_documents() / f"{self._file_stem()}.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the escalation form", suggested, titles[kind])
        if path:
            self.export(Path(path) if Path(path).suffix else Path(f"{path}.{kind}"), kind)

    def export(self, path: Path | str, kind: str) -> None:
        """Write the form as ``kind`` ("md", "html" or "pdf"); ``exported`` says when it is done.
        The PDF is rendered on the background runner: it can take a moment on a long form."""
        form = self._current()
        target = Path(path)
        try:
            if kind == "md":
                atomic_write_text(target, form.to_markdown(), mode=0o644)
            elif kind == "html":
                atomic_write_text(target, self._standalone_html(form), mode=0o644)
            elif kind == "pdf":
                html = self._standalone_html(form)
                title = f"Escalation: {form.title}"
                self._say(f"Writing {target.name}…")
                self.controller.runner.run(
                    lambda _ctx: html_to_pdf(html, target, title=title),
                    lambda written: self._exported(str(written)),
                    lambda error: self._export_failed(target, error),
                )
                return
            else:
                raise ValueError(f"unknown export kind {kind!r}")
        except OSError as exc:
            self._export_failed(target, exc)
            return
        self._exported(str(target))

    def _exported(self, path: str) -> None:
        self._say(f"Saved {path}")
        self.exported.emit(path)

    def _export_failed(self, target: Path, error: BaseException) -> None:
        message = f"Could not save {target}: {getattr(error, 'strerror', None) or error}"
        self._say(message)
        self.export_failed.emit(message)

    def _file_stem(self) -> str:
        job = self.controller.case.inputs.job_id or self.controller.case.case_id
        return f"escalation-{job}-{date.today():%Y%m%d}"

    # -- the diagnostics bundle -------------------------------------------------------------
    def bundle_inputs(self, *, draw_chart: bool = True) -> BundleInputs:
        """Everything the bundle needs, gathered on the GUI thread: a copy of the case that the
        writer owns (the poller goes on adding snapshots meanwhile), its report shared (frozen,
        only ever replaced whole; deep-copying a 1M-recipient case's report took ~300 ms). The
        chart is drawn now unless ``draw_chart`` is False (then it must be drawn before the
        bundle is written: :meth:`open_bundle_dialog` draws it in steps)."""
        case = copy_for_save(self.controller.case)
        form = self.build_form_for(case)
        files = self._screenshot_files()
        shots, omitted = [], {}
        for name in case.screenshots:
            try:
                shots.append((name, files.read(name)))
            except OSError as exc:
                omitted[f"screenshots/{name}"] = f"the file could not be read ({exc.strerror or exc})"
        data = self.controller.data
        connection = self.controller.connection
        return BundleInputs(
            case=case,
            report=self.controller.report,
            form=form,
            pdf_renderer=html_to_pdf_bytes,
            screenshots=shots,
            chart_png=self._chart_picture(draw=draw_chart),
            # shared, not copied (17 ms at 1M): an incident's lists are replaced whole, never changed
            events=data.events if data is not None else [],
            contact_audit=data.contact_audit if data is not None else None,
            log_file=self.paths.log_file,  # its tail is read by the writer, off the GUI thread
            calls=list(data.calls) if data is not None else [],
            http_requests=REQUEST_LOG.records(),
            provider=connection.provider,
            secrets=[connection.token] if connection.token else [],
            omitted=omitted,
        )

    def _chart_picture(self, *, draw: bool) -> ChartPicture | None:
        """The progress chart, drawn off-screen at a fixed size: never the Job health page's
        widget, whose size follows the window and which may never have been shown. Drawn on the
        GUI thread (a widget); encoded as PNG by the bundle's writer, on its thread."""
        snapshots = list(self.controller.case.snapshots)
        history = self.controller.progress_history  # rebuilt with the load, on its worker
        if not snapshots and history is None:
            return None
        from triage_gui.ui.widgets.chart_render import ChartPicture

        report = self.controller.report
        caption = progress_caption(report.progress) if report is not None else ""
        picture = ChartPicture.of(snapshots, history, caption)
        if draw:
            picture.draw()
        return picture

    def open_bundle_dialog(self, target: Path | str | None = None) -> BundlePreviewDialog:
        """The preview of the bundle's files; nothing is written until the agent says so."""
        if self.bundle_dialog is not None and self.bundle_dialog.writing:
            self.bundle_dialog.raise_()
            return self.bundle_dialog
        where = Path(target) if target is not None else _documents() / f"{self._file_stem()}-diagnostics.zip"
        # The chart (~55 ms on the GUI thread) is drawn in two steps after the dialog shows, or
        # at once when Write is pressed before that.
        inputs = self.bundle_inputs(draw_chart=False)
        if self.form is not None and not self.form.ready_to_send:
            self._say("Note: the form is not ready to send yet; the bundle will say which fields are missing.")
        from triage_gui.ui.widgets.chart_render import ChartPicture

        chart = inputs.chart_png if isinstance(inputs.chart_png, ChartPicture) else None
        dialog = BundlePreviewDialog(
            inputs, self.controller.runner, where, self, before_write=_chart_drawn if chart is not None else None
        )
        if chart is not None:
            from triage_gui.ui.tasks.step_runner import StepRunner

            StepRunner(chart.steps(), dialog).start()
        dialog.written.connect(lambda result: self._say(f"Bundle written: {result.path}"))
        self.bundle_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str)
    def _say(self, text: str) -> None:
        self.status.setText(text)


def _chart_drawn(inputs: BundleInputs) -> BundleInputs:
    """Before the bundle is written: the chart finished drawing (here, if its steps have not
    run yet), or left out with the reason if it could not be drawn."""
    from triage_gui.ui.widgets.chart_render import ChartPicture

    chart = inputs.chart_png
    if isinstance(chart, ChartPicture):
        try:
            chart.draw()
        except Exception as exc:  # a widget failing to paint must not lose the bundle
            log.warning("the chart could not be drawn for the bundle: %s", exc)
        if not chart.drawn:
            omitted = {**inputs.omitted, "chart.png": "the chart could not be drawn"}
            return dataclasses.replace(inputs, chart_png=None, omitted=omitted)
    return inputs


def _documents() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    path = Path(found) if found else Path.home()
    return path if path.is_dir() else Path.home()
