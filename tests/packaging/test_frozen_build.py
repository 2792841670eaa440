"""The frozen (PyInstaller) build: it builds from the spec, starts, and finds what it loads lazily.

Builds ``packaging/outbound-triage.spec`` into a tmp dir (about 1-2 minutes on 2 cores), or, when
``TRIAGE_FROZEN_DIR`` is set, tests that already-built bundle instead (the folder holding the
``triage-gui`` executable, e.g. ``packaging/dist/outbound-triage`` after ``packaging/build.sh``).
Build time, bundle size and start times are written to the test output.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from triage_gui import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "outbound-triage.spec"
FROZEN_DIR_ENV = "TRIAGE_FROZEN_DIR"
EXE_NAME = "triage-gui.exe" if sys.platform == "win32" else "triage-gui"
BUILD_TIMEOUT_S = 280
RUN_TIMEOUT_S = 120


@dataclass(frozen=True)
class FrozenApp:
    bundle: Path
    executable: Path
    build_seconds: float | None  # None when an existing bundle was reused


def _report(request: pytest.FixtureRequest, line: str) -> None:
    """Print past pytest's capture: these figures are the point of running the slow test."""
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # what capsys.disabled() does, module-wide
        reporter.write_line(f"[frozen build] {line}")


def _bundle_bytes(bundle: Path) -> int:
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def frozen_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FrozenApp:
    existing = os.environ.get(FROZEN_DIR_ENV)
    if existing:
        bundle = Path(existing)
        if not (bundle / EXE_NAME).is_file() and (bundle / "outbound-triage" / EXE_NAME).is_file():
            bundle = bundle / "outbound-triage"  # the dist dir was given
        if not (bundle / EXE_NAME).is_file():
            pytest.fail(f"{FROZEN_DIR_ENV}={existing}: no {EXE_NAME} in it")
        app = FrozenApp(bundle, bundle / EXE_NAME, None)
    else:
        if importlib.util.find_spec("PyInstaller") is None:
            pytest.skip("PyInstaller not installed: pip install -e '.[packaging]'")
        work = tmp_path_factory.mktemp("frozen")
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--log-level",
                "WARN",
                "--distpath",
                str(work / "dist"),
                "--workpath",
                str(work / "build"),
                str(SPEC),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        elapsed = time.perf_counter() - started
        assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout}\n{result.stderr[-5000:]}"
        bundle = work / "dist" / "outbound-triage"
        app = FrozenApp(bundle, bundle / EXE_NAME, elapsed)
    size_mib = _bundle_bytes(app.bundle) / 2**20
    built = f"built in {app.build_seconds:.0f} s" if app.build_seconds else "reused"
    _report(request, f"{app.bundle}: {built}, {size_mib:.0f} MiB")
    return app


def _run_frozen(app: FrozenApp, *args: str, stdin: str | None = None, env: dict | None = None):
    started = time.perf_counter()
    result = subprocess.run(
        [str(app.executable), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )
    return result, time.perf_counter() - started


def test_frozen_version(frozen_app, request):
    result, seconds = _run_frozen(frozen_app, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"triage-gui {__version__}"
    _report(request, f"--version: {seconds:.2f} s")


def test_frozen_demo_smoke_loads_a_scenario_offscreen(frozen_app, request):
    result, seconds = _run_frozen(frozen_app, "--demo", "--smoke")
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-5000:]}"
    smoke_lines = [line for line in result.stdout.splitlines() if line.startswith("smoke ok")]
    assert smoke_lines, result.stdout
    # Traceback text means a lazily imported module (chart, icons, ...) was missing.
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    _report(request, f"--demo --smoke: {seconds:.2f} s ({smoke_lines[0]})")


def test_frozen_audit_validates_gb_and_us_numbers(frozen_app, tmp_path):
    # phonenumbers loads each region's metadata module on first use: a bundle without them
    # would call every number invalid.
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "name,phone\n"
        "Alice,020 7946 0958\n"  # GB, national format (default region)
        "Bob,+44 7911 123456\n"  # GB mobile, international
        "Carol,+1 650 253 0000\n"  # US
        "Dan,not a number\n",
        encoding="utf-8",
    )
    result, _ = _run_frozen(frozen_app, "audit", str(contacts), "--region", "GB", "--json")
    assert result.returncode == 0, result.stderr
    audit = json.loads(result.stdout)
    assert (audit["rows"], audit["valid"], audit["invalid"]) == (4, 3, 1)
    assert [row["row"] for row in audit["invalid_rows"]] == [5]


def test_frozen_bundle_has_the_resources_and_qt_plugins_it_needs(frozen_app):
    internal = frozen_app.bundle / "_internal"
    resources = internal / "triage_gui" / "resources"
    assert (resources / "outbound-triage.svg").is_file()
    assert (resources / "icons" / "verdict-fail.svg").is_file()
    assert (internal / "triage_gui" / "providers" / "batch_v1" / "openapi.yaml").is_file()
    if not sys.platform.startswith("linux"):
        return
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for needed in (
        "platforms/libqoffscreen.so",
        "platforms/libqxcb.so",
        "iconengines/libqsvgicon.so",
        "imageformats/libqsvg.so",
    ):
        assert (plugins / needed).is_file(), needed
    # What the spec leaves out; one of these back means tens of MB more (or a GTK copy).
    unwanted = [
        p.name
        for pattern in ("libQt6Quick*", "libQt6Qml*", "libQt6WebEngine*", "libQt6Network*", "libgtk-3*", "libQt6Pdf*")
        for p in internal.rglob(pattern)
    ]
    assert unwanted == []


@pytest.mark.keyring
def test_frozen_app_stores_a_token_in_the_system_keyring(frozen_app):
    # keyring finds its backends through entry points and imports them by name: this fails
    # (keyring unavailable) if the metadata or the backend modules were not bundled.
    if not os.environ.get("TRIAGE_REAL_KEYRING"):
        pytest.skip("needs a real Secret Service: run inside .ci/keyring-session.sh (sets TRIAGE_REAL_KEYRING=1)")
    name = f"frozen-{uuid.uuid4().hex[:8]}"
    added, _ = _run_frozen(
        frozen_app,
        "profile",
        "add",
        name,
        "--base-url",
        "http://127.0.0.1:9",
        "--token-stdin",
        stdin="frozen-test-token\n",
    )
    try:
        assert added.returncode == 0, added.stdout + added.stderr
        listed, _ = _run_frozen(frozen_app, "profile", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        stored = {row["name"]: row["token_stored"] for row in json.loads(listed.stdout)}
        assert stored.get(name) is True, listed.stdout
    finally:
        _run_frozen(frozen_app, "profile", "remove", name)
