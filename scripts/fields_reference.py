#!/usr/bin/env python3
"""Write docs/fields.md: every Kubernetes structure a lab file may hold, with the fields netlab
simulates, those it accepts and ignores (`up` and `apply` note them once), and those it refuses
(with the reason it gives), straight from netlab/model/fields.py, so the reference never drifts
from what the loader does. tests/unit/test_fields_reference.py fails when the file is stale.

    python3 scripts/fields_reference.py        # rewrite docs/fields.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netlab.model import fields  # the checkout's, not an installed one

DOC = Path(__file__).resolve().parent.parent / "docs" / "fields.md"

# (heading, the structure's name in fields.py), in the order a manifest nests them.
STRUCTURES: list[tuple[str, str]] = [
    ("Every object", "OBJECT"),
    ("metadata", "METADATA"),
    ("Pod `spec` (and a template's)", "POD_SPEC"),
    ("a container (`containers[]`)", "CONTAINER"),
    ("an init container (`initContainers[]`; `restartPolicy: Always` makes it a sidecar)", "INIT_CONTAINER"),
    ("a container's `ports[]`", "CONTAINER_PORT"),
    ("`env[]`", "ENV_VAR"),
    ("`env[].valueFrom`", "ENV_VAR_SOURCE"),
    ("`valueFrom.fieldRef`", "OBJECT_FIELD_SELECTOR"),
    ("`configMapKeyRef`, `secretKeyRef`", "KEY_SELECTOR"),
    ("`envFrom[]`", "ENV_FROM_SOURCE"),
    ("`envFrom[].configMapRef`, `secretRef`", "SOURCE_SELECTOR"),
    ("`dnsConfig`", "DNS_CONFIG"),
    ("`dnsConfig.options[]`", "DNS_OPTION"),
    ("`hostAliases[]`", "HOST_ALIAS"),
    ("Deployment `spec`", "DEPLOYMENT_SPEC"),
    ("StatefulSet `spec`", "STATEFULSET_SPEC"),
    ("StatefulSet `spec.ordinals`", "STATEFULSET_ORDINALS"),
    ("`selector` (Deployment, StatefulSet)", "LABEL_SELECTOR"),
    ("`template`", "POD_TEMPLATE"),
    ("Service `spec`", "SERVICE_SPEC"),
    ("Service `ports[]`", "SERVICE_PORT"),
    ("`sessionAffinityConfig`", "SESSION_AFFINITY_CONFIG"),
    ("`sessionAffinityConfig.clientIP`", "CLIENT_IP_CONFIG"),
    ("EndpointSlice", "ENDPOINT_SLICE"),
    ("EndpointSlice `endpoints[]`", "SLICE_ENDPOINT"),
    ("`endpoints[].conditions`", "ENDPOINT_CONDITIONS"),
    ("EndpointSlice `ports[]`, Endpoints `subsets[].ports[]`", "ENDPOINT_PORT"),
    ("Endpoints", "ENDPOINTS"),
    ("Endpoints `subsets[]`", "ENDPOINT_SUBSET"),
    ("Endpoints `subsets[].addresses[]`", "ENDPOINT_ADDRESS"),
    ("ConfigMap", "CONFIG_MAP"),
    ("Secret", "SECRET"),
    ("Ingress `spec`", "INGRESS_SPEC"),
    ("Ingress `tls[]`", "INGRESS_TLS"),
    ("Ingress `rules[]`", "INGRESS_RULE"),
    ("Ingress `rules[].http`", "HTTP_INGRESS_RULE_VALUE"),
    ("Ingress `paths[]`", "HTTP_INGRESS_PATH"),
    ("Ingress `backend`", "INGRESS_BACKEND"),
    ("Ingress `backend.service`", "INGRESS_SERVICE_BACKEND"),
    ("Ingress `backend.service.port`", "SERVICE_BACKEND_PORT"),
    ("IngressClass `spec`", "INGRESS_CLASS_SPEC"),
    ("GatewayClass `spec`", "GATEWAY_CLASS_SPEC"),
    ("Gateway `spec`", "GATEWAY_SPEC"),
    ("Gateway `listeners[]`", "LISTENER"),
    ("`listeners[].tls`", "GATEWAY_TLS_CONFIG"),
    ("`tls.certificateRefs[]`", "SECRET_OBJECT_REF"),
    ("`listeners[].allowedRoutes`", "ALLOWED_ROUTES"),
    ("`allowedRoutes.namespaces`", "ROUTE_NAMESPACES"),
    ("`allowedRoutes.namespaces.selector`", "NAMESPACE_SELECTOR"),
    ("`allowedRoutes.kinds[]`", "ROUTE_GROUP_KIND"),
    ("HTTPRoute `spec`", "HTTP_ROUTE_SPEC"),
    ("HTTPRoute `parentRefs[]`", "PARENT_REF"),
    ("HTTPRoute `rules[]`", "HTTP_ROUTE_RULE"),
    ("`rules[].matches[]`", "HTTP_ROUTE_MATCH"),
    ("`matches[].path`", "HTTP_PATH_MATCH"),
    ("`matches[].headers[]`, `queryParams[]`", "HTTP_HEADER_MATCH"),
    ("`rules[].filters[]`", "HTTP_ROUTE_FILTER"),
    ("`filters[].requestHeaderModifier`", "HTTP_HEADER_FILTER"),
    ("`requestHeaderModifier.set[]`, `add[]`", "HTTP_HEADER"),
    ("`filters[].requestRedirect`", "HTTP_REQUEST_REDIRECT"),
    ("`rules[].backendRefs[]`", "HTTP_BACKEND_REF"),
    ("NetworkPolicy `spec`", "NETWORK_POLICY_SPEC"),
    ("NetworkPolicy `ingress[]`", "NETWORK_POLICY_INGRESS_RULE"),
    ("NetworkPolicy `egress[]`", "NETWORK_POLICY_EGRESS_RULE"),
    ("NetworkPolicy `from[]`, `to[]`", "NETWORK_POLICY_PEER"),
    ("NetworkPolicy `ports[]`", "NETWORK_POLICY_PORT"),
    ("NetworkPolicy `ipBlock`", "IP_BLOCK"),
    ("NetworkPolicy `podSelector`, `namespaceSelector`", "POLICY_LABEL_SELECTOR"),
    ("`matchExpressions[]`", "LABEL_SELECTOR_REQUIREMENT"),
    ("Namespace", "NAMESPACE"),
    ("Namespace `metadata`", "NAMESPACE_METADATA"),
]


def _names(names: frozenset[str] | set[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names)) or "–"


def render() -> str:
    """docs/fields.md's text, from fields.py's data."""
    kinds = ", ".join(f"`{api}` {kind}" for api, kind in sorted(fields.KINDS))
    lines = [
        "# What a lab's manifests may hold",
        "",
        "Written by `scripts/fields_reference.py` from `netlab/model/fields.py` (the data the loader",
        "reads with): do not edit by hand. The kinds a lab (and `apply`) takes: " + kinds + ".",
        "",
        "- **simulated**: netlab builds what the field says, in the kernel or in its workloads;",
        "- **accepted, ignored**: real Kubernetes fields that change no network here (`up` and `apply`",
        "  note them once), so real manifests paste in;",
        "- **refused**: real fields whose absence would change the network: an error naming the file,",
        "  the object and the field, with the reason below.",
        "",
        "Any other field is a typo (or not a Kubernetes field) and an error too.",
    ]
    for heading, name in STRUCTURES:
        spec = getattr(fields, name)
        lines += ["", f"## {heading}", "", f"- simulated: {_names(spec.simulated)}"]
        if spec.ignored:
            lines.append(f"- accepted, ignored: {_names(spec.ignored)}")
        lines += [f"- refused: `{field}`: {why}" for field, why in sorted(spec.refused.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    DOC.write_text(render())
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
