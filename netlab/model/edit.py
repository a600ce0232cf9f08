"""Changes to a running lab's manifests, as kubectl makes them: scale, apply, delete (pure).

Each function takes the lab file's text and returns the changed text; the caller validates and
plans the result before anything in the kernel changes, so a bad change changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from netlab.errors import BadInput
from netlab.model.ingressclass import admit
from netlab.model.load import load_lab

KIND_ALIASES = {
    "pod": "Pod",
    "po": "Pod",
    "pods": "Pod",
    "service": "Service",
    "svc": "Service",
    "services": "Service",
    "deployment": "Deployment",
    "deploy": "Deployment",
    "deployments": "Deployment",
    "statefulset": "StatefulSet",
    "statefulsets": "StatefulSet",
    "sts": "StatefulSet",
    "ingress": "Ingress",
    "ing": "Ingress",
    "ingresses": "Ingress",
    "ingressclass": "IngressClass",
    "ingressclasses": "IngressClass",
    "configmap": "ConfigMap",
    "cm": "ConfigMap",
    "configmaps": "ConfigMap",
    "secret": "Secret",
    "secrets": "Secret",
    "endpointslice": "EndpointSlice",
    "endpointslices": "EndpointSlice",
    "endpoints": "Endpoints",
    "ep": "Endpoints",
    "gatewayclass": "GatewayClass",
    "gatewayclasses": "GatewayClass",
    "gc": "GatewayClass",
    "gateway": "Gateway",
    "gateways": "Gateway",
    "gtw": "Gateway",
    "httproute": "HTTPRoute",
    "httproutes": "HTTPRoute",
    "networkpolicy": "NetworkPolicy",
    "networkpolicies": "NetworkPolicy",
    "netpol": "NetworkPolicy",
    "namespace": "Namespace",
    "namespaces": "Namespace",
    "ns": "Namespace",
}


def _document(text: str) -> dict[str, Any]:
    """The lab file, its Ingresses given their default class (as the API server gave it at their
    creation) before anything changes the classes."""
    data = yaml.safe_load(text)
    data.setdefault("objects", [])
    admit(data["objects"])
    return data


def _key(obj: dict) -> tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return obj.get("kind", ""), meta.get("namespace", "default"), meta.get("name", "")


def _cluster_scoped_match(obj: dict, key: tuple[str, str, str]) -> bool:
    """An IngressClass, GatewayClass or Namespace is cluster-scoped: its name alone names it, whatever
    namespace it carries."""
    return key[0] in ("IngressClass", "GatewayClass", "Namespace") and _key(obj)[::2] == key[::2]


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


SCALABLE = ("Deployment", "StatefulSet")


def scale(text: str, target: str, replicas: int, namespace: str = "default") -> str:
    """Set a Deployment's or StatefulSet's replicas (`kubectl scale deployment/NAME --replicas=N`):
    `target` is KIND/NAME, or a NAME that one of them has.

    Raises:
        BadInput: no such Deployment or StatefulSet, both have the name, or a negative count.
    """
    if replicas < 0:
        raise BadInput(f"replicas must be 0 or more, not {replicas}")
    data = _document(text)
    kind, _, name = target.rpartition("/")
    kinds = (KIND_ALIASES.get(kind.lower(), ""),) if kind else SCALABLE
    if not set(kinds) <= set(SCALABLE):
        raise BadInput(f"{target!r}: only Deployments and StatefulSets scale (deployment/NAME, statefulset/NAME)")
    found = [obj for obj in data["objects"] if _key(obj) in {(k, namespace, name) for k in kinds}]
    if len(found) > 1:
        raise BadInput(f"a Deployment and a StatefulSet are named {name}: say deployment/{name} or statefulset/{name}")
    if not found:
        raise BadInput(f"the lab has no {' or '.join(kinds)} {name} in namespace {namespace}")
    found[0].setdefault("spec", {})["replicas"] = replicas
    return _dump(data)


def apply(text: str, manifests: str, source: str = "the manifests") -> str:
    """Create or replace objects by kind, namespace and name (`kubectl apply -f`, multi-document).
    Each object is first validated on its own, so that its problems name `source` (the file given
    to `apply -f`), the object and the field, as kubectl's do; what only the whole lab can say (a
    backend no Service has) then names the lab.

    Raises:
        BadInput: the manifests are not YAML mappings. LabValidationError: an object is invalid.
    """
    data = _document(text)
    items = _items(manifests, source)
    _validate(data, items, source)
    for item in items:
        index = next((i for i, obj in enumerate(data["objects"]) if _key(obj) == _key(item)), None)
        if index is None:
            data["objects"].append(item)
        else:
            data["objects"][index] = item
    return _dump(data)


def _items(manifests: str, source: str) -> list[dict]:
    """The objects of multi-document YAML, a `List`'s items among them."""
    try:
        documents = [d for d in yaml.safe_load_all(manifests) if d is not None]
    except yaml.YAMLError as exc:
        raise BadInput(f"{source}: not YAML: {str(exc).splitlines()[0]}") from None
    items: list[dict] = []
    for doc in documents:
        if not isinstance(doc, dict):
            raise BadInput(f"{source}: each manifest must be a mapping (apiVersion, kind, metadata, spec)")
        items += doc.get("items", [doc]) if doc.get("kind") == "List" else [doc]
    return items


