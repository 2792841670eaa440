"""``triage-gui profile``: connection profiles from the command line, for scripted set-ups.

    printf %s "$TOKEN" | triage-gui profile add prod --base-url https://api.example.com \\
        --workspace ws_acme --token-stdin
    triage-gui profile list [--json]
    triage-gui profile test prod [--workspace ws_other]
    triage-gui profile rename prod production
    triage-gui profile remove production

Tokens are read from standard input only (never from an argument, which other users can see in
the process list), stored in the OS keyring, and never printed. Exit codes: 0 done, 1 the
connection test failed, 2 a usage, profile or keyring problem.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TextIO

from triage_gui.providers.batch_v1.connection_probe import WorkspaceRequired, check_connection
from triage_gui.store.credentials import CredentialError, CredentialStore
from triage_gui.store.paths import AppPaths
from triage_gui.store.profiles import ConnectionProfile, ProfileError, ProfileStore, make_profile

EXIT_OK = 0
EXIT_TEST_FAILED = 1
EXIT_ERROR = 2


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a profile (token from standard input)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--base-url", required=True, help="e.g. https://api.example.com (no /v1)")
    add.add_argument("--workspace", default=None, help="default workspace ID")
    add.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the API token from standard input and store it in the OS keyring",
    )
    add.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow http:// to a host other than this computer (the token travels unencrypted)",
    )
    add.add_argument("--ca-bundle", default=None, metavar="PATH", help="extra CA certificates (PEM)")
    add.add_argument("--no-verify-tls", action="store_true", help="do not check TLS certificates (unsafe)")
    add.add_argument("--no-env-proxy", action="store_true", help="ignore HTTPS_PROXY and friends")
    add.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS")

    listing = actions.add_parser("list", help="list profiles (tokens are never shown)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    remove = actions.add_parser("remove", help="remove a profile and its stored token")
    remove.add_argument("name", metavar="NAME")

    test = actions.add_parser("test", help="test a profile's connection and token")
    test.add_argument("name", metavar="NAME")
    test.add_argument("--workspace", default=None, help="instead of the profile's default")

    rename = actions.add_parser("rename", help="rename a profile (its token moves with it)")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")


def run(
    args: argparse.Namespace,
    *,
    paths: AppPaths | None = None,
    credentials: CredentialStore | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    from triage_gui.store.log_setup import register_secret

    store = ProfileStore(paths or AppPaths(), credentials or CredentialStore(on_secret=register_secret))
    try:
        if args.action == "add":
            return _add(args, store, stdin or sys.stdin, out)
        if args.action == "list":
            return _list(args, store, out)
        if args.action == "remove":
            warning = store.remove(args.name)
            print(f"Removed profile '{args.name}'.", file=out)
            if warning:
                print(f"warning: {warning}", file=err)
            return EXIT_OK
        if args.action == "rename":
            store.rename(args.old, args.new)
            print(f"Renamed profile '{args.old}' to '{args.new}'.", file=out)
            return EXIT_OK
        if args.action == "test":
            return _test(args, store, out, err)
    except (ProfileError, CredentialError, WorkspaceRequired) as error:
        print(f"error: {error}", file=err)
        return EXIT_ERROR
    except OSError as error:
        print(f"error: could not write the profiles file: {error.strerror or error}", file=err)
        return EXIT_ERROR
    finally:
        for warning in store.warnings:
            print(f"warning: {warning}", file=err)
    print(f"error: unknown action {args.action!r}", file=err)
    return EXIT_ERROR


def _add(args: argparse.Namespace, store: ProfileStore, stdin: TextIO, out: TextIO) -> int:
    profile = make_profile(
        name=args.name,
        base_url=args.base_url,
        default_workspace=args.workspace,
        verify_tls=not args.no_verify_tls,
        ca_bundle=args.ca_bundle,
        use_env_proxy=not args.no_env_proxy,
        timeout_s=args.timeout,
        allow_insecure_http=args.allow_insecure_http,
    )
    token = _read_token(stdin) if args.token_stdin else None
    store.add(profile, token)
    print(f"Added profile '{profile.name}' ({profile.base_url}).", file=out)
    if token is not None:
        print(f"Its token is stored in the system keyring ({store.credentials.service}).", file=out)
    else:
        print("No token stored: add one with --token-stdin, or set TRIAGE_API_TOKEN.", file=out)
    if profile.is_insecure:
        print("warning: this profile's connection is NOT secure (see the flags above).", file=out)
    return EXIT_OK


def _read_token(stdin: TextIO) -> str:
    if stdin.isatty():
        return getpass.getpass("API token (not shown): ")
    return stdin.read()


def _list(args: argparse.Namespace, store: ProfileStore, out: TextIO) -> int:
    profiles = store.profiles()
    rows = [(p, store.credentials.has_token(p.name)) for p in profiles]
    if args.json:
        document = [p.model_dump(mode="json") | {"token_stored": stored} for p, stored in rows]
        print(json.dumps(document, indent=2), file=out)
        return EXIT_OK
    if not rows:
        print("No profiles yet. Add one with: triage-gui profile add NAME --base-url URL --token-stdin", file=out)
        return EXIT_OK
    table = [("NAME", "BASE URL", "WORKSPACE", "TOKEN", "NOTES")]
    for profile, stored in rows:
        token = {True: "stored", False: "none", None: "unknown (keyring unavailable)"}[stored]
        table.append((profile.name, profile.base_url, profile.default_workspace or "-", token, _notes(profile)))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip(), file=out)
    return EXIT_OK


def _notes(profile: ConnectionProfile) -> str:
    notes = []
    if profile.insecure_http:
        notes.append("INSECURE http")
    if not profile.verify_tls:
        notes.append("TLS NOT VERIFIED")
    if profile.ca_bundle:
        notes.append(f"CA bundle {profile.ca_bundle}")
    if not profile.use_env_proxy:
        notes.append("no proxy")
    return ", ".join(notes) or "-"


def _test(args: argparse.Namespace, store: ProfileStore, out: TextIO, err: TextIO) -> int:
    profile, resolved = store.resolve(args.name)
    print(
        f"Testing '{profile.name}' ({profile.base_url}), token from {resolved.source.value}...",
        file=out,
    )
    result = check_connection(profile, resolved.token, workspace=args.workspace)
    if result.ok:
        print(result.message, file=out)
        return EXIT_OK
    print(f"Connection test failed ({result.kind.value}): {result.message}", file=err)
    if result.detail:
        print(f"  detail: {result.detail}", file=err)
    return EXIT_TEST_FAILED
