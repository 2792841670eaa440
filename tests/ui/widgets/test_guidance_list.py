from __future__ import annotations

from PySide6.QtCore import Qt

from triage_gui.ui.widgets.guidance_list import EMPHASIS_MARK, GuidanceList

LINES = [
    "- Check whether dispatch is blocked by permit/concurrency limits.",
    "Confirm retries are occurring for transient failures.",
    "Verify that <non-retryable> failures are not being retried indefinitely.",
]


def test_lines_are_bulleted_wrapped_and_selectable(qtbot):
    widget = GuidanceList()
    qtbot.addWidget(widget)
    widget.set_lines("Runbook", LINES)
    assert widget.title.text() == "Runbook"
    assert widget.lines()[0] == "Check whether dispatch is blocked by permit/concurrency limits."
    html = widget.body.text()
    assert html.count("<li") == 3
    assert "&lt;non-retryable&gt;" in html  # runbook text is text, never markup
    assert widget.body.wordWrap()
    assert widget.body.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert widget.emphasised() == []


def test_emphasis_is_bold_and_marked(qtbot):
    widget = GuidanceList()
    qtbot.addWidget(widget)
    widget.set_lines("Runbook", LINES, emphasis={1, 7})
    assert widget.emphasised() == [LINES[1]]
    assert f"<b>{EMPHASIS_MARK}Confirm retries" in widget.body.text()
    assert "Emphasised: Confirm retries" in widget.body.accessibleDescription()


def test_no_lines(qtbot):
    widget = GuidanceList()
    qtbot.addWidget(widget)
    widget.set_lines("", [])
    assert widget.title.isHidden()
    assert "No guidance" in widget.body.text()
