"""A lab as the plain commands that would build it by hand (pure): `netlab explain`.

The bridge from netlab to a learner's own machine: the same namespaces, veths, bridges, addresses,
routes and sysctls as `ip`/`bridge`/`sysctl` commands (render.ipcmd), each namespace's /etc files,
each node's kube-proxy rules as kube-proxy loads them (one `iptables-restore` or `nft -f`
transaction, or IPVS's dummy device, ipsets and `ipvsadm` virtual servers), the egress NAT, and
the workloads, started as `up` starts them: netlab's echo server for each echo container, netlab's
DNS server for CoreDNS and the internet's resolver (from zone files the script writes), each other
container's own command with its Service variables. Everything is rendered from the plan, as `up`
builds it; nothing is read from a running lab, so it explains a lab that is not up too. Run as it
is, the script gives a lab on which the lab's own checks pass, but those through an ingress
controller, a cloud load balancer or MetalLB (netlab plays their control loops itself: they are
comments here) and `env:` checks (they ask `netlab exec`, which needs the lab up).
"""

from __future__ import annotations

import shlex

from netlab.model.clusterdns import METRICS_PORT, is_coredns
from netlab.model.ingress import is_controller
from netlab.model.lab import Container
from netlab.plan.model import LabPlan, NodePlan, PodPlan
from netlab.render.dns import cluster_zone, internet_zone
from netlab.render.egress import render_gateway, render_masq_agent
from netlab.render.envvars import pod_service_env
from netlab.render.ipcmd import script
from netlab.render.iptables import IptablesRuleset, render_iptables
from netlab.render.ipvs import DUMMY, SYSCTLS, IpvsRuleset, ipset_restore_text, render_ipvs
from netlab.render.nftables import render_nftables
from netlab.render.resolvconf import etc_files
from netlab.render.topology import render_topology

IPVSADM_PROTOCOL = {"TCP": "-t", "UDP": "-u", "SCTP": "--sctp-service"}
RUN_DIR = "/run/netlab-explain"  # the workloads' zone files, logs and pids, per lab
ZONE_SERIAL = 1  # a serial tells secondaries that a zone changed: the script's zones never do
AS_NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups"
ECHO, DNS = "netlab.workloads.echo", "netlab.workloads.dns"
START = """\
# Each workload runs as a container would: in its namespace, with the pod's name as hostname (a UTS
# namespace of its own), only the variables given as its environment, unprivileged, in a session
# of its own; its output goes to $RUN/NAME.log, its pid to $RUN/NAME.pid. setpriv makes a command
# nobody; the echo server binds its ports first (an internet host's port 80 is privileged), then
# becomes nobody itself. netlab's own servers are modules of netlab: $PYTHON must import netlab
# (`netlab explain` names the interpreter it runs with).
PYTHON={python}
RUN={run}
umask 022  # nobody reads the zone files
mkdir -p "$RUN"
start() {{  # start NAME NETNS HOSTNAME [VAR=value]... COMMAND [ARG]...
  name=$1 netns=$2 host=$3
  shift 3
  setsid ip netns exec "$netns" unshare --uts \\
    sh -c 'cd / && hostname "$0" && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ HOSTNAME="$0" "$@"' \\
    "$host" "$@" </dev/null >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}}
ready() {{  # ready NAME...: wait until each of netlab's servers says it serves (10 s at most each)
  for name in "$@"; do
    i=0
    until grep -qsx ready "$RUN/$name.log"; do
      i=$((i + 1))
      if [ "$i" -gt 100 ]; then echo "$name did not start: $(tail -n 1 "$RUN/$name.log")" >&2; exit 1; fi
      sleep 0.1
    done
  done
}}
"""


def explain(plan: LabPlan, python: str = "python3") -> str:
    """The lab as a shell script; `python` is the interpreter that runs netlab's servers (one
    that imports netlab)."""
    run = f"{RUN_DIR}/{plan.name}"
    parts = [
        f"#!/bin/sh\n# lab {plan.name} ({plan.lab.title}): pod network {plan.network}, kube-proxy {plan.proxy_mode}\n"
        "# The commands that build it by hand, in the order `netlab up` builds it; run as root where\n"
        "# the lab is not up. To take it down again (the workloads first, then the namespaces and files):\n"
        f"#   kill $(cat {run}/*.pid)\n"
        f"#   for ns in $(ip netns list | grep -o '^nl-{plan.name}\\.[^ ]*'); do ip netns del \"$ns\"; done\n"
        f"#   rm -rf /etc/netns/nl-{plan.name}.* {run}\n"
        f"#   rmdir --ignore-fail-on-non-empty /etc/netns {RUN_DIR}\n"
        "set -e\n",
        _section("1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's "
                 "as one netlink batch)", script(render_topology(plan))),
        _section("2. each namespace's /etc files, which ip netns exec mounts over /etc "
                 "(a pod's resolv.conf and hosts, as the kubelet writes them)", _etc(plan)),
    ]
    if plan.services:
        rules = "".join(proxy_commands(plan, node) for node in plan.nodes)
        parts.append(_section(f"3. kube-proxy's rules on every node ({plan.proxy_mode} mode)", rules))
    if plan.internet_hosts:
        cidr = plan.lab.cluster.pod_cidr
        egress = "".join(_heredoc(node.netns, "iptables-restore --noflush", render_masq_agent(cidr))
                         for node in plan.nodes)
        egress += _heredoc(plan.gateway.netns, "iptables-restore", render_gateway(plan))
        parts.append(_section("4. the way out: ip-masq-agent on every node, the gateway's 1:1 NAT", egress))
    parts.append(_section("5. the workloads, started as netlab starts them",
                          START.format(python=shlex.quote(python), run=run) + _workloads(plan)))
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


