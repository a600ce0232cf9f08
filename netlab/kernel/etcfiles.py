"""Each lab namespace's own /etc files, where `ip netns exec` looks for them: /etc/netns/<netns>/.

`ip netns exec NAME` bind-mounts every file of /etc/netns/NAME over its /etc namesake in the
command's mount namespace; `netlab exec` and the containers netlab starts do the same
(`bind_over_etc`). So a pod's resolv.conf, hosts and nsswitch.conf (netlab.render.resolvconf) are
what every program in the pod reads, however it was started: `getent hosts web`, `dig`, `curl`.

Every directory is journaled before it is made and named after its namespace (`nl-<lab>.<name>`),
so `down` removes exactly the lab's, and `clean` finds those of a lab that is not up. /etc/netns
itself goes when the last one does (it is made when missing; an empty one is nobody's).
"""

from __future__ import annotations

import ctypes
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netlab.errors import KernelError
from netlab.kernel.netns import MS_BIND
from netlab.plan.model import NETNS_PREFIX
from netlab.state import LabState

ETC_NETNS = Path("/etc/netns")
# Folders are independent, and creating a file in /etc can take ~0.65 ms (measured on the dev VM,
# 5x /tmp's): a few writers side by side halve the time at 500 pods.
WRITERS = 8
_libc = ctypes.CDLL(None, use_errno=True)


def write(state: LabState, files: dict[str, dict[str, str]]) -> None:
    """Write the files of namespaces that are being made (nothing reads them yet: each is written
    once, in place). A namespace's directory is journaled before it is made.

    Raises:
        KernelError: /etc/netns cannot be written (a read-only /etc, a full disk).
    """
    state.record_many("etc", [str(ETC_NETNS / netns) for netns in files])
    try:
        ETC_NETNS.mkdir(mode=0o755, exist_ok=True)
        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(_write_folder, files.items()))
    except OSError as exc:
        raise KernelError(
            f"cannot write {exc.filename or ETC_NETNS}: {exc.strerror} (netlab keeps each namespace's "
            f"resolv.conf and hosts in {ETC_NETNS}, where ip netns exec finds them)"
        ) from None


def _write_folder(item: tuple[str, dict[str, str]]) -> None:
    netns, contents = item
    folder = ETC_NETNS / netns
    shutil.rmtree(folder, ignore_errors=True)  # a replaced pod's
    os.mkdir(folder, 0o755)
    for name, text in contents.items():
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.fchmod(fd, 0o644)  # whatever the umask
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def machine_nsswitch_will_do() -> bool:
    """Whether the machine's nsswitch.conf looks hosts up as a container image does (`files dns`):
    then pods need no nsswitch.conf of their own (one file less per pod to write)."""
    try:
        lines = Path("/etc/nsswitch.conf").read_text().splitlines()
    except OSError:
        return True  # glibc's default for hosts: dns, then files
    hosts = next((line.split(":", 1)[1].split() for line in lines if line.strip().startswith("hosts:")), None)
    return hosts in (None, ["files", "dns"])


def remove(paths: list[str]) -> None:
    """Remove these namespaces' directories (only ever /etc/netns/nl-*), and /etc/netns if empty."""
    for path in paths:
        folder = Path(path)
        if folder.parent == ETC_NETNS and folder.name.startswith(NETNS_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)
    try:
        ETC_NETNS.rmdir()
    except OSError:
        pass


def leftovers(up: set[str]) -> list[str]:
    """Directories of netlab namespaces whose lab is not up (after a crash or a lost /run/netlab)."""
    try:
        names = os.listdir(ETC_NETNS)
    except FileNotFoundError:
        return []
    return [
        str(ETC_NETNS / n)
        for n in sorted(names)
        if n.startswith(NETNS_PREFIX) and n[len(NETNS_PREFIX) :].split(".")[0] not in up
    ]


def bind_over_etc(netns: str) -> None:
    """In a fresh mount namespace: mount each of the namespace's files over /etc/<file>, as
    `ip netns exec` does."""
    folder = ETC_NETNS / netns
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return
    for name in names:
        if not os.path.exists(f"/etc/{name}"):
            continue  # ip netns exec, too, mounts only over files that exist
        source, target = str(folder / name).encode(), f"/etc/{name}".encode()
        if _libc.mount(source, target, b"none", MS_BIND, None) < 0:
            raise KernelError(f"bind {folder / name} over /etc/{name}: {os.strerror(ctypes.get_errno())}")
