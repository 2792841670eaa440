"""Cold start to the first window mapped and painted, on every start path, beside a bare wizard.

``python -m bench.startup_bench [--quick]``. Each start is a fresh interpreter. The clock starts
in the parent just before the child is spawned and stops in the child when the event loop comes
back after the first ``Paint`` of the first window while that window is exposed (mapped on the
screen): the first frame is then complete. Both ends read ``time.monotonic()``, one system-wide
clock on Linux, so a figure holds the interpreter's start-up, every import, the start path's own
work, building the window, ``show()`` and the first paint.

The children run on a real X server when there is one to be had: the parent starts ``Xvfb`` (on
a free display, ``-displayfd``) and the children use Qt's ``xcb`` platform, as on a desktop; with
no ``Xvfb`` they fall back to ``offscreen`` (the note says which). The paths, each a row, every
one through the app's own ``run_gui``:

- ``welcome``: the first run (a fresh, empty ``TRIAGE_HOME``): the connect flow finds no profile
  and opens the welcome screen. Its first frame ends the run.
- ``profile``: ``--profile bench`` with the profile in ``TRIAGE_HOME`` and its token in a real
  Secret Service keyring (the parent runs a private D-Bus session with an unlocked, throw-away
  gnome-keyring, as ``.ci/keyring-session.sh`` does; without one, the token comes from
  ``TRIAGE_API_TOKEN`` and the note says so). The main window's first frame is measured; the run
  ends when the window is whole (settings, controller, every page: "whole" in the note).
- ``demo``: ``--demo`` as a user types it: the demo's simulator starts in the app's process
  (``start_demo``), the first scenario is filled in, the main window shows; ends when whole.
- ``bare``: ``QApplication`` + ``QWizard`` with one page holding a label, same size, shown the
  same way: the baseline.

Everything reads compiled bytecode, as an installed app does (the package is byte-compiled
first, which matters where ``PYTHONDONTWRITEBYTECODE`` is set), and one unmeasured start of each
path warms the file cache. Runs then go round the paths in turn (welcome, profile, demo, bare,
welcome, ...) so a burst of machine load hits them all; medians are compared. Target (issue 16):
every path at most 1.5x the bare wizard.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import Row, emit_result, median, print_table, run_child, verdict

TARGET_RATIO = 1.5
PROFILE = "bench"
PATHS = ("welcome", "profile", "demo", "bare")
TITLES = {
    "welcome": "start, first run: welcome painted",
    "profile": "start, --profile (keyring): painted",
    "demo": "start, --demo: painted",
    "bare": "start, bare QWizard: painted",
}


# -- the desktop the children start on ------------------------------------------------------
@contextlib.contextmanager
def x_display() -> Iterator[dict[str, str]]:
    """A private Xvfb; yields the children's environment for it (offscreen without Xvfb)."""
    if shutil.which("Xvfb") is None:
        yield {"QT_QPA_PLATFORM": "offscreen"}
        return
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            display = announced.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        yield {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{display}"}
    finally:
        server.terminate()
        server.wait(10)


@contextlib.contextmanager
def keyring_session() -> Iterator[dict[str, str] | None]:
    """A private D-Bus session with an unlocked, throw-away gnome-keyring (the recipe of
    ``.ci/keyring-session.sh``); yields its environment, or None where the tools are missing."""
    if not all(shutil.which(t) for t in ("dbus-daemon", "gnome-keyring-daemon", "dbus-send")):
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="bench-keyring-"))
    (root / "data").mkdir()
    (root / "runtime").mkdir(mode=0o700)
    root.chmod(0o700)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    daemons: list[subprocess.Popen[Any]] = [bus]
    try:
        assert bus.stdout is not None
        env = {
            "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip(),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_RUNTIME_DIR": str(root / "runtime"),
        }
        keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
        daemons.append(keyring)
        assert keyring.stdin is not None
        keyring.stdin.write(b"bench-%d" % os.getpid())
        keyring.stdin.close()
        ask = ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"]
        ask.append("org.freedesktop.DBus.NameHasOwner")
        ask.append("string:org.freedesktop.secrets")
        for _ in range(50):
            answer = subprocess.run(ask, env={**os.environ, **env}, capture_output=True, text=True, check=False)
            if "boolean true" in answer.stdout:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("gnome-keyring-daemon did not start")
        yield env
    finally:
        for daemon in reversed(daemons):
            daemon.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                daemon.wait(5)
        shutil.rmtree(root, ignore_errors=True)


