"""A lab as the plain commands that would build it by hand (pure): `netlab explain`.

The bridge from netlab to a learner's own machine: the same namespaces, veths, bridges, addresses,
routes and sysctls as `ip`/`bridge`/`sysctl` commands (render.ipcmd), each namespace's /etc files,
each node's kube-proxy rules as kube-proxy loads them (one `iptables-restore` or `nft -f`
transaction, or IPVS's dummy device, ipsets and `ipvsadm` virtual servers), the egress NAT, and
what netlab runs in the pods. Everything is rendered from the plan, as `up` builds it; nothing
is read from a running lab, so it explains a lab that is not up too.
"""

from __future__ import annotations

from netlab.model.clusterdns import is_coredns
from netlab.model.ingress import is_controller
from netlab.plan.model import LabPlan, NodePlan
from netlab.render.egress import render_gateway, render_masq_agent
from netlab.render.ipcmd import script
from netlab.render.iptables import IptablesRuleset, render_iptables
from netlab.render.ipvs import DUMMY, SYSCTLS, IpvsRuleset, ipset_restore_text, render_ipvs
from netlab.render.nftables import render_nftables
from netlab.render.resolvconf import etc_files
from netlab.render.topology import render_topology

IPVSADM_PROTOCOL = {"TCP": "-t", "UDP": "-u", "SCTP": "--sctp-service"}


def explain(plan: LabPlan) -> str:
    parts = [
        f"#!/bin/sh\n# lab {plan.name} ({plan.lab.title}): pod network {plan.network}, kube-proxy {plan.proxy_mode}\n"
        "# The commands that build it by hand, in the order `netlab up` builds it; run as root where\n"
        "# the lab is not up. To take it down again:\n"
        f"#   for ns in $(ip netns list | grep -o '^nl-{plan.name}\\.[^ ]*'); do ip netns del \"$ns\"; done\n"
        f"#   rm -rf /etc/netns/nl-{plan.name}.*\n"
        "set -e\n",
        _section("1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's "
                 "as one netlink batch)", script(render_topology(plan))),
        _section("2. each namespace's /etc files, which ip netns exec mounts over /etc "
                 "(a pod's resolv.conf and hosts, as the kubelet writes them)", _etc(plan)),
    ]
    if plan.services:
        rules = "".join(_proxy(plan, node) for node in plan.nodes)
        parts.append(_section(f"3. kube-proxy's rules on every node ({plan.proxy_mode} mode)", rules))
    if plan.internet_hosts:
        cidr = plan.lab.cluster.pod_cidr
        egress = "".join(_heredoc(node.netns, "iptables-restore --noflush", render_masq_agent(cidr))
                         for node in plan.nodes)
        egress += _heredoc(plan.gateway.netns, "iptables-restore", render_gateway(plan))
        parts.append(_section("4. the way out: ip-masq-agent on every node, the gateway's 1:1 NAT", egress))
    parts.append(_section("5. the workloads (netlab runs these itself; by hand, start your own servers)",
                          _workloads(plan)))
    return "\n".join(parts)


def _section(title: str, body: str) -> str:
    return f"# --- {title}\n{body}"


def _heredoc(netns: str, command: str, text: str) -> str:
    return f"ip netns exec {netns} {command} <<'EOF'\n{text}EOF\n"


def _etc(plan: LabPlan) -> str:
    lines = []
    for netns, files in etc_files(plan).items():
        lines.append(f"mkdir -p /etc/netns/{netns}")
        lines += [f"cat > /etc/netns/{netns}/{name} <<'EOF'\n{text}EOF" for name, text in files.items()]
    return "\n".join(lines) + "\n"


def _proxy(plan: LabPlan, node: NodePlan) -> str:
    cluster = plan.lab.cluster
    if plan.proxy_mode == "nftables":
        return _heredoc(node.netns, "nft -f -", render_nftables(plan.services, cluster.pod_cidr,
                                                                cluster.service_cidr, node))
    if plan.proxy_mode == "ipvs":
        ruleset = render_ipvs(plan.services, cluster.pod_cidr, node)
        return _ipvs(node.netns, ruleset) + _iptables(node.netns, ruleset.iptables)
    return _iptables(node.netns, render_iptables(plan.services, cluster.pod_cidr, node))


def _iptables(netns: str, ruleset: IptablesRuleset) -> str:
    """The restore transaction, then the jumps from the built-in chains (kube-proxy inserts those
    one by one, leaving the rest of PREROUTING, INPUT... as they are)."""
    jumps = "".join(f"ip netns exec {netns} iptables {jump.text()}\n" for jump in ruleset.jumps)
    return _heredoc(netns, "iptables-restore --noflush", ruleset.restore) + jumps


def _ipvs(netns: str, ruleset: IpvsRuleset) -> str:
    lines = [f"ip netns exec {netns} sysctl -qw {path.replace('/', '.')}={value}" for path, value in SYSCTLS.items()]
    lines.append(f"ip -n {netns} link add {DUMMY} type dummy")
    lines += [f"ip -n {netns} addr add {address}/32 dev {DUMMY}" for address in ruleset.addresses]
    text = "\n".join(lines) + "\n" + _heredoc(netns, "ipset restore", ipset_restore_text(ruleset))
    for vs in ruleset.virtual_servers:
        service = f"{IPVSADM_PROTOCOL[vs.protocol]} {vs.ip}:{vs.port}"
        persistent = f" -p {vs.persistent}" if vs.persistent is not None else ""
        text += f"ip netns exec {netns} ipvsadm -A {service} -s {vs.scheduler}{persistent}\n"
        text += "".join(f"ip netns exec {netns} ipvsadm -a {service} -r {real.ip}:{real.port} -m -w {real.weight}\n"
                        for real in vs.reals)
    return text


def _workloads(plan: LabPlan) -> str:
    lines = []
    for pod in plan.pods:
        for container in pod.containers:
            what = " ".join(container.command + container.args)
            if container.runs_echo:
                ports = ", ".join(f"{port}/{protocol}" for port, protocol in container.listens_on())
                what = f"netlab's echo server (like agnhost netexec) on {ports}"
            elif is_coredns(container):
                what = f"CoreDNS: netlab's DNS server on 53/UDP+TCP, from /run/netlab/{plan.name}/dns/cluster.zone"
            elif is_controller(container):
                what = f"ingress-nginx: nginx, from /run/netlab/{plan.name}/ingress/{pod.name}/nginx.conf"
            lines.append(f"# {pod.name}/{container.name}: {what}")
    for host in plan.internet_hosts:
        if host.ports:
            lines.append(f"# {host.name}: netlab's echo server on {', '.join(f'{p}/TCP' for p in host.ports)}")
        if host.dns_records:
            lines.append(f"# {host.name}: the internet's resolver on 53/UDP+TCP")
    return "\n".join(lines) + "\n"