def _validate(lab: dict[str, Any], items: list[dict], source: str) -> None:
    """The objects read as a lab of their own (the running lab's name and cluster, as an edited lab
    reads: references to what is not among them are the whole lab's to judge), named `source`."""
    alone = {"name": lab.get("name"), "cluster": lab.get("cluster"), "objects": items}
    load_lab(Path(source), _dump(alone), changed=True)


def delete(text: str, refs: list[str], namespace: str = "default") -> str:
    """Remove objects named `kind/name` (`kubectl delete pod/a svc/b`).

    Raises:
        BadInput: a reference that is malformed or names nothing in the lab.
    """
    data = _document(text)
    for ref in refs:
        kind, _, name = ref.partition("/")
        if kind.lower() not in KIND_ALIASES or not name:
            kinds = (
                "pod, service, deployment, statefulset, ingress, ingressclass, configmap, secret, endpointslice, "
                "endpoints, gatewayclass, gateway, httproute, networkpolicy or namespace"
            )
            raise BadInput(f"{ref!r} is not KIND/NAME (KIND: {kinds})")
        key = (KIND_ALIASES[kind.lower()], namespace, name)
        kept = [obj for obj in data["objects"] if _key(obj) != key and not _cluster_scoped_match(obj, key)]
        if len(kept) == len(data["objects"]):
            raise BadInput(f"the lab has no {key[0]} {name} in namespace {namespace}")
        data["objects"] = kept
    return _dump(data)


POLICY = "NetworkPolicy"


def changed_policies(old: str, new: str) -> list[str] | None:
    """The NetworkPolicies (ns/name) that `new` adds, replaces or removes, if they are all it
    changes of `old`; None if it changes anything else (what a lab with a step left refuses)."""
    before, after = _document(old), _document(new)
    if _without_policies(before) != _without_policies(after):
        return None
    was, now = _policies(before), _policies(after)
    return sorted(key for key in was.keys() | now.keys() if was.get(key) != now.get(key))


def restore_policies(text: str, source: str, keys: set[str]) -> str:
    """`text` with the NetworkPolicies `keys` (ns/name) as `source` has them: put back in place,
    added, or removed where `source` has none (`solve` undoing a learner's own policies)."""
    data, wanted = _document(text), _policies(_document(source))
    objects = []
    for obj in data["objects"]:
        key = _policy_key(obj)
        if key not in keys:
            objects.append(obj)
        elif key in wanted:
            objects.append(wanted.pop(key))
    data["objects"] = objects + [obj for key, obj in wanted.items() if key in keys]
    return _dump(data)


def _policy_key(obj: dict) -> str | None:
    kind, namespace, name = _key(obj)
    return f"{namespace}/{name}" if kind == POLICY else None


def _policies(data: dict) -> dict[str, dict]:
    return {key: obj for obj in data["objects"] if (key := _policy_key(obj))}


def _without_policies(data: dict) -> dict:
    return {**data, "objects": [obj for obj in data["objects"] if obj.get("kind") != POLICY]}
