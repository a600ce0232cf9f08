"""networking.k8s.io/v1 IngressClass, and the API server's default class for Ingresses (pure).

An IngressClass names the controller that serves its Ingresses (`spec.controller`, ingress-nginx's
is k8s.io/ingress-nginx); `spec.parameters` is the controller's own configuration, which
ingress-nginx does not read (accepted and ignored). It is cluster-scoped: a namespace is ignored,
as the API server ignores it. Of its annotations netlab reads one,
`ingressclass.kubernetes.io/is-default-class: "true"`.

The default class: the API server's DefaultIngressClass admission plugin writes the default class
into an Ingress created without `ingressClassName` (and without the old class annotation); with
several defaults it picks the newest (by creation time, then name). It acts at creation only. A
lab file lists its objects in creation order (`apply` appends new ones), so an Ingress without a
class gets the newest default IngressClass that comes before it in the file: the class a cluster
would have written into it. An Ingress before any default class stays without one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from netlab.model import fields
from netlab.model.ingress import CONTROLLER_CLASS
from netlab.model.lab import Ingress, IngressClass
from netlab.model.schema import FieldReader

DEFAULT_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
CONTROLLER_MAX = 250


def read_ingress_class(r: FieldReader, spec_raw: Any, name: str, annotations: Any, label: str) -> IngressClass:
    """The IngressClass from its `spec` and annotations."""
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.INGRESS_CLASS_SPEC, required=("controller",))
    controller = ""
    if spec.get("controller") is not None:
        controller = r.string(spec["controller"], f"{place}.controller")
        if len(controller) > CONTROLLER_MAX or not CONTROLLER_CLASS.match(controller):
            r.problem(f"{place}.controller", f"{controller!r} is not a domain-prefixed path (k8s.io/ingress-nginx)")
    default = isinstance(annotations, dict) and str(annotations.get(DEFAULT_ANNOTATION, "")) == "true"
    return IngressClass(name, controller, default)


def admit(manifests: list[Any]) -> list[Any]:
    """The manifests (in creation order) with each Ingress without a class given the newest
    default IngressClass created before it, as the admission plugin does at creation."""
    defaults: list[str] = []
    out = []
    for obj in manifests:
        if isinstance(obj, IngressClass) and obj.default:
            defaults = [n for n in defaults if n != obj.name] + [obj.name]
        elif isinstance(obj, Ingress) and obj.ingress_class is None and defaults:
            obj = replace(obj, ingress_class=defaults[-1])
        out.append(obj)
    return out
