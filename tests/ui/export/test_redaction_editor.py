"""The redaction editor burns black boxes into the pixels, and only that copy is stored."""

from __future__ import annotations

import struct
import zlib

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage

from triage_gui.store.paths import AppPaths
from triage_gui.ui.export.capture import CaptureRefused, ScreenshotArea, ScreenshotFiles, grab_screen, png_bytes
from triage_gui.ui.export.redaction_editor import RedactionEditor

SECRET_TEXT = "+44 7700 900123 Jane Customer"


def pattern_image(width: int = 200, height: int = 120) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    for x in range(0, width, 10):
        for y in range(height):
            image.setPixelColor(x, y, QColor("#2266cc"))
    image.setText("Comment", SECRET_TEXT)  # becomes a tEXt chunk when Qt writes a PNG
    return image


def chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        types.append(kind)
        pos += 12 + length
    return types


def is_black(image: QImage, x: int, y: int) -> bool:
    return image.pixelColor(x, y).rgb() & 0xFFFFFF == 0


def test_dragging_a_box_blacks_out_exactly_those_pixels(qtbot):
    source = pattern_image()
    editor = RedactionEditor(source)
    qtbot.addWidget(editor)
    editor.resize(600, 400)
    editor.open()
    qtbot.waitExposed(editor)
    canvas = editor.canvas
    # map image pixels to the canvas' scaled view, then drag with the mouse like an agent
    scale, offset = canvas._view()
    start = QPoint(int(offset.x() + 20 * scale + 1), int(offset.y() + 30 * scale + 1))
    end = QPoint(int(offset.x() + 80 * scale - 1), int(offset.y() + 60 * scale - 1))
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert len(editor.regions) == 1
    region = editor.regions[0]
    assert abs(region.left() - 20) <= 1 and abs(region.top() - 30) <= 1
    assert abs(region.right() - 79) <= 1 and abs(region.bottom() - 59) <= 1
    assert "1 region" in editor.count.text()

    result = editor.redacted_image()
    assert result.size() == source.size()
    assert is_black(result, 40, 40) and is_black(result, 30, 45)  # a blue stripe pixel too
    assert not is_black(result, 10, 10) and not is_black(result, 100, 100)
    assert result.pixelColor(100, 100) == QColor("#2266cc")  # outside: untouched
    assert not result.hasAlphaChannel()
    assert result.textKeys() == []  # the source's text metadata did not travel


def test_keyboard_region_undo_and_clear(qtbot):
    editor = RedactionEditor(pattern_image())
    qtbot.addWidget(editor)
    editor.region_x.setValue(5)
    editor.region_y.setValue(5)
    editor.region_width.setValue(10)
    editor.region_height.setValue(10)
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    assert editor.regions == [QRect(5, 5, 10, 10)]
    assert editor.add_region(QRect(150, 100, 500, 500))  # clipped to the image
    assert editor.regions[-1] == QRect(150, 100, 50, 20)
    assert not editor.add_region(QRect(300, 300, 10, 10))  # entirely outside: refused
    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert editor.regions == [QRect(5, 5, 10, 10)]
    qtbot.mouseClick(editor.clear_button, Qt.MouseButton.LeftButton)
    assert editor.regions == [] and not editor.undo_button.isEnabled()
    assert not is_black(editor.redacted_image(), 7, 7)


def test_saved_png_has_the_black_box_and_no_metadata(qtbot, tmp_path):
    source = pattern_image()
    raw = QByteArray()
    buffer = QBuffer(raw)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    source.save(buffer, "PNG")
    buffer.close()
    assert SECRET_TEXT.encode() in bytes(raw.data())  # Qt does write the text: stripping matters

    case = {"names": []}
    files = ScreenshotFiles(AppPaths.under(tmp_path), "case1")
    area = ScreenshotArea(lambda: files, lambda: list(case["names"]), lambda names: case.update(names=names))
    qtbot.addWidget(area)
    messages = []
    area.message.connect(messages.append)
    assert area.edit(source, "window")
    editor = area.editor
    assert editor is not None and editor.isVisible()
    editor.add_region(QRect(0, 0, 50, 50))
    with qtbot.waitSignal(area.changed, timeout=3_000):
        editor.save_button.click()
    assert case["names"] == ["screenshot-1-window.png"]
    path = files.path("screenshot-1-window.png")
    assert path.parent == tmp_path / "data" / "cases" / "case1" / "screenshots"
    data = path.read_bytes()
    assert SECRET_TEXT.encode() not in data
    assert set(chunk_types(data)) <= {b"IHDR", b"IDAT", b"IEND", b"sRGB", b"gAMA", b"pHYs", b"sBIT", b"PLTE", b"tRNS"}
    saved = QImage(str(path))
    assert is_black(saved, 10, 10) and is_black(saved, 49, 49)
    assert not is_black(saved, 51, 51) and not is_black(saved, 100, 60)
    assert area.thumbnails.count() == 1 and "redacted" in messages[-1]
    # only the redacted copy exists: nothing else was written for the case
    assert sorted(p.name for p in path.parent.iterdir()) == ["screenshot-1-window.png"]

    # a cancelled editor stores nothing; the next one gets the next number
    assert area.edit(source, "pasted")
    area.editor.reject()
    assert case["names"] == ["screenshot-1-window.png"]
    assert area.edit(source, "pasted")
    with qtbot.waitSignal(area.changed, timeout=3_000):
        area.editor.accept()
    assert case["names"][-1] == "screenshot-2-pasted.png"
    area.thumbnails.setCurrentRow(0)
    area.remove_selected()
    assert case["names"] == ["screenshot-2-pasted.png"] and not path.exists()


def test_png_bytes_strips_text_chunks():
    data = png_bytes(pattern_image(8, 8))
    assert b"tEXt" not in data and SECRET_TEXT.encode() not in data
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]  # IHDR intact


def test_screen_capture_is_refused_with_a_clear_message_where_the_platform_cannot():
    for platform in ("offscreen", "wayland"):
        try:
            grab_screen(platform)
        except CaptureRefused as exc:
            assert platform in str(exc) and "paste" in str(exc)
        else:
            raise AssertionError(f"{platform}: no refusal")
