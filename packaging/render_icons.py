"""Render the app icon's PNG sizes from ``resources/outbound-triage.svg`` (QtSvg, offscreen).

Desktops that do not read SVG icons (the Windows .ico, macOS .icns, older icon themes, AppStream
catalogues) need bitmaps. The PNGs are committed; run this again whenever the SVG changes:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py [--check]

``--check`` renders into memory and exits 1 when a committed PNG is missing or has the wrong size.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "outbound-triage.svg"
OUT_DIR = ROOT / "resources" / "icons" / "app"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(side: int, out_dir: Path = OUT_DIR) -> Path:
    return out_dir / f"outbound-triage-{side}.png"


def render(svg: Path, out_dir: Path, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for side in sizes:
        image = QImage(side, side, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = png_path(side, out_dir)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"could not write {target}")
        written.append(target)
    return written


def check(out_dir: Path = OUT_DIR) -> list[str]:
    """Problems with the committed PNGs (missing, or not the size their name says)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    problems = []
    for side in SIZES:
        path = png_path(side, out_dir)
        image = QImage(str(path))
        if image.isNull():
            problems.append(f"missing or unreadable: {path}")
        elif (image.width(), image.height()) != (side, side):
            problems.append(f"{path} is {image.width()}x{image.height()}, expected {side}x{side}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed PNGs only")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for path in render(SVG, OUT_DIR):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
