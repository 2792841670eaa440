"""``triage-gui profile``: connection profiles from the command line, for scripted set-ups.

    printf %s "$TOKEN" | triage-gui profile add prod --base-url https://api.example.com \\
        --workspace ws_acme --token-stdin
    printf %s "$ELEVENLABS_API_KEY" | triage-gui profile add el --provider elevenlabs --region eu --token-stdin
    triage-gui profile edit prod --workspace ws_other --timeout 20
    triage-gui profile list [--json]
    triage-gui profile show prod [--json]
    triage-gui profile test prod [--workspace ws_other]
    triage-gui profile rename prod production
    triage-gui profile remove production

A profile is for one platform (``--provider``: ``batch_v1``, the default, or ``elevenlabs``). An
ElevenLabs profile names a region (``--region``: default, us, eu, india, singapore) or a custom
``--base-url``, and no workspace: its API key (sent as ``xi-api-key``) decides it.

Tokens are read from standard input only (never from an argument, which other users can see in
the process list), stored in the OS keyring, and never printed. Exit codes: 0 done, 1 the
connection test failed, 2 a usage, profile or keyring problem.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any, TextIO

from triage_gui.cli.connection_args import ELEVENLABS_KEY_ENV
from triage_gui.providers.batch_v1.connection_probe import ConnectionTestResult, WorkspaceRequired, check_connection
from triage_gui.providers.connection import PROVIDERS
from triage_gui.providers.elevenlabs.regions import REGION_LABELS, REGIONS, region_of
from triage_gui.providers.elevenlabs.regions import base_url as region_base_url
from triage_gui.store.credentials import CredentialError, CredentialStore, check_token
from triage_gui.store.paths import TOKEN_ENV, AppPaths
from triage_gui.store.profiles import ConnectionProfile, ProfileError, ProfileStore, make_profile

EXIT_OK = 0
EXIT_TEST_FAILED = 1
EXIT_ERROR = 2


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a profile (token from standard input)")
    add.add_argument("name", metavar="NAME")
    _where(add, editing=False)
    add.add_argument("--ca-bundle", default=None, metavar="PATH", help="extra CA certificates (PEM)")
    add.add_argument("--no-verify-tls", action="store_true", help="do not check TLS certificates (unsafe)")
    add.add_argument("--no-env-proxy", action="store_true", help="ignore HTTPS_PROXY and friends")
    add.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS")

    edit = actions.add_parser("edit", help="change the options given of a profile (a new token from standard input)")
    edit.add_argument("name", metavar="NAME")
    _where(edit, editing=True)
    edit.add_argument("--ca-bundle", default=None, metavar="PATH", help="extra CA certificates (PEM); '' removes it")
    edit.add_argument(
        "--verify-tls", action=argparse.BooleanOptionalAction, default=None, help="check TLS certificates"
    )
    edit.add_argument(
        "--env-proxy", action=argparse.BooleanOptionalAction, default=None, help="use HTTPS_PROXY and friends"
    )
    edit.add_argument("--timeout", type=float, default=None, metavar="SECONDS")

    listing = actions.add_parser("list", help="list profiles (tokens are never shown)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    show = actions.add_parser("show", help="show one profile (its token is never shown)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="machine-readable output")

    remove = actions.add_parser("remove", help="remove a profile and its stored token")
    remove.add_argument("name", metavar="NAME")

    test = actions.add_parser("test", help="test a profile's connection and token")
    test.add_argument("name", metavar="NAME")
    test.add_argument("--workspace", default=None, help="instead of the profile's default (not for elevenlabs)")

    rename = actions.add_parser("rename", help="rename a profile (its token moves with it)")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")


def _where(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    parser.add_argument(
        "--provider",
        choices=PROVIDERS,
        default=None,
        help="the platform: batch_v1 (the Batch Outbound API) or elevenlabs"
        + ("" if editing else " (default: batch_v1; elevenlabs with --region)"),
    )
    url = parser.add_mutually_exclusive_group()
    url.add_argument("--base-url", help="e.g. https://api.example.com (no /v1); elevenlabs: a custom URL")
    url.add_argument(
        "--region",
        choices=list(REGIONS),
        help="elevenlabs: the region of the workspace (its base URL; default: default)",
    )
    parser.add_argument(
        "--workspace",
        default=None,
        help="default workspace ID" + ("; '' removes it" if editing else "") + " (not for elevenlabs: the key decides)",
    )
    parser.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the API token (elevenlabs: the API key) from standard input and store it in the OS keyring",
    )
    insecure = "allow http:// to a host other than this computer (the token travels unencrypted)"
    if editing:
        parser.add_argument("--allow-insecure-http", action=argparse.BooleanOptionalAction, default=None, help=insecure)
    else:
        parser.add_argument("--allow-insecure-http", action="store_true", help=insecure)


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
        if args.action == "edit":
            return _edit(args, store, stdin or sys.stdin, out)
        if args.action == "list":
            return _list(args, store, out)
        if args.action == "show":
            return _show(args, store, out)
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


# -- add, edit -------------------------------------------------------------------------------


def _provider(args: argparse.Namespace, current: str | None) -> str:
    """The platform asked for: ``--provider``, else ElevenLabs when a region is named, else as is."""
    if args.region and args.provider not in (None, "elevenlabs"):
        raise ProfileError("--region is for --provider elevenlabs; give the Batch Outbound API's --base-url instead.")
    return args.provider or ("elevenlabs" if args.region else current or "batch_v1")


def _base_url(args: argparse.Namespace, provider: str, current: ConnectionProfile | None) -> str | None:
    """The base URL asked for, or None to keep the current one."""
    if provider == "elevenlabs":
        if args.region:
            return REGIONS[args.region]
        if args.base_url:
            return region_base_url(args.base_url)  # a region's name works here too, as with 'check'
        return REGIONS["default"] if current is None or current.provider != provider else None
    if args.base_url:
        return str(args.base_url)
    if current is None or current.provider != provider:
        raise ProfileError("Give --base-url URL: the Batch Outbound API's address, e.g. https://api.example.com.")
    return None


def _add(args: argparse.Namespace, store: ProfileStore, stdin: TextIO, out: TextIO) -> int:
    provider = _provider(args, None)
    profile = make_profile(
        name=args.name,
        provider=provider,
        base_url=_base_url(args, provider, None),
        default_workspace=args.workspace,
        verify_tls=not args.no_verify_tls,
        ca_bundle=args.ca_bundle,
        use_env_proxy=not args.no_env_proxy,
        timeout_s=args.timeout,
        allow_insecure_http=args.allow_insecure_http,
    )
    token = _read_token(stdin, profile) if args.token_stdin else None
    store.add(profile, token)
    print(f"Added profile '{profile.name}' ({_where_to(profile)}).", file=out)
    _say_token(store, profile, token, out)
    return EXIT_OK


def _edit(args: argparse.Namespace, store: ProfileStore, stdin: TextIO, out: TextIO) -> int:
    current = store.get(args.name)
    provider = _provider(args, current.provider)
    changes: dict[str, Any] = {"provider": provider}
    url = _base_url(args, provider, current)
    if url is not None:
        changes["base_url"] = url
    if args.workspace is not None:
        changes["default_workspace"] = args.workspace
    elif provider == "elevenlabs":
        changes["default_workspace"] = None  # the key decides it
    for option, field in (
        ("ca_bundle", "ca_bundle"),
        ("verify_tls", "verify_tls"),
        ("env_proxy", "use_env_proxy"),
        ("timeout", "timeout_s"),
        ("allow_insecure_http", "allow_insecure_http"),
    ):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    profile = current.with_changes(**changes)
    token = _read_token(stdin, profile) if args.token_stdin else None
    store.update(current.name, profile, token)
    print(f"Saved profile '{profile.name}' ({_where_to(profile)}).", file=out)
    if token is not None:
        print(f"Its new token is stored in the system keyring ({store.credentials.service}).", file=out)
    if profile.is_insecure:
        print("warning: this profile's connection is NOT secure (see the flags above).", file=out)
    return EXIT_OK


def _say_token(store: ProfileStore, profile: ConnectionProfile, token: str | None, out: TextIO) -> None:
    if token is not None:
        print(f"Its token is stored in the system keyring ({store.credentials.service}).", file=out)
    elif profile.needs_workspace:
        print(f"No token stored: add one with --token-stdin, or set {TOKEN_ENV}.", file=out)
    else:
        print(f"No API key stored: add one with --token-stdin, or set {TOKEN_ENV} or {ELEVENLABS_KEY_ENV}.", file=out)
    if profile.is_insecure:
        print("warning: this profile's connection is NOT secure (see the flags above).", file=out)


def _read_token(stdin: TextIO, profile: ConnectionProfile) -> str:
    if stdin.isatty():
        what = "API token" if profile.needs_workspace else "API key (xi-api-key)"
        return getpass.getpass(f"{what} (not shown): ")
    return stdin.read()


# -- list, show ------------------------------------------------------------------------------


def _where_to(profile: ConnectionProfile) -> str:
    """``https://api.example.com``, or ``ElevenLabs, EU region: https://…`` (a custom URL: no region)."""
    if profile.needs_workspace:
        return profile.base_url
    region = region_of(profile.base_url)
    return (
        f"ElevenLabs, {REGION_LABELS[region]} region: {profile.base_url}"
        if region
        else f"ElevenLabs: {profile.base_url}"
    )


