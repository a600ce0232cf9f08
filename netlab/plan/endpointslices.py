"""The endpoints kube-proxy takes from EndpointSlices written by hand, and from the Endpoints that the
EndpointSlice mirroring controller mirrors (pure).

kube-proxy (pkg/proxy/endpointslicecache.go) reads every EndpointSlice labelled
`kubernetes.io/service-name`, whoever manages it (not those labelled
`service.kubernetes.io/service-proxy-name`: another proxy serves them), and merges all the slices of
a Service, the control plane's with the hand-made ones: a slice port gives the Service port of the
same name and protocol its endpoints, at the slice port's number (a port without a number is
skipped); an endpoint is its first address; an address:port in two slices counts once. An endpoint
is local on the node its `nodeName` names, not on the node of a pod that holds its address. FQDN
slices give nothing (kube-proxy handles IP families only).

An Endpoints is mirrored (pkg/controller/endpointslicemirroring) when a Service of its name exists
without a selector and it is not labelled skip-mirror; the Endpoints of a Service with a selector
belongs to the endpoints controller, which overwrites a hand-made one, so it changes nothing.

Used are the ready endpoints; while none is, the serving and terminating ones (pkg/proxy/topology.go).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from netlab.model.endpointslices import PROXY_NAME_LABEL, SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL
from netlab.model.lab import EndpointSlice, Lab, Service, ServicePort
from netlab.plan.model import Endpoint, LabPlan, PodPlan


def with_slices(
    lab: Lab, svc: Service, port: ServicePort, pods: tuple[PodPlan, ...], from_pods: tuple[Endpoint, ...]
) -> tuple[Endpoint, ...]:
    """The endpoints kube-proxy uses for one Service port: its pods' (the EndpointSlice controller's
    slices) merged with its hand-made and mirrored slices', each address:port once, sorted by it."""
    unique: dict[str, Endpoint] = {}
    for ep in (*from_pods, *_slice_endpoints(lab, svc, port, pods)):
        if str(ep) not in unique or (ep.node and not unique[str(ep)].node):  # kube-proxy keeps the local one
            unique[str(ep)] = ep
    ready = [ep for ep in unique.values() if ep.ready]
    return tuple(sorted(ready or unique.values(), key=str))


def _slice_endpoints(lab: Lab, svc: Service, port: ServicePort, pods: tuple[PodPlan, ...]) -> list[Endpoint]:
    """The ready, or serving and terminating, endpoints that the Service's slices give the port."""
    owners = {str(pod.ip.ip): pod.name for pod in pods}
    found = []
    for piece in _slices_of(lab, svc):
        number = next(
            (p.port for p in piece.ports if (p.name, p.protocol) == (port.name or "", port.protocol) and p.port), None
        )
        if number is None:
            continue
        found += [
            Endpoint(IPv4Address(e.address), number, owners.get(e.address, ""), e.node_name or "", e.hostname, e.ready)
            for e in piece.endpoints
            if e.ready or (e.serving and e.terminating)
        ]
    return found


def _slices_of(lab: Lab, svc: Service) -> list[EndpointSlice]:
    """The slices kube-proxy reads for the Service: its hand-made IPv4 ones, and its mirrored Endpoints."""
    return [
        s
        for s in lab.endpoint_slices
        if (s.namespace, s.service) == (svc.namespace, svc.name)
        and s.proxied
        and s.address_type == "IPv4"
        and (s.kind == "EndpointSlice" or (s.mirror and not svc.selector))
    ]


def endpoints_notes(plan: LabPlan) -> list[str]:
    """What the lab's EndpointSlices and Endpoints do not do, and why (each object once)."""
    lab = plan.lab
    services = {(s.namespace, s.name): s for s in lab.services}
    notes = [_why_unused(s, services.get((s.namespace, s.service))) for s in lab.endpoint_slices]
    cluster_ips = {str(s.cluster_ip): s.name for s in plan.services if s.cluster_ip}
    notes += [
        f"{s.kind} {s.namespace}/{s.name}: {e.address} is the ClusterIP of Service {cluster_ips[e.address]}, "
        "and kube-proxy does not support virtual IPs as a destination"
        for s in lab.endpoint_slices
        for e in s.endpoints
        if e.address in cluster_ips
    ]
    return [note for note in dict.fromkeys(notes) if note]


def _why_unused(piece: EndpointSlice, svc: Service | None) -> str:
    label = f"{piece.kind} {piece.namespace}/{piece.name}"
    if piece.kind == "EndpointSlice" and piece.address_type == "FQDN":
        return f"{label}: kube-proxy ignores FQDN slices"
    if not piece.service:
        return f"{label}: no {SERVICE_NAME_LABEL} label, so it belongs to no Service"
    if not piece.proxied:
        return f"{label}: labelled {PROXY_NAME_LABEL}, kube-proxy leaves it to that proxy"
    if svc is None:
        return f"{label}: no Service {piece.service} in namespace {piece.namespace} takes its endpoints"
    if piece.kind == "EndpointSlice":
        return ""
    if not piece.mirror:
        return f"{label}: labelled {SKIP_MIRROR_LABEL}, not mirrored to an EndpointSlice"
    if svc.selector:
        return (
            f"{label}: Service {svc.name} has a selector, so the endpoints controller owns its Endpoints "
            "and overwrites this one (not mirrored)"
        )
    return ""
