"""Take a lab down (CNI's DEL, for a whole lab): also the cleanup after a crash.

Stops the lab's processes (tagged with it, or living in its namespaces), removes its namespaces
(their links, addresses, routes and rules go with them), their /etc files and its state directory. Missing pieces
are fine. Ctrl-C and SIGTERM wait until it is done, so a teardown cannot itself be left
half-done. It imports no netlink code: `down` starts fast.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from netlab.kernel import etcfiles, netns, procs
from netlab.state import LabState


def teardown(state: LabState) -> None:
    """Stop the lab's processes, remove its namespaces, files and state directory.

    Only what the journal lists is removed: a namespace is journaled before it is made, and one
    that existed before the lab is never journaled.
    """
    names = state.records("netns")
    with signals_deferred():
        procs.stop(procs.lab_pids(state.name, names))
        for name in reversed(names):
            netns.remove(name)
        etcfiles.remove(state.records("etc"))
        state.remove()


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done: a teardown is short and must finish."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
