"""The app's icons: plain SVGs in ``resources/icons`` read through ``importlib.resources``.

SVG keeps icons crisp at any size and device pixel ratio: Qt's SVG icon engine renders each
requested size on demand. Icons are cached by name because the wizard asks for the same few
dozens of times per report.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from PySide6.QtGui import QIcon

from triage_gui.domain.vocabulary import Verdict

ICONS_PACKAGE = "triage_gui.resources.icons"
APP_ICON_PACKAGE = "triage_gui.resources"
APP_ICON_FILE = "outbound-triage.svg"

ICON_NAMES: frozenset[str] = frozenset(
    {
        "verdict-pass",
        "verdict-warn",
        "verdict-fail",
        "verdict-unknown",
        "override",
        "refresh",
        "retry",
        "export",
        "note",
        "level-1",
        "level-2",
        "level-3",
        "demo",
        "connection-ok",
        "connection-error",
        "phone",
    }
)

# Sizes pre-rendered when the SVG is not a plain file (zip import): the common UI sizes at 1x-2x.
_FALLBACK_SIZES = (16, 20, 24, 32, 48, 64, 128, 256)

_cache: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``; ValueError for a name that has no file."""
    cached = _cache.get(name)
    if cached is not None:
        return cached
    resource = files(ICONS_PACKAGE) / f"{name}.svg"
    if not resource.is_file():
        raise ValueError(f"no icon named {name!r} in {ICONS_PACKAGE}")
    loaded = _load_svg(resource)
    _cache[name] = loaded
    return loaded


def app_icon() -> QIcon:
    cached = _cache.get(APP_ICON_FILE)
    if cached is None:
        cached = _load_svg(files(APP_ICON_PACKAGE) / APP_ICON_FILE)
        _cache[APP_ICON_FILE] = cached
    return cached


def verdict_icon(verdict: Verdict | str | None) -> QIcon:
    """The verdict's icon; an empty icon for ``None`` (not analysed yet: the text says "—")."""
    if verdict is None:
        return QIcon()
    return icon(f"verdict-{Verdict(verdict).value}")


def _load_svg(resource: Traversable) -> QIcon:
    if isinstance(resource, Path):
        return QIcon(str(resource))
    # A zipped install has no file path for the SVG engine: render the common sizes instead.
    from PySide6.QtCore import QByteArray, QSize, Qt
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(resource.read_bytes()))
    result = QIcon()
    for side in _FALLBACK_SIZES:
        pixmap = QPixmap(QSize(side, side))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
