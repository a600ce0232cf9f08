"""The status NGINX Gateway Fabric writes on GatewayClasses, Gateways and HTTPRoutes (pure).

Conditions and reasons are the Gateway API's (apis/v1: GatewayClassConditionType, ...,
RouteConditionReason), set as NGF 2.x sets them (internal/controller/state/conditions):

* GatewayClass: Accepted and SupportedVersion, True, when its controllerName is NGF's; a class of
  another controller gets nothing from NGF (shown as the API's default: Unknown, Pending).
* Gateway of NGF's class: Accepted and Programmed True when a listener is valid (else False,
  ListenersNotValid / Invalid); each listener Accepted, Programmed, ResolvedRefs True and
  Conflicted False, or Conflicted True (HostnameConflict) when another listener has its port and
  hostname, ResolvedRefs False (InvalidRouteKinds) when allowedRoutes.kinds names no HTTPRoute;
  `attachedRoutes` counts the routes attached to it.
* HTTPRoute, per parentRef to an NGF Gateway: Accepted True, or False with NoMatchingParent (no
  listener has that sectionName/port), NotAllowedByListeners (allowedRoutes does not admit the
  route's namespace), NoMatchingListenerHostname (no hostname in common); ResolvedRefs True, or
  False with BackendNotFound (no such Service, or no such port), InvalidKind (not a Service),
  RefNotPermitted (another namespace: ReferenceGrants are not simulated, so none permits it).
  A parentRef to a Gateway that does not exist, or is another controller's, gets no status.

Hostnames: a listener without hostname takes every route hostname; with one, the route's
hostnames that equal it or that its wildcard covers (and a route wildcard covering it gives the
listener's); a route without hostnames takes the listener's. `*.example.com` covers
a.example.com and a.b.example.com, not example.com (the API's HTTPRoute hostnames).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.model.gateway import NGF_CONTROLLER, is_ngf
from netlab.model.gatewaytypes import BackendRef, Gateway, GatewayObjects, HTTPRoute, Listener, ParentRef
from netlab.model.lab import ConfigData, Lab, Service
from netlab.model.tls import usable_certificates, why_unusable


@dataclass(frozen=True)
class Condition:
    type: str
    status: str  # True | False | Unknown
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.type}={self.status} ({self.reason})"


PENDING = (
    Condition("Accepted", "Unknown", "Pending", "Waiting for controller"),
    Condition("Programmed", "Unknown", "Pending", "Waiting for controller"),
)


@dataclass(frozen=True)
class ListenerStatus:
    name: str
    attached_routes: int
    conditions: tuple[Condition, ...]

    @property
    def valid(self) -> bool:
        return _accepted(self.conditions)


@dataclass(frozen=True)
class GatewayStatus:
    gateway: Gateway
    ngf: bool  # NGF's class: NGF wrote this status (else the API's Pending)
    conditions: tuple[Condition, ...]
    listeners: tuple[ListenerStatus, ...] = ()


@dataclass(frozen=True)
class ParentStatus:
    parent: ParentRef
    conditions: tuple[Condition, ...]  # () : no controller writes it (see `note`)
    listeners: tuple[str, ...] = ()  # the listeners the route is attached to
    note: str = ""

    @property
    def accepted(self) -> bool:
        return _accepted(self.conditions)


@dataclass(frozen=True)
class RouteStatus:
    route: HTTPRoute
    parents: tuple[ParentStatus, ...]


@dataclass(frozen=True)
class GatewayAPIStatus:
    classes: dict[str, tuple[Condition, ...]]
    gateways: tuple[GatewayStatus, ...]
    routes: tuple[RouteStatus, ...]

    def attached(self, gateway: Gateway, listener: str) -> list[HTTPRoute]:
        """The routes attached to a Gateway's listener, in file order."""
        return _attached(self.routes, gateway.key, listener)

    def gateway(self, gateway: Gateway) -> GatewayStatus:
        return next(g for g in self.gateways if g.gateway.key == gateway.key)


def gateway_api_status(lab: Lab) -> GatewayAPIStatus:
    """Every object's status, as NGF would write it for this lab."""
    objects, services = lab.gateway_api, lab.services
    classes: dict[str, tuple[Condition, ...]] = {
        c.name: (
            (
                Condition("Accepted", "True", "Accepted", "The GatewayClass is accepted"),
                Condition("SupportedVersion", "True", "SupportedVersion", "The Gateway API CRD versions are supported"),
            )
            if c.controller == NGF_CONTROLLER
            else PENDING[:1]
        )
        for c in objects.classes
    }
    listener_ok = {g.key: _listener_conditions(g, lab.config) for g in objects.gateways}
    routes = tuple(
        RouteStatus(rt, _parents(objects, rt, services, listener_ok, lab.namespace_labels(rt.namespace)))
        for rt in objects.routes
    )
    gateways = []
    for gw in objects.gateways:
        if not is_ngf(objects, gw):
            gateways.append(GatewayStatus(gw, False, PENDING))
            continue
        listeners = tuple(
            ListenerStatus(
                listener.name,
                len(_attached(routes, gw.key, listener.name)),
                listener_ok[gw.key][listener.name],
            )
            for listener in gw.listeners
        )
        gateways.append(GatewayStatus(gw, True, _gateway_conditions(listeners), listeners))
    return GatewayAPIStatus(classes, tuple(gateways), routes)


