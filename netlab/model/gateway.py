"""gateway.networking.k8s.io/v1 GatewayClass, Gateway and HTTPRoute manifests (pure), and the data
plane NGINX Gateway Fabric provisions for each of its Gateways.

Validation is the API's (its CRDs' schemas and CEL rules: listener names unique, a Service
backendRef needs a port, paths absolute without `//`, `/./`, `/../`) and NGINX Gateway Fabric's
(it writes names and values into nginx's configuration: header names letters, digits and `-`, no
`"`, `\\` or `$` in values). What the API accepts but reports in status instead (a backendRef to a
missing Service, a parentRef to a Gateway that does not exist, a listener that admits no route)
is accepted here too, and `netlab status` shows the conditions (netlab.model.gatewaystatus).

Provisioning, as NGF 2.x does it (internal/controller/provisioner): a Gateway of a GatewayClass
whose controllerName is NGF's gets a Deployment and a Service named `<gateway>-<gatewayclass>` in
its namespace, one replica running nginx (container `nginx`), and a LoadBalancer Service with
one port `port-<N>` per listener port (targetPort the same), externalTrafficPolicy Local. netlab adds them to the lab's
objects at the Gateway's place in the file, so applying a Gateway makes its pod and Service
appear, and deleting it takes them away, as in a cluster.
"""

from __future__ import annotations

import re
from typing import Any

from netlab.model import fields, ingress
from netlab.model.gatewaytypes import (
    BackendRef,
    Gateway,
    GatewayClass,
    GatewayObjects,
    HeaderMatch,
    HeaderModifier,
    HTTPRoute,
    Listener,
    ParentRef,
    Redirect,
    RouteMatch,
    RouteRule,
)
from netlab.model.lab import Container, ContainerPort, Deployment, KubeObject, PodTemplate, Service, ServicePort
from netlab.model.schema import FieldReader, duplicates

NGF_CONTROLLER = "gateway.nginx.org/nginx-gateway-controller"  # NGF's default --gateway-ctlr-name
API_GROUP = "gateway.networking.k8s.io"
# The data plane container netlab runs nginx in (NGF's image runs nginx with its agent).
DATA_PLANE_COMMAND = "netlab-gateway-nginx"
DATA_PLANE_CONTAINER = "nginx"
APP_NAME_LABEL = "app.kubernetes.io/name"
GATEWAY_LABEL = "gateway.networking.k8s.io/gateway-name"
NAME_MAX = 63  # NGF's MaxServiceNameLen: longer names are cut and hashed (not simulated: refused)

PROTOCOLS = ("HTTP", "HTTPS", "TLS", "TCP", "UDP")
FROM = ("Same", "All", "Selector")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
PATH_TYPES = ("PathPrefix", "Exact", "RegularExpression")
REDIRECT_CODES = (301, 302)  # the API's core support; NGF supports these two
SECTION_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")  # what an nginx variable name ($http_...) can carry
QUERY_NAME = re.compile(r"^[A-Za-z0-9_]+$")  # what $arg_... can carry
UNSAFE_VALUE = re.compile(r'["\\$\x00-\x1f\x7f]')
WEIGHT_MAX = 1000000
LISTENERS_MAX = 64
RULES_MAX = 16
MATCHES_MAX = 64


# -- the data plane ---------------------------------------------------------------------------
def data_plane_name(gateway: Gateway) -> str:
    """NGF's name for a Gateway's nginx Deployment and Service: `<gateway>-<gatewayclass>`."""
    return f"{gateway.name}-{gateway.gateway_class}"


def served_gateway(container: Container) -> str | None:
    """The Gateway (namespace/name) whose data plane the container is, None if it is none."""
    if container.command[:1] == (DATA_PLANE_COMMAND,) and len(container.command) == 2:
        return container.command[1]
    return None


def is_ngf(objects: GatewayObjects, gateway: Gateway) -> bool:
    """Whether NGF serves the Gateway: its GatewayClass exists and names NGF's controller."""
    cls = objects.gateway_class(gateway.gateway_class)
    return cls is not None and cls.controller == NGF_CONTROLLER


