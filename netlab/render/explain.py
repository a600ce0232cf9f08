"""A lab as the plain commands that would build it by hand (pure): `netlab explain`.

The bridge from netlab to a learner's own machine: the same namespaces, veths, bridges, addresses,
routes and sysctls as `ip`/`bridge`/`sysctl` commands (render.ipcmd), each namespace's /etc files,
each node's kube-proxy rules as kube-proxy loads them (one `iptables-restore` or `nft -f`
transaction, or IPVS's dummy device, ipsets and `ipvsadm` virtual servers), kube-router's sets and
filter chains for the lab's NetworkPolicies (after kube-proxy's, as a node loads them), the egress NAT, and the
workloads, started as `up` starts them: netlab's echo server for each echo container, netlab's DNS
server for CoreDNS and the internet's resolver (from zone files the script writes), each other
container's own command with its Service variables, nginx for an ingress controller (from the
nginx.conf netlab renders), kube-proxy's health check ports on the nodes, a pod with init containers
in the background (its init containers in order, each to completion, then its containers); then the
way in for LoadBalancer IPs: the cloud load balancer's ECMP route to the nodes that pass its health
check, or the address on the node MetalLB elects. netlab plays those control loops (the ingress
controller, the cloud's, MetalLB's speaker) again on every change; the script sets their result
once, as the plan predicts it. Everything is rendered from the plan, as `up` builds it; nothing is
read from a running lab, so it explains a lab that is not up too. Run as it is, the script gives a
lab on which the lab's own checks pass, but `env:` checks (they ask `netlab exec`, which needs the
lab's state).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from netlab.model.gateway import served_gateway
from netlab.model.lab import Container
from netlab.model.tls import FAKE_PEM, fake_certificate_argv, pem_file
from netlab.plan.cloud import healthy_nodes
from netlab.plan.metallb import announcer
from netlab.plan.model import LabPlan, PodPlan, hostname_of
from netlab.proxy import mode_of
from netlab.render.dns import cluster_zone, internet_zone
from netlab.render.egress import render_gateway, render_masq_agent
from netlab.render.envvars import pod_service_env
from netlab.render.gatewaystatus import gateway_lines
from netlab.render.ipcmd import heredoc, script
from netlab.render.namespaces import render_namespaces
from netlab.render.netpol import first_sync_lines, pod_of_chain, policy_of_chain
from netlab.render.netpol import render as render_netpol
from netlab.render.nginxconf import nginx_conf, nginx_port, planned_certificates_of
from netlab.render.resolvconf import etc_files
from netlab.render.workloads import DNS_SERVER, ECHO_SERVER, Workload, initialized, workloads

RUN_DIR = "/run/netlab-explain"  # the workloads' zone files, logs and pids, per lab
ZONE_SERIAL = 1  # a serial tells secondaries that a zone changed: the script's zones never do
AS_NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups"
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
    within "$name" grep -qsx ready "$RUN/$name.log"
  done
}}
listens() {{  # listens NAME NETNS PORT: wait until a TCP port listens there (nginx says nothing)
  within "$1" sh -c 'ip netns exec "$0" ss -Hltn "sport = :$1" | grep -q .' "$2" "$3"
}}
within() {{  # within NAME COMMAND...: retry the command for 10 s at most, then say why NAME failed
  name=$1
  shift
  i=0
  until "$@"; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then echo "$name did not start: $(tail -n 1 "$RUN/$name.log")" >&2; exit 1; fi
    sleep 0.1
  done
}}
"""
INIT = """\
init() {  # init NAME NETNS HOSTNAME [VAR=value]... COMMAND [ARG]...: an init container, run to completion,
  # and again while it fails (after 10 s each time; the kubelet's back-off starts there and doubles to 5 min)
  until start "$@" && wait "$!"; do sleep 10; done
}
"""
NGINX = "nginx -e stderr -c"  # -e (nginx 1.19.5+): no try at its compiled-in error log, as nobody


