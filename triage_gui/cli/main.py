"""``triage-gui``: the GUI by default, and the sub-commands that share its engine.

Each sub-command lives in its own module of this package exposing ``configure(parser)`` and
``run(args) -> int``. Only the chosen sub-command's module is imported, so the GUI's cold start
does not pay for the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from triage_gui import __version__
from triage_gui.providers.connection import PROVIDERS  # light: the GUI's start imports it anyway

# name -> (module, one-line help). Order is the order shown in --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("triage_gui.cli.check_command", "run the runbook's checks on a job, without a GUI"),
    "audit": ("triage_gui.cli.audit_command", "audit a local contact file (CSV) before upload"),
    "retry": ("triage_gui.cli.retry_command", "plan (and with --execute, launch) a targeted retry"),
    "bundle": ("triage_gui.cli.bundle_command", "diagnostics bundles: verify FILE.zip"),
    "profile": ("triage_gui.cli.profile_command", "connection profiles: add, edit, list, show, remove, rename, test"),
    "simulator": ("triage_gui.cli.simulator_command", "run the reference Batch API simulator"),
}


def _gui_parser() -> argparse.ArgumentParser:
    epilog = "sub-commands:\n" + "\n".join(f"  {name:<10} {help_}" for name, (_, help_) in SUBCOMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="triage-gui",
        description="Outbound Triage: walk a batch outbound call incident through the runbook.",
        epilog=epilog + "\n\nRun 'triage-gui COMMAND --help' for a sub-command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the bundled simulator on loopback and open the app on it (no account needed)",
    )
    parser.add_argument("--scenario", default=None, help="with --demo: the scenario to open first (default: stalled)")
    parser.add_argument(
        "--provider",
        choices=PROVIDERS,
        default=None,
        help="with --demo: the platform the bundled simulator plays (default: batch_v1; a profile names its own)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start, load the scenario, then exit 0 (for scripted checks; works offscreen)",
    )
    parser.add_argument("--profile", default=None, help="open with this connection profile")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list[0]
        module_name, help_ = SUBCOMMANDS[name]
        module = importlib.import_module(module_name)
        parser = argparse.ArgumentParser(prog=f"triage-gui {name}", description=help_)
        module.configure(parser)
        args = parser.parse_args(args_list[1:])
        from triage_gui.store.log_setup import setup_cli_logging

        logging_setup = setup_cli_logging()
        try:
            return int(module.run(args) or 0)
        finally:
            logging_setup.close()
    parser = _gui_parser()
    args = parser.parse_args(args_list)
    if args.provider is not None and not args.demo:
        parser.error("--provider goes with --demo (a connection profile names its own platform)")
    from triage_gui.ui.app.startup import run_gui  # Qt is imported only for the GUI

    return run_gui(args)


if __name__ == "__main__":
    raise SystemExit(main())
