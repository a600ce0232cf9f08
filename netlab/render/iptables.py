"""Services -> the iptables rules kube-proxy's iptables mode programs on a node (pure).

Mirrors pkg/proxy/iptables/proxier.go of kube-proxy v1.30-v1.33 (the "KUBE-SVC + KUBE-SEP, KUBE-EXT for
external destinations" layout of docs/kube-proxy.md, iptables mode) with its defaults: masqueradeBit 14
(mark written `0x00004000`, Go's `%#08x`), detectLocalMode ClusterCIDR (`! -s <clusterCIDR>`),
localhostNodePorts on (so the KUBE-FIREWALL rule is written), nf_conntrack_tcp_be_liberal off (so
KUBE-FORWARD drops INVALID), an iptables that supports `--random-fully`, no nfacct counters, fewer than
1000 endpoints (comments kept). ClusterIP, NodePort and LoadBalancer Services (externalTrafficPolicy
Cluster or Local: KUBE-NODEPORTS / the LB IP -> KUBE-EXT -> KUBE-SVC, or KUBE-SVL with the node's
own endpoints); no load balancer source ranges, so no KUBE-FW chain.

Everything is written as kube-proxy writes it, not as iptables-save prints it back: options in the
order of proxier.go (`-m comment --comment ... -m tcp -p tcp -d 10.96.44.201 --dport 80`), addresses
without `/32`, probabilities with ten decimals, `--or-mark`/`--xor-mark`, a bare `-j REJECT`
(iptables' default, icmp-port-unreachable: the client sees ECONNREFUSED). Services, ports and
endpoints come in the order given (the plan sorts them); kube-proxy's own order between services is
Go map order, i.e. random, so only the order of rules *inside* a chain carries meaning.

Two parts, applied differently, exactly as kube-proxy does:
- `restore`: one `iptables-restore --noflush` input, `*filter` then `*nat`. Each `:CHAIN - [0:0]` line
  creates or flushes one KUBE-* chain; `--noflush` leaves every other chain of the table alone.
- `jumps`: the few rules that live in built-in chains (PREROUTING, OUTPUT, ...). kube-proxy does not
  put them in the restore input because that would mean replacing *all* of PREROUTING etc., which
  other software owns too; it ensures each one (`-C`, else `-I`: inserted at the top). Load the
  restore text first: it declares every chain a jump targets (kube-proxy's EnsureChain).
The KUBE-PROXY-CANARY chains (mangle/nat/filter) are left out: they exist only for kube-proxy's own
monitor, which resyncs when an outside flush removes them, and netlab has no such monitor.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from netlab.plan.model import Endpoint, NodePlan, ServicePlan, ServicePortPlan

MASQ_MARK = "0x00004000"  # 1 << masqueradeBit 14, written with Go's %#08x
LOCALHOST = "127.0.0.0/8"
# Prefixes of the per-service chains kube-proxy owns and deletes when stale (isServiceChainName).
SERVICE_CHAIN_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-")

SERVICES, EXTERNAL_SERVICES, NODEPORTS = "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS"
POSTROUTING, MARK_MASQ, FORWARD = "KUBE-POSTROUTING", "KUBE-MARK-MASQ", "KUBE-FORWARD"
PROXY_FIREWALL, KUBELET_FIREWALL = "KUBE-PROXY-FIREWALL", "KUBE-FIREWALL"
NEW = ("-m", "conntrack", "--ctstate", "NEW")


@dataclass(frozen=True)
class Jump:
    """A rule kube-proxy keeps in a built-in chain (ensured with -C, else -I, as its EnsureRule does)."""

    table: str  # "nat" | "filter"
    chain: str  # built-in chain: PREROUTING, OUTPUT, POSTROUTING, INPUT, FORWARD
    rule: tuple[str, ...]  # argv after the chain

    def args(self, op: str) -> list[str]:
        """The argv after `iptables` for one operation on this rule: "-C" (check), "-I", "-D"."""
        return ["-t", self.table, op, self.chain, *self.rule]

    def text(self) -> str:
        """The insert command as a person types it after `iptables` (comments quoted)."""
        return " ".join(quote(arg) for arg in self.args("-I"))


@dataclass(frozen=True)
class IptablesRuleset:
    jumps: tuple[Jump, ...]
    restore: str  # input for `iptables-restore --noflush`
    chains: dict[str, frozenset[str]]  # table -> the KUBE-* chains this ruleset declares


def quote(arg: str) -> str:
    """An argument as kube-proxy writes it into restore input: wrapped in double quotes if it has a space.

    kube-proxy quotes every comment it formats with spaces (`"ns/svc:port cluster IP"`) and leaves
    the bare service-port name (`ns/svc:port`) unquoted; this rule reproduces both.
    """
    return f'"{arg}"' if " " in arg else arg


def line(*args: str | Iterable[str]) -> str:
    """One restore line from words and word sequences, as kube-proxy's LineBuffer.Write joins them."""
    words: list[str] = []
    for arg in args:
        words.extend([arg] if isinstance(arg, str) else arg)
    return " ".join(quote(word) for word in words)