def explain(plan: LabPlan, python: str = "python3") -> str:
    """The lab as a shell script; `python` is the interpreter that runs netlab's servers (one
    that imports netlab)."""
    run = f"{RUN_DIR}/{plan.name}"
    parts = [
        f"#!/bin/sh\n# lab {plan.name} ({plan.lab.title}): pod network {plan.network}, kube-proxy {plan.proxy_mode}\n"
        "# The commands that build it by hand, in the order `netlab up` builds it; run as root where\n"
        "# the lab is not up: the lab's checks pass on it, but its `env:` checks, which ask `netlab exec`\n"
        "# and so need the state `netlab up` keeps. To take it down again (the workloads first, then the\n"
        "# namespaces and files):\n"
        f"#   kill $(cat {run}/*.pid)\n"
        f"#   for ns in $(ip netns list | grep -o '^nl-{plan.name}\\.[^ ]*'); do ip netns del \"$ns\"; done\n"
        f"#   rm -rf /etc/netns/nl-{plan.name}.* {run}\n"
        f"#   rmdir --ignore-fail-on-non-empty /etc/netns {RUN_DIR}\n"
        "set -e\n",
        _section(
            "1. namespaces, links, addresses, routes and sysctls (netlab sends each namespace's as one netlink batch)",
            script(render_namespaces(plan)),
        ),
        _section(
            "2. each namespace's /etc files, which ip netns exec mounts over /etc "
            "(a pod's resolv.conf and hosts, as the kubelet writes them)",
            _etc(plan),
        ),
    ]
    if plan.services:
        rules = "".join(mode_of(plan).commands(plan, node) for node in plan.nodes)
        parts.append(_section(f"3. kube-proxy's rules on every node ({plan.proxy_mode} mode)", rules))
    if plan.lab.network_policies:
        title = "3b. the NetworkPolicies as kube-router enforces them on every node, after kube-proxy's rules"
        parts.append(_section(title, _policies(plan)))
    if plan.internet_hosts:
        cidr = plan.lab.cluster.pod_cidr
        egress = "".join(
            heredoc(node.netns, "iptables-restore --noflush", render_masq_agent(cidr)) for node in plan.nodes
        )
        egress += heredoc(plan.gateway.netns, "iptables-restore", render_gateway(plan))
        parts.append(_section("4. the way out: ip-masq-agent on every node, the gateway's 1:1 NAT", egress))
    parts.append(
        _section(
            "5. the workloads, started as netlab starts them",
            START.format(python=shlex.quote(python), run=run) + _workloads(plan),
        )
    )
    if plan.lab.cluster.load_balancer == "metallb-l2" or plan.cloud_lb:
        parts.append(_section("6. the way in for LoadBalancer IPs, as netlab's control loops set it", _way_in(plan)))
    return "\n".join(parts)


def _section(title: str, body: str) -> str:
    return f"# --- {title}\n{body}"


def _policies(plan: LabPlan) -> str:
    """Each node's kube-router sets and filter chains, as kernel.netpol loads them on a node that
    has none yet: the sets first (the chains match them), then one iptables-restore transaction
    that leaves kube-proxy's rules in place (--noflush), puts the jumps to kube-router's chains
    first and its ACCEPT of what passed after kube-proxy's jumps."""
    text = ""
    for node in plan.nodes:
        rules = render_netpol(plan, node)
        owners = []
        for chain in rules.chains:
            pod, policy = pod_of_chain(plan, chain), policy_of_chain(plan, chain)
            owner = f"pod {pod.namespace}/{pod.name}'s firewall" if pod else f"policy {policy.key}" if policy else ""
            owners += [f"#   {chain}: {owner}\n"] if owner else []
        if rules.sets:
            text += (
                f"# {node.name}: the sets of each policy's pods and of each rule's peers, named ports and ipBlocks\n"
            )
            text += heredoc(node.netns, "ipset restore", rules.ipset_restore())
        text += (
            f"# {node.name}: kube-router's chains (KUBE-ROUTER-INPUT/FORWARD/OUTPUT, jumped to first; "
            "KUBE-NWPLCY-DEFAULT for a\n# direction no policy judges),"
            f" whose hashed names stand for:\n{''.join(owners)}"
            f"{heredoc(node.netns, 'iptables-restore --noflush', rules.iptables_restore(first_sync_lines()))}"
        )
    return text


def _etc(plan: LabPlan) -> str:
    lines = []
    for netns, files in etc_files(plan).items():
        lines.append(f"mkdir -p /etc/netns/{netns}")
        lines += [f"cat > /etc/netns/{netns}/{name} <<'EOF'\n{text}EOF" for name, text in files.items()]
    return "\n".join(lines) + "\n"


