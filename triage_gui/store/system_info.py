"""What an engineer needs to know about this installation, gathered section by section.

Each section is gathered in its own try/except, so one failing section never loses the report
(the failure is reported in its place). Environment variables are whitelisted, never
blacklisted: nothing secret can slip in under a name we did not think of.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING

from triage_gui import __version__
from triage_gui.store.paths import AppPaths

if TYPE_CHECKING:  # keyring loads when the diagnostics are collected
    from triage_gui.store.credentials import CredentialStore

ENV_WHITELIST = (
    "QT_QPA_PLATFORM",
    "QT_SCALE_FACTOR",
    "QT_SCREEN_SCALE_FACTORS",
    "XDG_SESSION_TYPE",
    "DESKTOP_SESSION",
    "LANG",
    "LC_ALL",
    "TZ",
    "TRIAGE_HOME",
)
PACKAGES = ("PySide6-Essentials", "httpx", "pydantic", "keyring", "platformdirs", "phonenumbers", "pyqtgraph", "numpy")


def _app() -> list[str]:
    return [f"Outbound Triage {__version__}", f"Python {sys.version.split()[0]} ({sys.executable})"]


def _platform() -> list[str]:
    return [platform.platform(), f"machine {platform.machine()}, {os.cpu_count()} CPUs"]


def _packages() -> list[str]:
    lines = []
    for name in PACKAGES:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    return lines


def _environment() -> list[str]:
    return [f"{k}={os.environ[k]}" for k in ENV_WHITELIST if k in os.environ] or ["(none of the listed variables set)"]


def _keyring(credentials: CredentialStore) -> list[str]:
    status = credentials.backend_status()
    return [f"backend {status.backend}: {'available' if status.available else 'NOT available'}", status.explanation]


def collect(
    paths: AppPaths, credentials: CredentialStore, extra: dict[str, Callable[[], list[str]]] | None = None
) -> str:
    sections: dict[str, Callable[[], list[str]]] = {
        "Application": _app,
        "Platform": _platform,
        "Packages": _packages,
        "Folders": lambda: [f"{k}: {v}" for k, v in paths.as_dict().items()],
        "Keyring": lambda: _keyring(credentials),
        "Environment (whitelisted)": _environment,
        **(extra or {}),
    }
    out: list[str] = []
    for title, gather in sections.items():
        out.append(f"## {title}")
        try:
            out.extend(f"- {line}" for line in gather())
        except Exception as exc:
            out.append(f"- (could not gather this section: {type(exc).__name__}: {exc})")
        out.append("")
    return "\n".join(out)
