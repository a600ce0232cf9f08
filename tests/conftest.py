"""Fixtures of every test: golden files.

Goldens are regenerated only on purpose: `NETLAB_UPDATE_GOLDEN=1 pytest tests/unit` (or the
integration module that compares with them) rewrites them, and `git diff tests/golden tests/errors`
then shows exactly what changed.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
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
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), fromfile=str(shown), tofile="now"
            )
        )
        pytest.fail(f"{shown} differs (NETLAB_UPDATE_GOLDEN=1 regenerates it):\n{diff}", pytrace=False)


@pytest.fixture
def golden() -> Callable[[Path, str], None]:
    """Compare text with a golden file (see `assert_golden`)."""
    return assert_golden
