"""Integration tests: real namespaces, real traffic, as root (CI runs them; see scripts/test.sh).

Each test brings its labs up through the installed CLI (the `netlab` on PATH that
scripts/provision.sh puts there, checked before the first test to hold exactly this checkout) and
takes them down again in its teardown, and checks that nothing of them is left (harness.py).
The host's own namespace is snapshotted before the first test and compared after the last
(test_zz_host_untouched.py).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from harness import NETLAB, snapshot
from shipped import differences, expected_files, installed_files


@pytest.fixture(scope="session", autouse=True)
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("integration tests build real network namespaces: run them as root (scripts/test.sh)")


@pytest.fixture(scope="session", autouse=True)
def host_before(needs_root: None) -> dict[str, str]:
    """The host's namespace before any lab of the suite was built."""
    return snapshot()


@pytest.fixture(scope="session", autouse=True)
def installed_is_this_checkout() -> None:
    """The `netlab` under test ships exactly this checkout's modules and labs (else: provision again)."""
    interpreter = Path(NETLAB).resolve().with_name("python")
    where = subprocess.run(
        [str(interpreter), "-c", "import netlab; print(netlab.__path__[0])"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    stale = differences(expected_files(), installed_files(Path(where.stdout.strip())))
    if stale:
        pytest.exit(
            f"{NETLAB} is not this checkout ({stale[0]}; {len(stale)} in all): run scripts/provision.sh",
            returncode=3,
        )
