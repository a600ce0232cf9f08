"""netlab clean: remove every netlab leftover on this machine, and nothing that is not netlab's.

Steps:
* take down every lab that has a state directory under /run/netlab (crashed ones included)
* remove namespaces named nl-* whose lo carries netlab's ownership tag (a lost state directory)
* stop processes tagged NETLAB_LAB=... whose lab is gone
"""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.cli.down import take_down
from netlab.kernel import netns, procs
from netlab.kernel.readback import read
from netlab.plan.model import NETNS_PREFIX
from netlab.render.topology import owner_tag
from netlab.state import LabState


@click.command("clean")
def cmd() -> None:
    """Remove every netlab leftover (namespaces, processes, state), nothing else."""
    require_root("clean")
    labs = LabState.names()
    for name in labs:
        take_down(name)
    orphans = [name for name in netns.list_names(NETNS_PREFIX) if _is_netlab(name)]
    for name in orphans:
        procs.stop(procs.lab_pids("", [name]))
        netns.remove(name)
    strays = set()
    for lab in procs.tagged_labs():
        strays |= procs.lab_pids(lab, [])
    procs.stop(strays)
    out.print(f"clean: {len(labs)} lab(s) taken down, {len(orphans)} stray namespace(s) and "
              f"{len(strays)} stray process(es) removed")


def _is_netlab(name: str) -> bool:
    """A namespace is netlab's if its lo carries the tag `netlab:<lab>`."""
    view = read(name)
    lo = view.links.get("lo") if view else None
    return bool(lo and lo.alias and lo.alias.startswith(owner_tag("")))