def provision(
    objects: GatewayObjects, workloads: tuple[KubeObject, ...], services: tuple[Service, ...]
) -> tuple[tuple[KubeObject, ...], tuple[Service, ...]]:
    """The lab's workloads and Services with each NGF Gateway's nginx Deployment and Service added."""
    deployments, lbs = [], []
    for gw in objects.gateways:
        if not is_ngf(objects, gw):
            continue
        name = data_plane_name(gw)
        labels = {APP_NAME_LABEL: name, GATEWAY_LABEL: gw.name}
        ports = sorted({listener.port for listener in gw.listeners})
        container = Container(
            DATA_PLANE_CONTAINER,
            command=(DATA_PLANE_COMMAND, gw.key),
            ports=tuple(ContainerPort(p, "TCP", f"port-{p}") for p in ports),
        )
        template = PodTemplate(labels=dict(labels), containers=(container,))
        deployments.append(Deployment(name, gw.namespace, 1, dict(labels), template, position=gw.position))
        lbs.append(
            Service(
                name,
                gw.namespace,
                tuple(ServicePort(p, "TCP", f"port-{p}", p) for p in ports),
                dict(labels),
                type="LoadBalancer",
                external_policy="Local",  # NGF's default: nginx sees the client's address
                position=gw.position,
            )
        )
    return (*workloads, *deployments), (*services, *lbs)


# -- reading ----------------------------------------------------------------------------------
def read_gateway_class(r: FieldReader, spec_raw: Any, name: str, label: str) -> GatewayClass:
    spec = r.mapping(spec_raw, f"{label}: spec", fields.GATEWAY_CLASS_SPEC, required=("controllerName",))
    controller = spec.get("controllerName")
    return GatewayClass(name, r.string(controller, f"{label}: spec.controllerName") if controller else "")


def read_gateway(r: FieldReader, spec_raw: Any, name: str, namespace: str, label: str, position: int) -> Gateway:
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.GATEWAY_SPEC, required=("gatewayClassName", "listeners"))
    cls = spec.get("gatewayClassName")
    cls = r.string(cls, f"{place}.gatewayClassName", SECTION_NAME, 253) if cls is not None else ""
    raws = r.sequence(spec.get("listeners"), f"{place}.listeners")
    if spec.get("listeners") is not None and not 1 <= len(raws) <= LISTENERS_MAX:
        r.problem(f"{place}.listeners", f"needs 1 to {LISTENERS_MAX} listeners")
    listeners = tuple(_listener(r, raw, f"{place}.listeners[{i}]", namespace) for i, raw in enumerate(raws))
    for dup in duplicates([x.name for x in listeners if x.name]):
        r.problem(f"{place}.listeners", f"two listeners are named {dup!r} (listener names must be unique)")
    if len(f"{name}-{cls}") > NAME_MAX:
        r.problem(f"{label}: metadata.name", f"{name}-{cls} (NGF's name for its nginx) is longer than {NAME_MAX}")
    return Gateway(name, namespace, cls, listeners, position)


def _listener(r: FieldReader, raw: Any, place: str, namespace: str) -> Listener:
    m = r.mapping(raw, place, fields.LISTENER, required=("name", "port", "protocol"))
    name = r.string(m["name"], f"{place}.name", SECTION_NAME, 253) if m.get("name") is not None else ""
    port = r.integer(m["port"], f"{place}.port", 1, 65535) if m.get("port") is not None else 80
    protocol = "HTTP"
    if m.get("protocol") is not None:
        protocol = r.choice(m["protocol"], f"{place}.protocol", PROTOCOLS)
        if protocol in ("TLS", "TCP", "UDP"):
            r.problem(f"{place}.protocol", f"{protocol} listeners (TLSRoute, TCPRoute, UDPRoute) are not simulated")
    hostname = ingress._host(r, m["hostname"], f"{place}.hostname") if m.get("hostname") else ""
    allowed = r.mapping(m.get("allowedRoutes"), f"{place}.allowedRoutes", fields.ALLOWED_ROUTES)
    ns = r.mapping(allowed.get("namespaces"), f"{place}.allowedRoutes.namespaces", fields.ROUTE_NAMESPACES)
    where = f"{place}.allowedRoutes.namespaces"
    source = r.choice(ns["from"], f"{where}.from", FROM) if ns.get("from") is not None else "Same"
    selector: dict[str, str] = {}
    if source == "Selector":
        sel = r.mapping(ns.get("selector"), f"{where}.selector", fields.NAMESPACE_SELECTOR)
        selector = r.labels(sel.get("matchLabels"), f"{where}.selector.matchLabels")
        if not selector:
            r.problem(f"{where}.selector", "from: Selector needs a selector with matchLabels")
    kinds: tuple[str, ...] = ("HTTPRoute",)
    if allowed.get("kinds") is not None:
        kinds = tuple(
            str(k.get("kind", ""))
            for i, raw_kind in enumerate(r.sequence(allowed["kinds"], f"{place}.allowedRoutes.kinds"))
            if (k := r.mapping(raw_kind, f"{place}.allowedRoutes.kinds[{i}]", fields.ROUTE_GROUP_KIND, ("kind",)))
        )
    certificates = _tls(r, m, protocol, place, namespace)
    return Listener(name, port, protocol, hostname, source, selector, kinds, certificates)


