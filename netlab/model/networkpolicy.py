"""networking.k8s.io/v1 NetworkPolicy and v1 Namespace objects of a lab file, read and checked as
the API server's ValidateNetworkPolicy checks them (k8s.io/kubernetes pkg/apis/networking/validation).

What a policy says is enforced on every node by kube-router's rules (netlab.render.netpol); a field
netlab does not enforce yet (ipBlock) is refused, never ignored: it would change the network.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Any

from netlab.model import fields
from netlab.model.pods import DNS_LABEL, HOSTNAME_MAX
from netlab.model.policytypes import (
    OPERATORS,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Requirement,
)
from netlab.model.schema import FieldReader, duplicates

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")
IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")  # with a letter and no "--" (IsValidPortName)
IANA_SVC_NAME_MAX = 15
NO_PREFIX = IPv4Network("0.0.0.0/32")  # what `_prefix` reads when there is none (compared by identity)


def read_network_policy(
    r: FieldReader, spec_raw: Any, name: str, namespace: str, label: str, index: int
) -> NetworkPolicy:
    """The policy from its `spec`; problems name `label` (e.g. "NetworkPolicy web") and the field."""
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.NETWORK_POLICY_SPEC, required=("podSelector",))
    selector = read_selector(r, spec.get("podSelector"), f"{place}.podSelector") or LabelSelector()
    ingress = tuple(
        _read_rule(r, raw, f"{place}.ingress[{i}]", "from", fields.NETWORK_POLICY_INGRESS_RULE)
        for i, raw in enumerate(r.sequence(spec.get("ingress"), f"{place}.ingress"))
    )
    egress = tuple(
        _read_rule(r, raw, f"{place}.egress[{i}]", "to", fields.NETWORK_POLICY_EGRESS_RULE)
        for i, raw in enumerate(r.sequence(spec.get("egress"), f"{place}.egress"))
    )
    types = _policy_types(r, spec, f"{place}.policyTypes", bool(egress))
    return NetworkPolicy(name, namespace, selector, types, ingress, egress, position=index)


def _policy_types(r: FieldReader, spec: dict, place: str, has_egress: bool) -> tuple[str, ...]:
    """policyTypes as given, or the API server's default: Ingress, and Egress when egress rules exist."""
    if "policyTypes" not in spec:
        return ("Ingress", "Egress") if has_egress else ("Ingress",)
    given = r.strings(spec.get("policyTypes"), place)
    if not given:
        r.problem(place, "must name Ingress, Egress or both")
    for i, kind in enumerate(given):
        if kind not in POLICY_TYPES:
            r.problem(f"{place}[{i}]", f"{kind!r} is not one of Ingress, Egress")
    if len(given) > len(POLICY_TYPES) or len(set(given)) < len(given):
        r.problem(place, "names a type twice")
    return tuple(dict.fromkeys(k for k in given if k in POLICY_TYPES))


def _read_rule(r: FieldReader, raw: Any, place: str, peers_field: str, structure: fields.Fields) -> PolicyRule:
    rule = r.mapping(raw, place, structure)
    peers = tuple(
        _read_peer(r, p, f"{place}.{peers_field}[{i}]")
        for i, p in enumerate(r.sequence(rule.get(peers_field), f"{place}.{peers_field}"))
    )
    ports = tuple(
        _read_port(r, p, f"{place}.ports[{i}]") for i, p in enumerate(r.sequence(rule.get("ports"), f"{place}.ports"))
    )
    return PolicyRule(peers, ports)


def _read_peer(r: FieldReader, raw: Any, place: str) -> PolicyPeer:
    peer = r.mapping(raw, place, fields.NETWORK_POLICY_PEER)
    if not any(peer.get(k) is not None for k in ("podSelector", "namespaceSelector", "ipBlock")):
        r.problem(place, "must give podSelector, namespaceSelector or ipBlock")
    pods = read_selector(r, peer.get("podSelector"), f"{place}.podSelector")
    namespaces = read_selector(r, peer.get("namespaceSelector"), f"{place}.namespaceSelector")
    if peer.get("ipBlock") is None:
        return PolicyPeer(pods, namespaces)
    if pods is not None or namespaces is not None:
        r.problem(f"{place}.ipBlock", "may not be given with podSelector or namespaceSelector (a peer is one of them)")
    return PolicyPeer(ip_block=_read_ip_block(r, peer["ipBlock"], f"{place}.ipBlock"))