def _attached(routes: tuple[RouteStatus, ...], gateway: str, listener: str) -> list[HTTPRoute]:
    return [rs.route for rs in routes if any(p.parent.key == gateway and listener in p.listeners for p in rs.parents)]


def _gateway_conditions(listeners: tuple[ListenerStatus, ...]) -> tuple[Condition, ...]:
    if listeners and all(x.valid for x in listeners):
        return (
            Condition("Accepted", "True", "Accepted", "The Gateway is accepted"),
            Condition("Programmed", "True", "Programmed", "The Gateway is programmed"),
        )
    if any(x.valid for x in listeners):
        return (
            Condition("Accepted", "True", "ListenersNotValid", "The Gateway has at least one valid listener"),
            Condition("Programmed", "True", "Programmed", "The Gateway is programmed"),
        )
    return (
        Condition("Accepted", "False", "ListenersNotValid", "The Gateway has no valid listeners"),
        Condition("Programmed", "False", "Invalid", "Gateway is not programmed: no valid listeners"),
    )


def _certificate_problem(gateway: Gateway, listener: Listener, secrets: tuple[ConfigData, ...]) -> tuple[str, str]:
    """Why an HTTPS listener has no certificate to serve (reason, message), ("", "") if it has one."""
    usable = usable_certificates(secrets)
    for key in listener.certificates:
        if key.partition("/")[0] != gateway.namespace:
            return "RefNotPermitted", f"Certificate ref to secret {key} not permitted by any ReferenceGrant"
        if key not in usable:
            return "InvalidCertificateRef", f"Secret {key} {why_unusable(secrets, key)}"
    return "", ""


def _listener_conditions(gateway: Gateway, secrets: tuple[ConfigData, ...]) -> dict[str, tuple[Condition, ...]]:
    """Each listener's conditions: a conflict with another listener on its port and hostname, an
    HTTPS listener's certificate it cannot use, route kinds it cannot take."""
    out: dict[str, tuple[Condition, ...]] = {}
    for listener in gateway.listeners:
        reason, why = _certificate_problem(gateway, listener, secrets)
        if reason:
            out[listener.name] = (
                Condition("Accepted", "False", reason, why),
                Condition("ResolvedRefs", "False", reason, why),
                Condition("Programmed", "False", "Invalid", why),
            )
            continue
        twins = [x for x in gateway.listeners if x.port == listener.port and x.hostname == listener.hostname]
        kinds_ok = "HTTPRoute" in listener.allowed_kinds
        if len(twins) > 1:
            why = f"Multiple listeners for port {listener.port} have the hostname {listener.hostname or '(any)'}"
            out[listener.name] = (
                Condition("Accepted", "False", "HostnameConflict", why),
                Condition("Programmed", "False", "Invalid", why),
                Condition("ResolvedRefs", "True", "ResolvedRefs", "All references are resolved"),
                Condition("Conflicted", "True", "HostnameConflict", why),
            )
            continue
        out[listener.name] = (
            Condition("Accepted", "True", "Accepted", "The Listener is accepted"),
            Condition("Programmed", "True", "Programmed", "The Listener is programmed"),
            Condition("ResolvedRefs", "True", "ResolvedRefs", "All references are resolved")
            if kinds_ok
            else Condition("ResolvedRefs", "False", "InvalidRouteKinds", "No supported kind in allowedRoutes.kinds"),
            Condition("Conflicted", "False", "NoConflicts", "No conflicts"),
        )
    return out


def _parents(
    objects: GatewayObjects,
    route: HTTPRoute,
    services: tuple[Service, ...],
    listener_ok: dict[str, dict[str, tuple[Condition, ...]]],
    namespace_labels: dict[str, str],
) -> tuple[ParentStatus, ...]:
    """Each parentRef's conditions; `namespace_labels` are the route's namespace's (Lab.namespace_labels)."""
    resolved = resolved_refs(route, services)
    out = []
    for ref in route.parents:
        gw = objects.gateway(ref.namespace, ref.name)
        if gw is None:
            out.append(ParentStatus(ref, (), note=f"no Gateway {ref.key}: no controller writes this status"))
            continue
        if not is_ngf(objects, gw):
            out.append(ParentStatus(ref, (), note=f"Gateway {ref.key} is not NGF's (class {gw.gateway_class})"))
            continue
        valid = [x for x in gw.listeners if _accepted(listener_ok[gw.key][x.name])]
        accepted, listeners = _acceptance(gw, [x for x in valid if _named(ref, x)], route, namespace_labels)
        out.append(ParentStatus(ref, (accepted, resolved), tuple(x.name for x in listeners)))
    return tuple(out)


