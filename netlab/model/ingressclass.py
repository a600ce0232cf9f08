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

from typing import Any

from netlab.model import fields
from netlab.model.ingress import CONTROLLER_CLASS
from netlab.model.lab import IngressClass
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
    return IngressClass(name, controller, _is_default(annotations))


def admit(objects: list[Any]) -> None:
    """Write into each Ingress manifest without a class (in creation order) the newest default
    IngressClass created before it, as the admission plugin does at creation. On the manifests as
    parsed: `apply` and `delete` run it before they change the lab file, so an Ingress keeps the
    class it was given whatever happens to the classes later, as in a cluster."""
    defaults: list[str] = []
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("apiVersion") != "networking.k8s.io/v1":
            continue
        meta: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
        spec = obj.get("spec")
        name = meta.get("name")
        if obj.get("kind") == "IngressClass" and _is_default(meta.get("annotations")) and isinstance(name, str):
            defaults = [n for n in defaults if n != name] + [name]
        elif obj.get("kind") == "Ingress" and isinstance(spec, dict) and spec.get("ingressClassName") is None:
            if defaults:
                spec["ingressClassName"] = defaults[-1]


def _is_default(annotations: Any) -> bool:
    return isinstance(annotations, dict) and str(annotations.get(DEFAULT_ANNOTATION, "")) == "true"
