"""A normal (non-editable) install ships every package: pyproject's explicit list is complete."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "triage_gui").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    on_disk |= {"triage_gui.resources", "triage_gui.resources.icons"}  # mapped from resources/
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - on_disk == set(), "these listed packages do not exist"
