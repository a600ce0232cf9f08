"""The commands netlab runs, checked before anything is made."""

from __future__ import annotations

import os
import shutil

from netlab.errors import EnvironmentProblem


def require_tools(*tools: str) -> None:
    """Raises: EnvironmentProblem: one of these commands is not on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise EnvironmentProblem(f"{', '.join(missing)} not found (scripts/provision.sh installs it)")


SEARCH_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # where Debian puts them, should PATH be short (sudo, cron)


def locate(tool: str, needed_by: str) -> str:
    """Where `tool` is, on PATH or in the system's folders.

    Raises:
        EnvironmentProblem: it is not installed (saying what needs it).
    """
    found = shutil.which(tool, path=f"{os.environ.get('PATH', '')}:{SEARCH_PATH}")
    if found is None:
        raise EnvironmentProblem(f"{tool} not found: {needed_by} (scripts/provision.sh installs it)")
    return found
