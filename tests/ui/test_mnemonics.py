"""Alt+<letter> does one thing per window: no two visible mnemonics share a letter within a
window scope (the page on screen, the wizard's buttons, the demo banner and the menu bar), on
every page and tab of the demo window and in every dialog.

A page whose labels belong to another file than this test's owner is marked xfail(strict=True)
with the file and the change to make; once the label is changed, the xfail goes.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabBar,
    QTabWidget,
    QWidget,
)

from tests.ui.wizard_pages import PAGES, page_id_at

_MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str | None:
    match = _MNEMONIC.search(text.replace("&&", ""))
    return match.group(1).lower() if match else None


def mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible mnemonic in ``window``: buttons, labels with a buddy,
    group boxes, tabs, and the menu bar's menus."""
    found: list[tuple[str, str]] = []

    def add(text: str) -> None:
        letter = mnemonic(text)
        if letter is not None:
            found.append((letter, text))

    for widget in [window, *window.findChildren(QWidget)]:
        if not widget.isVisible() or widget.window() is not window:
            continue
        if isinstance(widget, QAbstractButton) or isinstance(widget, QLabel) and widget.buddy() is not None:
            add(widget.text())
        elif isinstance(widget, QGroupBox):
            add(widget.title())
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                if widget.isTabVisible(i):
                    add(widget.tabText(i))
    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            if action.isVisible():
                add(action.text())
    return found


def duplicates(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    counts = Counter(letter for letter, _ in found)
    return {letter: [text for lt, text in found if lt == letter] for letter, n in counts.items() if n > 1}


def tab_states(page: QWidget):
    """Each tab of each tab widget on ``page`` in turn (the others as they are)."""
    yield "as shown"
    for tabs in page.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        current = tabs.currentIndex()
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            yield f"tab {tabs.tabText(i)!r}"
        tabs.setCurrentIndex(current)


@pytest.fixture
def demo(qtbot, app_context, open_window):
    from triage_gui.ui.app.startup import start_demo

    win = open_window(start_demo(app_context), poll_interval_s=0.5)
    win.resize(1180, 780)
    win.show()
    win.open_scenario("retry_loop")
    qtbot.waitUntil(lambda: win.controller.report is not None, timeout=20_000)
    qtbot.waitUntil(win.wizard.start_page.isComplete, timeout=5_000)
    yield win
    win.close()


@pytest.mark.parametrize("index", PAGES)
def test_no_two_mnemonics_share_a_letter_on_a_page(demo, index):
    wizard = demo.wizard
    page_id = page_id_at(wizard, index)
    assert wizard.jump_to(page_id)
    problems = {}
    for state in tab_states(wizard.currentPage()):
        dup = duplicates(mnemonics(demo))
        if dup:
            problems[state] = dup
    if problems:
        pytest.fail("\n".join(f"{state}: {dup}" for state, dup in problems.items()))


def test_file_opens_the_file_menu_and_the_wizard_keeps_its_own_letters(demo):
    letters = {letter for letter, _ in mnemonics(demo)}
    assert {"f", "h", "n"} <= letters  # File, Help, Next


def test_ctrl_l_loads_on_the_start_page(qtbot, demo):
    demo.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is demo, timeout=5_000)
    start = demo.wizard.start_page
    start.job.setFocus()
    with qtbot.waitSignal(demo.controller.load_started, timeout=5_000):
        qtbot.keyClick(start.job, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


# -- dialogs: each its own window scope -----------------------------------------------------
def _settings():
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.settings import AppSettings, SettingsStore
    from triage_gui.ui.dialogs.settings_dialog import SettingsDialog

    return SettingsDialog(SettingsStore(AppPaths()), AppSettings())


def _cases():
    from triage_gui.store.case_store import CaseStore
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.dialogs.case_list_dialog import CaseListDialog

    paths = AppPaths()
    return CaseListDialog(CaseStore(paths), paths)


def _profiles():
    from triage_gui.store.credentials import CredentialStore
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.profiles import ProfileStore
    from triage_gui.ui.dialogs.profile_dialog import ProfileDialog

    paths = AppPaths()
    return ProfileDialog(ProfileStore(paths, CredentialStore()), environ={})


def _token():
    from triage_gui.ui.dialogs.token_prompt import TokenPrompt

    return TokenPrompt("prod", "No token.", environ={})


def _welcome():
    from triage_gui.ui.dialogs.welcome_dialog import WelcomeDialog

    return WelcomeDialog()


def _about():
    from triage_gui.store.credentials import CredentialStore
    from triage_gui.store.paths import AppPaths
    from triage_gui.ui.dialogs.about_dialog import AboutDialog

    return AboutDialog(AppPaths(), CredentialStore())


def _redaction():
    from triage_gui.ui.export.redaction_editor import RedactionEditor

    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFF)
    return RedactionEditor(image)


DIALOGS = {
    "settings": _settings,
    "cases": _cases,
    "profiles": _profiles,
    "token": _token,
    "welcome": _welcome,
    "about": _about,
    "redaction": _redaction,
}


@pytest.mark.parametrize("name", list(DIALOGS))
def test_no_two_mnemonics_share_a_letter_in_a_dialog(qtbot, name):
    try:
        dialog: QDialog = DIALOGS[name]()
    except Exception as error:  # a constructor this test does not know how to call
        pytest.fail(f"could not make the {name} dialog: {error!r}")
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    found = mnemonics(dialog)
    assert not duplicates(found), duplicates(found)


def test_the_collector_sees_a_duplicate(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    box = QDialog()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    layout.addWidget(QPushButton("&Print"))
    layout.addWidget(QPushButton("Ca&pture"))
    layout.addWidget(QPushButton("Say &&Co"))
    box.show()
    assert duplicates(mnemonics(box)) == {"p": ["&Print", "Ca&pture"]}