def _workloads(plan: LabPlan) -> str:
    """Zone files, then every workload (render.workloads, as `up` starts them); then wait until
    netlab's own servers serve (a container's own command says nothing)."""
    service_env = {pod.name: pod_service_env(plan, pod) for pod in plan.pods}
    text, servers, nginx = _zones(plan), [], []
    held: dict[str, list[Workload]] = {}
    for workload in workloads(plan, service_env, "$RUN"):
        if initialized(workload.member):
            held.setdefault(workload.member.name, []).append(workload)
            continue
        if workload.kind == "ingress":
            text += _nginx(plan, workload)
            nginx.append(workload)
            continue
        if workload.serves:
            servers.append(workload.name)
        text += _start(workload, _words(workload))
    text += INIT if held else ""
    text += "".join(_initialized_pod(pod, held[pod.name]) for pod in plan.pods if pod.name in held)
    text += f"ready {' '.join(servers)}\n" if servers else ""
    return text + "".join(f"listens {w.name} {w.member.netns} {nginx_port(_container(w))}\n" for w in nginx)


def _initialized_pod(pod: PodPlan, held: list[Workload]) -> str:
    """A pod with init containers, in the background (it may wait long: for a Service, say): its
    init containers one after another, each run to completion (a sidecar started in its turn, and
    once it serves when it is netlab's echo server), then its containers."""
    lines = [
        f"# pod {pod.name}: its init containers in order, each until it exits 0 (a sidecar, restartPolicy: Always,\n"
        "# started in its turn and left running), then its containers: nothing listens in it before\n(\n"
    ]
    for workload in held:
        line = _start(workload, _words(workload))
        if workload.init and not _container(workload).sidecar:
            line = "init" + line.removeprefix("start")
        lines.append(f"  {line}")
        if workload.init and workload.serves:  # a sidecar running the echo server: the next one waits until it serves
            lines.append(f"  ready {workload.name}\n")
    return "".join(lines) + f') &\necho $! >"$RUN/{pod.name}.pid"\n'


def _words(workload: Workload) -> list[str]:
    """A workload's command line as shell words (the zone files' paths under $RUN left to the shell)."""
    if workload.kind == "echo":
        return _echo(workload.ports, workload.http_override)
    if workload.kind == "health":
        return _echo(()) + [
            f"--health-check {check.port} {check.namespace}/{check.service} {check.local_endpoints}"
            for check in workload.health_checks
        ]
    if workload.kind == "dns":
        return [
            AS_NOBODY,
            '"$PYTHON"',
            "-m",
            DNS_SERVER,
            *(f'"{w}"' if w.startswith("$") else shlex.quote(w) for w in workload.args),
        ]
    return _as_container(workload, " ".join(shlex.quote(w) for w in workload.args))


def _container(workload: Workload) -> Container:
    assert workload.container is not None  # a pod's workload
    return workload.container


def _nginx(plan: LabPlan, workload: Workload) -> str:
    """ingress-nginx's controller: nginx, from the nginx.conf netlab renders for the pod (its run
    directory nobody's alone, its access log the container's log); netlab's controller renders it
    again and reloads nginx on every change, a script does not."""
    pod, container, name = workload.member, _container(workload), workload.name
    base = f"{RUN_DIR}/{plan.name}/ingress/{pod.name}"
    certs = planned_certificates_of(plan, container, f"{base}/certs")
    conf = nginx_conf(plan, pod.name, container, f"{base}/run", f"{RUN_DIR}/{plan.name}/{name}.log", certs)
    gateway = served_gateway(container)
    who = (
        f"Gateway {gateway}'s data plane runs nginx from the nginx.conf NGINX Gateway Fabric renders"
        if gateway
        else "ingress-nginx's controller runs nginx from the nginx.conf it renders"
    )
    status = "".join(f"#   {line}\n" for line in gateway_lines(plan)) if gateway else ""
    return (
        (f"# the status NGINX Gateway Fabric writes (netlab status shows it):\n{status}" if status else "")
        + f"# {pod.name}/{container.name}: {who} "
        "(netlab's, below); netlab\n# renders it again and reloads nginx on every change, this script once\n"
        f'mkdir -p {base}/run\ntouch "$RUN/{name}.log"\n'
        f'chown nobody:nogroup {base}/run "$RUN/{name}.log"\nchmod 700 {base}/run\n'
        + ("" if gateway and not certs.usable else _certificate_files(certs.directory, certs.usable, fake=not gateway))
        + f"cat > {base}/nginx.conf <<'EOF'\n{conf}EOF\n"
        + _start(workload, _as_container(workload, f"{NGINX} {base}/nginx.conf"))
    )