def _read_ip_block(r: FieldReader, raw: Any, place: str) -> IPBlock:
    """cidr a valid IPv4 prefix; each `except` inside it and narrower (ValidateIPBlock)."""
    block = r.mapping(raw, place, fields.IP_BLOCK, required=("cidr",))
    cidr = _prefix(r, block.get("cidr"), f"{place}.cidr")
    excepted = r.strings(block.get("except"), f"{place}.except")
    for i, text in enumerate(excepted):
        inner = _prefix(r, text, f"{place}.except[{i}]")
        if cidr and inner and not (inner.subnet_of(cidr) and inner.prefixlen > cidr.prefixlen):
            r.problem(f"{place}.except[{i}]", f"{text} must be inside {cidr} and narrower")
    return IPBlock(str(cidr) if cidr else "", excepted)


def _prefix(r: FieldReader, value: Any, place: str) -> IPv4Network | None:
    """An IPv4 prefix with its host bits zero, as ValidateIPBlock wants it; None: absent or wrong."""
    found = r.network(value, place, NO_PREFIX)
    return None if found is NO_PREFIX else found


def _read_port(r: FieldReader, raw: Any, place: str) -> PolicyPort:
    port = r.mapping(raw, place, fields.NETWORK_POLICY_PORT)
    protocol = r.choice(port.get("protocol", "TCP"), f"{place}.protocol", PROTOCOLS)
    number = port.get("port")
    if isinstance(number, str) and number.isdigit():
        number = int(number)  # an IntOrString given as "80"
    if isinstance(number, str):
        _check_port_name(r, number, f"{place}.port")
    elif number is not None:
        number = r.integer(number, f"{place}.port", 1, 65535)
    end = port.get("endPort")
    if end is not None:
        end = r.integer(end, f"{place}.endPort", 1, 65535)
        if not isinstance(number, int):
            r.problem(f"{place}.endPort", "needs a numeric port (not a named one, nor none)")
        elif end < number:
            r.problem(f"{place}.endPort", f"{end} must be at least the port, {number}")
    return PolicyPort(protocol, number, end)


def _check_port_name(r: FieldReader, name: str, place: str) -> None:
    """A named port is an IANA service name, as a container port's name (IsValidPortName)."""
    if len(name) > IANA_SVC_NAME_MAX or not IANA_SVC_NAME.match(name) or "--" in name or not re.search("[a-z]", name):
        r.problem(
            place,
            f"{name!r} is neither a port number nor a port name (at most 15 lower-case letters, digits and "
            "'-', with a letter)",
        )


def read_selector(r: FieldReader, raw: Any, place: str) -> LabelSelector | None:
    """A metav1.LabelSelector (None when absent; {} selects everything), checked as
    ValidateLabelSelector: In and NotIn need values, Exists and DoesNotExist take none."""
    if raw is None:
        return None
    sel = r.mapping(raw, place, fields.POLICY_LABEL_SELECTOR)
    labels = r.labels(sel.get("matchLabels"), f"{place}.matchLabels")
    expressions = []
    for i, item in enumerate(r.sequence(sel.get("matchExpressions"), f"{place}.matchExpressions")):
        at = f"{place}.matchExpressions[{i}]"
        e = r.mapping(item, at, fields.LABEL_SELECTOR_REQUIREMENT, required=("key", "operator"))
        key = r.string(e.get("key"), f"{at}.key") if "key" in e else ""
        operator = r.choice(e.get("operator"), f"{at}.operator", OPERATORS) if "operator" in e else "Exists"
        values = r.strings(e.get("values"), f"{at}.values")
        if operator in ("In", "NotIn") and not values:
            r.problem(f"{at}.values", f"must be given (non-empty) for operator {operator}")
        elif operator in ("Exists", "DoesNotExist") and values:
            r.problem(f"{at}.values", f"must be empty for operator {operator}")
        expressions.append(Requirement(key, operator, values))
    return LabelSelector(labels, tuple(expressions))


def read_namespace(r: FieldReader, raw: dict, label: str) -> Namespace:
    """A v1 Namespace: its name and labels (spec and status are the API server's own)."""
    obj = r.mapping(raw, label, fields.NAMESPACE, required=("metadata",))
    meta = r.mapping(obj.get("metadata"), f"{label}: metadata", fields.NAMESPACE_METADATA, required=("name",))
    name = r.string(meta.get("name"), f"{label}: metadata.name", DNS_LABEL, HOSTNAME_MAX)
    return Namespace(name, r.labels(meta.get("labels"), f"{label}: metadata.labels"))


def check_unique_policies(r: FieldReader, policies: list[NetworkPolicy], namespaces: list[Namespace]) -> None:
    """Two NetworkPolicies of one namespace, or two Namespaces, never share a name."""
    for namespace, name in duplicates([(p.namespace, p.name) for p in policies]):
        r.problem(f"NetworkPolicy {name}", f"two NetworkPolicies are named {name} in namespace {namespace}")
    for name in duplicates([ns.name for ns in namespaces]):
        r.problem(f"Namespace {name}", f"two Namespaces are named {name}")