def _tls(r: FieldReader, listener: dict, protocol: str, place: str, namespace: str) -> tuple[str, ...]:
    """An HTTPS listener's certificateRefs (Secrets, namespace/name; the Gateway's namespace unless
    given), as the API's rules have them: tls is required for HTTPS and refused for HTTP; mode
    Terminate (Passthrough is a TLSRoute's) needs certificateRefs."""
    raw, where = listener.get("tls"), f"{place}.tls"
    if protocol != "HTTPS":
        if raw is not None:
            r.problem(where, f"must not be specified for protocol {protocol}")
        return ()
    if raw is None:
        r.problem(where, "must be specified for protocol HTTPS")
        return ()
    tls = r.mapping(raw, where, fields.GATEWAY_TLS_CONFIG)
    if tls.get("mode", "Terminate") != "Terminate":
        r.problem(f"{where}.mode", f"{tls.get('mode')!r}: Terminate is simulated (Passthrough is a TLSRoute's)")
    refs = r.sequence(tls.get("certificateRefs"), f"{where}.certificateRefs")
    if not refs:
        r.problem(f"{where}.certificateRefs", "needs a certificate (mode Terminate)")
    out = []
    for i, ref_raw in enumerate(refs):
        ref = r.mapping(ref_raw, f"{where}.certificateRefs[{i}]", fields.SECRET_OBJECT_REF, required=("name",))
        if (ref.get("group", ""), ref.get("kind", "Secret")) != ("", "Secret"):
            r.problem(f"{where}.certificateRefs[{i}]", "only Secrets (kind Secret, core group) are simulated")
        if ref.get("name"):
            out.append(f"{ref.get('namespace') or namespace}/{ref['name']}")
    return tuple(out)


def read_http_route(r: FieldReader, spec_raw: Any, name: str, namespace: str, label: str, position: int) -> HTTPRoute:
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.HTTP_ROUTE_SPEC)
    parents = tuple(
        _parent(r, raw, f"{place}.parentRefs[{i}]", namespace)
        for i, raw in enumerate(r.sequence(spec.get("parentRefs"), f"{place}.parentRefs"))
    )
    hostnames = tuple(
        ingress._host(r, h, f"{place}.hostnames[{i}]")
        for i, h in enumerate(r.sequence(spec.get("hostnames"), f"{place}.hostnames"))
    )
    raws = r.sequence(spec.get("rules"), f"{place}.rules")
    if len(raws) > RULES_MAX:
        r.problem(f"{place}.rules", f"{len(raws)} rules, at most {RULES_MAX}")
    rules = tuple(_rule(r, raw, f"{place}.rules[{i}]", namespace) for i, raw in enumerate(raws))
    return HTTPRoute(name, namespace, parents, tuple(h for h in hostnames if h), rules or (RouteRule(),), position)


