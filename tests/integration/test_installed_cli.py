"""The installed `netlab` answers --help and --version, and every verb it lists answers --help.

The cheapest proof that what a user installs starts at all: every verb module imports, every
option declares, and nothing prints a traceback (a package left out of the distribution once made
`netlab --help` itself crash).
"""

from __future__ import annotations

import re

import pytest
from harness import netlab


def _verbs() -> list[str]:
    """The verbs `netlab --help` lists, in its order."""
    listing = netlab("--help").out
    commands = listing.split("Commands:", 1)[1]
    return re.findall(r"^  (\S+)  ", commands, flags=re.MULTILINE)


def test_help_and_version() -> None:
    for args in (["--help"], ["-h"], ["--version"]):
        run = netlab(*args)
        assert run.code == 0 and "Traceback" not in run.out + run.err, (args, run.err)
    assert re.fullmatch(r"netlab, version \d+\.\d+\.\d+\S*\n", netlab("--version").out)


def test_it_lists_the_verbs() -> None:
    assert {"list", "up", "down", "status", "verify", "clean"} <= set(_verbs())


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_answers_help(verb: str) -> None:
    run = netlab(verb, "--help")
    assert run.code == 0 and "Traceback" not in run.out + run.err, run.err
    assert run.out.startswith(f"Usage: netlab {verb} "), run.out
