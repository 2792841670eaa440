"""The escalation form as PDF, with Qt's own writer (no extra dependency, works offscreen).

``QTextDocument`` lays out the form's HTML (the subset of HTML/CSS it understands is enough
for headings, tables and lists) and prints it onto a ``QPdfWriter``. Both need a
``QGuiApplication``: the running one is used; when there is none (a script, the headless
``check --bundle``), one is created on the ``offscreen`` platform, which needs no display.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from triage_gui.store.paths import atomic_write_bytes

_RESOLUTION_DPI = 150
_MARGIN_MM = 15.0
_app: QGuiApplication | None = None  # kept alive only when this module had to create it


def _ensure_application() -> None:
    global _app
    if QGuiApplication.instance() is None:
        # WORKAROUND: a QPdfWriter without an application crashes in font lookup; offscreen
        # needs no display, so scripted escalations work on a server too.
        _app = QGuiApplication(["triage-gui", "-platform", "offscreen"])


def html_to_pdf_bytes(html: str, *, title: str = "Escalation form") -> bytes:
    """Render ``html`` to a PDF (A4, portrait) and return its bytes."""
    _ensure_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        writer = QPdfWriter(buffer)
        writer.setTitle(title)
        writer.setCreator("Outbound Triage")
        writer.setResolution(_RESOLUTION_DPI)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM, _MARGIN_MM),
                QPageLayout.Unit.Millimeter,
            )
        )
        document = QTextDocument()
        document.setHtml(html)
        # Lay the text out on the printable area so tables wrap instead of running off the page.
        rect = writer.pageLayout().paintRectPixels(_RESOLUTION_DPI)
        document.setPageSize(QSizeF(rect.width(), rect.height()))
        document.print_(writer)
        del writer  # the PDF is finished when the writer is destroyed
    finally:
        buffer.close()
    return bytes(data.data())


def html_to_pdf(html: str, path: Path | str, *, title: str = "Escalation form") -> Path:
    """Write the PDF to ``path`` atomically (temp file, then rename)."""
    target = Path(path)
    atomic_write_bytes(target, html_to_pdf_bytes(html, title=title))
    return target