def _platform(profile: ConnectionProfile) -> str:
    if profile.needs_workspace:
        return profile.provider
    return f"{profile.provider} ({region_of(profile.base_url) or 'custom URL'})"


def _document(profile: ConnectionProfile, stored: bool | None) -> dict[str, Any]:
    region = None if profile.needs_workspace else region_of(profile.base_url)
    return profile.model_dump(mode="json") | {"region": region, "token_stored": stored}


def _list(args: argparse.Namespace, store: ProfileStore, out: TextIO) -> int:
    profiles = store.profiles()
    rows = [(p, store.credentials.has_token(p.name)) for p in profiles]
    if args.json:
        print(json.dumps([_document(p, stored) for p, stored in rows], indent=2), file=out)
        return EXIT_OK
    if not rows:
        print("No profiles yet. Add one with: triage-gui profile add NAME --base-url URL --token-stdin", file=out)
        return EXIT_OK
    table = [("NAME", "PLATFORM", "BASE URL", "WORKSPACE", "TOKEN", "NOTES")]
    for profile, stored in rows:
        workspace = (profile.default_workspace or "-") if profile.needs_workspace else "n/a (the key's)"
        table.append((profile.name, _platform(profile), profile.base_url, workspace, _token(stored), _notes(profile)))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip(), file=out)
    return EXIT_OK