def _accepted(conditions: tuple[Condition, ...]) -> bool:
    return any(c.type == "Accepted" and c.status == "True" for c in conditions)


def _named(ref: ParentRef, listener: Listener) -> bool:
    return (not ref.section or ref.section == listener.name) and (not ref.port or ref.port == listener.port)


def _acceptance(
    gateway: Gateway, named: list[Listener], route: HTTPRoute, namespace_labels: dict[str, str]
) -> tuple[Condition, list[Listener]]:
    """Accepted, and the listeners the route attaches to: named by its parentRef, admitting its
    namespace, sharing a hostname."""
    if not named:
        return Condition("Accepted", "False", "NoMatchingParent", "The Listener is not found for this parent ref"), []
    allowed = [x for x in named if admits(gateway, x, route.namespace, namespace_labels)]
    if not allowed:
        return Condition("Accepted", "False", "NotAllowedByListeners", "The Route is not allowed by any listener"), []
    matching = [x for x in allowed if hostnames(x.hostname, route.hostnames)]
    if not matching:
        why = "The Listener hostname does not match the Route hostnames"
        return Condition("Accepted", "False", "NoMatchingListenerHostname", why), []
    return Condition("Accepted", "True", "Accepted", "The Route is accepted"), matching


def admits(gateway: Gateway, listener: Listener, namespace: str, labels: dict[str, str]) -> bool:
    """allowedRoutes.namespaces: the Gateway's own (Same), any (All), or those whose labels the
    selector matches (Selector; `labels` are the namespace's as Lab.namespace_labels gives them: its
    Namespace object's, and kubernetes.io/metadata.name, which the API server sets)."""
    if "HTTPRoute" not in listener.allowed_kinds:
        return False
    if listener.allowed_from == "All":
        return True
    if listener.allowed_from == "Same":
        return namespace == gateway.namespace
    return all(labels.get(k) == v for k, v in listener.allowed_selector.items())


def hostnames(listener: str, route: tuple[str, ...]) -> tuple[str, ...]:
    """The hostnames a route serves on a listener ("" : every host), () when none in common."""
    if not route:
        return (listener,)
    if not listener:
        return route
    out = []
    for host in route:
        if host == listener or _covers(listener, host):
            out.append(host)
        elif _covers(host, listener):
            out.append(listener)
    return tuple(dict.fromkeys(out))


def _covers(wildcard: str, host: str) -> bool:
    """Whether `*.example.com` covers `host` (one or more labels before .example.com)."""
    suffix = wildcard[1:]
    return wildcard.startswith("*.") and host != wildcard and host.endswith(suffix) and len(host) > len(suffix)


def backend_problem(ref: BackendRef, route_namespace: str, services: tuple[Service, ...]) -> tuple[str, str] | None:
    """Why a backendRef resolves to no Service port (reason, message; NGF's messages name the field,
    so the caller adds its place), None if it does."""
    if (ref.group, ref.kind) != ("", "Service"):
        return "InvalidKind", f'kind: Unsupported value: "{ref.kind}": supported values: "Service"'
    if ref.namespace != route_namespace:
        why = f"Backend ref to Service {ref.namespace}/{ref.name} not permitted by any ReferenceGrant"
        return "RefNotPermitted", f"namespace: Forbidden: {why}"
    svc = next((s for s in services if (s.namespace, s.name) == (ref.namespace, ref.name)), None)
    if svc is None:
        return "BackendNotFound", f'name: Not found: "{ref.name}"'
    if not any(p.port == ref.port and p.protocol == "TCP" for p in svc.ports):
        return "BackendNotFound", f"port: Not found: {ref.port}"
    return None


def resolved_refs(route: HTTPRoute, services: tuple[Service, ...]) -> Condition:
    for i, rule in enumerate(route.rules):
        for j, ref in enumerate(rule.backends):
            problem = backend_problem(ref, route.namespace, services)
            if problem:
                return Condition("ResolvedRefs", "False", problem[0], f"spec.rules[{i}].backendRefs[{j}].{problem[1]}")
    return Condition("ResolvedRefs", "True", "ResolvedRefs", "All references are resolved")
