"""``triage-gui bundle verify FILE.zip``: check a diagnostics bundle against its manifest.

Exit codes: 0 every listed file is present and unchanged and nothing was added; 1 a mismatch,
each problem printed in one sentence (a file changed, missing or added, and also a member or
manifest that cannot be checked: encrypted, an unknown compression method, bigger than the
bounds of :mod:`triage_gui.store.bundle_verify`, a manifest nested too deeply); 2 the file
cannot be read as a zip at all (missing, not a regular file, not a zip, or more members than
a bundle holds). Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_MISMATCH, EXIT_UNREADABLE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="{verify}", required=True)
    verify = actions.add_parser(
        "verify",
        help="check a bundle's files against its manifest (sizes and SHA-256)",
        description="Check a diagnostics bundle against its manifest: every listed file present "
        "with the listed size and SHA-256, and no file that the manifest does not list.",
    )
    verify.add_argument("file", metavar="FILE.zip", help="the diagnostics bundle")
    verify.add_argument("--json", action="store_true", help="print one JSON object and nothing else")


def run(args: argparse.Namespace) -> int:
    from triage_gui.store.bundle_verify import verify_bundle

    result = verify_bundle(args.file)
    code = EXIT_OK if result.ok else (EXIT_MISMATCH if result.readable else EXIT_UNREADABLE)
    if args.json:
        payload = {
            "ok": result.ok,
            "readable": result.readable,
            "files_checked": result.files_checked,
            "problems": result.problems,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return code
    if result.ok:
        print(f"OK: {args.file}: {result.files_checked} files match the manifest")
    elif not result.readable:
        for problem in result.problems:
            print(f"triage-gui bundle verify: {problem}", file=sys.stderr)
    else:
        for problem in result.problems:
            print(f"  {problem}")
        print(f"FAILED: {args.file}: {len(result.problems)} problem(s)")
    return code
