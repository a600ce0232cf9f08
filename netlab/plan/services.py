"""Services in the plan: stable ClusterIPs and the endpoints each port sends to (pure).

ClusterIPs: a Service's `clusterIP:` if given; otherwise an address derived from a hash of
namespace/name inside the service CIDR, so it is the same on every run of the lab (a guide can
print it). The first address (`kubernetes` would have it) and the tenth (cluster DNS) are never
handed out by the hash. Headless Services (`clusterIP: None`) get none. NodePorts likewise: the
`nodePort:` given, else one hashed from ns/name:port into 30000-32767, the same on every run.
LoadBalancer IPs come from the lab's pool, 198.51.100.200 upward (`loadBalancerIP:` if asked).

Endpoints, as the EndpointSlice controller and kube-proxy see them: the pods of the Service's
namespace whose labels match its selector (every pod netlab runs is ready), each port's targetPort
resolved per pod (a name is looked up among the pod's container ports; a pod without it is not an
endpoint of that port), merged with the EndpointSlices written by hand (plan/endpointslices.py),
sorted by their "ip:port" string as kube-proxy sorts them.
"""

from __future__ import annotations

import hashlib
from ipaddress import IPv4Address, IPv4Network

from netlab.errors import PlanError
from netlab.model.lab import NODE_PORT_RANGE, Lab, Service, ServicePort
from netlab.plan.endpointslices import with_slices
from netlab.plan.model import Endpoint, PodPlan, ServicePlan, ServicePortPlan

RESERVED_OFFSETS = (0, 1, 10)  # network address, `kubernetes`, cluster DNS
# The lab's cloud hands out LoadBalancer IPs from here (docs/lab-format.md, Defaults).
LB_POOL = [IPv4Address("198.51.100.200") + i for i in range(51)]


def plan_services(
    lab: Lab, pods: tuple[PodPlan, ...], load_balancers: dict[str, str] | None = None
) -> tuple[ServicePlan, ...]:
    """Every Service of the lab with its ClusterIP and endpoints, sorted by namespace and name
    (`load_balancers`: the LoadBalancer IPs Services of the running lab hold, `ns/name` -> IP).

    Raises:
        PlanError: a given clusterIP lies outside the service CIDR or is taken twice.
    """
    ips = allocate_cluster_ips(lab)
    node_ports = allocate_node_ports(lab)
    lb_ips = allocate_load_balancer_ips(lab, load_balancers or {})
    return tuple(
        ServicePlan(
            name=svc.name,
            namespace=svc.namespace,
            type=svc.type,
            cluster_ip=ips[svc.namespace, svc.name],
            ports=tuple(
                ServicePortPlan(
                    svc.namespace,
                    svc.name,
                    p.name,
                    p.port,
                    p.protocol,
                    with_slices(lab, svc, p, pods, endpoints(svc, p, pods)),
                    p.target_port or p.port,
                    node_ports.get(f"{svc.namespace}/{svc.name}:{p.port}/{p.protocol}"),
                )
                for p in svc.ports
            ),
            session_affinity=svc.session_affinity,
            affinity_timeout=svc.affinity_timeout,
            external_local=svc.external and svc.external_policy == "Local",
            load_balancer_ip=lb_ips.get((svc.namespace, svc.name)),
            health_check_node_port=node_ports.get(f"{svc.namespace}/{svc.name}/healthz"),
            external_name=svc.external_name,
        )
        for svc in sorted(lab.services, key=lambda s: (s.namespace, s.name))
    )


def allocate_node_ports(lab: Lab) -> dict[str, int]:
    """Every NodePort, and every LoadBalancer's health check port (policy Local), by key:
    `ns/svc:port/PROTO` and `ns/svc/healthz`. Given ones first, then the rest hashed from their
    key into 30000-32767 (the same on every run), each number used once.

    Raises:
        PlanError: a given port is taken twice (a NodePort for the same protocol, or any health check port).
    """
    low, high = NODE_PORT_RANGE
    wanted: list[tuple[str, int | None, tuple[int, str]]] = []  # key, given, what must be unique
    for svc in sorted((s for s in lab.services if s.external), key=lambda s: (s.namespace, s.name)):
        for p in svc.ports:
            wanted.append((f"{svc.namespace}/{svc.name}:{p.port}/{p.protocol}", p.node_port, (0, p.protocol)))
        if svc.type == "LoadBalancer" and svc.external_policy == "Local":
            wanted.append((f"{svc.namespace}/{svc.name}/healthz", svc.health_check_node_port, (0, "TCP")))
    found: dict[str, int] = {}
    taken: dict[tuple[int, str], str] = {}
    for key, given, (_, protocol) in wanted:
        if given is not None:
            if (given, protocol) in taken:
                raise PlanError(
                    f"{lab.source}: {key.split(':')[0]}: port {given}/{protocol} is taken by {taken[given, protocol]}"
                )
            taken[given, protocol] = key.split(":")[0]
            found[key] = given
    numbers = {number for number, _ in taken}
    size = high - low + 1
    for key, given, _ in wanted:
        if given is None:
            offset = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
            number = next(
                (low + (offset + step) % size for step in range(size) if low + (offset + step) % size not in numbers),
                None,
            )
            if number is None:
                raise PlanError(f"{lab.source}: the nodePort range {low}-{high} is full")
            numbers.add(number)
            found[key] = number
    return found