def comment(text: str) -> tuple[str, ...]:
    return ("-m", "comment", "--comment", text)


def jump(table: str, chain: str, target: str, text: str, extra: Sequence[str] = ()) -> Jump:
    """A built-in chain's jump as kube-proxy ensures it: extra matches, then the comment, then -j."""
    return Jump(table, chain, (*extra, *(comment(text) if text else ()), "-j", target))


def section(table: str, chains: Sequence[str], rules: Sequence[str]) -> list[str]:
    """One table of restore input: the header, a line per declared chain, the rules, COMMIT."""
    return [f"*{table}", *(f":{chain} - [0:0]" for chain in chains), *rules, "COMMIT"]


def masquerade_rules() -> list[str]:
    """KUBE-POSTROUTING (SNAT what carries the mark, clearing it first) and KUBE-MARK-MASQ (set it).

    The mark is cleared so a packet that re-traverses the stack is not masqueraded twice.
    The same four rules in iptables and IPVS mode.
    """
    return [
        line("-A", POSTROUTING, "-m", "mark", "!", "--mark", f"{MASQ_MARK}/{MASQ_MARK}", "-j", "RETURN"),
        line("-A", POSTROUTING, "-j", "MARK", "--xor-mark", MASQ_MARK),
        line(
            "-A",
            POSTROUTING,
            comment("kubernetes service traffic requiring SNAT"),
            "-j",
            "MASQUERADE",
            "--random-fully",
        ),
        line("-A", MARK_MASQ, "-j", "MARK", "--or-mark", MASQ_MARK),
    ]


def forward_accept_rules() -> list[str]:
    """KUBE-FORWARD's accepts: marked traffic (e.g. NodePorts under a FORWARD policy DROP) and its replies."""
    return [
        line(
            "-A",
            FORWARD,
            comment("kubernetes forwarding rules"),
            "-m",
            "mark",
            "--mark",
            f"{MASQ_MARK}/{MASQ_MARK}",
            "-j",
            "ACCEPT",
        ),
        line(
            "-A",
            FORWARD,
            comment("kubernetes forwarding conntrack rule"),
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            "ACCEPT",
        ),
    ]


