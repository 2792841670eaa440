"""The escalation form page, driven like an agent would, against the real simulator."""

from __future__ import annotations

import json
import threading
import zipfile

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QWizard

from triage_gui.domain.vocabulary import CheckId
from triage_gui.simulator import ManualClock, Simulator
from triage_gui.store.bundle_verify import verify_bundle
from triage_gui.ui.app.main_window import MainWindow
from triage_gui.ui.export.capture import grab_widget
from triage_gui.ui.pages.export_page import ExportPage
from triage_gui.ui.widgets.progress_chart import SERIES

TOKEN = "tok_Export-Page-Secret-7c6b5a4d"


@pytest.fixture
def simulator():
    """The suite's simulator, but with a long, unmistakable token to search the bundle for."""
    sim = Simulator(clock=ManualClock(), token=TOKEN)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def open_export_page(qtbot, window: MainWindow, simulator, scenario: str) -> ExportPage:
    info = simulator.scenario(scenario)
    window.wizard.start_page.fill(workspace=info.workspace_id, job=info.job_id)
    window.wizard.start_page.load()
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(window.wizard.start_page.isComplete, timeout=5_000)
    while window.wizard.currentPage() is not window.wizard.export_page:
        window.wizard.next()
    return window.wizard.export_page


def clear_field(qtbot, editor) -> None:
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)


def add_screenshot(qtbot, window: MainWindow, page: ExportPage) -> str:
    assert page.screenshots.capture(lambda: grab_widget(window), "window")
    editor = page.screenshots.editor
    editor.add_region(QRect(0, 0, 120, 40))
    with qtbot.waitSignal(page.screenshots.changed, timeout=3_000):
        editor.save_button.click()
    return window.controller.case.screenshots[-1]


def test_form_is_prefilled_and_missing_fields_block_ready_to_send(qtbot, window, simulator):
    page = open_export_page(qtbot, window, simulator, "stalled")
    info = simulator.scenario("stalled")
    rows = page.rows
    assert rows["workspace_id"].text() == info.workspace_id
    assert rows["job_id"].text() == info.job_id
    assert rows["campaign_id"].text() == info.campaign_id
    assert "failed vs" in rows["counts"].text() and "Observed" in rows["symptom_summary"].text()
    assert "timezone" in rows["time_window"].text()
    assert "Level 2" in page.summary.toPlainText()  # the preview is the form itself
    # no screenshot yet: marked with a word (not colour alone), and Done is blocked
    assert "Missing" in rows["screenshot"].word.text()
    assert "Screenshot" in page.ready_label.text() and "Not ready" in page.ready_label.text()
    done = window.wizard.button(QWizard.WizardButton.FinishButton)
    assert not page.isComplete() and not done.isEnabled()

    # the agent empties a pre-filled field: it is missing too
    clear_field(qtbot, rows["campaign_id"].editor)
    assert "Missing" in rows["campaign_id"].word.text()
    assert "Campaign ID" in page.ready_label.text()

    # waiving needs a reason of at least 3 characters
    qtbot.mouseClick(rows["screenshot"].waive, Qt.MouseButton.LeftButton)
    assert rows["screenshot"].reason.isVisibleTo(page)
    qtbot.keyClicks(rows["screenshot"].reason, "no")
    assert page.form.field("screenshot").missing
    qtbot.keyClicks(rows["screenshot"].reason, " screen access on the customer's kiosk")
    assert not page.form.field("screenshot").missing
    assert "Waived" in rows["screenshot"].word.text()
    assert not page.isComplete()  # the campaign is still missing
    qtbot.keyClicks(rows["campaign_id"].editor, "cmp_typed_by_agent")
    assert page.isComplete() and done.isEnabled()
    assert "Ready to send" in page.ready_label.text()

    # the edits live in the case (for autosave) and survive the form being rebuilt by a poll
    edits = window.controller.case.form_edits
    assert edits["values"]["campaign_id"] == "cmp_typed_by_agent"
    assert edits["waivers"]["screenshot"].startswith("no screen access")
    page.message.setPlainText("We are looking into it; next update by 15:00.")
    assert window.controller.case.form_edits["customer_message"].startswith("We are looking")
    count = len(window.controller.case.snapshots)
    simulator.clock.advance(30)
    qtbot.waitUntil(lambda: len(window.controller.case.snapshots) > count, timeout=10_000)
    page.rebuild()
    assert rows["campaign_id"].text() == "cmp_typed_by_agent"
    assert page.form.field("screenshot").waived_reason.startswith("no screen access")
    assert page.message.toPlainText().startswith("We are looking")
    assert page.reset_message.isEnabled()
    page.reset_message.click()
    assert page.message.toPlainText() == window.controller.report.outcome.customer_message

    # Done hands the case on: it is no longer "unfinished"
    assert page.validatePage() and window.controller.case.closed


