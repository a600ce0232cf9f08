"""Plan -> the records cluster DNS answers with, and the internet resolver's (pure, golden-tested).

Rendered as zone files (RFC 1035 master format), the form CoreDNS's `file` plugin reads and the
form a learner can read: netlab's DNS server (netlab.workloads.dns) answers from them, and reads
them again whenever netlab rewrites them (a change in the lab). What the records are follows
CoreDNS's kubernetes plugin (docs/cluster-dns.md), TTL 5 s (the plugin's default):
- a Service with a ClusterIP: A `<svc>.<ns>.svc.<domain>`; per named port SRV
  `_<port>._<proto>.<svc>...` (priority 0, weight 100, target the Service's name); on the bare
  name, SRV for every port (weight 100/n);
- a headless Service: A per ready endpoint, SRV per port and endpoint (weights 100/n), targets
  the endpoints' names; none at all without endpoints (NXDOMAIN, as CoreDNS);
- every Service's endpoints: A `<name>.<svc>.<ns>.svc.<domain>`, the name being the endpoint's
  hostname (a hand-made EndpointSlice or Endpoints may give one; the EndpointSlice controller gives
  a pod's when its subdomain names the Service), else the dashed IP `<a-b-c-d>` (which then does
  not answer: CoreDNS matches an endpoint by one name only);
- ExternalName: CNAME to the external name (the server resolves the target through its upstream);
- PTR for ClusterIPs (-> the Service) and endpoint IPs (-> the endpoint's name);
- `dns-version.<domain>` TXT "1.1.0"; the SOA CoreDNS puts in negative answers.
Pods `<a-b-c-d>.<ns>.pod.<domain>` are a rule of the server (`pods insecure`), not records.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from netlab.plan.model import LabPlan, ServicePlan, ServicePortPlan

TTL = 5
VERSION_TTL = 28800
SCHEMA_VERSION = "1.1.0"
INTERNET_TTL = 300


def dashed(ip: IPv4Address) -> str:
    return str(ip).replace(".", "-")


def reverse_name(ip: IPv4Address) -> str:
    return ".".join(reversed(str(ip).split("."))) + ".in-addr.arpa."


def soa(apex: str, ttl: int, serial: int) -> str:
    """The SOA of a zone, as CoreDNS writes cluster.local's: ns.dns.<apex>, hostmaster.<apex>."""
    return f"{apex} {ttl} IN SOA ns.dns.{apex} hostmaster.{apex} {serial} 7200 1800 86400 {ttl}"


def cluster_zone(plan: LabPlan, serial: int) -> str:
    """Every record cluster DNS holds for the lab's Services, in the plan's order."""
    domain = plan.lab.cluster.cluster_domain.rstrip(".") + "."
    lines = [
        f"$ORIGIN {domain}",
        f"$TTL {TTL}",
        soa(domain, TTL, serial).replace(domain, "@", 1),
        f'dns-version {VERSION_TTL} IN TXT "{SCHEMA_VERSION}"',
    ]
    pointers: list[str] = []
    for svc in plan.services:
        lines += ["", f"; {svc.namespace}/{svc.name}: {_summary(svc)}"]
        lines += _service_records(svc, domain, pointers)
    if pointers:
        lines += ["", "; reverse lookups of ClusterIPs and endpoints", *pointers]
    return "\n".join(lines) + "\n"


def _summary(svc: ServicePlan) -> str:
    if svc.external_name:
        return f"ExternalName {svc.external_name}"
    count = len(_endpoint_ips(svc))
    return f"{'headless' if svc.headless else f'ClusterIP {svc.cluster_ip}'}, {count} endpoint(s)"


def _endpoint_ips(svc: ServicePlan) -> list[IPv4Address]:
    """The Service's ready endpoints' addresses, in order: every pod netlab runs is ready; a hand-made
    endpoint that is only serving and terminating (kube-proxy's fallback) is in no record, as in CoreDNS."""
    return sorted({ep.ip for port in svc.ports for ep in port.endpoints if ep.ready})


def _endpoint_label(svc: ServicePlan, ip: IPv4Address) -> str:
    """An endpoint's name under its Service: its hostname if it has one (CoreDNS), else its dashed IP."""
    hostnames = (ep.hostname for port in svc.ports for ep in port.endpoints if ep.ip == ip and ep.hostname)
    return next(hostnames, dashed(ip))


def _service_records(svc: ServicePlan, domain: str, pointers: list[str]) -> list[str]:
    owner = f"{svc.name}.{svc.namespace}.svc"
    fqdn = f"{owner}.{domain}"
    if svc.external_name:
        return [f"{owner} IN CNAME {svc.external_name.rstrip('.')}."]
    endpoints = _endpoint_ips(svc)
    names = {ip: f"{_endpoint_label(svc, ip)}.{fqdn}" for ip in endpoints}
    records: list[str] = []
    if svc.cluster_ip is not None:
        records.append(f"{owner} IN A {svc.cluster_ip}")
        pointers.append(f"{reverse_name(svc.cluster_ip)} IN PTR {fqdn}")
        records += _srv(owner, [(port, [fqdn]) for port in svc.ports])
    elif endpoints:
        records += [f"{owner} IN A {ip}" for ip in endpoints]
        records += _srv(owner, [(port, [names[ep.ip] for ep in _unique(port)]) for port in svc.ports])
    for ip in endpoints:
        records.append(f"{_endpoint_label(svc, ip)}.{owner} IN A {ip}")
        pointers.append(f"{reverse_name(ip)} IN PTR {names[ip]}")
    return records


def _unique(port: ServicePortPlan) -> list:
    seen: dict[IPv4Address, object] = {}
    for ep in port.endpoints:
        if ep.ready:
            seen.setdefault(ep.ip, ep)
    return sorted(seen.values(), key=lambda ep: ep.ip)


def _srv(owner: str, ports: list[tuple[ServicePortPlan, list[str]]]) -> list[str]:
    """SRV per named port (`_<name>._<proto>.<owner>`), and all of them on the bare name; the
    weight of each is 100/n for the n records one answer holds (CoreDNS's rule)."""
    records = []
    for port, targets in ports:
        if port.name and targets:
            weight = 100 // len(targets)
            records += [
                f"_{port.name}._{port.protocol.lower()}.{owner} IN SRV 0 {weight} {port.port} {target}"
                for target in targets
            ]
    # a number served over UDP and TCP (kube-dns's 53) is one record: an RRset holds no duplicates
    every = list(dict.fromkeys((port.port, target) for port, targets in ports for target in targets))
    records += [f"{owner} IN SRV 0 {100 // len(every)} {number} {target}" for number, target in every]
    return records


def internet_zone(plan: LabPlan, serial: int) -> str:
    """The internet resolver's records: an A record per name, each registered domain (the last
    two labels) with its SOA; anything else is NXDOMAIN there."""
    resolver = plan.resolver
    assert resolver is not None
    apexes = sorted({".".join(name.split(".")[-2:]) + "." for name, _ in resolver.dns_records})
    lines = [f"$TTL {INTERNET_TTL}"]
    for apex in apexes:
        lines += ["", soa(apex, INTERNET_TTL, serial)]
        lines += [
            f"{name}. IN A {address}" for name, address in resolver.dns_records if f".{name}.".endswith(f".{apex}")
        ]
    return "\n".join(lines) + "\n"