def _hash(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def _proto(port: ServicePortPlan) -> str:
    return port.protocol.lower()


def svc_chain(port: ServicePortPlan) -> str:
    """KUBE-SVC- + base32(sha256("ns/svc:port" + "tcp"))[:16]: the chain that picks an endpoint."""
    return "KUBE-SVC-" + _hash(port.port_name + _proto(port))


def svl_chain(port: ServicePortPlan) -> str:
    """KUBE-SVL-: as KUBE-SVC- (same hash), among the node's own endpoints (externalTrafficPolicy Local)."""
    return "KUBE-SVL-" + _hash(port.port_name + _proto(port))


def ext_chain(port: ServicePortPlan) -> str:
    """KUBE-EXT-: as KUBE-SVC- (same hash), where traffic to a NodePort (external destination) goes."""
    return "KUBE-EXT-" + _hash(port.port_name + _proto(port))


def sep_chain(port: ServicePortPlan, endpoint: Endpoint) -> str:
    """KUBE-SEP- + base32(sha256("ns/svc:port" + "tcp" + "ip:port"))[:16]: the chain that DNATs to one endpoint."""
    return "KUBE-SEP-" + _hash(port.port_name + _proto(port) + str(endpoint))


def probability(n: int) -> str:
    """1/n with ten decimals, as kube-proxy writes it (`%0.10f`); the kernel keeps round(p * 2^31)."""
    return f"{1.0 / n:0.10f}"


IPTABLES_JUMPS = (
    jump("filter", "INPUT", EXTERNAL_SERVICES, "kubernetes externally-visible service portals", NEW),
    jump("filter", "FORWARD", EXTERNAL_SERVICES, "kubernetes externally-visible service portals", NEW),
    jump("filter", "INPUT", NODEPORTS, "kubernetes health check service ports"),
    jump("filter", "FORWARD", SERVICES, "kubernetes service portals", NEW),
    jump("filter", "OUTPUT", SERVICES, "kubernetes service portals", NEW),
    jump("filter", "FORWARD", FORWARD, "kubernetes forwarding rules"),
    jump("filter", "INPUT", PROXY_FIREWALL, "kubernetes load balancer firewall", NEW),
    jump("filter", "OUTPUT", PROXY_FIREWALL, "kubernetes load balancer firewall", NEW),
    jump("filter", "FORWARD", PROXY_FIREWALL, "kubernetes load balancer firewall", NEW),
    jump("nat", "OUTPUT", SERVICES, "kubernetes service portals"),
    jump("nat", "PREROUTING", SERVICES, "kubernetes service portals"),
    jump("nat", "POSTROUTING", POSTROUTING, "kubernetes postrouting rules"),
    # kubelet's anti-martian chain, which kube-proxy duplicates (no comment).
    jump("filter", "INPUT", KUBELET_FIREWALL, ""),
    jump("filter", "OUTPUT", KUBELET_FIREWALL, ""),
)


def render_iptables(
    services: Sequence[ServicePlan], cluster_cidr: IPv4Network, node: NodePlan | None = None
) -> IptablesRuleset:
    """The ruleset kube-proxy's iptables mode writes for these Services on one node.

    Args:
        services: the plan's Services, in the order to render them; headless ones get no rules.
        cluster_cidr: the pod CIDR: traffic from outside it to a ClusterIP is masqueraded.
        node: the node it is for: its own endpoints serve externalTrafficPolicy Local (None: a
            node without any, for callers with ClusterIP Services only).
    """
    filter_chains = [SERVICES, EXTERNAL_SERVICES, FORWARD, NODEPORTS, PROXY_FIREWALL, KUBELET_FIREWALL]
    filter_rules = [
        line(
            "-A",
            KUBELET_FIREWALL,
            comment("block incoming localnet connections"),
            "-d",
            LOCALHOST,
            "!",
            "-s",
            LOCALHOST,
            "-m",
            "conntrack",
            "!",
            "--ctstate",
            "RELATED,ESTABLISHED,DNAT",
            "-j",
            "DROP",
        )
    ]
    nat_chains = [SERVICES, NODEPORTS, POSTROUTING, MARK_MASQ]
    nat_rules = masquerade_rules()
    for svc in services:
        if svc.cluster_ip is None:
            continue
        for port in svc.ports:
            name, proto = port.port_name, _proto(port)
            dest = ("-m", proto, "-p", proto, "-d", str(svc.cluster_ip), "--dport", str(port.port))
            if not port.endpoints:
                filter_rules.append(line("-A", SERVICES, comment(f"{name} has no endpoints"), dest, "-j", "REJECT"))
                filter_rules += _external_filter(svc, port, f"{name} has no endpoints", "REJECT")
                continue
            chain = svc_chain(port)
            nat_chains.append(chain)
            nat_rules.append(line("-A", SERVICES, comment(f"{name} cluster IP"), dest, "-j", chain))
            nat_rules.append(
                line("-A", chain, comment(f"{name} cluster IP"), dest, "!", "-s", str(cluster_cidr), "-j", MARK_MASQ)
            )
            nat_rules += _endpoint_choice(svc, port, chain)
            for ep in port.endpoints:
                sep = sep_chain(port, ep)
                nat_chains.append(sep)
                affinity = ("-m", "recent", "--name", sep, "--set") if svc.session_affinity else ()
                nat_rules.append(line("-A", sep, comment(name), "-s", str(ep.ip), "-j", MARK_MASQ))
                nat_rules.append(
                    line(
                        "-A",
                        sep,
                        comment(name),
                        affinity,
                        "-m",
                        proto,
                        "-p",
                        proto,
                        "-j",
                        "DNAT",
                        "--to-destination",
                        str(ep),
                    )
                )
            if port.node_port or svc.load_balancer_ip:
                chains, rules, filtered = _external(svc, port, cluster_cidr, node)
                nat_chains += chains
                nat_rules += rules
                filter_rules += filtered
    nat_rules.append(
        line(
            "-A",
            SERVICES,
            comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
            "-m",
            "addrtype",
            "--dst-type",
            "LOCAL",
            "-j",
            NODEPORTS,
        )
    )
    filter_rules.append(line("-A", FORWARD, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"))
    filter_rules += forward_accept_rules()
    restore = section("filter", filter_chains, filter_rules) + section("nat", nat_chains, nat_rules)
    return IptablesRuleset(
        jumps=IPTABLES_JUMPS,
        restore="\n".join(restore) + "\n",
        chains={"filter": frozenset(filter_chains), "nat": frozenset(nat_chains)},
    )


def _external(
    svc: ServicePlan, port: ServicePortPlan, cluster_cidr: IPv4Network, node: NodePlan | None
) -> tuple[list[str], list[str], list[str]]:
    """The external destinations of a port with endpoints (its NodePort, its LoadBalancer IP):
    nat chains and rules (both go to KUBE-EXT, which goes to the policy chain), and filter rules
    (the health check port's ACCEPT; the drop on a node without a local endpoint, policy Local).

    Cluster: KUBE-EXT marks everything for masquerade (the pod may be on another node, and the
    reply must come back through this one) and goes to KUBE-SVC. Local: pod and node traffic is
    short-circuited to KUBE-SVC (node traffic masqueraded), anything else goes to KUBE-SVL, which
    holds only this node's endpoints and keeps the client's address; with none, KUBE-EXT has no
    last rule and filter KUBE-EXTERNAL-SERVICES drops the packet.
    """
    name, proto, ext, svc_ch = port.port_name, _proto(port), ext_chain(port), svc_chain(port)
    nat: list[str] = []
    filtered: list[str] = []
    if svc.load_balancer_ip:
        nat.append(
            line(
                "-A",
                SERVICES,
                comment(f"{name} loadbalancer IP"),
                "-m",
                proto,
                "-p",
                proto,
                "-d",
                str(svc.load_balancer_ip),
                "--dport",
                str(port.port),
                "-j",
                ext,
            )
        )
    if svc.health_check_node_port:
        filtered.append(
            line(
                "-A",
                NODEPORTS,
                comment(f"{name} health check node port"),
                "-m",
                "tcp",
                "-p",
                "tcp",
                "--dport",
                str(svc.health_check_node_port),
                "-j",
                "ACCEPT",
            )
        )
    if port.node_port:
        nat.append(
            line("-A", NODEPORTS, comment(name), "-m", proto, "-p", proto, "--dport", str(port.node_port), "-j", ext)
        )
    if not svc.external_local:
        nat += [
            line("-A", ext, comment(f"masquerade traffic for {name} external destinations"), "-j", MARK_MASQ),
            line("-A", ext, "-j", svc_ch),
        ]
        return [ext], nat, filtered
    local = [ep for ep in port.endpoints if node is not None and ep.node == node.name]
    nat += [
        line(
            "-A", ext, comment(f"pod traffic for {name} external destinations"), "-s", str(cluster_cidr), "-j", svc_ch
        ),
        line(
            "-A",
            ext,
            comment(f"masquerade LOCAL traffic for {name} external destinations"),
            "-m",
            "addrtype",
            "--src-type",
            "LOCAL",
            "-j",
            MARK_MASQ,
        ),
        line(
            "-A",
            ext,
            comment(f"route LOCAL traffic for {name} external destinations"),
            "-m",
            "addrtype",
            "--src-type",
            "LOCAL",
            "-j",
            svc_ch,
        ),
    ]
    if not local:
        return (
            [ext, svl_chain(port)],
            nat,
            filtered + _external_filter(svc, port, f"{name} has no local endpoints", "DROP"),
        )
    nat.append(line("-A", ext, "-j", svl_chain(port)))
    nat += _endpoint_choice(svc, port, svl_chain(port), local)
    return [ext, svl_chain(port)], nat, filtered


def _external_filter(svc: ServicePlan, port: ServicePortPlan, text: str, verdict: str) -> list[str]:
    """filter KUBE-EXTERNAL-SERVICES: external destinations nothing may answer, rejected (no
    endpoints at all) or dropped (no local endpoint under policy Local)."""
    proto = _proto(port)
    rules = []
    if svc.load_balancer_ip:
        rules.append(
            line(
                "-A",
                EXTERNAL_SERVICES,
                comment(text),
                "-m",
                proto,
                "-p",
                proto,
                "-d",
                str(svc.load_balancer_ip),
                "--dport",
                str(port.port),
                "-j",
                verdict,
            )
        )
    if port.node_port:
        rules.append(
            line(
                "-A",
                EXTERNAL_SERVICES,
                comment(text),
                "-m",
                "addrtype",
                "--dst-type",
                "LOCAL",
                "-m",
                proto,
                "-p",
                proto,
                "--dport",
                str(port.node_port),
                "-j",
                verdict,
            )
        )
    return rules


def _endpoint_choice(
    svc: ServicePlan, port: ServicePortPlan, chain: str, endpoints: Sequence[Endpoint] | None = None
) -> list[str]:
    """A policy chain's picking rules (KUBE-SVC after its masquerade rule, or KUBE-SVL): affinity
    checks first, then the random pick among `endpoints` (default: all of the port's).

    Endpoint i of n is taken with probability 1/(n-i) among those left, so each gets 1/n; the last
    rule has no statistic match and takes whatever falls through.
    """
    endpoints = port.endpoints if endpoints is None else endpoints
    rules = []
    if svc.session_affinity:
        for ep in endpoints:
            sep = sep_chain(port, ep)
            rules.append(
                line(
                    "-A",
                    chain,
                    comment(f"{port.port_name} -> {ep}"),
                    "-m",
                    "recent",
                    "--name",
                    sep,
                    "--rcheck",
                    "--seconds",
                    str(svc.affinity_timeout),
                    "--reap",
                    "-j",
                    sep,
                )
            )
    n = len(endpoints)
    for i, ep in enumerate(endpoints):
        pick = ("-m", "statistic", "--mode", "random", "--probability", probability(n - i)) if i < n - 1 else ()
        rules.append(line("-A", chain, comment(f"{port.port_name} -> {ep}"), pick, "-j", sep_chain(port, ep)))
    return rules


def stale_chain_lines(existing: dict[str, set[str]], ruleset: IptablesRuleset) -> dict[str, list[str]]:
    """Per table, the lines that delete the kernel's stale per-service chains, as kube-proxy does.

    `existing` is what iptables-save shows per table. A KUBE-SVC-/SVL-/EXT-/FW-/SEP- chain the ruleset
    no longer declares gets a `:CHAIN - [0:0]` line (which flushes it, so no stale chain still
    jumps to another) and a `-X CHAIN` line; every flush comes before every delete. Other chains,
    kube-proxy's fixed ones included, are never touched. Add the lines to that table's section of
    the restore input, before its COMMIT. Tables with nothing stale are left out.
    """
    lines: dict[str, list[str]] = {}
    for table, chains in sorted(existing.items()):
        stale = sorted(
            c for c in chains - ruleset.chains.get(table, frozenset()) if c.startswith(SERVICE_CHAIN_PREFIXES)
        )
        if stale:
            lines[table] = [f":{c} - [0:0]" for c in stale] + [f"-X {c}" for c in stale]
    return lines
