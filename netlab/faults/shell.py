"""The commands faults are made of, as text (pure): a command inside a lab namespace, a manifest
applied to the running lab through its own CLI, and which of a lab's checks aim at a Service; and
what every family asks of a plan (a node's pods, whether policies could spoil a proof, a ping).

Every command a fault runs is one of these shapes, so none can touch the host's own namespace.
"""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

import yaml

from netlab.model import clusterdns
from netlab.model.gateway import data_plane_name
from netlab.model.lab import Check, Service
from netlab.plan.model import LabPlan, NodePlan, PodPlan, ServicePlan

EOF_MARK = "NETLAB_FAULT_EOF"


def policy_free(plan: LabPlan) -> bool:
    """A lab without NetworkPolicies: where one exists, a policy could deny a proof's own traffic."""
    return not plan.lab.network_policies


def pods_on(plan: LabPlan, node: NodePlan) -> list[PodPlan]:
    return [p for p in plan.pods if p.node == node.name]


def ping(name: str, source: str, target: str) -> Check:
    """A proof that `source` pings `target` (a ping check expects it reachable)."""
    return Check(name=name, source=source, kind="ping", target=target, expect={"reachable": True})


def in_netns(netns: str, *argv: str) -> str:
    """`argv` run inside a lab namespace."""
    return shlex.join(["ip", "netns", "exec", netns, *argv])


def write_file(netns: str, path: str, text: str) -> str:
    """Overwrite a file as the namespace sees it: `ip netns exec` mounts /etc/netns/NS's files on
    /etc, so `>` (which truncates in place, unlike a rename) writes the lab's own copy."""
    return in_netns(netns, "sh", "-c", f'printf %s "$1" > {shlex.quote(path)}', "sh", text)


def apply(lab: str, manifest: dict) -> str:
    """`netlab apply LAB -f -` of one manifest, given on standard input (a here-document)."""
    body = yaml.safe_dump(manifest, sort_keys=False)
    return f"netlab apply {shlex.quote(lab)} -f - <<'{EOF_MARK}'\n{body}{EOF_MARK}"


def service_manifest(svc: Service) -> dict:
    """A Service as a manifest, as the lab file wrote it (what is allocated stays unwritten, so the
    plan allocates the same again: ClusterIPs and NodePorts are hashed from names)."""
    spec: dict = {}
    if svc.type != "ClusterIP":
        spec["type"] = svc.type
    if svc.cluster_ip:
        spec["clusterIP"] = svc.cluster_ip
    if svc.selector:
        spec["selector"] = dict(svc.selector)
    ports = []
    for p in svc.ports:
        port: dict = {"name": p.name} if p.name else {}
        port |= {"port": p.port, "protocol": p.protocol}
        port |= {"targetPort": p.target_port} if p.target_port is not None else {}
        port |= {"nodePort": p.node_port} if p.node_port else {}
        ports.append(port)
    if ports:
        spec["ports"] = ports
    if svc.session_affinity:
        spec["sessionAffinity"] = "ClientIP"
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": svc.affinity_timeout}}
    if svc.external_policy != "Cluster":
        spec["externalTrafficPolicy"] = svc.external_policy
    if svc.load_balancer_ip:
        spec["loadBalancerIP"] = svc.load_balancer_ip
    if svc.health_check_node_port:
        spec["healthCheckNodePort"] = svc.health_check_node_port
    if svc.external_name:
        spec["externalName"] = svc.external_name
    metadata = {"name": svc.name} | ({"namespace": svc.namespace} if svc.namespace != "default" else {})
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def model_service(plan: LabPlan, svc: ServicePlan) -> Service | None:
    """The lab file's Service behind a planned one; None for one the cluster makes itself (kube-dns,
    a Gateway's nginx Service), which no manifest of the learner's replaces."""
    provisioned = {(data_plane_name(gw), gw.namespace) for gw in plan.lab.gateway_api.gateways}
    if svc.namespace == clusterdns.NAMESPACE or (svc.name, svc.namespace) in provisioned:
        return None
    return next(s for s in plan.lab.services if (s.name, s.namespace) == (svc.name, svc.namespace))


def positive(check: Check) -> bool:
    """A check that expects an answer (not `reachable: false`) and runs in the lab's modes."""
    return check.expect.get("reachable", True) is not False and not check.pending


def aim(plan: LabPlan, check: Check) -> tuple[str, int] | None:
    """The address and port an http or udp check sends to, as the plan names them."""
    if check.kind == "http":
        url = urlsplit(check.target)
        host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    elif check.kind == "udp":
        host, _, number = check.target.rpartition(":")
        port = int(number)
    else:
        return None
    pod = next((p for p in plan.pods if p.name == check.source.split("/")[0]), None)
    if pod is not None and "." not in host and plan.member(host) is None:
        svc = plan.service(host, pod.namespace)  # a short name: the source pod's search list
        if svc and svc.cluster_ip:
            return str(svc.cluster_ip), port
    address = plan.address_of(host)
    return (str(address) if address else host), port


def node_addresses(plan: LabPlan, node: str) -> set[str]:
    """A node's addresses a client can aim at: its underlay IP and its public IP."""
    n = next(n for n in plan.nodes if n.name == node)
    return {str(n.ip.ip)} | ({str(n.public_ip)} if n.public_ip else set())


def service_checks(plan: LabPlan, svc: ServicePlan, nodes: set[str] | None = None) -> list[Check]:
    """The lab's own checks that expect the Service to answer: at its ClusterIP or LoadBalancer IP
    and one of its ports, or at a NodePort of any node; with `nodes`, only at those nodes'
    NodePorts. They pass on a healthy lab (`netlab verify` proves it), so they make a fault's proof."""
    front = {str(a) for a in (svc.cluster_ip, svc.load_balancer_ip) if a} if nodes is None else set()
    ports = {p.port for p in svc.ports}
    node_ports = {p.node_port for p in svc.ports if p.node_port}
    at_nodes: set[str] = set()
    for node in plan.nodes:
        if nodes is None or node.name in nodes:
            at_nodes |= node_addresses(plan, node.name)
    found = []
    for check in plan.lab.checks:
        target = aim(plan, check) if positive(check) and check.applies_to(plan.network, plan.proxy_mode) else None
        if target is None:
            continue
        address, port = target
        if (address in front and port in ports) or (address in at_nodes and port in node_ports):
            found.append(check)
    return found