def allocate_load_balancer_ips(lab: Lab, held: dict[str, str] | None = None) -> dict[tuple[str, str], IPv4Address]:
    """Each LoadBalancer Service's external IP, as a cloud controller hands them out: the
    `loadBalancerIP` asked for, else the one it holds already in a running lab (`held`: `ns/name` ->
    IP; a Service added later never takes an older one's address), else the lowest free address of
    the pool (198.51.100.200-250), in the order of namespace/name (the same on every run).

    Raises:
        PlanError: an address asked for is outside the pool or asked twice; the pool is empty.
    """
    services = sorted((s for s in lab.services if s.type == "LoadBalancer"), key=lambda s: (s.namespace, s.name))
    found: dict[tuple[str, str], IPv4Address] = {}
    for svc in services:
        if svc.load_balancer_ip:
            ip = IPv4Address(svc.load_balancer_ip)
            if ip not in LB_POOL:
                raise PlanError(
                    f"{lab.source}: Service {svc.name}: loadBalancerIP {ip} is not in the lab's "
                    f"pool {LB_POOL[0]}-{LB_POOL[-1]}"
                )
            if ip in found.values():
                raise PlanError(f"{lab.source}: Service {svc.name}: loadBalancerIP {ip} is asked twice")
            found[svc.namespace, svc.name] = ip
    for svc in services:
        kept = (held or {}).get(f"{svc.namespace}/{svc.name}")
        if (svc.namespace, svc.name) not in found and kept and IPv4Address(kept) not in found.values():
            found[svc.namespace, svc.name] = IPv4Address(kept)
    free = (ip for ip in LB_POOL if ip not in found.values())
    for svc in services:
        if (svc.namespace, svc.name) not in found:
            spare = next(free, None)
            if spare is None:
                raise PlanError(f"{lab.source}: the load balancer pool {LB_POOL[0]}-{LB_POOL[-1]} is empty")
            found[svc.namespace, svc.name] = spare
    return found


def allocate_cluster_ips(lab: Lab) -> dict[tuple[str, str], IPv4Address | None]:
    cidr = lab.cluster.service_cidr
    ips: dict[tuple[str, str], IPv4Address | None] = {}
    taken: dict[IPv4Address, str] = {}
    for svc in lab.services:
        if svc.cluster_ip and not svc.headless:
            ip = IPv4Address(svc.cluster_ip)
            if ip not in cidr:
                raise PlanError(
                    f"{lab.source}: Service {svc.name}: clusterIP {ip} is outside cluster.serviceCIDR {cidr}"
                )
            if ip in taken:
                raise PlanError(f"{lab.source}: Service {svc.name}: clusterIP {ip} is taken by Service {taken[ip]}")
            taken[ip] = svc.name
            ips[svc.namespace, svc.name] = ip
    for svc in sorted(lab.services, key=lambda s: (s.namespace, s.name)):
        if svc.headless:
            ips[svc.namespace, svc.name] = None
        elif not svc.cluster_ip:
            ip = _hashed_ip(f"{svc.namespace}/{svc.name}", cidr, taken)
            taken[ip] = svc.name
            ips[svc.namespace, svc.name] = ip
    return ips


def _hashed_ip(key: str, cidr: IPv4Network, taken: dict[IPv4Address, str]) -> IPv4Address:
    size = cidr.num_addresses
    offset = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % size
    for step in range(size):
        candidate = (offset + step) % size
        ip = cidr.network_address + candidate
        if candidate not in RESERVED_OFFSETS and ip != cidr.broadcast_address and ip not in taken:
            return ip
    raise PlanError(f"cluster.serviceCIDR {cidr} has no free address left")


def endpoints(svc: Service, port: ServicePort, pods: tuple[PodPlan, ...]) -> tuple[Endpoint, ...]:
    """The ready pods behind one Service port, sorted by "ip:port" as kube-proxy sorts them."""
    if not svc.selector:
        return ()
    found = []
    for pod in pods:
        if pod.namespace != svc.namespace or any(pod.labels.get(k) != v for k, v in svc.selector.items()):
            continue
        target = _target_port(pod, port)
        if target is not None:
            hostname = pod.endpoint_hostname(svc.name, svc.namespace) or None
            found.append(Endpoint(pod.ip.ip, target, pod.name, pod.node, hostname))
    return tuple(sorted(found, key=str))


def _target_port(pod: PodPlan, port: ServicePort) -> int | None:
    if port.target_port is None:
        return port.port
    if isinstance(port.target_port, int):
        return port.target_port
    for container in pod.running_containers():  # a sidecar's named ports too, as the endpoints controller finds them
        for cport in container.ports:
            if cport.name == port.target_port and cport.protocol == port.protocol:
                return cport.port
    return None
