"""Start the app many times and count what went wrong (issue 13: one segmentation fault in ~30
launches was seen once).

``python -m bench.launch_loop_bench [--quick] [--launches N]``. Each launch is a fresh
interpreter running the real start-up (``run_gui`` with ``--demo``: the embedded simulator, the
staged window, the first load of the demo's scenario) in a fresh ``TRIAGE_HOME``; it quits a
moment after the window is whole and its first report arrived (or after 20 s). Under a real X
server (``Xvfb``, one for the whole loop) when there is one, else offscreen. ``faulthandler`` is
on in every launch (``ui/app/crash_reporting.py``): a crash leaves its Python stack in
``faults.log`` in the launch's log folder, and the row's detail carries the first lines of it.

Target: 0 crashes (exit by a signal, or a non-zero exit) in 200 launches.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import MISS, OK, REPO_ROOT, Row, child_env, print_table

LAUNCHES = 200
QUICK_LAUNCHES = 20
PARALLEL = 2
LAUNCH_TIMEOUT_S = 60.0

_CHILD = r"""
import argparse, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import triage_gui.ui.app.startup as startup
from triage_gui.ui.app.main_window import MainWindow

show = MainWindow.show
def show_then_quit(window):
    def whole():
        window.controller.report_changed.connect(lambda *_: QTimer.singleShot(300, QApplication.quit))
        window.open_scenario(next(iter(window._scenarios)))
    def too_long():
        print("no report within 20 s", file=sys.stderr)
        QApplication.exit(3)
    window.ready.connect(whole)
    QTimer.singleShot(20000, too_long)
    show(window)
MainWindow.show = show_then_quit
sys.exit(startup.run_gui(argparse.Namespace(demo=True, scenario=None, smoke=False, profile=None)))
"""


def _launch(index: int, display: str | None) -> tuple[int, float, str]:
    with tempfile.TemporaryDirectory(prefix="bench-launch-") as home:
        env = child_env({"TRIAGE_HOME": home})
        if display:
            env["QT_QPA_PLATFORM"] = "xcb"
            env["DISPLAY"] = display
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=LAUNCH_TIMEOUT_S,
            )
            code, err = proc.returncode, proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, err = -9, "timed out"
        wall = time.perf_counter() - start
        faults = "".join(p.read_text("utf-8", "replace") for p in Path(home).rglob("faults.log"))
    why = ""
    if code != 0:
        why = f"launch {index}: exit {code}\n" + (faults or "\n".join(err.strip().splitlines()[-15:]))
    return code, wall, why


def _start_xvfb() -> tuple[subprocess.Popen[bytes] | None, str | None]:
    if shutil.which("Xvfb") is None:
        return None, None
    display = f":{90 + os.getpid() % 500}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    if server.poll() is not None:
        return None, None
    return server, display


def run(quick: bool, launches: int | None = None) -> list[dict[str, object]]:
    count = launches or (QUICK_LAUNCHES if quick else LAUNCHES)
    server, display = _start_xvfb()
    try:
        with ThreadPoolExecutor(PARALLEL) as pool:
            results = list(pool.map(lambda i: _launch(i, display), range(count)))
    finally:
        if server is not None:
            server.terminate()
            server.wait(5)
    failures = [why for code, _, why in results if code != 0]
    walls = sorted(wall for _, wall, _ in results)
    where = f"Xvfb {display}" if display else "offscreen"
    return [
        Row(
            f"start-up loop: failed launches of {count}",
            float(len(failures)),
            "launches",
            target="0",
            verdict=OK if not failures else MISS,
            note=f"{where}, {PARALLEL} at a time; launch to first report, median {walls[len(walls) // 2]:.2f}s",
            detail={"failures": failures[:5]},
        ).as_dict()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.launch_loop_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--launches", type=int)
    args = parser.parse_args(argv)
    rows = run(args.quick, args.launches)
    print_table(rows)
    for row in rows:
        for failure in row["detail"]["failures"]:  # type: ignore[index]
            print(failure, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
