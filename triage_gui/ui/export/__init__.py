"""Export: screenshots for the escalation form (capture, black out private details) and the PDF."""

from __future__ import annotations

from triage_gui.ui.export.capture import (
    CaptureRefused,
    ScreenshotArea,
    ScreenshotFiles,
    grab_page,
    grab_screen,
    grab_widget,
    image_from_clipboard,
    image_from_file,
    png_bytes,
)
from triage_gui.ui.export.redaction_editor import RedactionEditor

__all__ = [
    "CaptureRefused",
    "RedactionEditor",
    "ScreenshotArea",
    "ScreenshotFiles",
    "grab_page",
    "grab_screen",
    "grab_widget",
    "image_from_clipboard",
    "image_from_file",
    "png_bytes",
]