def test_a_screenshot_fills_the_field_and_exports_carry_it(qtbot, window, simulator, tmp_path):
    page = open_export_page(qtbot, window, simulator, "stalled")
    name = add_screenshot(qtbot, window, page)
    assert page.rows["screenshot"].text() == name and page.isComplete()
    assert page.screenshots.thumbnails.count() == 1

    exported: list[str] = []
    page.exported.connect(exported.append)
    page.export(tmp_path / "form.md", "md")
    page.export(tmp_path / "form.html", "html")
    with qtbot.waitSignal(page.exported, timeout=20_000):
        page.export(tmp_path / "form.pdf", "pdf")
    assert exported == [str(tmp_path / n) for n in ("form.md", "form.html", "form.pdf")]
    job = simulator.scenario("stalled").job_id
    markdown = (tmp_path / "form.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Escalation") and job in markdown and "| Screenshot |" in markdown
    html = (tmp_path / "form.html").read_text(encoding="utf-8")
    assert "<table>" in html and job in html and "data:image/png;base64," in html  # self-contained
    pdf = (tmp_path / "form.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000 and b"/Image" in pdf

    page.copy_to_clipboard()
    mime = QGuiApplication.clipboard().mimeData()
    assert {"text/plain", "text/html"} <= set(mime.formats())
    assert job in mime.text() and "Ready to send: yes" in mime.text()
    assert "<h1>" in mime.html() and job in mime.html()


def test_bundle_is_previewed_then_written_in_the_background_and_verifies(qtbot, window, simulator, tmp_path):
    page = open_export_page(qtbot, window, simulator, "stalled")
    add_screenshot(qtbot, window, page)
    token = simulator.token
    window.controller.set_note("job_health", f"Customer pasted the token {token} by mistake")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "bundle.zip"
    dialog = page.open_bundle_dialog(target)
    qtbot.waitExposed(dialog)
    listed = [dialog.files.topLevelItem(i).text(0) for i in range(dialog.files.topLevelItemCount())]
    for expected in ("case.json", "form.md", "form.html", "form.pdf", "chart.png", "snapshots.jsonl", "manifest.json"):
        assert expected in listed
    assert any(n.startswith("screenshots/") for n in listed)
    assert not target.exists()  # the preview writes nothing
    assert not dialog.raw_numbers.isVisibleTo(dialog)  # Level 2: raw numbers are not offered
    assert "Level 3" in dialog.raw_note.text()
    with qtbot.waitSignal(dialog.written, timeout=30_000) as blocker:
        dialog.write_button.click()
        assert dialog.writing and dialog.progress.isVisible()
    result = blocker.args[0]
    assert result.path == target and "Bundle written" in dialog.status.text()
    check = verify_bundle(target)
    assert check.ok, check.problems
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        for member in names:
            assert TOKEN.encode() not in archive.read(member), member
    assert manifest["redactions"]["raw_phone_numbers"] is False
    assert manifest["case"]["job_id"] == simulator.scenario("stalled").job_id
    assert any(n.startswith("screenshots/") for n in names) and "chart.png" in names
    assert [p.name for p in out.iterdir()] == ["bundle.zip"]  # no temp file left beside it
    with zipfile.ZipFile(target) as archive:
        assert_full_chart(archive.read("chart.png"))


def encoded_off_the_gui_thread(chart: object) -> bytes:
    """The bundle's chart is drawn on the GUI thread and encoded by the writer: do it as the
    writer does, on another thread."""
    assert callable(chart), "the chart should be encoded on the bundle writer's thread"
    out: list[bytes] = []
    worker = threading.Thread(target=lambda: out.append(chart()))
    worker.start()
    worker.join(10)
    assert out and out[0].startswith(b"\x89PNG"), "not encoded"
    return out[0]


def assert_full_chart(png: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The chart is at least 1200x600 with the processed line drawn across the plot (the job's
    whole life, rebuilt from its calls, not the seconds of live snapshots); its pixels (x, y)."""
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    assert image.width() >= 1200 and image.height() >= 600, (image.width(), image.height())
    w, h, per_line = image.width(), image.height(), image.bytesPerLine()
    rgb = np.frombuffer(image.constBits(), np.uint8, count=h * per_line).reshape(h, per_line)
    rgb = rgb[:, : w * 3].reshape(h, w, 3).astype(int)
    processed = QColor(SERIES[0][3][0])
    near = np.abs(rgb - [processed.red(), processed.green(), processed.blue()]).sum(axis=2) <= 60
    near[int(h * 0.8) :, :] = False  # the legend and the caption
    near[:, :60] = False  # the left axis
    ys, xs = np.nonzero(near)
    assert len(xs) > 200, "no line drawn in the plot area"
    assert xs.min() < 0.2 * w and xs.max() > 0.85 * w, "the line does not cross the plot"
    return xs, ys


def test_the_bundles_chart_is_full_size_in_a_small_window_with_the_chart_page_never_shown(qtbot, window, simulator):
    window.resize(800, 600)
    info = simulator.scenario("stalled")
    window.wizard.start_page.fill(workspace=info.workspace_id, job=info.job_id)
    window.wizard.start_page.load()
    qtbot.waitUntil(lambda: window.controller.report is not None, timeout=20_000)
    job_page = window.wizard.check_pages[CheckId.JOB_HEALTH]
    assert job_page.chart is None  # the Job health page was never shown: its chart was never made
    xs, ys = assert_full_chart(encoded_off_the_gui_thread(window.wizard.export_page.bundle_inputs().chart_png))
    # the stalled job's story: rising, then flat for the last half hour (of the ~45 minutes drawn)
    right = xs > xs.min() + 0.5 * (xs.max() - xs.min())
    assert ys[right].max() - ys[right].min() <= 4, "the curve is not flat after the stall"
    assert ys[~right].max() - ys[~right].min() > 100, "the curve does not rise before the stall"
    assert job_page.chart is None  # and the bundle did not need it


def test_the_charts_history_is_rebuilt_once_with_the_load_on_its_worker(qtbot, window, simulator, monkeypatch):
    import triage_gui.ui.case.load_task as load_task

    on_gui_thread: list[bool] = []
    rebuild = load_task.progress_history

    def recording(data):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return rebuild(data)

    monkeypatch.setattr(load_task, "progress_history", recording)
    page = open_export_page(qtbot, window, simulator, "stalled")
    assert window.controller.progress_history is not None
    assert_full_chart(encoded_off_the_gui_thread(page.bundle_inputs().chart_png))
    assert on_gui_thread == [False]  # once, on the load's worker; the page and the bundle use it


def test_raw_numbers_are_offered_only_at_level_3_and_recorded(qtbot, window, simulator, tmp_path):
    page = open_export_page(qtbot, window, simulator, "transient_storm")
    assert window.controller.report.escalation.level == 3
    dialog = page.open_bundle_dialog(tmp_path / "raw.zip")
    assert dialog.raw_numbers.isVisibleTo(dialog)
    dialog.raw_numbers.setChecked(True)
    with qtbot.waitSignal(dialog.written, timeout=30_000):
        dialog.write()
    with zipfile.ZipFile(tmp_path / "raw.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["redactions"]["raw_phone_numbers"] is True
    assert "raw" in manifest["redactions"]["phone_numbers"]
    assert verify_bundle(tmp_path / "raw.zip").ok


def test_a_chosen_page_is_captured_whole_without_leaving_this_page(qtbot, window, simulator):
    from triage_gui.domain.vocabulary import CheckId
    from triage_gui.ui.export.capture import grab_page

    page = open_export_page(qtbot, window, simulator, "stalled")
    wizard = window.wizard
    job_page = wizard.check_pages[CheckId.JOB_HEALTH]
    image = grab_page(wizard, job_page)
    assert image.size() == page.size()
    assert wizard.currentPage() is page and page.isVisible() and not job_page.isVisible()
    # the page was laid out for the grab: its chart got a real size, not a squashed one
    assert job_page.chart.height() > 150


def test_the_bundle_names_its_screenshots_as_the_form_does_and_a_re_export_keeps_the_first(
    qtbot, window, simulator, tmp_path
):
    page = open_export_page(qtbot, window, simulator, "stalled")
    name = add_screenshot(qtbot, window, page)
    target = tmp_path / "bundle.zip"
    first = page.open_bundle_dialog(target)
    with qtbot.waitSignal(first.written, timeout=30_000):
        qtbot.mouseClick(first.write_button, Qt.MouseButton.LeftButton)
    first.close()
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        form = archive.read("form.md").decode()
        html = archive.read("form.html").decode()
        manifest = json.loads(archive.read("manifest.json"))
        requests = [json.loads(line) for line in archive.read("http_requests.jsonl").decode().splitlines()]
        calls = archive.read("calls.jsonl").decode().splitlines()
    shots = [n for n in names if n.startswith("screenshots/")]
    assert shots == [f"screenshots/{name}"]  # the app's own name: the ticket's form says the same
    assert f"| Screenshot | {shots[0]} |" in form.replace("\\_", "_")
    assert f"src='{shots[0]}'" in html or f'src="{shots[0]}"' in html
    assert manifest["provider"] == "batch_v1"
    assert {"calls.jsonl", "http_requests.jsonl"} <= {f["name"] for f in manifest["files"]}
    assert requests and all(r["method"] in ("GET", "POST") and r["path"].startswith("/") for r in requests)
    assert any(r["status"] == 200 for r in requests)
    assert len(calls) == len(window.controller.data.calls) and "[phone#" in calls[0]
    before = target.read_bytes()

    again = page.open_bundle_dialog(target)  # the same file name: exported again
    with qtbot.waitSignal(again.written, timeout=30_000) as blocker:
        qtbot.mouseClick(again.write_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].path == tmp_path / "bundle-2.zip"
    assert "bundle.zip already exists" in again.status.text() and "bundle-2.zip" in again.status.text()
    assert target.read_bytes() == before  # never overwritten silently
    assert verify_bundle(tmp_path / "bundle-2.zip").ok and verify_bundle(target).ok


def test_a_file_chosen_with_browse_and_confirmed_is_replaced(qtbot, window, simulator, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    page = open_export_page(qtbot, window, simulator, "stalled")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "chosen.zip"
    target.write_bytes(b"an older bundle")
    dialog = page.open_bundle_dialog(out / "suggested.zip")
    # the file dialog asks before it lets an existing file be chosen; the agent said yes
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Zip archive (*.zip)"))
    dialog._browse()
    with qtbot.waitSignal(dialog.written, timeout=30_000) as blocker:
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].path == target and verify_bundle(target).ok
    assert sorted(p.name for p in out.iterdir()) == ["chosen.zip"]


def test_a_bundle_that_does_not_verify_is_removed_and_said(qtbot, window, simulator, tmp_path, monkeypatch):
    """Read back after writing: one that does not verify (a disk that lies, say) is removed, so it
    cannot be attached to a ticket by mistake, and the dialog says why."""
    import triage_gui.store.bundle_verify as bundle_verify
    from triage_gui.store.bundle_verify import VerifyResult

    page = open_export_page(qtbot, window, simulator, "stalled")
    monkeypatch.setattr(bundle_verify, "verify_bundle", lambda path: VerifyResult(False, ["form.md: checksum"]))
    target = tmp_path / "bundle.zip"
    dialog = page.open_bundle_dialog(target)
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=30_000) as blocker:
        dialog.write_button.click()
    assert "did not verify" in blocker.args[0] and "checksum" in blocker.args[0]
    assert not target.exists() and "did not verify" in dialog.status.text()


def test_the_bundle_dialog_opens_before_the_chart_is_drawn(qtbot, window, simulator, tmp_path):
    """The chart (~55 ms of widget work) is drawn in steps after the dialog shows, not on the
    click that opens it; Write pressed at once draws what is left first: chart.png is whole."""
    from triage_gui.ui.widgets.chart_render import ChartPicture

    page = open_export_page(qtbot, window, simulator, "stalled")
    dialog = page.open_bundle_dialog(tmp_path / "at-once.zip")
    chart = dialog._inputs.chart_png
    assert isinstance(chart, ChartPicture) and not chart.drawn  # opening did not draw it
    dialog.write()  # before any event-loop turn: the chart is finished first
    assert chart.drawn
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=20_000)
    with zipfile.ZipFile(dialog.result_.path) as archive:
        assert_full_chart(archive.read("chart.png"))
    dialog.close()
    page.bundle_dialog = None
    later = page.open_bundle_dialog(tmp_path / "later.zip")
    qtbot.waitUntil(lambda: later._inputs.chart_png.drawn, timeout=5_000)  # drawn in its steps meanwhile
    later.close()
