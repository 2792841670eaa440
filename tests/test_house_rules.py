"""The house rules check themselves: a rule nobody has seen fail may be checking nothing.

``.ci/test`` runs four tools before the tests, each configured in pyproject.toml: lint-imports
(the import contracts), ruff check, ruff format --check and mypy (the core strictly). Here each
runs on a copy of the package (``triage_gui/`` and ``pyproject.toml`` in a temporary folder) with
one violation planted in it, and must fail on that violation; the clean copy must pass the import
contracts and ruff (mypy on the whole copy would take too long here; ``.ci/test`` runs it).

The tools come with the ``test`` extra, so a missing one fails these tests rather than skipping.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        pytest.fail(f"'{name}' is not in {BIN}: install the test extra (pip install -e '.[test]')")
    return str(path)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package and its pyproject.toml (caches and bytecode left out)."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "triage_gui", copy / "triage_gui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def plant(tree: Path, module: str, text: str) -> Path:
    """Write ``text`` as the new module ``module`` (dotted, e.g. triage_gui.domain.planted)."""
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(text, encoding="utf-8")
    return path


def run(tree: Path, *command: str) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path, so it reads the copy, not the
    # editable install; ruff and mypy find the copy's pyproject.toml from there.
    return subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=120)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return run(tree, tool("lint-imports"), "--no-cache")


# -- import contracts ----------------------------------------------------------------------


def test_the_clean_copy_keeps_the_import_contracts(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("triage_gui.domain.planted", "import PySide6", "triage_gui.domain is not allowed to import PySide6"),
        ("triage_gui.domain.planted", "import httpx", "triage_gui.domain is not allowed to import httpx"),
        (
            "triage_gui.domain.planted",
            "from triage_gui.ui.tasks import gc_policy",
            "triage_gui.domain is not allowed to import triage_gui.ui",
        ),
        (
            "triage_gui.providers.planted",
            "from triage_gui.store import paths",
            "triage_gui.providers is not allowed to import triage_gui.store",
        ),
        (
            "triage_gui.services.planted",
            "import PySide6.QtCore",
            "triage_gui.services is not allowed to import PySide6",
        ),
        (
            "triage_gui.store.planted",
            "from triage_gui.services import incident_loading",
            "triage_gui.store is not allowed to import triage_gui.services",
        ),
        (
            "triage_gui.simulator.planted",
            "from triage_gui.domain import classification",
            "triage_gui.simulator is not allowed to import triage_gui.domain",
        ),
        (
            "triage_gui.ui.planted",
            "from triage_gui.cli import main",
            "triage_gui.ui is not allowed to import triage_gui.cli",
        ),
        # the official SDK is the tests' oracle, never a run-time dependency (docs/providers/elevenlabs.md)
        ("triage_gui.providers.planted", "import elevenlabs", "triage_gui is not allowed to import elevenlabs"),
    ],
)
def test_a_planted_forbidden_import_breaks_a_contract(tree: Path, module: str, line: str, broken: str) -> None:
    plant(tree, module, f"{line}\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout
    assert f"{module} ->" in result.stdout


# -- ruff ----------------------------------------------------------------------------------


def test_the_clean_copy_passes_ruff(tree: Path) -> None:
    checked = run(tree, tool("ruff"), "check", "--no-cache", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = run(tree, tool("ruff"), "format", "--no-cache", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_a_planted_unused_import_fails_ruff_check(tree: Path) -> None:
    plant(tree, "triage_gui.domain.planted", '"""Planted."""\n\nimport os\n')
    result = run(tree, tool("ruff"), "check", "--no-cache", ".")
    assert result.returncode != 0
    assert "triage_gui/domain/planted.py" in result.stdout and "F401" in result.stdout, result.stdout


def test_planted_bad_formatting_fails_ruff_format_check(tree: Path) -> None:
    plant(tree, "triage_gui.domain.planted", '"""Planted."""\n\nTABLE = {  "a":1 }\n')
    result = run(tree, tool("ruff"), "format", "--no-cache", "--check", ".")
    assert result.returncode != 0
    assert "triage_gui/domain/planted.py" in result.stdout, result.stdout


# -- mypy ----------------------------------------------------------------------------------

UNTYPED = '"""Planted."""\n\n\ndef planted(value):\n    return value\n'


def mypy(tree: Path, module: str) -> subprocess.CompletedProcess[str]:
    """mypy with the copy's configuration on one module file (the rest is not followed in)."""
    path = tree.joinpath(*module.split(".")).with_suffix(".py").relative_to(tree)
    cache = tree.parent / "mypy-cache"
    return run(tree, tool("mypy"), "--config-file", "pyproject.toml", "--cache-dir", str(cache), str(path))


def test_a_planted_untyped_function_in_the_core_fails_mypy(tree: Path) -> None:
    plant(tree, "triage_gui.domain.planted", UNTYPED)
    result = mypy(tree, "triage_gui.domain.planted")
    assert result.returncode != 0
    assert "triage_gui/domain/planted.py:4: error" in result.stdout, result.stdout
    assert "[no-untyped-def]" in result.stdout


def test_the_same_function_in_the_ui_passes_mypy(tree: Path) -> None:
    """ui/ and cli/ are checked at mypy's default level: only the core is strict (a `strict = true`
    in the core's overrides section would make every module strict)."""
    plant(tree, "triage_gui.ui.planted", UNTYPED)
    result = mypy(tree, "triage_gui.ui.planted")
    assert result.returncode == 0, result.stdout + result.stderr
