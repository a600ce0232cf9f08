"""What several verbs share: root and tool checks, opening a running lab, output."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from netlab.errors import EnvironmentProblem
from netlab.model import load_lab
from netlab.plan import LabPlan, make_plan
from netlab.state import LabState

# A terminal gets rich's own width; a pipe or a CI log gets lines long enough for a table row.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)


def require_root(verb: str) -> None:
    if os.geteuid() != 0:
        raise EnvironmentProblem(f"netlab {verb} needs root: it makes network namespaces (sudo netlab {verb} ...)")


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise EnvironmentProblem(f"{', '.join(missing)} not found (scripts/provision.sh installs it)")


@dataclass
class RunningLab:
    """A lab that is up: its recorded lab file, re-planned exactly as it was brought up."""

    state: LabState
    plan: LabPlan


def open_running(name: str) -> RunningLab:
    """The running lab of that name (its recorded copy of the lab file, not the file on disk).

    Raises:
        LabStateError: it is not up.
    """
    state = LabState.open(name)
    settings = state.settings()
    lab = load_lab(Path(settings.get("source", state.lab_file)), state.lab_file.read_text())
    return RunningLab(state, make_plan(lab, network=settings.get("network"), proxy_mode=settings.get("proxyMode")))
