"""Where a screenshot comes from, where the redacted copy is kept, and the area that shows them.

Sources: the app window or one wizard page (``QWidget.grab()``, works on every platform), the
whole screen (``QScreen.grabWindow(0)``, which Wayland and headless platforms refuse: the agent
gets a message saying what to do instead), an image on the clipboard, a file, or a file
dropped on the area. Every image goes through the :class:`RedactionEditor` first; only what it
returns is written, as PNG with its metadata chunks stripped, to
``<data dir>/cases/<case_id>/screenshots/``. The case lists the files by name.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QClipboard,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QImageWriter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from triage_gui.store.bundle_writer import strip_png_metadata
from triage_gui.store.paths import AppPaths, atomic_write_bytes
from triage_gui.ui.export.redaction_editor import RedactionEditor

SCREENSHOTS_DIR = "screenshots"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"
_NO_SCREEN_PLATFORMS = {"offscreen", "minimal", "wayland", "wayland-egl"}
_NAME = re.compile(r"^screenshot-(\d+)-[a-z-]+\.png$")
_THUMB = QSize(128, 80)


class CaptureRefused(Exception):
    """The image cannot be had this way; the message says why and what to do instead."""


# -- sources -----------------------------------------------------------------------------------
def grab_widget(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def grab_page(wizard: QWizard, page: QWidget) -> QImage:
    """A wizard page as it looks, also one that is not on show (laid out at the shown one's size)."""
    current = wizard.currentPage()
    if page is current or current is None or not current.isVisible():
        return page.grab().toImage()
    # WORKAROUND: a hidden page's nested layouts only run when it is shown (Qt holds resize
    # events for hidden widgets), so grab() draws it squashed. Swap it in for the grab and back
    # before the event loop paints anything: the wizard's current page never changes.
    page.setGeometry(current.geometry())
    current.hide()
    page.show()
    try:
        return page.grab().toImage()
    finally:
        page.hide()
        current.show()


def grab_screen(platform: str | None = None) -> QImage:
    name = platform if platform is not None else QGuiApplication.platformName()
    if name in _NO_SCREEN_PLATFORMS:
        raise CaptureRefused(
            f"This desktop ({name}) does not let applications capture the screen. Capture the app "
            "window instead, or take the screenshot with your system's tool and paste it (Ctrl+V) or "
            "drop the file here."
        )
    screen = QGuiApplication.primaryScreen()
    pixmap = screen.grabWindow(0) if screen is not None else QPixmap()
    if pixmap.isNull():
        raise CaptureRefused(
            "The screen could not be captured here. Take the screenshot with your system's tool and "
            "paste it (Ctrl+V) or drop the file here."
        )
    return pixmap.toImage()


def image_from_file(path: Path | str) -> QImage:
    image = QImage(str(path))
    if image.isNull():
        raise CaptureRefused(f"{Path(path).name} is not an image this app can read (PNG, JPEG, BMP, GIF).")
    return image


def image_from_mime(mime: QMimeData | None) -> QImage | None:
    """An image in clipboard or drag data: image data first, else the first local image file."""
    if mime is None:
        return None
    if mime.hasImage():
        data = mime.imageData()
        image = data.toImage() if isinstance(data, QPixmap) else data if isinstance(data, QImage) else QImage()
        if not image.isNull():
            return image
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            with contextlib.suppress(CaptureRefused):
                return image_from_file(url.toLocalFile())
    return None


def image_from_clipboard(clipboard: QClipboard | None = None) -> QImage:
    board = clipboard or QGuiApplication.clipboard()
    image = image_from_mime(board.mimeData(QClipboard.Mode.Clipboard))
    if image is None:
        raise CaptureRefused("The clipboard holds no image. Copy a screenshot first, then paste it here.")
    return image


def png_bytes(image: QImage) -> bytes:
    """The image as PNG with only the chunks needed to draw it (no text, no time, no EXIF)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        # a writer, not image.save(buffer, "PNG"): PySide6's stubs type that format as bytes,
        # which the call refuses at run time
        if not QImageWriter(buffer, QByteArray(b"PNG")).write(image):
            raise CaptureRefused("The image could not be encoded as PNG.")
    finally:
        buffer.close()
    return strip_png_metadata(bytes(data.data()))[0]


# -- storage -----------------------------------------------------------------------------------
class ScreenshotFiles:
    """The redacted screenshots of one case: ``<data dir>/cases/<case_id>/screenshots/NAME``."""

    def __init__(self, paths: AppPaths, case_id: str) -> None:
        self._paths = paths
        self.case_id = case_id

    @property
    def directory(self) -> Path:
        return self._paths.data_dir / "cases" / self.case_id / SCREENSHOTS_DIR

    def path(self, name: str) -> Path:
        if Path(name).name != name or not name.endswith(".png"):
            raise ValueError(f"not a screenshot name: {name!r}")
        return self.directory / name

    def save(self, image: QImage, kind: str, existing: list[str]) -> str:
        """Write the (already redacted) image; returns the new file's name. The name holds only a
        counter and the kind ("window", "screen", ...), never text from the source."""
        numbers = [int(m.group(1)) for m in map(_NAME.match, existing) if m]
        kind = re.sub(r"[^a-z-]+", "-", kind.lower()).strip("-") or "image"
        name = f"screenshot-{max(numbers, default=0) + 1}-{kind}.png"
        target = self.path(name)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write_bytes(target, png_bytes(image))
        return name

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def file_urls(self, names: list[str]) -> dict[str, str]:
        """``file:`` URLs of the stored files, for the on-screen preview."""
        return {name: QUrl.fromLocalFile(str(self.path(name))).toString() for name in names}

    def data_uris(self, names: list[str]) -> dict[str, str]:
        """``data:`` URIs, so an exported or copied form carries its screenshots inside it."""
        out = {}
        for name in names:
            with contextlib.suppress(OSError, ValueError):
                out[name] = "data:image/png;base64," + base64.b64encode(self.read(name)).decode("ascii")
        return out

    def remove(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(name).unlink()


# -- the area on the export page ---------------------------------------------------------------
class ScreenshotArea(QGroupBox):
    """Thumbnails of the case's screenshots, the ways to add one, and a drop target.

    ``files_for()`` gives the storage of the current case; ``names()`` / ``set_names()`` read and
    write the case's list. ``changed`` is emitted after a screenshot was added or removed.
    ``editor`` is the open redaction editor, if any (tests drive it)."""

    changed = Signal()
    message = Signal(str)

    def __init__(
        self,
        files_for: Callable[[], ScreenshotFiles],
        names: Callable[[], list[str]],
        set_names: Callable[[list[str]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Screenshots (drop an image file here)", parent)
        self._files_for = files_for
        self._names = names
        self._set_names = set_names
        self.editor: RedactionEditor | None = None
        self._pending_kind = ""
        self.setAcceptDrops(True)
        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(_THUMB)
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setAccessibleName("Screenshots")
        self.thumbnails.setFixedHeight(_THUMB.height() + 44)
        self.thumbnails.currentItemChanged.connect(self._current_changed)
        # one line, not wrapped: a wrapping label would make the export page's right column
        # (a scroll area) as tall as its wrapped text wants, with a scroll bar at every size
        self.hint = QLabel("No screenshot yet: each is redacted before it is kept.")
        self.hint.setToolTip("Every image is opened in the redaction editor before it is saved.")

        self.capture_button = QPushButton("Cap&ture")
        self.capture_menu = QMenu(self)
        self.capture_button.setMenu(self.capture_menu)
        self.capture_menu.aboutToShow.connect(self._fill_capture_menu)
        self.paste_button = QPushButton("Paste ima&ge")
        self.paste_button.setToolTip("Paste a screenshot from the clipboard")
        self.paste_button.clicked.connect(self.paste)
        self.attach_button = QPushButton("&Attach file…")
        self.attach_button.clicked.connect(self._choose_file)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()  # two rows of two: the export page fits 800 px
        for button in (self.capture_button, self.paste_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        more_buttons = QHBoxLayout()
        for button in (self.attach_button, self.remove_button):
            more_buttons.addWidget(button)
        more_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.thumbnails, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addLayout(more_buttons)

    # -- listing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.thumbnails.clear()
        files = self._files_for()
        for name in self._names():
            pixmap = QPixmap(str(files.path(name)))
            item = QListWidgetItem(name)
            if pixmap.isNull():
                item.setText(f"{name} (file missing)")
            else:
                item.setIcon(
                    QIcon(
                        pixmap.scaled(
                            _THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                        )
                    )
                )
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.thumbnails.addItem(item)
        self.hint.setVisible(self.thumbnails.count() == 0)
        self.remove_button.setEnabled(self.thumbnails.currentItem() is not None)

    # -- sources ---------------------------------------------------------------------------
    def _fill_capture_menu(self) -> None:
        self.capture_menu.clear()
        window = self.window()
        self.capture_menu.addAction("The app &window", lambda: self.capture(lambda: grab_widget(window), "window"))
        wizard = _wizard_of(self)
        if wizard is not None:
            for page_id in wizard.pageIds():
                page = wizard.page(page_id)
                if page is None or page is wizard.currentPage():
                    continue
                self.capture_menu.addAction(f"Page: {page.title()}", partial(self._capture_page, wizard, page))
        self.capture_menu.addSeparator()
        self.capture_menu.addAction("The whole &screen", lambda: self.capture(grab_screen, "screen"))

    def _capture_page(self, wizard: QWizard, page: QWidget) -> bool:
        return self.capture(lambda: grab_page(wizard, page), "page")

    def capture(self, source: Callable[[], QImage], kind: str) -> bool:
        """Take an image from ``source`` and open the editor; False (and a message) if refused."""
        try:
            image = source()
        except CaptureRefused as exc:
            self.message.emit(str(exc))
            return False
        return self.edit(image, kind)

    @Slot()
    def paste(self) -> bool:
        return self.capture(image_from_clipboard, "pasted")

    @Slot()
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a screenshot", "", IMAGE_FILTER)
        if path:
            self.attach(path)

    def attach(self, path: Path | str) -> bool:
        return self.capture(lambda: image_from_file(path), "file")

    def edit(self, image: QImage, kind: str) -> bool:
        if self.editor is not None:
            self.message.emit("Finish the screenshot in the redaction editor first.")
            self.editor.raise_()
            return False
        self._pending_kind = kind
        self.editor = RedactionEditor(image, self.window(), source=f"New screenshot ({kind})")
        self.editor.finished.connect(self._editor_finished)
        self.editor.open()
        return True

    @Slot(int)
    def _editor_finished(self, result: int) -> None:
        editor, self.editor = self.editor, None
        if editor is None:
            return
        if result == RedactionEditor.DialogCode.Accepted:
            names = self._names()
            try:
                name = self._files_for().save(editor.redacted_image(), self._pending_kind, names)
            except (OSError, CaptureRefused) as exc:
                self.message.emit(f"The screenshot could not be saved: {exc}")
            else:
                self._set_names([*names, name])
                self.refresh()
                self.changed.emit()
                self.message.emit(f"Screenshot saved as {name} (redacted, metadata removed).")
        editor.deleteLater()

    @Slot()
    def _current_changed(self) -> None:
        self.remove_button.setEnabled(self.thumbnails.currentItem() is not None)

    @Slot()
    def remove_selected(self) -> None:
        item = self.thumbnails.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        self._files_for().remove(name)
        self._set_names([n for n in self._names() if n != name])
        self.refresh()
        self.changed.emit()

    # -- drag and drop ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        image = image_from_mime(event.mimeData())
        if image is None:
            self.message.emit("That is not an image this app can read (PNG, JPEG, BMP, GIF).")
            return
        event.acceptProposedAction()
        self.edit(image, "dropped")


def _wizard_of(widget: QWidget) -> QWizard | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QWizard):
        parent = parent.parentWidget()
    return parent
