"""Fixtures shared by the unit tests of the pure layer: small labs from YAML text, and golden files.

Goldens are regenerated only on purpose: `NETLAB_UPDATE_GOLDEN=1 pytest tests/unit` rewrites them,
and `git diff tests/golden tests/errors` then shows exactly what changed.
"""

from __future__ import annotations

import difflib
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from netlab.model import Lab, load_lab

REPO = Path(__file__).resolve().parents[2]
UPDATE_GOLDEN = os.environ.get("NETLAB_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """`actual` must equal the file at `path`; with NETLAB_UPDATE_GOLDEN=1 the file is rewritten."""
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        return
    shown = path.relative_to(REPO)
    if not path.is_file():
        pytest.fail(f"{shown} is missing (NETLAB_UPDATE_GOLDEN=1 creates it)", pytrace=False)
    expected = path.read_text()
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            fromfile=str(shown), tofile="now"))
        pytest.fail(f"{shown} differs (NETLAB_UPDATE_GOLDEN=1 regenerates it):\n{diff}", pytrace=False)


@pytest.fixture
def golden() -> Callable[[Path, str], None]:
    """Compare text with a golden file (see `assert_golden`)."""
    return assert_golden


@pytest.fixture
def make_lab(tmp_path: Path) -> Callable[[str], Lab]:
    """Load a lab from YAML text (dedented), written to a file of tmp_path as a user would."""

    def make(text: str) -> Lab:
        path = tmp_path / "lab.yaml"
        path.write_text(textwrap.dedent(text))
        return load_lab(path)

    return make


@pytest.fixture
def bundled_lab() -> Callable[[str], Lab]:
    """Load one of the repository's labs/*.yaml by name."""

    def load(name: str) -> Lab:
        return load_lab(REPO / "labs" / f"{name}.yaml")

    return load
