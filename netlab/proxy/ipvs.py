"""kube-proxy's IPVS mode: IPVS virtual servers over netlink, ipsets, and a few iptables rules.

A node's sync, in kube-proxy's order (`kernel.ipvs`): the IPVS sysctls; the ClusterIPs bound as /32
on the dummy device kube-ipvs0; the ipsets (`ipset restore`, before the iptables rules that match
them); the iptables rules (`iptables.apply`); the virtual and real servers, dumped back to check.
Needs a kernel with ip_vs: kube-proxy loads the module itself, and so does this.

`kernel.ipvs` is imported only where the kernel is touched: it speaks netlink through pyroute2, and
`explain` and `check` of an IPVS lab need none of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from ipaddress import IPv4Address

from netlab.errors import EnvironmentProblem
from netlab.kernel.ruletools import run_in
from netlab.plan.model import LabPlan, NodePlan, ServicePlan
from netlab.probe.trace import read_ipvs_connections
from netlab.proxy import iptables
from netlab.proxy.mode import Programmed, ProxyMode
from netlab.render.ipcmd import heredoc
from netlab.render.ipvs import DUMMY, SYSCTLS, IpvsRuleset, ipset_restore_text, render_ipvs
from netlab.render.ops import Sysctl

IPVSADM_PROTOCOL = {"TCP": "-t", "UDP": "-u", "SCTP": "--sctp-service"}
# kube-proxy's ipvs.strictARP, which MetalLB's L2 mode needs: kube-ipvs0 holds every LoadBalancer
# IP on every node, and without it every node would answer ARP for them.
STRICT_ARP = [Sysctl("net/ipv4/conf/all/arp_ignore", "1"), Sysctl("net/ipv4/conf/all/arp_announce", "2")]


class IpvsMode(ProxyMode):
    name = "ipvs"
    tools = ("iptables-restore", "ipset")

    def check_kernel(self) -> None:
        if not has_ipvs():
            raise EnvironmentProblem(
                "this kernel has no IPVS (ip_vs): use --proxy-mode iptables or nftables, "
                "or a kernel with ip_vs (the Vagrant VM, scripts/ipvs-vm.sh)"
            )

    def node_sysctls(self, plan: LabPlan) -> list[Sysctl]:
        return STRICT_ARP if plan.lab.cluster.load_balancer == "metallb-l2" else []

    def commands(self, plan: LabPlan, node: NodePlan) -> str:
        ruleset = _render(plan, node)
        return _ipvs_commands(node.netns, ruleset) + iptables.restore_commands(node.netns, ruleset.iptables)

    def sync_node(self, plan: LabPlan, node: NodePlan, previous: LabPlan | None) -> tuple[int | None, bool]:
        from netlab.kernel import ipvs

        self.check_kernel()
        ruleset = _render(plan, node)
        ipvs.apply(node.netns, ruleset)
        return iptables.apply(node.netns, ruleset.iptables), False

    def programmed(self, plan: LabPlan, node: NodePlan) -> Programmed:
        from netlab.kernel import ipvs

        held = ipvs.programmed(node.netns)
        found: Programmed = {}
        for svc in plan.services:
            for port in svc.ports:
                key = (ipvs.PROTOCOLS[port.protocol], str(svc.cluster_ip), port.port)
                if key in held:
                    found[port.port_name] = (f"{svc.cluster_ip}:{port.port}/{port.protocol}", held[key])
        return found

    def service_hint(self, svc: ServicePlan, node: NodePlan) -> str | None:
        """That the node has a virtual server for the ClusterIP (a learner writes no IPVS rules)."""
        ip = str(svc.cluster_ip)
        listed = run_in(node.netns, ["ipvsadm", "-Ln"]).stdout
        return None if f"{ip}:" in listed else f"{node.name} has no IPVS virtual server for {ip} (ipvsadm -Ln)"

    def connections(self, netns_name: str, client: IPv4Address) -> tuple[str, ...]:
        return tuple(read_ipvs_connections(run_in(netns_name, ["ipvsadm", "-Lnc"]).stdout, client))


MODE = IpvsMode()


def has_ipvs() -> bool:
    """Whether this kernel can run IPVS. A distribution kernel has ip_vs as a module that nothing
    has loaded yet: kube-proxy loads it itself, and so does this (where the kernel has no module
    loading, or no such module, it fails quietly and the answer is no)."""
    if not os.path.exists("/proc/net/ip_vs") and shutil.which("modprobe"):
        subprocess.run(["modprobe", "-q", "-a", "ip_vs", "ip_vs_rr"], capture_output=True, timeout=30)
    return os.path.exists("/proc/net/ip_vs")


def _render(plan: LabPlan, node: NodePlan) -> IpvsRuleset:
    return render_ipvs(plan.services, plan.lab.cluster.pod_cidr, node)


def _ipvs_commands(netns: str, ruleset: IpvsRuleset) -> str:
    lines = [f"ip netns exec {netns} sysctl -qw {path.replace('/', '.')}={value}" for path, value in SYSCTLS.items()]
    lines.append(f"ip -n {netns} link add {DUMMY} type dummy")
    lines += [f"ip -n {netns} addr add {address}/32 dev {DUMMY}" for address in ruleset.addresses]
    text = "\n".join(lines) + "\n" + heredoc(netns, "ipset restore", ipset_restore_text(ruleset))
    for vs in ruleset.virtual_servers:
        service = f"{IPVSADM_PROTOCOL[vs.protocol]} {vs.ip}:{vs.port}"
        persistent = f" -p {vs.persistent}" if vs.persistent is not None else ""
        text += f"ip netns exec {netns} ipvsadm -A {service} -s {vs.scheduler}{persistent}\n"
        text += "".join(
            f"ip netns exec {netns} ipvsadm -a {service} -r {real.ip}:{real.port} -m -w {real.weight}\n"
            for real in vs.reals
        )
    return text
