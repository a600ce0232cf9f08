"""Helpers of the integration tests: run the CLI, bring a lab up and down, find leftovers.

The CLI is always the installed `netlab`; the source tree is used only to plan a lab on the test's
side (which namespaces it has, so that leftovers can be looked for), never to run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from labgen import deployment_lab

from netlab.model import find_lab, load_lab
from netlab.plan import make_plan
from netlab.proxy.ipvs import has_ipvs

REPO = Path(__file__).resolve().parents[2]
# IPVS runs where the kernel has ip_vs (loaded as netlab loads it): a distribution kernel, or
# scripts/ipvs-vm.sh's VM here.
IPVS = pytest.param(
    "ipvs",
    marks=[
        pytest.mark.ipvs,
        pytest.mark.skipif(not has_ipvs(), reason="this kernel lacks IPVS (ip_vs): scripts/ipvs-vm.sh runs it"),
    ],
)
PROXY_MODES = ["iptables", "nftables", IPVS]


@dataclass
class Run:
    code: int
    out: str
    err: str


def installed_netlab() -> str:
    """The `netlab` on PATH, which scripts/provision.sh installs: what a user runs, so what the suite runs.

    Never `python -m netlab` from the checkout: a package missing from the installed distribution
    once crashed `netlab --help` while every test passed. conftest.py checks, before the first test,
    that this command runs the checkout's code (a stale install would test something else).
    """
    path = shutil.which("netlab")
    if path is None:
        pytest.exit("no netlab command on PATH: scripts/test.sh installs it (scripts/provision.sh)", returncode=3)
    return path


NETLAB = installed_netlab()


# In the IPVS VM (scripts/vm/guest.sh sets NETLAB_VM=1) every process runs emulated, 10-40 times
# slower: `netlab verify` of pod-to-service alone takes close to two minutes there, more when other
# work shares the machine's cores. The bound on a CLI call stays, only wider.
CLI_TIMEOUT = 600 if os.environ.get("NETLAB_VM") == "1" else 120


def netlab(*args: str, timeout: float = CLI_TIMEOUT, user_env: dict[str, str] | None = None) -> Run:
    """Run the installed CLI as a user does (from a neutral directory), no standard input, bounded in time."""
    done = subprocess.run(
        [NETLAB, *args],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(user_env or {})},
    )
    return Run(done.returncode, done.stdout, done.stderr)


# Runs "$@" N times, each run's stdout followed by NUL, its exit code and NUL.
_REPEAT = 'n=$1; shift; while [ "$n" -gt 0 ]; do "$@"; printf "\\0%s\\0" "$?"; n=$((n - 1)); done'


def repeat(lab: str, member: str, argv: list[str], times: int) -> list[Run]:
    """`netlab exec LAB MEMBER -- ARGV`, `times` times over, in one `netlab exec`: each run is its
    own process (a curl opens a new connection, which the Service balances anew), but the CLI
    starts once, where a start costs seconds (the IPVS VM). Each Run has the exit code and stdout."""
    done = netlab("exec", lab, member, "--", "sh", "-c", _REPEAT, "sh", str(times), *argv)
    assert done.code == 0, done.err
    fields = done.out.split("\0")
    return [Run(int(code), out, "") for out, code in zip(fields[0:-1:2], fields[1::2], strict=True)]


def tagged_pids(lab: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if f"NETLAB_LAB={lab}".encode() in f.read().split(b"\0"):
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def leftovers(lab: str, namespaces: list[str]) -> list[str]:
    """Everything of a lab still on the machine: namespaces, their /etc files, state, tagged processes."""
    found = [f"netns {n}" for n in namespaces if os.path.exists(f"/run/netns/{n}")]
    found += [f"files /etc/netns/{n}" for n in namespaces if os.path.exists(f"/etc/netns/{n}")]
    if os.path.exists(f"/run/netlab/{lab}"):
        found.append(f"state /run/netlab/{lab}")
    found += [f"pid {p}" for p in tagged_pids(lab)]
    return found


@contextmanager
def lab_up(lab: str, *extra: str, network: str | None = None) -> Iterator[Run]:
    """`netlab up`, yield, then `netlab down` and prove nothing of the lab is left."""
    args = ["up", lab, *extra] + (["--network", network] if network else [])
    plan = make_plan(load_lab(find_lab(lab)), network=network)
    name, namespaces = plan.name, plan.all_netns()
    run = netlab(*args)
    try:
        assert run.code == 0, run.err
        yield run
    finally:
        down = netlab("down", name)
        assert down.code == 0, down.err
        left = leftovers(name, namespaces)
        assert left == [], left


def write_lab(directory: Path, name: str, *, nodes: int = 2, replicas: int = 2, extra: str = "") -> Path:
    """A generated lab file: `nodes` nodes, a Deployment `web` of `replicas` echo pods, `extra` objects."""
    path = directory / f"{name}.yaml"
    path.write_text(deployment_lab(name, nodes=nodes, replicas=replicas, extra=extra))
    return path


def namespaces_of(path: Path) -> list[str]:
    return make_plan(load_lab(path)).all_netns()


VOLATILE_SYSCTLS = ("nf_conntrack_count",)  # counters that move with any traffic on the machine


def snapshot() -> dict[str, str]:
    """The host namespace's links, addresses, routes, rules, firewall and /proc/sys/net."""

    def run(*argv: str) -> str:
        done = subprocess.run(argv, capture_output=True, text=True)
        return done.stdout

    state = {
        "links": run("ip", "-d", "link", "show"),
        "addresses": run("ip", "addr", "show"),
        "routes": run("ip", "route", "show", "table", "all"),
        "rules": run("ip", "rule", "show"),
        "iptables": "\n".join(line for line in run("iptables-save").splitlines() if not line.startswith("#")),
        "nftables": run("nft", "list", "ruleset"),
        "/etc/netns": run("ls", "-la", "/etc/netns"),  # where ip netns exec finds a namespace's /etc files
    }
    for root, _dirs, files in os.walk("/proc/sys/net"):
        for name in files:
            if name in VOLATILE_SYSCTLS:
                continue
            path = os.path.join(root, name)
            try:
                with open(path) as f:
                    state[path] = f.read()
            except OSError:
                continue
    return state
