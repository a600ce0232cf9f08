"""netlab down LAB | --all: stop a lab's processes and remove everything it made.

Steps:
* lock the lab (waits for a netlab command that is still working on it)
* stop its processes, remove its namespaces, files and state directory (missing pieces are fine)
"""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.errors import BadInput
from netlab.running import take_down
from netlab.state import LabState


@click.command("down")
@click.argument("lab", required=False)
@click.option("--all", "everything", is_flag=True, help="Take down every lab that is up.")
def cmd(lab: str | None, everything: bool) -> None:
    """Take LAB down: nothing of it is left behind."""
    if bool(lab) == everything:
        raise BadInput("name one lab, or --all")
    require_root("down")
    for name in [lab] if lab else LabState.names():
        if not LabState.is_up(name):
            out.print(f"lab {name} is not up: nothing to take down")  # down twice is a no-op (CNI DEL)
            continue
        take_down(name)
        out.print(f"lab {name} is down")