def _parent(r: FieldReader, raw: Any, place: str, namespace: str) -> ParentRef:
    m = r.mapping(raw, place, fields.PARENT_REF, required=("name",))
    kind, group = str(m.get("kind", "Gateway")), str(m.get("group", API_GROUP))
    if (group, kind) != (API_GROUP, "Gateway"):
        r.problem(place, f"parents of kind {group or 'core'}/{kind} are not simulated (a Gateway is)")
    name = r.string(m["name"], f"{place}.name", SECTION_NAME, 253) if m.get("name") is not None else ""
    ns = r.string(m["namespace"], f"{place}.namespace", SECTION_NAME, 63) if m.get("namespace") else namespace
    section = r.string(m["sectionName"], f"{place}.sectionName", SECTION_NAME, 253) if m.get("sectionName") else ""
    port = r.integer(m["port"], f"{place}.port", 1, 65535) if m.get("port") is not None else 0
    return ParentRef(name, ns, section, port)


def _rule(r: FieldReader, raw: Any, place: str, namespace: str) -> RouteRule:
    m = r.mapping(raw, place, fields.HTTP_ROUTE_RULE)
    raws = r.sequence(m.get("matches"), f"{place}.matches")
    if len(raws) > MATCHES_MAX:
        r.problem(f"{place}.matches", f"{len(raws)} matches, at most {MATCHES_MAX}")
    matches = tuple(_match(r, x, f"{place}.matches[{i}]") for i, x in enumerate(raws)) or (RouteMatch(),)
    backends = tuple(
        _backend(r, x, f"{place}.backendRefs[{i}]", namespace)
        for i, x in enumerate(r.sequence(m.get("backendRefs"), f"{place}.backendRefs"))
    )
    modifier, redirect = None, None
    for i, x in enumerate(r.sequence(m.get("filters"), f"{place}.filters")):
        where = f"{place}.filters[{i}]"
        f = r.mapping(x, where, fields.HTTP_ROUTE_FILTER, required=("type",))
        kind = f.get("type")
        if kind == "RequestHeaderModifier" and modifier is None:
            modifier = _modifier(r, f.get("requestHeaderModifier"), f"{where}.requestHeaderModifier")
        elif kind == "RequestRedirect" and redirect is None:
            redirect = _redirect(r, f.get("requestRedirect"), f"{where}.requestRedirect")
        elif kind in ("RequestHeaderModifier", "RequestRedirect"):
            r.problem(f"{where}.type", f"a rule takes one {kind} filter at most")
        elif kind is not None and not any(key in fields.HTTP_ROUTE_FILTER.refused for key in x):
            r.problem(f"{where}.type", f"{kind!r}: RequestHeaderModifier and RequestRedirect are simulated")
    if redirect and backends:
        r.problem(f"{place}.filters", "a RequestRedirect rule cannot have backendRefs too")
    return RouteRule(matches, backends, modifier, redirect)


def _match(r: FieldReader, raw: Any, place: str) -> RouteMatch:
    m = r.mapping(raw, place, fields.HTTP_ROUTE_MATCH)
    path_type, path = "PathPrefix", "/"
    if m.get("path") is not None:
        p = r.mapping(m["path"], f"{place}.path", fields.HTTP_PATH_MATCH)
        path_type = r.choice(p.get("type", "PathPrefix"), f"{place}.path.type", PATH_TYPES)
        if path_type == "RegularExpression":
            r.problem(f"{place}.path.type", "RegularExpression paths are not simulated (PathPrefix and Exact are)")
        path = str(p.get("value", "/"))
        if why := ingress.path_problem(path, "as netlab writes paths into nginx's configuration"):
            r.problem(f"{place}.path.value", why)
    headers = _exact_matches(r, m.get("headers"), f"{place}.headers", HEADER_NAME)
    query = _exact_matches(r, m.get("queryParams"), f"{place}.queryParams", QUERY_NAME)
    method = r.choice(m["method"], f"{place}.method", METHODS) if m.get("method") is not None else ""
    return RouteMatch(path_type, path, headers, query, method)


def _exact_matches(r: FieldReader, raw: Any, place: str, name_pattern: re.Pattern) -> tuple[HeaderMatch, ...]:
    out = []
    for i, x in enumerate(r.sequence(raw, place)):
        m = r.mapping(x, f"{place}[{i}]", fields.HTTP_HEADER_MATCH, required=("name", "value"))
        if m.get("type", "Exact") != "Exact":
            r.problem(f"{place}[{i}].type", f"{m.get('type')!r} is not simulated (Exact is)")
        out.append(_name_value(r, m, f"{place}[{i}]", name_pattern))
    for dup in duplicates([h.name.lower() for h in out if h.name]):
        r.problem(place, f"{dup!r} is matched twice (each name once)")
    return tuple(out)


