"""The progress chart as a picture: drawn off-screen at a fixed size, in light colours.

The bundle's ``chart.png`` (and "Save chart as PNG") used to be a grab of the Job health page's
widget, so it came out as the window had laid it out: an 895x72 sliver in a squashed tab, or
half blank when the page had never been shown. Here a chart is built that is never shown, given
its size, and painted into an image of exactly that size: the window does not enter into it.
Drawn on the GUI thread (it is a widget), ~50 ms; encoded as PNG anywhere (``encode_png``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QImageWriter, QPalette

from triage_gui.domain.incident import JobSnapshot
from triage_gui.domain.progress_history import ProgressHistory
from triage_gui.ui.widgets.progress_chart import ProgressChart

EXPORT_SIZE = (1200, 600)  # the picture's size in pixels, whatever the window's


def render_chart_png(
    snapshots: Sequence[JobSnapshot],
    history: ProgressHistory | None,
    caption: str = "",
    *,
    size: tuple[int, int] = EXPORT_SIZE,
) -> bytes:
    """A chart of these live snapshots and rebuilt history, as PNG bytes of exactly ``size``."""
    return encode_png(render_chart_image(snapshots, history, caption, size=size))


def render_chart_image(
    snapshots: Sequence[JobSnapshot],
    history: ProgressHistory | None,
    caption: str = "",
    *,
    size: tuple[int, int] = EXPORT_SIZE,
) -> QImage:
    """:func:`render_chart_png`'s picture, not encoded yet (on the GUI thread: it is a widget)."""
    picture = ChartPicture.of(snapshots, history, caption, size=size)
    picture.draw()
    return picture.image()


def render_offscreen(fill: Callable[[ProgressChart], None], size: tuple[int, int]) -> bytes:
    """Build a chart that is never shown, ``fill`` it, lay it out at ``size`` and paint it
    into an image of that size; the PNG's bytes. Raises ``OSError`` if it cannot be encoded."""
    return encode_png(render_image(fill, size))


def render_image(fill: Callable[[ProgressChart], None], size: tuple[int, int]) -> QImage:
    """:func:`render_offscreen`'s picture, not encoded yet."""
    picture = ChartPicture(fill, size)
    picture.draw()
    return picture.image()


class ChartPicture:
    """A chart drawn off-screen in steps, one per event-loop turn when run by a ``StepRunner``
    (building the plot ~20 ms, then filling and painting it ~35 ms: neither holds the GUI
    thread long); calling it gives the PNG, on any thread, once it is drawn."""

    def __init__(self, fill: Callable[[ProgressChart], None], size: tuple[int, int] = EXPORT_SIZE) -> None:
        self._fill = fill
        self._size = size
        self._image: QImage | None = None
        self._steps: Iterator[str] | None = None

    @classmethod
    def of(
        cls,
        snapshots: Sequence[JobSnapshot],
        history: ProgressHistory | None,
        caption: str = "",
        *,
        size: tuple[int, int] = EXPORT_SIZE,
    ) -> ChartPicture:
        """The progress chart of these live snapshots and rebuilt history, at ``size``."""
        snapshots = list(snapshots)

        def fill(chart: ProgressChart) -> None:
            chart.set_rate_text(caption)
            chart.set_history(history)
            chart.set_snapshots(snapshots)

        return cls(fill, size)

    @property
    def drawn(self) -> bool:
        return self._image is not None

    def steps(self) -> Iterator[str]:
        """The drawing, a step at a time (on the GUI thread); shared with :meth:`draw`."""
        if self._steps is None:
            self._steps = self._draw_steps()
        return self._steps

    def draw(self) -> None:
        """Draw what is left of it now (on the GUI thread)."""
        for _ in self.steps():
            pass

    def image(self) -> QImage:
        if self._image is None:
            raise RuntimeError("the chart is not drawn yet (draw() on the GUI thread first)")
        return self._image

    def __call__(self) -> bytes:
        """The PNG's bytes (any thread). Raises ``OSError`` if it cannot be encoded."""
        return encode_png(self.image())

    def _draw_steps(self) -> Iterator[str]:
        width, height = self._size
        chart = ProgressChart(deferred=True)
        try:
            chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
            chart.setPalette(_document_palette())
            chart.finish_building()
            yield "built"
            assert chart.plot is not None
            item = chart.plot.getPlotItem()
            item.setClipToView(False)  # a few thousand points: no need, and no stale view range to clip to
            item.setDownsampling(auto=False)
            chart.setContentsMargins(12, 12, 12, 8)
            self._fill(chart)
            chart.flush()
            chart.resize(width, height)  # delivered by render(), which lays the chart out at this size
            image = QImage(width, height, QImage.Format.Format_RGB32)
            image.fill(QColor("#ffffff"))
            chart.render(image)
            self._image = image
        finally:
            chart.deleteLater()


def encode_png(image: QImage) -> bytes:
    """PNG bytes of ``image`` (any thread: a QImage is not a widget; ~20 ms at 1200x600).
    Raises ``OSError`` if it cannot be encoded."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:  # a writer: PySide6 refuses image.save(buffer, "PNG") as typed by its stubs (see export/capture.py)
        if not QImageWriter(buffer, QByteArray(b"PNG")).write(image):
            raise OSError("could not encode the chart as PNG")
    finally:
        buffer.close()
    return bytes(data.data())


def _document_palette() -> QPalette:
    """Dark text on white whatever the app's theme: the picture goes into tickets and documents."""
    palette = QPalette()
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, QColor("#ffffff"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(role, QColor("#202124"))
    return palette
