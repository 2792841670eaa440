from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from triage_gui.domain.case import VerdictOverride
from triage_gui.domain.vocabulary import Verdict
from triage_gui.ui.widgets.note_override import NoteOverrideBox

NOW = datetime(2025, 3, 4, 12, 30, tzinfo=UTC)


@pytest.fixture
def box(qtbot):
    widget = NoteOverrideBox(clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(box: NoteOverrideBox, verdict: Verdict) -> None:
    box.verdict.setCurrentIndex(box.verdict.findData(verdict))


def test_override_needs_a_reason_of_three_characters(box, qtbot):
    assert not box.verdict.isEnabled() and not box.reason.isEnabled()
    assert not box.apply.isEnabled()
    box.enable.setChecked(True)
    assert box.reason.isEnabled()
    assert not box.apply.isEnabled()
    assert "required" in box.reason_hint.text()
    assert "required" in box.reason.toolTip()
    qtbot.keyClicks(box.reason, "  o")
    assert not box.apply.isEnabled()
    assert "too short" in box.reason_hint.text()
    qtbot.keyClicks(box.reason, "k")
    assert not box.apply.isEnabled()  # "ok": two characters once trimmed
    qtbot.keyClicks(box.reason, "!")
    assert box.apply.isEnabled()
    assert box.reason_hint.isHidden()


def test_apply_emits_the_override_with_the_trimmed_reason(box, qtbot):
    box.enable.setChecked(True)
    choose(box, Verdict.FAIL)
    box.reason.setText("  Provider confirmed outage ")
    with qtbot.waitSignal(box.override_changed) as emitted:
        qtbot.mouseClick(box.apply, Qt.MouseButton.LeftButton)
    override = emitted.args[0]
    assert override == VerdictOverride(verdict=Verdict.FAIL, reason="Provider confirmed outage", at=NOW)
    assert box.override == override
    assert not box.apply.isEnabled()  # nothing new to apply
    assert "FAIL" in box.state.text()
    choose(box, Verdict.WARN)
    assert box.apply.isEnabled()


def test_enter_in_the_reason_applies(box, qtbot):
    box.enable.setChecked(True)
    with qtbot.waitSignal(box.override_changed) as emitted:
        qtbot.keyClicks(box.reason, "because")
        qtbot.keyClick(box.reason, Qt.Key.Key_Return)
    assert emitted.args[0].reason == "because"


def test_enter_with_an_invalid_reason_does_nothing(box, qtbot):
    box.enable.setChecked(True)
    with qtbot.assertNotEmitted(box.override_changed):
        qtbot.keyClicks(box.reason, "no")
        qtbot.keyClick(box.reason, Qt.Key.Key_Return)


def test_unchecking_clears_an_applied_override(box, qtbot):
    box.set_state("", VerdictOverride(verdict=Verdict.PASS, reason="checked by hand", at=NOW))
    with qtbot.waitSignal(box.override_changed) as emitted:
        box.enable.setChecked(False)
    assert emitted.args[0] is None
    assert box.override is None


def test_set_state_shows_without_emitting(box, qtbot):
    override = VerdictOverride(verdict=Verdict.WARN, reason="known carrier issue", at=NOW)
    with qtbot.assertNotEmitted(box.note_changed), qtbot.assertNotEmitted(box.override_changed):
        box.set_state("my note", override)
    assert box.note_text() == "my note"
    assert box.enable.isChecked()
    assert box.verdict.currentData() == Verdict.WARN
    assert box.reason.text() == "known carrier issue"
    assert not box.apply.isEnabled()
    with qtbot.assertNotEmitted(box.override_changed):
        box.set_state("", None)
    assert not box.enable.isChecked() and box.reason.text() == ""


def test_typing_a_note_emits_it(box, qtbot):
    with qtbot.waitSignal(box.note_changed, check_params_cb=lambda text: text == "hi"):
        qtbot.keyClicks(box.note, "hi")


def test_mnemonics_and_accessible_names(box):
    assert box.note_label.text() == "No&te for this step"
    assert box.note_label.buddy() is box.note
    assert box.enable.text() == "&Override verdict"
    assert box.apply.text() == "&Apply override"
    for widget in (box.note, box.enable, box.verdict, box.reason, box.apply):
        assert widget.accessibleName()


def test_engine_verdict_preselects_a_different_verdict(box):
    box.set_engine_verdict(Verdict.FAIL)
    assert box.verdict.currentData() == Verdict.WARN