def _profile_home(base_url: str, token: str, keyring_env: dict[str, str] | None) -> tuple[Path, dict[str, str]]:
    """A ``TRIAGE_HOME`` with the profile (its token in the keyring); the profile runs' env."""
    home = Path(tempfile.mkdtemp(prefix="bench-profile-home-"))
    env = {"TRIAGE_HOME": str(home), **(keyring_env or {"TRIAGE_API_TOKEN": token})}
    setup = (
        "import sys\n"
        "from triage_gui.store.credentials import CredentialStore\n"
        "from triage_gui.store.paths import AppPaths\n"
        "from triage_gui.store.profiles import ProfileStore, make_profile\n"
        "profile = make_profile(name=sys.argv[1], base_url=sys.argv[2], default_workspace='ws_demo')\n"
        "ProfileStore(AppPaths(), CredentialStore()).add(profile, sys.argv[3] if sys.argv[4] == 'keyring' else None)\n"
    )
    where = "keyring" if keyring_env is not None else "env"
    subprocess.run(
        [sys.executable, "-c", setup, PROFILE, base_url, token, where],
        env={**os.environ, **env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        check=True,
    )
    return home, env


# -- the parent -----------------------------------------------------------------------------
def run(quick: bool) -> list[dict[str, object]]:
    import compileall

    import triage_gui
    from triage_gui.simulator import ManualClock, Simulator

    compileall.compile_dir(str(Path(triage_gui.__file__).parent), quiet=1)
    repeats = 3 if quick else 5
    times: dict[str, list[float]] = {p: [] for p in PATHS}
    peaks: dict[str, list[float]] = {p: [] for p in PATHS}
    phases: dict[str, list[dict[str, float]]] = {p: [] for p in PATHS}
    with (
        x_display() as display,
        keyring_session() as keyring_env,
        Simulator(scenarios=["healthy"], clock=ManualClock()) as sim,
    ):
        assert sim.base_url is not None
        template, profile_env = _profile_home(sim.base_url, sim.token, keyring_env)
        try:
            for run_index in range(repeats + 1):
                for path in PATHS:
                    with tempfile.TemporaryDirectory(prefix="bench-home-") as home:
                        env = {**display, "TRIAGE_HOME": home}
                        if path == "profile":
                            shutil.copytree(template, home, dirs_exist_ok=True)
                            env = {**display, **profile_env, "TRIAGE_HOME": home}
                        spawned = time.monotonic()
                        child = run_child("bench.startup_bench", [path], env=env)
                    if run_index == 0:
                        continue  # the warm-up
                    times[path].append(float(child.output["painted"]) - spawned)
                    peaks[path].append(child.peak_mb)
                    phases[path].append(
                        {k: float(v) - spawned for k, v in child.output.items() if isinstance(v, float)}
                    )
        finally:
            shutil.rmtree(template, ignore_errors=True)
    bare_s = median(times["bare"])
    platform = f"xcb on Xvfb {display['DISPLAY']}" if "DISPLAY" in display else "offscreen (no Xvfb here)"
    token_from = "keyring (Secret Service)" if keyring_env is not None else "TRIAGE_API_TOKEN (no keyring here)"

    def note(path: str) -> str:
        runs = phases[path]
        parts = [f"imports {median([p['imported'] for p in runs]):.2f}s"]
        parts.append(f"shown {median([p['shown'] for p in runs]):.2f}s")
        if all("ready" in p for p in runs):
            parts.append(f"whole {median([p['ready'] for p in runs]):.2f}s")
        text = ", ".join(parts) + f" (medians of {repeats}); {platform}"
        return text + (f"; token from {token_from}" if path == "profile" else "")

    rows = []
    for path in PATHS:
        value = median(times[path])
        measured = path != "bare"
        rows.append(
            Row(
                TITLES[path],
                value,
                "s",
                target=f"<= {TARGET_RATIO}x bare" if measured else "",
                ratio=value / bare_s if measured else None,
                verdict=verdict(value / bare_s <= TARGET_RATIO) if measured else "",
                peak_mb=median(peaks[path]),
                note=note(path),
                detail={"runs_s": times[path], "peaks_mb": peaks[path], "platform": platform},
            ).as_dict()
        )
    return rows


# -- the children ----------------------------------------------------------------------------
def _child(path: str) -> None:
    marks: dict[str, float] = {}
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    if path != "bare":
        import triage_gui.ui.app.startup as app_module
    marks["imported"] = time.monotonic()
    app = QApplication.instance() or QApplication(sys.argv[:1])

    class FirstFrame(QObject):
        """Notes the first Show, and the first Paint while its window is exposed, of the window
        it watches (that one window: an application-wide Python filter would cost the app,
        which makes many more objects, far more than the bare wizard); then ends the run."""

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            kind = event.type()
            if kind == QEvent.Type.Show and "shown" not in marks:
                marks["shown"] = time.monotonic()
            elif kind == QEvent.Type.Paint and "first_paint" not in marks and _exposed(obj):
                marks["first_paint"] = time.monotonic()
                QTimer.singleShot(0, self.frame_done)
            return False

        def frame_done(self) -> None:
            marks["painted"] = time.monotonic()
            self.maybe_end()

        def window_ready(self) -> None:
            marks["ready"] = time.monotonic()
            self.maybe_end()

        def maybe_end(self) -> None:
            """A main window's run ends when its first frame is painted and it is whole."""
            if "painted" not in marks or (path in ("profile", "demo") and "ready" not in marks):
                return
            for window in QApplication.topLevelWidgets():
                window.close()
            QApplication.quit()

    def _exposed(obj: QObject) -> bool:
        handle = obj.windowHandle() if isinstance(obj, QWidget) else None
        return handle is None or handle.isExposed()

    watcher = FirstFrame()
    if path == "bare":
        from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizard, QWizardPage

        wizard = QWizard()
        page = QWizardPage()
        page.setTitle("Start")
        QVBoxLayout(page).addWidget(QLabel("A bare wizard page."))
        wizard.addPage(page)
        wizard.resize(1180, 780)
        wizard.installEventFilter(watcher)
        wizard.show()
        app.exec()
    else:
        _watch_first_window(watcher)
        args = argparse.Namespace(
            demo=path == "demo", scenario=None, smoke=False, profile=PROFILE if path == "profile" else None
        )
        app_module.run_gui(args)
    if "painted" not in marks:
        raise SystemExit(f"startup bench: the {path} start showed no window")
    emit_result(marks)


def _watch_first_window(watcher: object) -> None:
    """Puts ``watcher`` on the first window the start path shows: the main window (as ``run_gui``
    shows it) or, on a first run, the welcome dialog (as the connect flow opens it). The hooks sit
    on Qt's own classes, so the bench imports none of the app's window modules before the app
    does (importing the main window's module ahead of a welcome screen cost it ~60 ms)."""
    from PySide6.QtWidgets import QDialog, QMainWindow

    show, open_dialog = QMainWindow.show, QDialog.open

    def show_watched(window: QMainWindow) -> None:
        if type(window).__name__ == "MainWindow" and not getattr(watcher, "watching", False):
            watcher.watching = True  # type: ignore[attr-defined]
            window.installEventFilter(watcher)  # type: ignore[arg-type]
            window.ready.connect(watcher.window_ready)  # type: ignore[attr-defined]
        show(window)

    def open_watched(dialog: QDialog) -> None:
        if type(dialog).__name__ == "WelcomeDialog" and not getattr(watcher, "watching", False):
            watcher.watching = True  # type: ignore[attr-defined]
            dialog.installEventFilter(watcher)  # type: ignore[arg-type]
        open_dialog(dialog)

    QMainWindow.show = show_watched  # type: ignore[method-assign,assignment]
    QDialog.open = open_watched  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=1, metavar="PATH", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0])
        return 0
    print_table(run(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