def _show(args: argparse.Namespace, store: ProfileStore, out: TextIO) -> int:
    profile = store.get(args.name)
    stored = store.credentials.has_token(profile.name)
    if args.json:
        print(json.dumps(_document(profile, stored), indent=2), file=out)
        return EXIT_OK
    region: list[tuple[str, str]] = []
    if profile.needs_workspace:
        workspace = profile.default_workspace or "-"
    else:
        workspace = "not needed (the API key decides it)"
        region = [("Region", REGION_LABELS.get(region_of(profile.base_url) or "", "custom URL"))]
    lines = [
        ("Name", profile.name),
        ("Platform", f"{profile.provider_label} ({profile.provider})"),
        *region,
        ("Base URL", profile.base_url),
        ("Default workspace", workspace),
        ("Token" if profile.needs_workspace else "API key", _token(stored)),
        ("Verify TLS", "yes" if profile.verify_tls else "NO"),
        ("CA bundle", profile.ca_bundle or "-"),
        ("Proxy from environment", "yes" if profile.use_env_proxy else "no"),
        ("Timeout", f"{profile.timeout_s:g} s"),
        ("Notes", _notes(profile)),
    ]
    width = max(len(label) for label, _ in lines) + 1
    for label, value in lines:
        print(f"{label + ':':<{width}} {value}", file=out)
    return EXIT_OK


def _token(stored: bool | None) -> str:
    return {True: "stored", False: "none", None: "unknown (keyring unavailable)"}[stored]


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


# -- test ------------------------------------------------------------------------------------


def _test(args: argparse.Namespace, store: ProfileStore, out: TextIO, err: TextIO) -> int:
    profile = store.get(args.name)
    if not profile.needs_workspace and args.workspace:
        raise ProfileError("--workspace is not needed for ElevenLabs: the API key decides the workspace.")
    token, source = _token_for(profile, store)
    secret = "token" if profile.needs_workspace else "API key"
    print(f"Testing '{profile.name}' ({_where_to(profile)}), {secret} from {source}...", file=out)
    result = _probe(profile, token, args.workspace)
    if result.ok:
        print(result.message, file=out)
        return EXIT_OK
    print(f"Connection test failed ({result.kind.value}): {result.message}", file=err)
    if result.detail:
        print(f"  detail: {result.detail}", file=err)
    return EXIT_TEST_FAILED


def _token_for(profile: ConnectionProfile, store: ProfileStore) -> tuple[str, str]:
    """The token and where it came from: the keyring or ``TRIAGE_API_TOKEN``, and for
    ElevenLabs also ``ELEVENLABS_API_KEY`` (as ``check`` reads it)."""
    try:
        resolved = store.credentials.resolve(profile.name)
    except CredentialError as error:
        fallback = "" if profile.needs_workspace else os.environ.get(ELEVENLABS_KEY_ENV, "")
        if not fallback.strip():
            also = "" if profile.needs_workspace else f" For ElevenLabs, {ELEVENLABS_KEY_ENV} is read too."
            raise ProfileError(error.message + also) from None
        try:
            token = check_token(fallback)
        except CredentialError as bad:
            raise ProfileError(f"{ELEVENLABS_KEY_ENV}: {bad.message}") from None
        from triage_gui.store.log_setup import register_secret

        register_secret(token)
        return token, ELEVENLABS_KEY_ENV
    return resolved.token, resolved.source.value


def _probe(profile: ConnectionProfile, token: str, workspace: str | None) -> ConnectionTestResult:
    """The "Test connection" of the profile's platform."""
    if profile.provider == "elevenlabs":
        from triage_gui.providers.elevenlabs.connection_probe import check_elevenlabs_connection

        return check_elevenlabs_connection(profile, token)
    return check_connection(profile, token, workspace=workspace)
