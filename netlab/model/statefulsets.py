"""apps/v1 StatefulSets: replicas with a stable identity each (pure).

What a StatefulSet shares with a Deployment (replicas, a selector its template's labels must
match, the pod template) is read by `pods.read_replicated`; this reads the rest as the API server
validates it: `serviceName` (optional; a DNS label: it becomes every pod's subdomain),
`podManagementPolicy` (OrderedReady, the default, or Parallel) and `ordinals.start` (the first
ordinal, 0 by default). The pods and the identity the controller gives each are `StatefulSet.members`.
"""

from __future__ import annotations

from typing import Any

from netlab.model import fields
from netlab.model.lab import POD_MANAGEMENT_POLICIES, StatefulSet
from netlab.model.pods import label_or_none, read_replicated
from netlab.model.schema import FieldReader

ORDINAL_MAX = 2**31 - 1  # an int32, as the API server keeps it


def read_statefulset(r: FieldReader, raw: Any, name: str, namespace: str, label: str, index: int) -> StatefulSet:
    """An apps/v1 StatefulSet's spec."""
    spec = r.mapping(raw, f"{label}: spec", fields.STATEFULSET_SPEC, required=("selector", "template"))
    ordinals = r.mapping(spec.get("ordinals"), f"{label}: spec.ordinals", fields.STATEFULSET_ORDINALS)
    start = r.integer(ordinals.get("start", 0), f"{label}: spec.ordinals.start", 0, ORDINAL_MAX)
    replicas, selector, template = read_replicated(r, spec, name, label, first=start)
    policy = r.choice(
        spec.get("podManagementPolicy", "OrderedReady"), f"{label}: spec.podManagementPolicy", POD_MANAGEMENT_POLICIES
    )
    service = label_or_none(r, spec.get("serviceName"), f"{label}: spec.serviceName")
    return StatefulSet(
        name, namespace, replicas, selector, template, index, service_name=service, pod_management=policy, start=start
    )
