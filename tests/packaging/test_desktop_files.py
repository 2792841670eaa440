"""The Linux desktop integration files: valid for the freedesktop tools, and consistent with
the app (version, command, icon names, desktop-file id).

The validators come from Debian's ``desktop-file-utils`` and ``appstream`` packages (installed by
``.ci/setup``); where they are missing those two tests are skipped, the rest still run.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from triage_gui import __version__

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP_FILE = LINUX / "outbound-triage.desktop"
METAINFO = LINUX / "io.github.outbound_triage.OutboundTriage.metainfo.xml"
APP_SVG = ROOT / "resources" / "outbound-triage.svg"
ICON_DIR = ROOT / "resources" / "icons" / "app"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def _metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def _render_icons_module():
    spec = importlib.util.spec_from_file_location("render_icons", ROOT / "packaging" / "render_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("render_icons", module)
    spec.loader.exec_module(module)
    return module


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_desktop_file_passes_desktop_file_validate():
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate not installed (Debian package desktop-file-utils)")
    result = _run(tool, str(DESKTOP_FILE))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Hints are advice; errors and warnings are what software centres and menus trip over.
    assert "error:" not in output and "warning:" not in output, output


def test_metainfo_passes_appstreamcli_validate():
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli not installed (Debian package appstream)")
    result = _run(tool, "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_newest_release_is_the_app_version():
    releases = _metainfo().findall("./releases/release")
    assert releases, "the metainfo lists no <release>"
    # AppStream lists releases newest first; the first one must be the version being shipped.
    assert releases[0].get("version") == __version__, (
        f"metainfo's newest release is {releases[0].get('version')!r} but triage_gui/_version.py "
        f"says {__version__!r}: add a <release> for it to {METAINFO.name}"
    )


def test_metainfo_launches_the_desktop_file_and_provides_the_command():
    root = _metainfo()
    launchable = root.find("./launchable[@type='desktop-id']")
    assert launchable is not None and launchable.text == DESKTOP_FILE.name
    binaries = [b.text for b in root.findall("./provides/binary")]
    assert _desktop_entry()["Exec"].split()[0] in binaries


def test_desktop_exec_is_the_console_script_and_the_frozen_executable():
    command = _desktop_entry()["Exec"].split()[0]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert command in pyproject["project"]["scripts"], "Exec= must be the pip-installed command"
    spec = (ROOT / "packaging" / "outbound-triage.spec").read_text(encoding="utf-8")
    assert f'EXE_NAME = "{command}"' in spec, "Exec= must be the frozen bundle's executable too"


def test_desktop_icon_names_the_app_icon_files():
    icon = _desktop_entry()["Icon"]
    assert APP_SVG.stem == icon
    for side in _render_icons_module().SIZES:
        assert (ICON_DIR / f"{icon}-{side}.png").is_file()


def test_desktop_file_id_is_the_one_the_app_announces():
    # Qt reports QGuiApplication.desktopFileName to Wayland (app_id) and X11
    # (_KDE_NET_WM_DESKTOP_FILE): it must name this file, or docks show a generic icon.
    app_source = (ROOT / "triage_gui" / "ui" / "app" / "startup.py").read_text(encoding="utf-8")
    assert f'setDesktopFileName("{DESKTOP_FILE.stem}")' in app_source
    assert f'setApplicationName("{_desktop_entry()["StartupWMClass"]}")' in app_source


def test_committed_pngs_match_a_fresh_render_of_the_svg(tmp_path, qapp):
    render_icons = _render_icons_module()
    assert render_icons.check() == []
    from PySide6.QtGui import QImage

    fresh = render_icons.render(APP_SVG, tmp_path)
    for path in fresh:
        committed = QImage(str(ICON_DIR / path.name)).convertToFormat(QImage.Format.Format_ARGB32)
        rendered = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
        assert committed.size() == rendered.size()
        worst = _worst_channel_difference(committed, rendered)
        # A different Qt version may antialias edges a little differently; a changed SVG
        # differs by far more than this. Re-run packaging/render_icons.py after editing it.
        assert worst <= 48, f"{path.name} differs from the SVG (max channel diff {worst})"


def _worst_channel_difference(a, b) -> int:
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            for shift in (0, 8, 16, 24):
                worst = max(worst, abs(((pa >> shift) & 0xFF) - ((pb >> shift) & 0xFF)))
    return worst
