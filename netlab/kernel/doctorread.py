"""Read what `netlab doctor` compares (netlab/doctor's Facts): every namespace's links, addresses
and routes (kernel/netnsread.py), the sysctls it names, hairpin mode on the nodes' bridge ports,
flannel.1's neighbours and forwarding entries, every node's iptables-save, kube-proxy's nftables
table and the nftables tables, its UDP conntrack entries; each pod's listening sockets and /etc
stand-ins; one bounded lookup of each cluster DNS pod's own server. Read only: nothing is changed."""

from __future__ import annotations

import json

from netlab.doctor import Facts, etcfiles, listening
from netlab.doctor import dns as doctor_dns
from netlab.doctor.links import wanted_sysctls
from netlab.kernel import netns, netnsread
from netlab.kernel.etcfiles import ETC_NETNS
from netlab.kernel.ruletools import run_in
from netlab.plan.model import LabPlan, PodPlan
from netlab.probe.dns import Lookup, read_dig
from netlab.readback.iptables import Saved, parse_save
from netlab.render.namespaces import FLANNEL
from netlab.render.ops import NamespaceSpec


def read(plan: LabPlan, specs: list[NamespaceSpec], routed: set[str]) -> Facts:
    """What the kernel holds of the lab's namespaces `specs` (`routed`: the nodes' and pods')."""
    views = {spec.netns: netnsread.read(spec.netns) for spec in specs}
    present = [n for n in plan.nodes if views.get(n.netns)]
    forwarding = {n.netns: netnsread.forwarding(n.netns, FLANNEL) for n in present if plan.network == "vxlan"}
    ruled = [n.netns for n in present] + ([plan.gateway.netns] if views.get(plan.gateway.netns) else [])
    return Facts(
        views=views,
        sysctls={
            ns: _sysctls(ns, paths) for ns, paths in wanted_sysctls(specs, views, routed).items() if views.get(ns)
        },
        hairpin={n.netns: _hairpin(n.netns) for n in present},
        neighbours={ns: found[0] for ns, found in forwarding.items()},
        fdb={ns: found[1] for ns, found in forwarding.items()},
        saved={ns: _saved(ns) for ns in ruled},
        nft={n.netns: _nft_table(n.netns) for n in present} if plan.proxy_mode == "nftables" else {},
        tables={n.netns: _tables(n.netns) for n in present},
        conntrack={n.netns: _conntrack(n.netns) for n in present},
        listening={
            p.netns: listening.parse_ss(run_in(p.netns, ["ss", "-ltnuH"]).stdout)
            for p in listening.checked(plan)
            if views.get(p.netns)
        },
        dns={p.netns: _dig(plan, p) for p in doctor_dns.servers(plan) if views.get(p.netns)},
        etc={ns: _etc(ns, names) for ns, names in etcfiles.wanted(plan).items() if views.get(ns)},
    )


def _sysctls(name: str, paths: list[str]) -> dict[str, str | None]:
    """/proc/sys/net resolves against the reading thread's namespace: read it from inside."""
    values: dict[str, str | None] = {}
    with netns.entered(name):
        for path in paths:
            try:
                with open(f"/proc/sys/{path}") as f:
                    values[path] = f.read().strip()
            except OSError:
                values[path] = None
    return values


def _hairpin(name: str) -> dict[str, bool]:
    done = run_in(name, ["bridge", "-d", "-j", "link", "show"])
    ports = json.loads(done.stdout or "[]") if done.returncode == 0 else []
    return {p["ifname"]: bool(p.get("hairpin")) for p in ports if "ifname" in p}


def _saved(name: str) -> Saved | None:
    done = run_in(name, ["iptables-save"])
    return parse_save(done.stdout) if done.returncode == 0 else None


def _nft_table(name: str) -> str | None:
    done = run_in(name, ["nft", "-j", "list", "table", "ip", "kube-proxy"])
    return done.stdout if done.returncode == 0 else None


def _tables(name: str) -> tuple[str, ...]:
    done = run_in(name, ["nft", "list", "tables"])
    lines = done.stdout.splitlines() if done.returncode == 0 else []
    return tuple(line.removeprefix("table ").strip() for line in lines if line.startswith("table "))


def _conntrack(name: str) -> str:
    done = run_in(name, ["conntrack", "-L", "-p", "udp"])
    return done.stdout if done.returncode == 0 else ""


def _etc(netns_name: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """The namespace's /etc stand-ins, as `ip netns exec` mounts them (None: not there)."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = (ETC_NETNS / netns_name / name).read_text()
        except OSError:
            found[name] = None
    return found


def _dig(plan: LabPlan, pod: PodPlan) -> Lookup:
    done = run_in(pod.netns, doctor_dns.dig_argv(plan, pod))
    return read_dig(done.returncode, done.stdout)
