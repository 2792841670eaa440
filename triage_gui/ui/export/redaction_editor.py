"""Black out what must not leave the building (phone numbers, names) before a screenshot is kept.

The agent drags rectangles over the image; "Save redacted" burns them into a fresh image's
pixels. Only that image is ever stored or exported: the original stays in memory for as long
as the dialog is open. The fresh image is drawn, not copied, so none of the source's text
metadata (a PNG's ``tEXt`` chunks read into ``QImage.text()``) travels with it, and it has no
alpha channel, so nothing can hide under a "transparent" black box.

Keyboard users add a region with the X/Y/W/H boxes (STYLE.md: the keyboard reaches everything).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

_MIN_SIDE = 2  # a click without a drag is not a region
_MAX_VIEW = QSize(960, 600)


class RedactionCanvas(QWidget):
    """The image scaled to fit, the regions drawn black; regions are kept in image pixels."""

    regions_changed = Signal()

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = image
        self.regions: list[QRect] = []
        self._anchor: QPoint | None = None
        self._dragging: QRect | None = None
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Screenshot: drag to black out a region")
        self.setMinimumSize(200, 120)

    def sizeHint(self) -> QSize:
        return (
            self._image.size()
            .scaled(_MAX_VIEW, Qt.AspectRatioMode.KeepAspectRatio)
            .boundedTo(self._image.size().expandedTo(QSize(200, 120)))
        )

    # -- geometry --------------------------------------------------------------------------
    def _view(self) -> tuple[float, QPointF]:
        """Scale (never above 1:1 for big images, up to 2x for small ones) and top-left offset."""
        iw, ih = max(1, self._image.width()), max(1, self._image.height())
        scale = min(self.width() / iw, self.height() / ih, 2.0)
        offset = QPointF((self.width() - iw * scale) / 2, (self.height() - ih * scale) / 2)
        return scale, offset

    def to_image(self, point: QPointF | QPoint) -> QPoint:
        scale, offset = self._view()
        x = int((point.x() - offset.x()) / scale)
        y = int((point.y() - offset.y()) / scale)
        return QPoint(min(max(x, 0), self._image.width()), min(max(y, 0), self._image.height()))

    def _to_view(self, rect: QRect) -> QRectF:
        scale, offset = self._view()
        return QRectF(
            offset.x() + rect.x() * scale, offset.y() + rect.y() * scale, rect.width() * scale, rect.height() * scale
        )

    # -- editing ---------------------------------------------------------------------------
    def add_region(self, rect: QRect) -> bool:
        """Add a region (image pixels), clipped to the image; False when nothing is left of it."""
        clipped = rect.normalized().intersected(self._image.rect())
        if clipped.width() < _MIN_SIDE or clipped.height() < _MIN_SIDE:
            return False
        self.regions.append(clipped)
        self.update()
        self.regions_changed.emit()
        return True

    def undo(self) -> None:
        if self.regions:
            self.regions.pop()
            self.update()
            self.regions_changed.emit()

    def clear(self) -> None:
        if self.regions:
            self.regions.clear()
            self.update()
            self.regions_changed.emit()

    # -- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = self.to_image(event.position())
            self._dragging = QRect(self._anchor, self._anchor)
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            self._dragging = QRect(self._anchor, self.to_image(event.position())).normalized()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None and event.button() == Qt.MouseButton.LeftButton:
            end = self.to_image(event.position())
            # QRect(p, q) includes q: the pixel under the release point is covered too
            rect = QRect(self._anchor, end).normalized()
            self._anchor = self._dragging = None
            if not self.add_region(rect):
                self.update()

    # -- drawing ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self._to_view(self._image.rect()), self._image)
        for rect in self.regions:
            painter.fillRect(self._to_view(rect), Qt.GlobalColor.black)
        if self._dragging is not None:
            painter.fillRect(self._to_view(self._dragging), QColor(0, 0, 0, 150))
            pen = QPen(QColor("#ffd600"), 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(self._to_view(self._dragging))
        painter.end()

    def burned(self) -> QImage:
        """A new RGB image with every region filled black: the only thing that gets stored."""
        result = QImage(self._image.size(), QImage.Format.Format_RGB32)
        result.fill(Qt.GlobalColor.white)
        painter = QPainter(result)
        painter.drawImage(0, 0, self._image)
        for rect in self.regions:
            painter.fillRect(rect, Qt.GlobalColor.black)
        painter.end()
        return result


class RedactionEditor(QDialog):
    """Open it with ``open()``; on ``accepted``, :meth:`redacted_image` is the image to keep."""

    def __init__(self, image: QImage, parent: QWidget | None = None, *, source: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Black out private details")
        self.setObjectName("redaction_editor")
        self.canvas = RedactionCanvas(image)
        self.canvas.regions_changed.connect(self._update_state)
        what = f"{source}: " if source else ""
        intro = QLabel(
            f"{what}drag over phone numbers, names and anything else the customer would not share. "
            "Only the blacked-out copy is saved; the original is not kept."
        )
        intro.setWordWrap(True)
        self.count = QLabel()
        self.count.setAccessibleName("Regions blacked out")

        # keyboard path: a region by its coordinates
        self.region_x, self.region_y, self.region_width, self.region_height = (QSpinBox() for _ in range(4))
        keys = QHBoxLayout()
        keys.addWidget(QLabel("Region (pixels):"))
        for label, box, limit in (
            ("&X", self.region_x, image.width()),
            ("&Y", self.region_y, image.height()),
            ("&W", self.region_width, image.width()),
            ("H", self.region_height, image.height()),
        ):
            box.setRange(0, max(0, limit))
            box.setAccessibleName(f"Region {label.replace('&', '')}")
            caption = QLabel(label)
            caption.setBuddy(box)
            keys.addWidget(caption)
            keys.addWidget(box)
        self.add_button = QPushButton("&Add region")
        self.add_button.clicked.connect(self._add_typed)
        keys.addWidget(self.add_button)
        keys.addStretch(1)

        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Remove the last region (Ctrl+Z)")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.clear_button = QPushButton("C&lear all")
        self.clear_button.clicked.connect(self.canvas.clear)
        QShortcut(QKeySequence.StandardKey.Undo, self).activated.connect(self.canvas.undo)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton("&Save redacted", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.clear_button)
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(keys)
        layout.addLayout(bottom)
        self._update_state()

    @property
    def regions(self) -> list[QRect]:
        return list(self.canvas.regions)

    def add_region(self, rect: QRect) -> bool:
        return self.canvas.add_region(rect)

    def redacted_image(self) -> QImage:
        return self.canvas.burned()

    @Slot()
    def _add_typed(self) -> None:
        self.canvas.add_region(
            QRect(
                self.region_x.value(),
                self.region_y.value(),
                self.region_width.value(),
                self.region_height.value(),
            )
        )

    @Slot()
    def _update_state(self) -> None:
        n = len(self.canvas.regions)
        self.count.setText("Nothing blacked out yet." if n == 0 else f"{n} region(s) blacked out.")
        self.undo_button.setEnabled(n > 0)
        self.clear_button.setEnabled(n > 0)
