"""The theme: both palettes readable (WCAG AA, 4.5:1 for every text on its background), the
verdicts' colours too, a visible focus ring, and the form's preview in the palette's colours."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from triage_gui.domain.vocabulary import Verdict
from triage_gui.store.settings import Theme
from triage_gui.ui.app.theme import (
    FOCUS_STYLE,
    TEXT_PAIRS,
    THEME_LABELS,
    apply_theme,
    contrast_ratio,
    current_theme,
    palette_for,
    saved_theme,
    themed_form_html,
)
from triage_gui.ui.widgets.verdict_style import verdict_colour

AA = 4.5
Role = QPalette.ColorRole
PALETTES = {"light": palette_for("light"), "dark": palette_for("dark")}


def _settle(qapp) -> None:
    """Widgets earlier tests left for deletion go first: an app-wide style or style sheet change
    re-polishes every widget alive, and one whose Python side is gone would take the process down."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()


@pytest.fixture(autouse=True)
def restore_theme(qapp):
    _settle(qapp)
    palette, sheet = qapp.palette(), qapp.styleSheet()
    yield
    _settle(qapp)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    # The style is left as apply_theme made it (Fusion), as the app does: it sets the style once.
    # Swapping QStyles back and forth under an app-wide style sheet, test after test, crashed the
    # process (a segmentation fault in the events after a test) once ~1,800 tests had run.
    qapp.setProperty("triage_theme", None)
    qapp.setProperty("triage_platform_dark", None)


def test_the_wcag_formula():
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("name", list(PALETTES))
@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS, ids=lambda r: r.name)
def test_every_text_role_reads_on_its_background(name, text, background):
    palette = PALETTES[name]
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        ratio = contrast_ratio(palette.color(group, text), palette.color(group, background))
        assert ratio >= AA, f"{name}: {text.name} on {background.name} is {ratio:.2f}:1"


@pytest.mark.parametrize("name", list(PALETTES))
@pytest.mark.parametrize("verdict", [*Verdict, None], ids=str)
@pytest.mark.parametrize("background", [Role.Base, Role.Window, Role.AlternateBase, Role.Button], ids=lambda r: r.name)
def test_verdict_colours_read_on_both_palettes(name, verdict, background):
    palette = PALETTES[name]
    colour = verdict_colour(verdict, palette)
    ratio = contrast_ratio(colour, palette.color(background))
    assert ratio >= AA, f"{name}: {verdict} {colour.name()} on {background.name} is {ratio:.2f}:1"


@pytest.mark.parametrize("name", list(PALETTES))
def test_disabled_text_stays_legible(name):
    palette = PALETTES[name]
    disabled = QPalette.ColorGroup.Disabled
    assert contrast_ratio(palette.color(disabled, Role.Text), palette.color(disabled, Role.Base)) >= 3.0
    assert contrast_ratio(palette.color(disabled, Role.ButtonText), palette.color(disabled, Role.Button)) >= 3.0


def test_the_settings_and_the_theme_module_know_the_same_themes():
    assert set(THEME_LABELS) == {t.value for t in Theme}


def test_system_follows_the_desktops_light_or_dark_choice():
    assert palette_for("system", dark=True).color(Role.Window) == PALETTES["dark"].color(Role.Window)
    assert palette_for("system", dark=False).color(Role.Window) == PALETTES["light"].color(Role.Window)
    with pytest.raises(ValueError, match="unknown theme"):
        palette_for("purple")


def test_system_keeps_following_the_platform_after_the_app_set_its_palette(qapp, restore_theme):
    qapp.setProperty("triage_platform_dark", None)
    platform_dark = qapp.palette().color(Role.Window).lightness() < 128
    apply_theme(qapp, "dark" if not platform_dark else "light")  # hides the platform's palette
    apply_theme(qapp, "system")
    expected = PALETTES["dark" if platform_dark else "light"]
    assert qapp.palette().color(Role.Window) == expected.color(Role.Window)


def test_apply_theme_sets_fusion_the_palette_and_the_focus_ring(qapp, restore_theme):
    apply_theme(qapp, "dark")
    assert qapp.property("triage_fusion")
    assert qapp.palette().color(Role.Window) == PALETTES["dark"].color(Role.Window)
    assert qapp.styleSheet() == FOCUS_STYLE
    assert current_theme(qapp) == "dark"
    apply_theme(qapp, "Light")
    assert qapp.palette().color(Role.Window) == PALETTES["light"].color(Role.Window)
    assert current_theme(qapp) == "light"


