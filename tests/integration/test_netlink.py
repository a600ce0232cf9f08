"""The netlink batch applier, on its own, in a throwaway namespace (the host side is never used).

Needs the source tree: it drives netlab.kernel.netlink directly, below any command a user runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from ipaddress import IPv4Interface

import pytest

from netlab.errors import KernelError
from netlab.kernel import netlink, netns, netnsread
from netlab.render.ops import Address, Bridge, LinkUp


@pytest.fixture
def throwaway() -> Iterator[str]:
    name = f"nlt-{uuid.uuid4().hex[:8]}"
    netns.ensure_run_dir()
    with netns.created(name) as fd:
        os.close(fd)
    yield name
    netns.remove(name)


def _apply(name: str, ops: list) -> None:
    with netns.entered(name):
        sock = netlink.open_socket()
    with sock:
        netlink.apply_ops(ops, {}, sock, name)


def test_a_batch_builds_and_reads_back(throwaway: str) -> None:
    _apply(
        throwaway,
        [
            LinkUp(1, "lo"),
            Bridge("br0", 7, "02:00:00:00:00:01", mtu=1400),
            Address(7, "br0", IPv4Interface("10.1.2.3/24")),
        ],
    )
    view = netnsread.read(throwaway)
    assert view is not None
    br0 = view.links["br0"]
    assert (br0.index, br0.mac, br0.mtu, br0.kind, br0.state) == (7, "02:00:00:00:00:01", 1400, "bridge", "up")
    assert view.ip("br0") == "10.1.2.3"


def test_a_refused_op_names_itself_and_the_kernels_reason(throwaway: str) -> None:
    ops = [Bridge("br0", 7, "02:00:00:00:00:01")]
    _apply(throwaway, ops)
    with pytest.raises(KernelError, match=r"in nlt-\w+: `ip link add br0 index 7 .*` failed: File exists"):
        _apply(throwaway, ops)
