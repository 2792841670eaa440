from __future__ import annotations

import re
import subprocess
import sys
from importlib.resources import files

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor

from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.icons import ICON_NAMES, app_icon, icon, verdict_icon


def _opaque_pixels(qicon, side: int) -> int:
    image = qicon.pixmap(QSize(side, side)).toImage()
    assert image.width() == side and image.height() == side
    return sum(
        1
        for x in range(0, side, max(side // 16, 1))
        for y in range(0, side, max(side // 16, 1))
        if QColor(image.pixel(x, y)).alpha() > 0
    )


@pytest.mark.parametrize("name", sorted(ICON_NAMES))
def test_every_icon_renders_at_small_and_large_sizes(qapp, name):
    qicon = icon(name)
    assert not qicon.isNull()
    assert _opaque_pixels(qicon, 16) > 10
    assert _opaque_pixels(qicon, 64) > 10  # an SVG scales up crisp, it is not a 16 px bitmap


@pytest.mark.parametrize("name", sorted(ICON_NAMES) + ["../outbound-triage"])
def test_icon_svgs_are_plain_24px_without_current_color(name):
    text = (files("triage_gui.resources.icons") / f"{name}.svg").read_text(encoding="utf-8")
    assert "currentColor" not in text  # Qt's SVG renderer ignores it: icons would go black
    if not name.startswith(".."):
        assert 'viewBox="0 0 24 24"' in text
    assert not re.search(r"<(script|image|text)\b", text)  # no fonts, no external images


def test_icons_are_cached(qapp):
    assert icon("phone") is icon("phone")


def test_unknown_icon_name_is_an_error(qapp):
    with pytest.raises(ValueError, match="no-such-icon"):
        icon("no-such-icon")


def test_verdict_icons(qapp):
    for verdict in Verdict:
        assert verdict_icon(verdict) is icon(f"verdict-{verdict.value}")
    assert verdict_icon("warn") is icon("verdict-warn")
    assert verdict_icon(None).isNull()


def test_app_icon_is_recognisable_at_16_px(qapp):
    qicon = app_icon()
    assert not qicon.isNull()
    assert _opaque_pixels(qicon, 16) >= 200  # a filled tile, not a thin outline


def test_widgets_package_does_not_import_pyqtgraph_until_a_chart_is_built():
    code = (
        "import sys\n"
        "import triage_gui.ui.widgets.progress_chart, triage_gui.ui.widgets.findings_view\n"
        "assert 'pyqtgraph' not in sys.modules, 'pyqtgraph imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
