"""The app's version: the one place it is written (no git metadata needed to build)."""

__version__ = "0.1.0"
