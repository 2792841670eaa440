"""How a verdict is said and coloured, shared by every widget that shows one.

Colours are chosen from the palette's lightness so text stays readable on light and dark
themes; they always come with the verdict's icon and its word, never alone.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from triage_gui.domain.vocabulary import Verdict

NO_VERDICT_TEXT = "—"

_WORDS = {
    Verdict.PASS: "PASS",
    Verdict.WARN: "WARN",
    Verdict.FAIL: "FAIL",
    Verdict.UNKNOWN: "UNKNOWN",
}

# The meanings fixed in domain/findings.py, in the words an agent reads in a tooltip.
_MEANINGS = {
    Verdict.PASS: "Pass: checked and fine",
    Verdict.WARN: "Warning: a risk or data-quality problem that needs a look",
    Verdict.FAIL: "Fail: found a cause of the incident that needs action",
    Verdict.UNKNOWN: "Unknown: could not be checked",
}

# (on a light background, on a dark background): at least 4.5:1 contrast against each.
_COLOURS = {
    Verdict.PASS: ("#17692f", "#6fdc8c"),
    Verdict.WARN: ("#8a5300", "#f4c152"),
    Verdict.FAIL: ("#b3261e", "#ff8a80"),
    Verdict.UNKNOWN: ("#4f5b66", "#c3cad3"),
    None: ("#4f5b66", "#c3cad3"),
}


def verdict_word(verdict: Verdict | None) -> str:
    return NO_VERDICT_TEXT if verdict is None else _WORDS[Verdict(verdict)]


def verdict_meaning(verdict: Verdict | None) -> str:
    return "No verdict yet: not analysed" if verdict is None else _MEANINGS[Verdict(verdict)]


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette if palette is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def verdict_colour(verdict: Verdict | None, palette: QPalette | None = None) -> QColor:
    light, dark = _COLOURS[None if verdict is None else Verdict(verdict)]
    return QColor(dark if is_dark(palette) else light)