def _name_value(r: FieldReader, m: dict, place: str, name_pattern: re.Pattern) -> HeaderMatch:
    name = str(m.get("name") or "")
    value = str(m.get("value") or "")
    if name and not name_pattern.match(name):
        allowed = "-" if name_pattern is HEADER_NAME else "_"
        why = f"{name!r}: netlab takes letters, digits and {allowed} here (an nginx variable's name)"
        r.problem(f"{place}.name", why)
    if UNSAFE_VALUE.search(value):
        r.problem(f"{place}.value", f"{value!r} must not hold '\"', '\\\\', '$' or control characters (NGF's rule)")
    return HeaderMatch(name, value)


def _modifier(r: FieldReader, raw: Any, place: str) -> HeaderModifier:
    m = r.mapping(raw, place, fields.HTTP_HEADER_FILTER)

    def headers(key: str) -> tuple[HeaderMatch, ...]:
        out = []
        for i, x in enumerate(r.sequence(m.get(key), f"{place}.{key}")):
            where = f"{place}.{key}[{i}]"
            out.append(_name_value(r, r.mapping(x, where, fields.HTTP_HEADER, ("name", "value")), where, HEADER_NAME))
        return tuple(out)

    remove = r.strings(m.get("remove"), f"{place}.remove")
    for name in remove:
        if not HEADER_NAME.match(name):
            r.problem(f"{place}.remove", f"{name!r}: netlab takes letters, digits and - here")
    return HeaderModifier(headers("set"), headers("add"), remove)


def _redirect(r: FieldReader, raw: Any, place: str) -> Redirect:
    m = r.mapping(raw, place, fields.HTTP_REQUEST_REDIRECT)
    scheme = r.choice(m["scheme"], f"{place}.scheme", ("http", "https")) if m.get("scheme") else None
    hostname = ingress._host(r, m["hostname"], f"{place}.hostname") if m.get("hostname") else None
    if hostname and hostname.startswith("*"):
        r.problem(f"{place}.hostname", "a redirect's hostname cannot be a wildcard")
    port = r.integer(m["port"], f"{place}.port", 1, 65535) if m.get("port") is not None else None
    status = 302
    if m.get("statusCode") is not None:
        status = r.integer(m["statusCode"], f"{place}.statusCode", 100, 599)
        if status not in REDIRECT_CODES:
            r.problem(f"{place}.statusCode", f"{status} is not simulated (301 and 302 are, as NGF supports them)")
    return Redirect(scheme, hostname or None, port, status)


def _backend(r: FieldReader, raw: Any, place: str, namespace: str) -> BackendRef:
    m = r.mapping(raw, place, fields.HTTP_BACKEND_REF, required=("name",))
    kind, group = str(m.get("kind", "Service")), str(m.get("group", ""))
    name = r.string(m["name"], f"{place}.name", ingress.SERVICE_NAME, 253) if m.get("name") is not None else ""
    ns = r.string(m["namespace"], f"{place}.namespace", SECTION_NAME, 63) if m.get("namespace") else namespace
    port = 0
    if m.get("port") is not None:
        port = r.integer(m["port"], f"{place}.port", 1, 65535)
    elif (group, kind) == ("", "Service"):
        r.problem(f"{place}.port", "is required for a Service backendRef")
    weight = r.integer(m["weight"], f"{place}.weight", 0, WEIGHT_MAX) if m.get("weight") is not None else 1
    return BackendRef(name, ns, port, weight, kind, group)


# -- references -------------------------------------------------------------------------------
def check_gateway_objects(r: FieldReader, objects: GatewayObjects) -> None:
    """Names unique: GatewayClasses in the cluster, Gateways and HTTPRoutes per namespace."""
    for name in duplicates([c.name for c in objects.classes]):
        r.problem(f"GatewayClass {name}", f"two GatewayClasses are named {name}")
    for kind, items in (("Gateway", objects.gateways), ("HTTPRoute", objects.routes)):
        for namespace, name in duplicates([(x.namespace, x.name) for x in items]):
            r.problem(f"{kind} {name}", f"two {kind}s are named {name} in namespace {namespace}")
