"""The settings dialog's theme: shown, saved, and applied to the running app on Save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from triage_gui.store.paths import AppPaths
from triage_gui.store.settings import AppSettings, SettingsStore, Theme
from triage_gui.ui.app.theme import current_theme, palette_for
from triage_gui.ui.dialogs.settings_dialog import SettingsDialog


@pytest.fixture
def restore_theme(qapp):
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    def settle() -> None:  # widgets left for deletion go before an app-wide re-polish
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qapp.processEvents()

    settle()
    palette, sheet = qapp.palette(), qapp.styleSheet()
    yield
    settle()
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setProperty("triage_theme", None)


def test_the_dialog_shows_the_theme_and_save_applies_it_live(qtbot, qapp, restore_theme):
    store = SettingsStore(AppPaths())
    dialog = SettingsDialog(store, AppSettings(theme="light"))
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.theme.currentText() == "Light"
    assert [dialog.theme.itemText(i) for i in range(dialog.theme.count())] == ["System", "Light", "Dark"]
    assert dialog.theme.accessibleName() == "Theme"
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args[0].theme is Theme.DARK
    assert store.load().settings.theme is Theme.DARK
    assert current_theme(qapp) == "dark"
    window = QPalette.ColorRole.Window
    assert qapp.palette().color(window) == palette_for("dark").color(window)


def test_the_theme_has_its_own_mnemonic(qtbot):
    dialog = SettingsDialog(SettingsStore(AppPaths()), AppSettings())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert dialog.theme.hasFocus()