def _certificate_files(directory: str, usable: dict, fake: bool = True) -> str:
    """The controller's certificates: its fake one (`fake`), made as it makes it at start, and the PEM
    of each Secret it uses; in a folder only nginx's group (nogroup) may enter."""
    made = fake_certificate_argv("openssl", "$certs/fake.key", "$certs/fake.crt")
    text = f"certs={directory}\nmkdir -p $certs\nchown root:nogroup $certs\nchmod 750 $certs\n"
    if fake:
        text += (
            f"{' '.join(shlex.quote(a) if not a.startswith('$') else a for a in made)} 2>/dev/null\n"
            f"cat $certs/fake.crt $certs/fake.key > $certs/{FAKE_PEM} && rm $certs/fake.crt $certs/fake.key\n"
        )
    for key, cert in usable.items():
        text += f"cat > {pem_file('$certs', *key.split('/'))} <<'EOF'\n{cert.pem}EOF\n"
    return text + "chown root:nogroup $certs/*.pem\nchmod 640 $certs/*.pem\n"


def _way_in(plan: LabPlan) -> str:
    """MetalLB's announcement (the elected node holds the IP, so its kernel answers ARP), or the
    cloud load balancer's ECMP route to the nodes that pass the health check."""
    text = ""
    for svc in plan.services:
        if svc.load_balancer_ip is None:
            continue
        ip = svc.load_balancer_ip
        if plan.lab.cluster.load_balancer == "metallb-l2":
            node = announcer(svc, plan.nodes)
            text += (
                f"ip -n {node.netns} addr add {ip}/32 dev eth0  # MetalLB's speaker on {node.name}; on a move "
                f"it sends a gratuitous ARP (arping -U)\n"
                if node
                else f"# {ip}: no endpoint, nobody announces\n"
            )
        elif plan.cloud_lb:
            hops = " ".join(f"nexthop via {node.ip.ip}" for node in healthy_nodes(svc, plan.nodes))
            route = f"{ip}/32 {hops}" if hops else f"unreachable {ip}/32"  # no healthy node: the client hears so
            text += f"ip -n {plan.cloud_lb.netns} route replace {route}\n"
    return text


def _zones(plan: LabPlan) -> str:
    """The zone files netlab renders for its DNS servers (kernel.dns writes them at `up`)."""
    zones = {
        "cluster.zone": cluster_zone(plan, ZONE_SERIAL) if plan.cluster_dns else None,
        "internet.zone": internet_zone(plan, ZONE_SERIAL) if plan.resolver else None,
    }
    return "".join(f"cat > \"$RUN/{name}\" <<'EOF'\n{text}EOF\n" for name, text in zones.items() if text)


def _start(workload: Workload, words: list[str]) -> str:
    """A `start` line; `words` are shell words already (quoted where they need it)."""
    return f"start {workload.name} {workload.member.netns} {hostname_of(workload.member)} {' '.join(words)}\n"


def _echo(ports: Iterable[tuple[int, str]], http_override: str | None = None) -> list[str]:
    """netlab's echo server on these ports (with agnhost netexec's --http-override, if the
    container runs netexec with one)."""
    words = ['"$PYTHON"', "-m", ECHO_SERVER, "--user", "nobody"]
    words += [f"--{'http' if protocol == 'TCP' else 'udp'}-port {port}" for port, protocol in ports]
    return words + ([f"--http-override {shlex.quote(http_override)}"] if http_override else [])


def _as_container(workload: Workload, command: str) -> list[str]:
    """A command (shell words) with the container's environment (the pod's Service variables and
    its own `env` over them, what the kubelet gives it), as nobody."""
    return [*(shlex.quote(f"{key}={value}") for key, value in workload.env), AS_NOBODY, command]
