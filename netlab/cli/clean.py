"""netlab clean: remove every netlab leftover on this machine, and nothing that is not netlab's.

A leftover is what a crash (even `kill -9`) or a lost /run/netlab left behind; labs that are up,
or being built, stay (`netlab down --all` takes those down). Steps:
* take down every lab whose `up` died before finishing (incomplete, and nobody holds its lock)
* remove namespaces named nl-* whose lo carries netlab's tag for a lab that is not up
* stop processes tagged NETLAB_LAB=<lab> for a lab that is not up
* remove /etc/netns/nl-<lab>.* directories (a namespace's resolv.conf, hosts) of a lab that is not up
"""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.kernel.teardown import sweep


@click.command("clean")
def cmd() -> None:
    """Remove every netlab leftover (namespaces, processes, state), nothing else."""
    require_root("clean")
    swept = sweep()
    out.print(
        f"clean: {swept.crashed} crashed lab(s) taken down, {swept.namespaces} stray namespace(s), "
        f"{swept.processes} stray process(es) and {swept.etc_folders} stray /etc/netns folder(s) removed"
    )
