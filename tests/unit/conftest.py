"""Fixtures shared by the unit tests of the pure layer: small labs from YAML text (golden files:
tests/conftest.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from netlab.model import Lab, load_lab

REPO = Path(__file__).resolve().parents[2]


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
