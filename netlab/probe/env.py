"""A pod's (or POD/CONTAINER's) environment as `netlab exec` gives the container: all of it at once,
so that every env check of one source reads one dump (a `netlab exec` is a python start and
netlab's imports: seconds in an emulated VM)."""

from __future__ import annotations

import sys


def command(lab: str, source: str) -> list[str]:
    return [sys.executable, "-m", "netlab", "exec", lab, source, "--", "printenv", "-0"]


def read(stdout: str) -> dict[str, str]:
    """`printenv -0`: NAME=VALUE entries, each ended by a NUL (a value may hold newlines)."""
    return {name: value for name, _, value in (entry.partition("=") for entry in stdout.split("\0") if entry)}