def test_the_saved_theme_is_read_without_the_settings_models(tmp_path):
    path = tmp_path / "settings.json"
    assert saved_theme(path) == "system"  # no file
    path.write_text(json.dumps({"theme": "Dark", "poll_interval_s": 5}))
    assert saved_theme(path) == "dark"
    path.write_text(json.dumps({"poll_interval_s": 5}))  # an older file
    assert saved_theme(path) == "system"
    path.write_text("{broken")
    assert saved_theme(path) == "system"
    path.write_text(json.dumps({"theme": "neon"}))
    assert saved_theme(path) == "system"


@pytest.mark.parametrize("name", ["light", "dark"])
def test_a_focused_button_and_field_show_a_ring_in_the_highlight_colour(qtbot, qapp, restore_theme, name):
    apply_theme(qapp, name)
    highlight = qapp.palette().color(Role.Highlight)
    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    button, field, other = QPushButton("Press me"), QLineEdit("text"), QPushButton("Other")
    for widget in (button, field, other):
        layout.addWidget(widget)
    box.show()
    box.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box, timeout=5_000)

    def ring_pixels(widget: QWidget) -> int:
        image = widget.grab().toImage()
        y = image.height() // 2
        edge = [image.pixelColor(x, y) for x in range(0, 3)] + [
            image.pixelColor(x, y) for x in range(image.width() - 3, image.width())
        ]
        return sum(1 for c in edge if contrast_ratio(c, highlight) < 1.2)

    for widget in (button, field):
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=2_000)
        assert ring_pixels(widget) >= 2, f"{type(widget).__name__} shows no focus ring on {name}"
        other.setFocus()
        qtbot.waitUntil(other.hasFocus, timeout=2_000)
        assert ring_pixels(widget) < 2  # the ring is the focus's, not a permanent border


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_form_preview_reads_on_the_palette(name):
    palette = PALETTES[name]
    html = "<html><head><style>body{color:#111}th{background:#eee}</style></head><body>x</body></html>"
    themed = themed_form_html(html, palette)
    text = palette.color(Role.Text).name()
    assert f"body{{color:{text};" in themed
    assert themed.index("color:#111") < themed.index(f"color:{text}")  # after the paper style: it wins
    assert contrast_ratio(QColor(text), palette.color(Role.Base)) >= AA
    for verdict in Verdict:
        assert f".verdict.{verdict.value}{{color:{verdict_colour(verdict, palette).name()}}}" in themed


def test_the_form_preview_really_renders_in_the_palettes_text_colour(qtbot):
    from PySide6.QtWidgets import QTextBrowser

    palette = PALETTES["dark"]
    html = "<html><head><style>body{color:#111}</style></head><body><p>Level 3</p></body></html>"
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(themed_form_html(html, palette))
    fmt = browser.document().firstBlock().charFormat()
    cursor = browser.textCursor()
    cursor.setPosition(1)
    colour = cursor.charFormat().foreground().color()
    assert colour.name() == palette.color(Role.Text).name() or fmt.foreground().color().name() == colour.name()
    assert contrast_ratio(colour, palette.color(Role.Base)) >= AA


@pytest.mark.parametrize("name", list(PALETTES))
def test_the_dialogs_warning_red_reads_on_both_palettes(name):
    from triage_gui.ui.dialogs import warning_red

    palette = PALETTES[name]
    for background in (Role.Window, Role.Base):
        assert contrast_ratio(QColor(warning_red(palette)), palette.color(background)) >= AA


def test_a_field_error_turns_to_the_dark_red_when_the_theme_changes(qtbot, qapp, restore_theme):
    from triage_gui.ui.dialogs import WARNING_RED, WARNING_RED_ON_DARK, FieldError, warning_label

    apply_theme(qapp, "light")
    error, warning = FieldError("Base URL"), warning_label("Insecure")
    qtbot.addWidget(error)
    qtbot.addWidget(warning)
    assert WARNING_RED in error.styleSheet() and WARNING_RED in warning.styleSheet()
    apply_theme(qapp, "dark")
    qtbot.waitUntil(lambda: WARNING_RED_ON_DARK in error.styleSheet(), timeout=2_000)
    assert WARNING_RED_ON_DARK in warning.styleSheet() and "bold" in warning.styleSheet()


def test_the_focus_ring_can_follow_the_first_frame(qapp):
    from triage_gui.ui.app.theme import apply_focus_ring

    qapp.setStyleSheet("")
    apply_theme(qapp, "light", focus_ring=False)  # before the first frame: palette only
    assert qapp.styleSheet() == ""
    apply_focus_ring(qapp)  # after it
    assert qapp.styleSheet() == FOCUS_STYLE
