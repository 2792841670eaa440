"""ElevenLabs' API base URLs by region (the SDK's ``ElevenLabsEnvironment``, facts sheet 1.1).

A workspace is read on its own region's URL (a data-residency workspace is not visible from the
default one). A connection names a region (``default``, ``us``, ``eu``, ``india``, ``singapore``)
or gives a custom URL (a proxy, the simulator).
"""

from __future__ import annotations

REGIONS: dict[str, str] = {
    "default": "https://api.elevenlabs.io",
    "us": "https://api.us.elevenlabs.io",
    "eu": "https://api.eu.residency.elevenlabs.io",
    "india": "https://api.in.residency.elevenlabs.io",
    "singapore": "https://api.sg.residency.elevenlabs.io",
}
REGION_LABELS: dict[str, str] = {
    "default": "Default",
    "us": "US",
    "eu": "EU",
    "india": "India",
    "singapore": "Singapore",
}
ALIASES = {"global": "default", "production": "default", "in": "india", "sg": "singapore"}


def region_url(name: str) -> str | None:
    """The base URL of a region name (any case; ``in``/``sg`` as short names), else None."""
    key = name.strip().lower()
    return REGIONS.get(ALIASES.get(key, key))


def base_url(value: str) -> str:
    """A region's base URL, or ``value`` itself when it is not a region name (a custom URL)."""
    return region_url(value) or value.strip()


def region_of(url: str) -> str | None:
    """The region whose base URL ``url`` is (scheme and host in any case, a trailing slash
    allowed), else None: a custom URL."""
    wanted = url.strip().rstrip("/").lower()
    return next((name for name, known in REGIONS.items() if known == wanted), None)
