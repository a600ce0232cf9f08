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
from netlab.kernel import etcfiles, netns, procs
from netlab.kernel.netnsread import read
from netlab.kernel.teardown import teardown
from netlab.plan.model import NETNS_PREFIX
from netlab.render.namespaces import owner_tag
from netlab.state import LabState


@click.command("clean")
def cmd() -> None:
    """Remove every netlab leftover (namespaces, processes, state), nothing else."""
    require_root("clean")
    crashed = [state for state in map(LabState.open, LabState.names()) if state.claim_if_crashed()]
    for state in crashed:
        teardown(state)
    up = set(LabState.names())
    orphans = [name for name in netns.list_names(NETNS_PREFIX) if _owner(name) not in (None, *up)]
    for name in orphans:
        procs.stop(procs.pids_in([name]))
        netns.remove(name)
    strays: set[int] = set()
    for lab in procs.tagged_labs() - up:
        strays |= procs.lab_pids(lab, [])
    procs.stop(strays)
    files = etcfiles.leftovers(up)
    etcfiles.remove(files)
    out.print(
        f"clean: {len(crashed)} crashed lab(s) taken down, {len(orphans)} stray namespace(s), "
        f"{len(strays)} stray process(es) and {len(files)} stray /etc/netns folder(s) removed"
    )


def _owner(name: str) -> str | None:
    """The lab a namespace belongs to, from its lo's tag `netlab:<lab>`; None if it is not netlab's."""
    view = read(name)
    lo = view.links.get("lo") if view else None
    tag = owner_tag("")
    return lo.alias[len(tag) :] if lo and lo.alias and lo.alias.startswith(tag) else None
