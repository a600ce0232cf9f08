"""discovery.k8s.io/v1 EndpointSlices and v1 Endpoints written by hand (pure).

A Service without a selector gets no endpoints from the control plane: its endpoints are the
EndpointSlices labelled `kubernetes.io/service-name: <service>` that someone writes (any
`endpointslice.kubernetes.io/managed-by`), or a v1 Endpoints of the Service's name, which the
EndpointSlice mirroring controller turns into slices. Validation is the API server's
(pkg/apis/discovery/validation, pkg/apis/core/validation: at most 1000 endpoints of 1 to 100
addresses each, addresses that are not unspecified, loopback or link-local, hostnames DNS labels,
port names DNS labels and unique, protocols TCP/UDP/SCTP); the address families are this lab's
cluster's: IPv4, or FQDN (kept, as kube-proxy ignores FQDN slices); IPv6 is refused.

An Endpoints is read as one slice per subset (`kind` Endpoints), its `addresses` ready and its
`notReadyAddresses` not, as the mirroring controller writes them (at most 1000 per subset); which
ones are mirrored (their Service exists and has no selector) is the plan's to say.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network, ip_address
from typing import Any

from netlab.model import fields
from netlab.model.lab import EndpointSlice, SliceEndpoint, SlicePort
from netlab.model.pods import DNS_LABEL, DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX, HOSTNAME_MAX
from netlab.model.schema import FieldReader, duplicates

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name"  # kube-proxy leaves such slices to that proxy
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")
PROTOCOLS = ("TCP", "UDP", "SCTP")
MAX_ENDPOINTS = 1000  # per slice (the API server's), and per mirrored subset (the mirroring controller's)
MAX_ADDRESSES = 100
MAX_PORTS = 100
SPECIAL = (  # what the API server's ValidateNonSpecialIP refuses for an endpoint
    (IPv4Network("0.0.0.0/32"), "unspecified (0.0.0.0)"),
    (IPv4Network("127.0.0.0/8"), "in the loopback range (127.0.0.0/8)"),
    (IPv4Network("169.254.0.0/16"), "in the link-local range (169.254.0.0/16)"),
    (IPv4Network("224.0.0.0/24"), "in the link-local multicast range (224.0.0.0/24)"),
)
IPV4_ONLY = "IPv6 needs a cluster with IPv6: this lab's is IPv4 only"


def read_endpoints_object(
    r: FieldReader, raw: dict, kind: str, name: str, namespace: str, label: str
) -> tuple[EndpointSlice, ...]:
    """An EndpointSlice (one slice) or an Endpoints (one slice per subset)."""
    labels = r.labels((raw.get("metadata") or {}).get("labels"), f"{label}: metadata.labels")
    if kind == "EndpointSlice":
        return (_read_slice(r, raw, name, namespace, label, labels),)
    obj = r.mapping(raw, label, fields.ENDPOINTS, required=("metadata",))
    mirrored = EndpointSlice(  # the mirrored slices keep the Endpoints' labels
        name, namespace, name, mirror=labels.get(SKIP_MIRROR_LABEL) != "true", proxied=PROXY_NAME_LABEL not in labels
    )
    return tuple(
        _read_subset(r, raw_subset, f"{label}: subsets[{i}]", mirrored)
        for i, raw_subset in enumerate(r.sequence(obj.get("subsets"), f"{label}: subsets"))
    )


def check_unique_endpoints(r: FieldReader, objects: list[tuple[EndpointSlice, ...]]) -> None:
    """One EndpointSlice, and one Endpoints, of a name per namespace."""
    keys = [(o[0].kind, o[0].namespace, o[0].name) for o in objects if o]
    for kind, namespace, name in duplicates(keys):
        r.problem(f"{kind} {name}", f"two {kind} objects are named {name} in namespace {namespace}")


def _read_slice(
    r: FieldReader, raw: dict, name: str, namespace: str, label: str, labels: dict[str, str]
) -> EndpointSlice:
    obj = r.mapping(raw, label, fields.ENDPOINT_SLICE, required=("metadata",))
    address_type = obj.get("addressType")
    if address_type is None:
        r.problem(f"{label}: addressType", "is required (IPv4, IPv6 or FQDN)")
    else:
        address_type = r.choice(address_type, f"{label}: addressType", ADDRESS_TYPES)
        if address_type == "IPv6":
            r.problem(f"{label}: addressType", IPV4_ONLY)
    raw_endpoints = r.sequence(obj.get("endpoints"), f"{label}: endpoints")
    if len(raw_endpoints) > MAX_ENDPOINTS:
        r.problem(f"{label}: endpoints", f"holds {len(raw_endpoints)} endpoints, at most {MAX_ENDPOINTS} fit")
    endpoints = tuple(
        _slice_endpoint(r, e, f"{label}: endpoints[{i}]", str(address_type)) for i, e in enumerate(raw_endpoints)
    )
    return EndpointSlice(
        name,
        namespace,
        labels.get(SERVICE_NAME_LABEL, ""),
        str(address_type or "IPv4"),
        tuple(e for e in endpoints if e is not None),
        _ports(r, obj.get("ports"), f"{label}: ports", subset=False),
        proxied=PROXY_NAME_LABEL not in labels,
    )


def _slice_endpoint(r: FieldReader, raw: Any, place: str, address_type: str) -> SliceEndpoint | None:
    e = r.mapping(raw, place, fields.SLICE_ENDPOINT, required=("addresses",))
    addresses = r.strings(e.get("addresses"), f"{place}.addresses")
    if e.get("addresses") is not None and not addresses:
        r.problem(f"{place}.addresses", "must hold at least 1 address")
    if len(addresses) > MAX_ADDRESSES:
        r.problem(f"{place}.addresses", f"holds {len(addresses)} addresses, at most {MAX_ADDRESSES} fit")
    for i, address in enumerate(addresses):
        where = f"{place}.addresses[{i}]"
        if address_type == "FQDN":
            if "." not in address.rstrip("."):
                r.problem(where, f"{address!r} must be a fully qualified domain name (two labels at least)")
            else:
                r.string(address.rstrip("."), where, DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX)
        elif address_type == "IPv4":
            _ipv4(r, address, where)
    conditions = r.mapping(e.get("conditions"), f"{place}.conditions", fields.ENDPOINT_CONDITIONS)
    endpoint = SliceEndpoint(
        addresses[0] if addresses else "",
        ready=r.boolean(conditions.get("ready"), f"{place}.conditions.ready", True),
        serving=r.boolean(conditions.get("serving"), f"{place}.conditions.serving", True),
        terminating=r.boolean(conditions.get("terminating"), f"{place}.conditions.terminating", False),
        hostname=_hostname(r, e.get("hostname"), f"{place}.hostname"),
        node_name=_node_name(r, e.get("nodeName"), f"{place}.nodeName"),
    )
    return endpoint if addresses else None


def _read_subset(r: FieldReader, raw: Any, place: str, base: EndpointSlice) -> EndpointSlice:
    """A subset as the mirroring controller mirrors it: ready addresses, then not-ready ones, 1000 at most."""
    s = r.mapping(raw, place, fields.ENDPOINT_SUBSET)
    endpoints = [
        endpoint
        for key, ready in (("addresses", True), ("notReadyAddresses", False))
        for i, raw_address in enumerate(r.sequence(s.get(key), f"{place}.{key}"))
        if (endpoint := _address(r, raw_address, f"{place}.{key}[{i}]", ready)) is not None
    ]
    ports = _ports(r, s.get("ports"), f"{place}.ports", subset=True)
    return replace(base, endpoints=tuple(endpoints[:MAX_ENDPOINTS]), ports=ports, kind="Endpoints")


def _address(r: FieldReader, raw: Any, place: str, ready: bool) -> SliceEndpoint | None:
    a = r.mapping(raw, place, fields.ENDPOINT_ADDRESS, required=("ip",))
    if a.get("ip") is None or not _ipv4(r, a["ip"], f"{place}.ip"):
        return None
    return SliceEndpoint(
        str(a["ip"]),
        ready=ready,
        serving=ready,
        hostname=_hostname(r, a.get("hostname"), f"{place}.hostname"),
        node_name=_node_name(r, a.get("nodeName"), f"{place}.nodeName"),
    )


def _ports(r: FieldReader, raw: Any, place: str, subset: bool) -> tuple[SlicePort, ...]:
    """An EndpointSlice's or an Endpoints `subset`'s ports: unique names (DNS labels, "" for none),
    TCP by default; a subset's port needs its number, and a name when the subset has several."""
    items = r.sequence(raw, place)
    if len(items) > MAX_PORTS:
        r.problem(place, f"holds {len(items)} ports, at most {MAX_PORTS} fit")
    ports = []
    for i, item in enumerate(items):
        where = f"{place}[{i}]"
        p = r.mapping(item, where, fields.ENDPOINT_PORT, required=("port",) if subset else ())
        name = p.get("name") or ""
        if name:
            name = r.string(name, f"{where}.name", DNS_LABEL, HOSTNAME_MAX)
        elif subset and len(items) > 1:
            r.problem(f"{where}.name", "is required when a subset has several ports")
        number = r.integer(p["port"], f"{where}.port", 1, 65535) if p.get("port") is not None else None
        protocol = r.choice(p.get("protocol", "TCP"), f"{where}.protocol", PROTOCOLS)
        ports.append(SlicePort(name, number, protocol))
    for name in duplicates([p.name for p in ports]):
        r.problem(place, f"two ports are named {name!r}" if name else "two ports have no name")
    return tuple(ports)


def _ipv4(r: FieldReader, value: str, place: str) -> bool:
    """Whether `value` is an IPv4 address an endpoint may have (problems go to the reader)."""
    try:
        ip = ip_address(str(value))
    except ValueError:
        r.problem(place, f"{value!r} is not an IP address")
        return False
    if not isinstance(ip, IPv4Address):
        r.problem(place, IPV4_ONLY)
        return False
    for network, why in SPECIAL:
        if ip in network:
            r.problem(place, f"{ip} may not be {why}")
            return False
    return True


def _hostname(r: FieldReader, value: Any, place: str) -> str | None:
    return r.string(value, place, DNS_LABEL, HOSTNAME_MAX) if value is not None else None


def _node_name(r: FieldReader, value: Any, place: str) -> str | None:
    return r.string(value, place, DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX) if value is not None else None
