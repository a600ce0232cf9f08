"""Named network namespaces, made and entered in the calling thread.

Namespaces are bind-mounted at /run/netns/<name> exactly as `ip netns add` does, so `ip netns`,
`ip -n` and `ip netns exec` see them. They are made by unshare(CLONE_NEWNET) in the calling thread
and entered with setns(), both per-thread operations: no helper process per namespace (pyroute2's
`netns.create` forks one, ~3.6 ms; this is ~0.7 ms). The thread always returns to the namespace it
came from, also on an exception or Ctrl-C.

This module never touches a namespace it was not given by name; removal is umount + unlink.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from netlab.errors import EnvironmentProblem, KernelError

if TYPE_CHECKING:
    from pyroute2 import IPRoute

NETNS_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_SHARED, MS_SLAVE = 4096, 16384, 1 << 20, 1 << 19
MNT_DETACH = 2

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result < 0:
        raise _error(ctypes.get_errno(), what)


def _error(code: int, what: str) -> Exception:
    """EPERM means this process lacks the privilege (exit 3); anything else is a kernel failure."""
    if code == errno.EPERM:
        return EnvironmentProblem(f"{what}: needs root (CAP_SYS_ADMIN)")
    return KernelError(f"{what}: {os.strerror(code)}")


def path(name: str) -> str:
    return f"{NETNS_DIR}/{name}"


def exists(name: str) -> bool:
    return os.path.exists(path(name))


def list_names(prefix: str = "") -> list[str]:
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


def ensure_run_dir() -> None:
    """Make /run/netns a shared mount point, as iproute2 does, so bind mounts propagate."""
    os.makedirs(NETNS_DIR, exist_ok=True)
    if _libc.mount(b"", NETNS_DIR.encode(), b"none", MS_SHARED | MS_REC, None) == 0:
        return
    _check(
        _libc.mount(NETNS_DIR.encode(), NETNS_DIR.encode(), b"none", MS_BIND | MS_REC, None), f"bind-mount {NETNS_DIR}"
    )
    _check(_libc.mount(b"", NETNS_DIR.encode(), b"none", MS_SHARED | MS_REC, None), f"share {NETNS_DIR}")


def setns(fd: int, kind: int = CLONE_NEWNET) -> None:
    _check(_libc.setns(fd, kind), "setns")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


@contextmanager
def entered(name: str) -> Iterator[None]:
    """Run the block with the calling thread inside a namespace, and always come back."""
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = _open(name)
    try:
        setns(fd)
        yield
    finally:
        setns(back)
        os.close(back)
        os.close(fd)


def iproute(name: str) -> IPRoute:
    """A pyroute2 IPRoute bound inside the namespace (a socket stays in the namespace it was made
    in, whichever thread uses it); use it as `with netns.iproute(name) as ipr:`."""
    # Imported here: pyroute2 costs 0.15 s (seconds under CI's emulation), which only the callers
    # that open a socket should pay, not every verb that imports this module (exec, down, verify).
    from pyroute2 import IPRoute

    with entered(name):
        return IPRoute()


def _open(name: str) -> int:
    try:
        return os.open(path(name), os.O_RDONLY)
    except FileNotFoundError:
        raise KernelError(f"network namespace {name} does not exist") from None


def open_fd(name: str) -> int:
    """An open fd of the namespace (for setns or as a veth peer's IFLA_NET_NS_FD)."""
    return _open(name)


@contextmanager
def created(name: str) -> Iterator[int]:
    """Make namespace `name` and run the block inside it; yields its fd (caller closes it).

    Raises:
        KernelError: it exists already, or the kernel refused.
    """
    target = path(name)
    try:
        os.close(os.open(target, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    except FileExistsError:
        raise KernelError(f"network namespace {name} already exists") from None
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if _libc.unshare(CLONE_NEWNET) < 0:
            code = ctypes.get_errno()
            os.unlink(target)
            raise _error(code, f"creating network namespace {name}")
        if _libc.mount(b"/proc/thread-self/ns/net", target.encode(), b"none", MS_BIND, None) < 0:
            code = ctypes.get_errno()
            os.unlink(target)
            raise _error(code, f"bind-mounting network namespace {name}")
        fd = os.open(target, os.O_RDONLY)
        yield fd
    finally:
        setns(back)
        os.close(back)


def remove(name: str) -> bool:
    """Unmount and unlink a namespace; a missing one is not an error (CNI DEL). True if it existed."""
    target = path(name)
    if not os.path.exists(target):
        return False
    _libc.umount2(target.encode(), MNT_DETACH)
    try:
        os.unlink(target)
    except FileNotFoundError:
        return False
    return True


def inode(name: str) -> int | None:
    """The namespace's identity (what /proc/<pid>/ns/net links to), to find processes inside it."""
    try:
        return os.stat(path(name)).st_ino
    except OSError:
        return None