def proxy_commands(plan: LabPlan, node: NodePlan) -> str:
    """A node's kube-proxy input as commands (`explain`; `step` and `solve` print the lines a Service adds)."""
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
    """Zone files, then every container's process and the internet hosts' servers; then wait until
    netlab's own servers serve (a container's own command says nothing)."""
    text = _zones(plan)
    servers = []
    for pod in plan.pods:
        for container in pod.containers:
            name = f"{pod.name}_{container.name}"
            if container.runs_echo:
                servers.append(name)
                text += _start(name, pod.netns, pod.name, _echo(container.listens_on(), container))
            elif is_coredns(container):
                servers.append(name)
                text += _start(name, pod.netns, pod.name, _coredns(plan))
            elif is_controller(container):
                text += (f"# {pod.name}/{container.name}: ingress-nginx's controller is a control loop, which "
                         "netlab plays: it renders\n# nginx.conf from the Ingresses and endpoints, tests it and "
                         "reloads nginx on every change; not scripted\n")
            else:
                text += _start(name, pod.netns, pod.name, _command(plan, pod, container))
    for host in plan.internet_hosts:
        if host.ports:
            servers.append(f"{host.name}_echo")
            text += _start(servers[-1], host.netns, host.name, _echo(host.echo_ports()))
        if host.dns_records:
            servers.append(f"{host.name}_dns")
            text += _start(servers[-1], host.netns, host.name,
                           [AS_NOBODY, '"$PYTHON"', "-m", DNS, "--listen", "0.0.0.0:53",
                            "--zone", '"$RUN/internet.zone"', "--domain", "."])
    text += "".join(f"# every node: kube-proxy's health check port {svc.health_check_node_port}/TCP of "
                    f"{svc.namespace}/{svc.name}, which the cloud's load\n# balancer asks; netlab plays that "
                    "load balancer (its echo server answers the port): not scripted\n"
                    for svc in plan.services if svc.health_check_node_port)
    return text + (f"ready {' '.join(servers)}\n" if servers else "")


def _zones(plan: LabPlan) -> str:
    """The zone files netlab renders for its DNS servers (kernel.dns writes them at `up`)."""
    zones = {"cluster.zone": cluster_zone(plan, ZONE_SERIAL) if plan.cluster_dns else None,
             "internet.zone": internet_zone(plan, ZONE_SERIAL) if plan.resolver else None}
    return "".join(f"cat > \"$RUN/{name}\" <<'EOF'\n{text}EOF\n" for name, text in zones.items() if text)


def _start(name: str, netns: str, hostname: str, words: list[str]) -> str:
    """A `start` line; `words` are shell words already (quoted where they need it)."""
    return f"start {name} {netns} {hostname} {' '.join(words)}\n"


def _echo(ports: list[tuple[int, str]], container: Container | None = None) -> list[str]:
    """netlab's echo server on these ports (with agnhost netexec's --http-override, if the
    container runs netexec with one)."""
    words = ['"$PYTHON"', "-m", ECHO, "--user", "nobody"]
    words += [f"--{'http' if protocol == 'TCP' else 'udp'}-port {port}" for port, protocol in ports]
    flags = container.netexec if container else None
    return words + ([f"--http-override {shlex.quote(flags.http_override)}"] if flags and flags.http_override else [])


def _coredns(plan: LabPlan) -> list[str]:
    """netlab's DNS server in CoreDNS's place, with the arguments kernel.dns gives it."""
    upstream = ["--upstream", str(plan.resolver.ip.ip)] if plan.resolver else []
    return [AS_NOBODY, '"$PYTHON"', "-m", DNS, "--listen", "0.0.0.0:53", "--zone", '"$RUN/cluster.zone"',
            "--domain", plan.lab.cluster.cluster_domain, "--pods", "insecure", "--metrics",
            f"0.0.0.0:{METRICS_PORT}", *upstream]


def _command(plan: LabPlan, pod: PodPlan, container: Container) -> list[str]:
    """A container's own command, with the pod's Service variables and its own `env` over them
    (what the kubelet gives it), as nobody."""
    env = {**pod_service_env(plan, pod), **dict(container.env)}
    return [*(shlex.quote(f"{key}={value}") for key, value in env.items()), AS_NOBODY,
            *(shlex.quote(word) for word in container.command + container.args)]
