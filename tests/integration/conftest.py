"""Integration tests: real namespaces, real traffic, as root (CI runs them; see scripts/test.sh).

Each test brings its labs up through the real CLI (`python -m netlab`, from this checkout) and
takes them down again in its teardown, and checks that nothing of them is left (harness.py).
The host's own namespace is snapshotted before the first test and compared after the last
(test_zz_host_untouched.py).
"""

from __future__ import annotations

import os

import pytest
from harness import snapshot


@pytest.fixture(scope="session", autouse=True)
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("integration tests build real network namespaces: run them as root (scripts/test.sh)")


@pytest.fixture(scope="session", autouse=True)
def host_before(needs_root: None) -> dict[str, str]:
    """The host's namespace before any lab of the suite was built."""
    return snapshot()
