"""The app's look: Fusion with a light or a dark palette (or the system's choice of the two), and
a focus ring every keyboard stop shows.

Both palettes are ours, so their contrast is known: every text colour is at least 4.5:1 against
the background it is drawn on (WCAG 2.x AA, checked by tests/ui/test_theme.py). "System" follows
the desktop's light/dark preference with the same two palettes, never the platform's colours.

The focus ring is a 2 px border in the palette's Highlight on the widgets a person tabs to;
Fusion's own focus cue is a faint tint that is hard to see on either palette.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

# The values of store/settings.py's ``Theme`` (not imported: that module loads pydantic, and the
# theme is applied before the first frame), with the words the settings dialog shows.
SYSTEM, LIGHT, DARK = "system", "light", "dark"
THEME_LABELS = {SYSTEM: "System", LIGHT: "Light", DARK: "Dark"}

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# role -> (light, dark). Text roles are chosen for >= 4.5:1 on the background they go on.
_COLOURS: dict[QPalette.ColorRole, tuple[str, str]] = {
    Role.Window: ("#f3f3f3", "#2b2d30"),
    Role.WindowText: ("#1b1b1b", "#e8e8e8"),
    Role.Base: ("#ffffff", "#1e1f22"),
    Role.AlternateBase: ("#f5f7fa", "#26282b"),
    Role.Text: ("#1b1b1b", "#e8e8e8"),
    Role.PlaceholderText: ("#5f6368", "#a3a8ad"),
    Role.Button: ("#e9e9e9", "#3a3d41"),
    Role.ButtonText: ("#1b1b1b", "#ececec"),
    Role.BrightText: ("#ffffff", "#ffffff"),
    Role.Highlight: ("#1a5fb4", "#3d8ee6"),
    Role.HighlightedText: ("#ffffff", "#0b0b0b"),
    Role.ToolTipBase: ("#fffbe6", "#3c3f41"),
    Role.ToolTipText: ("#1b1b1b", "#eeeeee"),
    Role.Link: ("#0b57d0", "#8ab4f8"),
    Role.LinkVisited: ("#6a1b9a", "#d7aefb"),
    Role.Light: ("#ffffff", "#4a4d52"),
    Role.Midlight: ("#f0f0f0", "#3f4246"),
    Role.Mid: ("#b8b8b8", "#55585d"),
    Role.Dark: ("#8a8a8a", "#1a1b1d"),
    Role.Shadow: ("#5a5a5a", "#0d0d0d"),
}
# disabled text: dimmer, and still >= 3:1 (WCAG exempts inactive controls from 4.5:1)
_DISABLED: dict[QPalette.ColorRole, tuple[str, str]] = {
    Role.WindowText: ("#767676", "#8c9096"),
    Role.Text: ("#767676", "#8c9096"),
    Role.ButtonText: ("#767676", "#8c9096"),
    Role.Highlight: ("#9a9a9a", "#4b4e52"),
    Role.HighlightedText: ("#ffffff", "#e8e8e8"),
}

# (text role, background role) pairs the widgets draw with: each must reach 4.5:1.
TEXT_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (Role.WindowText, Role.Window),
    (Role.Text, Role.Base),
    (Role.Text, Role.AlternateBase),
    (Role.ButtonText, Role.Button),
    (Role.HighlightedText, Role.Highlight),
    (Role.PlaceholderText, Role.Base),
    (Role.PlaceholderText, Role.Window),
    (Role.ToolTipText, Role.ToolTipBase),
    (Role.Link, Role.Base),
    (Role.Link, Role.Window),
)

# A visible ring on every keyboard stop: only the focused state gets a rule, so the widgets keep
# Fusion's look otherwise; paddings keep the focused box the size of the unfocused one.
FOCUS_STYLE = """
QPushButton:focus, QToolButton:focus {
    border: 2px solid palette(highlight); border-radius: 4px;
    background-color: palette(button); color: palette(button-text); padding: 3px 8px;
}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QTextBrowser:focus,
QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus, QDateTimeEdit:focus,
QAbstractItemView:focus, QListView:focus, QTreeView:focus, QTableView:focus, QScrollArea:focus {
    border: 2px solid palette(highlight); border-radius: 2px;
}
QCheckBox:focus, QRadioButton:focus, QLabel:focus {
    border: 2px solid palette(highlight); border-radius: 3px;
}
QTabBar::tab:focus { border: 2px solid palette(highlight); }
"""


def _checked(theme: str) -> str:
    value = str(theme).strip().lower()
    if value not in THEME_LABELS:
        raise ValueError(f"unknown theme {theme!r}: use one of {', '.join(THEME_LABELS)}")
    return value


def palette_for(theme: str, *, dark: bool | None = None) -> QPalette:
    """The palette of ``theme``; for "system", ``dark`` (default: the desktop's preference)."""
    theme = _checked(theme)
    if theme == SYSTEM:
        use_dark = system_prefers_dark() if dark is None else dark
    else:
        use_dark = theme == DARK
    index = 1 if use_dark else 0
    palette = QPalette()
    for role, colours in _COLOURS.items():
        palette.setColor(Group.All, role, QColor(colours[index]))
    for role, colours in _DISABLED.items():
        palette.setColor(Group.Disabled, role, QColor(colours[index]))
    return palette


def system_prefers_dark() -> bool:
    """The desktop's choice, read from the platform's own palette (kept from before the app set
    its own). Not ``styleHints().colorScheme()``: the first ``Qt.*`` enum builds the whole ``Qt``
    namespace, ~15 ms before the first frame (docs/performance.md, "Cold start")."""
    app = QGuiApplication.instance()
    kept = app.property("triage_platform_dark") if app is not None else None
    if isinstance(kept, bool):
        return kept
    return QGuiApplication.palette().color(Role.Window).lightness() < 128


def apply_focus_ring(app: QApplication) -> None:
    """The focus ring's app-wide style sheet (apply_theme's ``focus_ring=False`` leaves it for
    after the first frame: a style sheet re-polishes every widget, ~10 ms of a cold start)."""
    if app.styleSheet() != FOCUS_STYLE:
        app.setStyleSheet(FOCUS_STYLE)


def apply_theme(app: QApplication, theme: str, *, focus_ring: bool = True) -> None:
    """Fusion, the theme's palette and the focus ring, on the whole app (open windows included)."""
    theme = _checked(theme)
    if not isinstance(app.property("triage_platform_dark"), bool):
        app.setProperty("triage_platform_dark", system_prefers_dark())  # before our palette hides it
    if not app.property("triage_fusion"):  # once: a style change re-polishes every widget
        app.setStyle("Fusion")  # (with the focus style sheet on, style().name() says "")
        app.setProperty("triage_fusion", True)
    app.setPalette(palette_for(theme))
    if focus_ring:
        apply_focus_ring(app)
    app.setProperty("triage_theme", theme)


def current_theme(app: QApplication) -> str | None:
    """The theme :func:`apply_theme` last applied to ``app`` (None: never)."""
    value = app.property("triage_theme")
    return value if isinstance(value, str) and value in THEME_LABELS else None


def saved_theme(settings_file: Path) -> str:
    """The ``theme`` of a settings file, read without loading the settings' models (so it can be
    applied before the first frame); "system" when the file or the value is missing or wrong
    (the full load, later, says what is wrong with the file)."""
    try:
        data = json.loads(settings_file.read_text(encoding="utf-8"))
        value = str(data.get("theme", SYSTEM)).strip().lower() if isinstance(data, dict) else SYSTEM
    except (OSError, UnicodeDecodeError, ValueError):
        return SYSTEM
    return value if value in THEME_LABELS else SYSTEM


# -- contrast (WCAG 2.x) ------------------------------------------------------------------------
def relative_luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


# -- the escalation form's preview --------------------------------------------------------------
def form_preview_css(palette: QPalette) -> str:
    """Rules that restyle the form's HTML (domain/escalation_form_render.py, made for paper:
    near-black text, grey headers) in ``palette``'s colours, verdicts in verdict_style's."""
    from triage_gui.domain.vocabulary import Verdict
    from triage_gui.ui.widgets.verdict_style import verdict_colour

    text = palette.color(Role.Text).name()
    muted = palette.color(Role.PlaceholderText).name()
    header = palette.color(Role.AlternateBase).name()
    rule = palette.color(Role.Mid).name()
    fail = verdict_colour(Verdict.FAIL, palette).name()
    rules = [
        f"body{{color:{text};background:{palette.color(Role.Base).name()}}}",
        f"th{{background:{header};color:{text}}}",
        f"th,td,img{{border-color:{rule}}}",
        f"h2{{border-bottom:1px solid {rule}}}",
        f"blockquote{{border-left:3px solid {rule}}}",
        f".meta{{color:{muted}}}.waived{{color:{muted}}}",
        f".missing{{color:{fail}}}.status.not-ready{{color:{fail}}}",
        f"a{{color:{palette.color(Role.Link).name()}}}",
    ]
    rules += [f".verdict.{v.value}{{color:{verdict_colour(v, palette).name()}}}" for v in Verdict]
    return "".join(rules)


def themed_form_html(html: str, palette: QPalette) -> str:
    """``html`` (the form as exported) with :func:`form_preview_css` after its own style, for a
    preview that reads on the app's palette; the exported files keep their paper colours."""
    css = form_preview_css(palette)
    if "</style>" in html:  # in the form's own style block: Qt's rich text ignores a second block's cells
        return html.replace("</style>", css + "</style>", 1)
    return f"<style>{css}</style>" + html
