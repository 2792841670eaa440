"""Where a command connects: ``--profile NAME`` or ``--base-url URL`` with ``TRIAGE_API_TOKEN``.

Shared by every sub-command that talks to the API, so they all resolve connections, tokens
and settings the same way the GUI does.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.token_check import check_token
from triage_gui.providers.connection import Connection
from triage_gui.store.paths import TOKEN_ENV


class ConnectionArgsError(Exception):
    """The command line does not say where or how to connect; the message says what to do."""


@dataclass(frozen=True)
class ResolvedConnection:
    connection: Connection
    workspace: str
    settings: AnalysisSettings


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("connection (a stored profile, or a URL and TRIAGE_API_TOKEN)")
    where.add_argument("--profile", help="a connection profile (see 'triage-gui profile list')")
    where.add_argument("--base-url", help="the Batch API's base URL, e.g. https://api.example.com")
    where.add_argument("--workspace", help="workspace ID (default: the profile's)")
    where.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a host that is not loopback (not recommended)",
    )


def resolve_connection(args: argparse.Namespace) -> ResolvedConnection:
    from triage_gui.store.credentials import CredentialError, CredentialStore
    from triage_gui.store.log_setup import register_secret
    from triage_gui.store.paths import AppPaths
    from triage_gui.store.profiles import ProfileError, ProfileStore, check_base_url
    from triage_gui.store.settings import SettingsStore

    paths = AppPaths()
    settings = SettingsStore(paths).load().settings.to_analysis_settings()
    if args.profile:
        credentials = CredentialStore(on_secret=register_secret)
        try:
            profile = ProfileStore(paths, credentials).get(args.profile)
            token = credentials.resolve_token(profile.name)
        except (ProfileError, CredentialError) as exc:
            raise ConnectionArgsError(str(exc)) from None
        workspace = args.workspace or profile.default_workspace
        if not workspace:
            raise ConnectionArgsError(f"profile {profile.name!r} has no default workspace: give --workspace")
        connection = Connection(token=token, **profile.connection_options())
        return ResolvedConnection(connection, workspace, settings)
    if not args.base_url:
        raise ConnectionArgsError("say where to connect: --profile NAME, or --base-url URL with TRIAGE_API_TOKEN set")
    if not args.workspace:
        raise ConnectionArgsError("--workspace is required with --base-url")
    try:
        base_url, insecure = check_base_url(args.base_url, allow_insecure_http=args.allow_insecure_http)
    except ProfileError as exc:
        raise ConnectionArgsError(str(exc)) from None
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConnectionArgsError(
            f"no API token: set {TOKEN_ENV}, or store one with 'triage-gui profile add NAME --base-url URL --token-stdin' and use --profile NAME"
        )
    try:
        check_token(token)
    except ValueError as exc:  # the message never quotes the token
        raise ConnectionArgsError(f"{TOKEN_ENV}: {exc}") from None
    register_secret(token)
    return ResolvedConnection(
        Connection(base_url=base_url, token=token, label=base_url, insecure=insecure), args.workspace, settings
    )
