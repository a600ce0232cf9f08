"""Take a lab down (CNI's DEL, for a whole lab): also the cleanup after a crash.

Stops the lab's processes (tagged with it, or living in its namespaces), removes its namespaces
(their links, addresses, routes and rules go with them), their /etc files and its state directory. Missing pieces
are fine. Ctrl-C and SIGTERM wait until it is done, so a teardown cannot itself be left
half-done. It imports no netlink code (netlink is imported when a namespace is read): `down`
starts fast. `sweep` is `netlab clean`'s: every leftover of every lab that is not up.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from netlab.kernel import etcfiles, netns, procs
from netlab.kernel.netnsread import read
from netlab.plan.model import NETNS_PREFIX
from netlab.render.namespaces import owner_tag
from netlab.state import LabState


@dataclass(frozen=True)
class Swept:
    """What `sweep` removed."""

    crashed: int  # labs whose `up` died before finishing, taken down
    namespaces: int
    processes: int
    etc_folders: int


def teardown(state: LabState) -> None:
    """Stop the lab's processes, remove its namespaces, files and state directory.

    Only what the journal lists is removed: a namespace is journaled before it is made, and one
    that existed before the lab is never journaled.
    """
    names = state.records("netns")
    with signals_deferred():
        procs.stop_all(partial(procs.lab_pids, state.name, names))
        for name in reversed(names):
            netns.remove(name)
        etcfiles.remove(state.records("etc"))
        state.remove()


def sweep() -> Swept:
    """Remove every netlab leftover on this machine (`netlab clean`), and nothing that is not
    netlab's: a crash (even `kill -9`) or a lost /run/netlab leaves them. Labs that are up, or
    being built, stay. In turn: every lab whose `up` died before finishing (incomplete, and nobody
    holds its lock) is taken down; then namespaces named nl-* whose lo carries netlab's tag for a
    lab that is not up go, processes tagged NETLAB_LAB=<lab> of such a lab, and /etc/netns/nl-<lab>.*
    folders of such a lab."""
    crashed = [state for state in map(LabState.open, LabState.names()) if state.claim_if_crashed()]
    for state in crashed:
        teardown(state)
    up = set(LabState.names())
    orphans = [name for name in netns.list_names(NETNS_PREFIX) if _owner(name) not in (None, *up)]
    for name in orphans:
        procs.stop_all(partial(procs.pids_in, [name]))
        netns.remove(name)
    strays: set[int] = set()
    for lab in procs.tagged_labs() - up:
        strays |= procs.lab_pids(lab, [])
    procs.stop(strays)
    files = etcfiles.leftovers(up)
    etcfiles.remove(files)
    return Swept(len(crashed), len(orphans), len(strays), len(files))


def _owner(name: str) -> str | None:
    """The lab a namespace belongs to, from its lo's tag `netlab:<lab>`; None if it is not netlab's."""
    view = read(name)
    lo = view.links.get("lo") if view else None
    tag = owner_tag("")
    return lo.alias[len(tag) :] if lo and lo.alias and lo.alias.startswith(tag) else None


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done: a teardown is short and must finish."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
