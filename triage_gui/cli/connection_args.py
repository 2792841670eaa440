"""Where a command connects: ``--profile NAME`` or ``--base-url URL`` with ``TRIAGE_API_TOKEN``.

Shared by every sub-command that talks to the API, so they all resolve connections, tokens
and settings the same way the GUI does. ``--provider`` names the platform: a profile's own
(a profile says which platform it is for; an explicit ``--provider`` that disagrees is a usage
error), else ``batch_v1``. For ``elevenlabs`` the key may also come from ``ELEVENLABS_API_KEY``,
``--base-url`` may name a region (default, us, eu, india, singapore; default: default) and no
workspace is needed (the key is the workspace).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from triage_gui.domain.incident import AnalysisSettings
from triage_gui.domain.token_check import check_token
from triage_gui.providers.connection import PROVIDERS, Connection
from triage_gui.store.paths import TOKEN_ENV

ELEVENLABS_KEY_ENV = "ELEVENLABS_API_KEY"  # the official SDK's variable, read as a fallback
NO_WORKSPACE = "default"  # what a workspace is called on a platform that has none to name


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
    where.add_argument(
        "--provider",
        choices=PROVIDERS,
        help="the platform's API (default: the profile's, else batch_v1); elevenlabs reads ElevenLabs Agents "
        "Platform batch calling",
    )
    where.add_argument(
        "--base-url",
        help="the API's base URL, e.g. https://api.example.com (elevenlabs: a URL or a region: default, us, eu, "
        "india, singapore)",
    )
    where.add_argument("--workspace", help="workspace ID (default: the profile's; not needed for elevenlabs)")
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
    asked = getattr(args, "provider", None)
    provider = asked or "batch_v1"
    workspace_needed = provider != "elevenlabs"
    if args.profile:
        credentials = CredentialStore(on_secret=register_secret)
        try:
            profile = ProfileStore(paths, credentials).get(args.profile)
        except ProfileError as exc:
            raise ConnectionArgsError(str(exc)) from None
        if asked and asked != profile.provider:
            raise ConnectionArgsError(
                f"profile {profile.name!r} is for {profile.provider_label} (provider {profile.provider}), not "
                f"{asked}: leave out --provider, or use a profile for {asked}"
            )
        workspace_needed = profile.needs_workspace
        try:
            token = credentials.resolve_token(profile.name)
        except CredentialError as exc:
            fallback = "" if workspace_needed else os.environ.get(ELEVENLABS_KEY_ENV, "").strip()
            if not fallback:
                also = "" if workspace_needed else f" For ElevenLabs, {ELEVENLABS_KEY_ENV} is read too."
                raise ConnectionArgsError(str(exc) + also) from None
            token = _checked(fallback, ELEVENLABS_KEY_ENV)
            register_secret(token)
        workspace = args.workspace or profile.default_workspace or (None if workspace_needed else NO_WORKSPACE)
        if not workspace:
            raise ConnectionArgsError(f"profile {profile.name!r} has no default workspace: give --workspace")
        connection = Connection(token=token, **profile.connection_options())
        return ResolvedConnection(connection, workspace, settings)
    raw_url = args.base_url
    if not workspace_needed:
        from triage_gui.providers.elevenlabs.regions import region_url

        raw_url = region_url(raw_url or "default") or raw_url
    if not raw_url:
        raise ConnectionArgsError("say where to connect: --profile NAME, or --base-url URL with TRIAGE_API_TOKEN set")
    if workspace_needed and not args.workspace:
        raise ConnectionArgsError("--workspace is required with --base-url")
    try:
        base_url, insecure = check_base_url(raw_url, allow_insecure_http=args.allow_insecure_http)
    except ProfileError as exc:
        raise ConnectionArgsError(str(exc)) from None
    names = (TOKEN_ENV,) if workspace_needed else (TOKEN_ENV, ELEVENLABS_KEY_ENV)
    env_name, token = next(
        ((n, os.environ.get(n, "").strip()) for n in names if os.environ.get(n, "").strip()), ("", "")
    )
    if not token:
        raise ConnectionArgsError(
            f"no API token: set {' or '.join(names)}, or store one with 'triage-gui profile add NAME --base-url URL "
            "--token-stdin' and use --profile NAME"
        )
    register_secret(_checked(token, env_name))
    return ResolvedConnection(
        Connection(base_url=base_url, token=token, label=base_url, insecure=insecure, provider=provider),
        args.workspace or NO_WORKSPACE,
        settings,
    )


def _checked(token: str, env_name: str) -> str:
    try:
        check_token(token)
    except ValueError as exc:  # the message never quotes the token
        raise ConnectionArgsError(f"{env_name}: {exc}") from None
    return token
