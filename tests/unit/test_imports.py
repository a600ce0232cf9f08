"""No verb imports pyroute2, nor the echo server's asyncio, until it runs: those that never open a
netlink socket never do, and those that build or change a lab import the kernel layer when called.

Every CLI call is a fresh interpreter, and under CI's emulated VM `import pyroute2` alone takes
seconds (0.15 s here): a module-level import of it, or of a kernel module that has one, on the way
to one of these verbs puts that on every call. Each verb is imported in an interpreter of its own,
as `netlab VERB` does.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pyroute2", "asyncio")
# Imports the module named first, prints which of the packages named after it are loaded.
LOADED = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); "
    "print(*sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[2:])))"
)


def heavy_imports(module: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED, module, *HEAVY], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    "verb",
    [
        *("verify", "exec", "list", "guide", "explain", "down", "status", "check", "trace", "capture", "diagram"),
        "matrix",
        *("up", "scale", "apply", "delete", "restart", "step", "solve", "clean"),  # import the kernel when run
    ],
)
def test_a_verb_that_touches_no_netlink_imports_neither(verb: str) -> None:
    assert heavy_imports(f"netlab.cli.{verb}") == []


def test_the_layer_that_builds_a_lab_does_import_them() -> None:
    assert heavy_imports("netlab.kernel.build") == sorted(HEAVY)  # the check above sees what it looks for
