"""The commands netlab runs, checked before anything is made."""

from __future__ import annotations

import shutil

from netlab.errors import EnvironmentProblem


def require_tools(*tools: str) -> None:
    """Raises: EnvironmentProblem: one of these commands is not on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise EnvironmentProblem(f"{', '.join(missing)} not found (scripts/provision.sh installs it)")
