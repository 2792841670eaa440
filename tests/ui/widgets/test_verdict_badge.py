from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.verdict_badge import VerdictBadge
from triage_gui.ui.widgets.verdict_style import verdict_colour


@pytest.fixture
def badge(qtbot):
    widget = VerdictBadge()
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize(
    ("verdict", "word", "meaning"),
    [
        (Verdict.PASS, "PASS", "checked and fine"),
        (Verdict.WARN, "WARN", "needs a look"),
        (Verdict.FAIL, "FAIL", "needs action"),
        (Verdict.UNKNOWN, "UNKNOWN", "could not be checked"),
    ],
)
def test_each_verdict_has_its_word_icon_and_meaning(badge, verdict, word, meaning):
    badge.set_verdict(verdict)
    assert badge.text() == word
    assert badge.verdict is verdict
    assert not badge._icon.pixmap().isNull()
    assert badge._icon.isVisibleTo(badge)
    assert not badge._override_icon.isVisibleTo(badge)
    assert badge.accessibleName() == f"Verdict: {word}"
    assert meaning in badge.toolTip()
    assert meaning in badge.accessibleDescription()


def test_no_verdict_shows_a_dash_and_no_icon(badge):
    badge.set_verdict(Verdict.FAIL)
    badge.set_verdict(None)
    assert badge.text() == "—"
    assert not badge._icon.isVisibleTo(badge)
    assert "not analysed" in badge.toolTip()


def test_override_says_both_verdicts_and_shows_the_override_icon(badge):
    badge.set_verdict(Verdict.FAIL, overridden=True, engine_verdict=Verdict.WARN)
    assert badge.text() == "FAIL (overridden; engine said WARN)"
    assert badge.overridden
    assert badge._override_icon.isVisibleTo(badge)
    assert "engine's verdict was WARN" in badge.accessibleDescription()
    badge.set_verdict(Verdict.WARN)
    assert badge.text() == "WARN" and not badge._override_icon.isVisibleTo(badge)


def test_text_colour_follows_a_dark_palette(badge):
    badge.set_verdict(Verdict.FAIL)
    light_text = badge._text.palette().color(QPalette.ColorRole.WindowText)
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    badge.setPalette(dark)
    dark_text = badge._text.palette().color(QPalette.ColorRole.WindowText)
    assert light_text != dark_text
    assert dark_text == verdict_colour(Verdict.FAIL, dark)
    assert dark_text.lightness() > 128 > light_text.lightness()  # readable on each background


def test_badge_renders(badge, qtbot):
    badge.set_verdict(Verdict.PASS)
    badge.show()
    qtbot.waitExposed(badge)
    image = badge.grab().toImage()
    frame = QColor(image.pixel(1, image.height() // 2))
    assert frame.green() > frame.red()  # the frame is drawn in the verdict's colour
