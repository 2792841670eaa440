"""Outbound Triage: a desktop assistant for batch outbound call incidents."""

from triage_gui._version import __version__

__all__ = ["__version__"]
