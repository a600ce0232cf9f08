"""Lab file -> validated `Lab`: every problem collected, each naming file, object and field.

Nothing here touches the machine. Problems are gathered for the whole file and raised together as
one `LabValidationError`, so a learner fixes them all in one go; nothing is created before this
has passed (the CLI loads and plans before it builds).
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from netlab.errors import BadInput, LabValidationError, Problem
from netlab.model import fields
from netlab.model.checks import check_references, read_check, read_guide_step, read_translations
from netlab.model.cluster import read_cluster
from netlab.model.clusterdns import add_cluster_dns
from netlab.model.configdata import check_config_refs, read_config_data
from netlab.model.endpointslices import check_unique_endpoints, read_endpoints_object
from netlab.model.gateway import (
    check_gateway_objects,
    provision,
    read_gateway,
    read_gateway_class,
    read_http_route,
)
from netlab.model.gatewaytypes import Gateway, GatewayClass, GatewayObjects, HTTPRoute
from netlab.model.ingress import check_ingresses, read_ingress
from netlab.model.ingressclass import admit, read_ingress_class
from netlab.model.lab import (
    OUTSIDE_NAMES,
    Cluster,
    ConfigData,
    EndpointSlice,
    Ingress,
    IngressClass,
    KubeObject,
    Lab,
    OutsideHost,
    Pod,
    Service,
    pod_names,
)
from netlab.model.networkpolicy import check_unique_policies, read_namespace, read_network_policy
from netlab.model.outside import read_outside
from netlab.model.pods import (
    DNS_LABEL,
    DNS_SUBDOMAIN,
    DNS_SUBDOMAIN_MAX,
    HOSTNAME_MAX,
    check_placement,
    read_deployment,
    read_pod_spec,
)
from netlab.model.policytypes import Namespace, NetworkPolicy
from netlab.model.schema import FieldReader, duplicates
from netlab.model.services import read_service
from netlab.model.statefulsets import read_statefulset
from netlab.model.tasks import check_tasks

Manifest = (
    KubeObject
    | Service
    | Ingress
    | IngressClass
    | ConfigData
    | tuple[EndpointSlice, ...]
    | GatewayClass
    | Gateway
    | HTTPRoute
    | NetworkPolicy
    | Namespace
)

# libyaml's loader when PyYAML has it: ~3x faster than the pure-Python one on big labs.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LAB_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
LAB_NAME_MAX = 32  # it becomes part of every namespace name (nl-<lab>.<object>)


def bundled_labs_dir() -> Path:
    """The labs shipped with netlab: the package netlab.labs (in a checkout, labs/ links to it)."""
    return Path(str(resources.files("netlab.labs")))


def list_labs() -> list[Lab]:
    """Every bundled lab, loaded (and so validated), sorted by name."""
    return sorted((load_lab(p) for p in bundled_labs_dir().glob("*.yaml")), key=lambda lab: lab.name)


def find_lab(name_or_path: str) -> Path:
    """A bundled lab by name, or a lab file by path.

    Raises:
        BadInput: there is no such lab or file.
    """
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise BadInput(f"no lab file {name_or_path}")
        return path
    path = bundled_labs_dir() / f"{name_or_path}.yaml"
    if not path.is_file():
        raise BadInput(f"no lab named {name_or_path!r} (netlab list shows the labs)")
    return path


def load_lab(path: Path, text: str | None = None, *, changed: bool = False) -> Lab:
    """Read and validate a lab file.

    Args:
        path: the file, named in every problem.
        text: its content, when already read (a lab's recorded copy).
        changed: the lab was scaled or edited since it came up, so its checks may name pods
            that are gone; they stay (verify shows what changed) instead of failing validation.

    Raises:
        LabValidationError: with every problem found.
    """
    where = str(path)
    if text is None:
        text = path.read_text()
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LabValidationError([Problem(where, f"{line}malformed YAML: {problem}")]) from None
    reader = FieldReader(where)
    lab = _read_lab(reader, data, path, check_pods=not changed)
    if reader.problems:
        raise LabValidationError(reader.problems)
    assert lab is not None
    return lab


def _read_lab(r: FieldReader, data: Any, path: Path, check_pods: bool) -> Lab | None:
    top = r.mapping(data, "", fields.LAB, required=("name", "cluster"))
    if r.problems and not top:
        return None
    name = r.string(top.get("name"), "name", LAB_NAME, LAB_NAME_MAX)
    translations = read_translations(r, top, "", fields.LAB_TRANSLATION)  # the title's, as `zh-TW: {title}`
    cluster = read_cluster(r, top.get("cluster"))
    outside = read_outside(r, top.get("outside"), DNS_LABEL, HOSTNAME_MAX)
    raw_objects = r.sequence(top.get("objects"), "objects")
    admit(raw_objects)  # the default IngressClass, as the API server writes it at creation
    manifests = [
        obj for i, raw in enumerate(raw_objects) if (obj := _read_object(r, raw, i)) is not None
    ]  # in file order: its `position`
    gateway_api = GatewayObjects(
        tuple(o for o in manifests if isinstance(o, GatewayClass)),
        tuple(o for o in manifests if isinstance(o, Gateway)),
        tuple(o for o in manifests if isinstance(o, HTTPRoute)),
    )
    classes = tuple(obj for obj in manifests if isinstance(obj, IngressClass))
    kinds_of_their_own = (
        *(Service, Ingress, ConfigData, IngressClass, tuple, GatewayClass, Gateway, HTTPRoute),
        *(NetworkPolicy, Namespace),
    )
    objects = tuple(obj for obj in manifests if not isinstance(obj, kinds_of_their_own))
    endpoint_objects = [obj for obj in manifests if isinstance(obj, tuple)]  # EndpointSlices, Endpoints
    config = tuple(obj for obj in manifests if isinstance(obj, ConfigData))
    services = tuple(obj for obj in manifests if isinstance(obj, Service))
    ingresses = tuple(obj for obj in manifests if isinstance(obj, Ingress))
    objects, services = provision(gateway_api, objects, services)  # NGF's nginx for each of its Gateways
    check_gateway_objects(r, gateway_api)
    if cluster.dns:
        objects, services = add_cluster_dns(r, cluster, objects, services, len(manifests))
    _check_unique_names(r, cluster, objects, outside)
    _check_unique_services(r, services)
    policies = [o for o in manifests if isinstance(o, NetworkPolicy)]
    check_unique_policies(r, policies, [o for o in manifests if isinstance(o, Namespace)])
    check_unique_endpoints(r, endpoint_objects)
    check_placement(r, cluster, objects)
    check_ingresses(r, ingresses, services, objects, strict=check_pods, classes=classes)
    if check_pods:
        check_config_refs(r, objects, config)
    checks = tuple(read_check(r, raw, i) for i, raw in enumerate(r.sequence(top.get("checks"), "checks")))
    if check_pods:
        check_references(r, checks, cluster, objects, outside, services)
    guide = tuple(read_guide_step(r, raw, i) for i, raw in enumerate(r.sequence(top.get("guide"), "guide")))
    known_checks = {c.name for c in checks}
    for i, step in enumerate(guide):
        for ref in step.checks:
            if ref not in known_checks:
                r.problem(f"guide[{i}].checks", f"no check named {ref!r}")
    check_tasks(r, guide, cluster, objects, services, policies if check_pods else None)
    return Lab(
        name=name,
        title=str(top.get("title") or name),
        seed=str(top.get("seed") or ""),
        source=path,
        cluster=cluster,
        objects=objects,
        services=services,
        checks=checks,
        guide=guide,
        ignored_fields=tuple(dict.fromkeys(r.ignored)),
        outside=outside,
        ingresses=ingresses,
        config=config,
        ingress_classes=classes,
        translations=translations,
        endpoint_slices=tuple(s for obj in endpoint_objects for s in obj),
        gateway_api=gateway_api,
        network_policies=tuple(policies),
        namespaces=tuple(o for o in manifests if isinstance(o, Namespace)),
    )


def _read_object(r: FieldReader, raw: Any, index: int) -> Manifest | None:
    """One manifest of `objects:`, by its kind (each kind's reader in its own module)."""
    if not isinstance(raw, dict):
        r.problem(f"objects[{index}]", "must be a Kubernetes manifest (a mapping)")
        return None
    kind, api = raw.get("kind"), raw.get("apiVersion")
    meta = raw.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    label = f"{kind} {meta.get('name')}" if meta.get("name") else f"objects[{index}]"
    if (api, kind) not in fields.KINDS:
        kinds = ", ".join(f"{a} {k}" for a, k in sorted(fields.KINDS))
        r.problem(label, f"unknown kind {api} {kind} (netlab knows {kinds})")
        return None
    if kind == "Namespace":  # cluster-scoped, no spec of the learner's: its labels are what counts
        return read_namespace(r, raw, label)
    data_only = kind in ("ConfigMap", "Secret", "EndpointSlice", "Endpoints")  # no spec: their data is the object
    obj = raw if data_only else r.mapping(raw, label, fields.OBJECT, required=("metadata", "spec"))
    m = r.mapping(obj.get("metadata"), f"{label}: metadata", fields.METADATA, required=("name",))
    subdomain = data_only or kind in ("IngressClass", "NetworkPolicy")
    pattern, longest = (DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX) if subdomain else (DNS_LABEL, HOSTNAME_MAX)
    name = r.string(m.get("name"), f"{label}: metadata.name", pattern, longest)
    namespace = r.string(m.get("namespace", "default"), f"{label}: metadata.namespace", DNS_LABEL, 63)
    if kind in ("EndpointSlice", "Endpoints"):
        return read_endpoints_object(r, raw, str(kind), name, namespace, label)
    if data_only:
        return read_config_data(r, raw, str(kind), name, namespace, label)
    if kind == "Service":
        return replace(read_service(r, obj.get("spec"), name, namespace, label), position=index)
    if kind == "Ingress":
        return read_ingress(r, obj.get("spec"), name, namespace, label)
    if kind == "GatewayClass":
        return read_gateway_class(r, obj.get("spec"), name, label)
    if kind == "Gateway":
        return read_gateway(r, obj.get("spec"), name, namespace, label, index)
    if kind == "HTTPRoute":
        return read_http_route(r, obj.get("spec"), name, namespace, label, index)
    if kind == "NetworkPolicy":
        return read_network_policy(r, obj.get("spec"), name, namespace, label, index)
    if kind == "IngressClass":  # cluster-scoped: a namespace is ignored
        return read_ingress_class(r, obj.get("spec"), name, meta.get("annotations"), label)
    if kind == "Pod":
        template = read_pod_spec(
            r, obj.get("spec"), r.labels(m.get("labels"), f"{label}: metadata.labels"), f"{label}: spec"
        )
        return Pod(name, namespace, template, position=index)
    if kind == "StatefulSet":
        return read_statefulset(r, obj.get("spec"), name, namespace, label, index)
    return read_deployment(r, obj.get("spec"), name, namespace, label, index)


def _check_unique_names(
    r: FieldReader, cluster: Cluster, objects: tuple[KubeObject, ...], outside: tuple[OutsideHost, ...]
) -> None:
    """Nodes, pods and outside hosts share one name space: `netlab exec LAB NAME` picks any."""
    seen: set[str] = set()
    for name in [n.name for n in cluster.nodes] + pod_names(objects) + list(OUTSIDE_NAMES) + [h.name for h in outside]:
        if name in seen:
            r.problem(
                "",
                f"the name {name!r} is used twice (nodes, pods, outside hosts and "
                f"{'/'.join(OUTSIDE_NAMES)} share one set of names)",
            )
        seen.add(name)


def _check_unique_services(r: FieldReader, services: tuple[Service, ...]) -> None:
    names = [(s.namespace, s.name) for s in services]
    for namespace, name in duplicates(names):
        r.problem(f"Service {name}", f"two Services are named {name} in namespace {namespace}")
