"""networking.k8s.io/v1 Ingress manifests, and the ingress controller a lab declares (pure).

An Ingress holds host and path rules that send HTTP requests to Services (by port number or
name), an optional `defaultBackend`, and an `ingressClassName`. Validation is the API server's
(pathType required; Exact and Prefix paths absolute, without `//`, `/./`, `/../`; hosts DNS names,
`*.` wildcards allowed, never IP addresses) and ingress-nginx's (strict-validate-path-type, on by
default: a path is `/` followed by letters, digits and `-._/`), which also keeps nginx's
configuration safe to write; ImplementationSpecific paths get the same check, since without
regular expressions (use-regex is not simulated) ingress-nginx treats them as Prefix. `tls[]`
takes hosts (validated as rule hosts) and an optional secretName (netlab.render.ingress serves
them); annotations are accepted and ignored, like every object's. In the lab file as written, every backend must name a
Service port of the lab (a typo would otherwise only show as a 503); after `apply`/`delete` a
missing one is allowed, as in a cluster, and the controller answers 503 for it.

The controller is declared as a real cluster declares ingress-nginx: a Deployment or Pod whose
container runs `/nginx-ingress-controller` (the binary's path in the ingress-nginx image), as
`command:` or `args:`. netlab runs nginx there (netlab.kernel.ingress), configured from the lab's
Ingresses (netlab.render.ingress). Flags it honours, as ingress-nginx v1.x reads them
(pkg/flags/flags.go, internal/ingress/controller/store/store.go): `--controller-class` (default
k8s.io/ingress-nginx: it serves the Ingresses whose IngressClass names that controller),
`--ingress-class` (default nginx; with `--ingress-class-by-name` the IngressClass of that name is
served whatever its controller), `--watch-ingress-without-class` (default false: an Ingress
without a class is not served), `--default-backend-service=NS/NAME` (where unmatched hosts go
instead of nginx's built-in 404), `--default-ssl-certificate=NS/NAME` (the default certificate
instead of the fake one), `--http-port` (80) and `--https-port` (443); the others
(`--publish-service`, `--election-id`, ...) are accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from netlab.model import fields
from netlab.model.lab import (
    CONTROLLER_BINARY,
    Container,
    Ingress,
    IngressBackend,
    IngressClass,
    IngressPath,
    IngressRule,
    IngressTLS,
    KubeObject,
    Service,
)
from netlab.model.schema import FieldReader, duplicates

PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
# What a path may hold (it goes into nginx's configuration): ingress-nginx's strict path validation
# (internal/ingress/inspector/rules.go, validPathType).
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")
INVALID_SEQUENCES = ("//", "/./", "/../")  # the API server's invalidPathSequences (%2f cannot pass SAFE_PATH)
INVALID_SUFFIXES = ("/..", "/.")
HOST = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
HOST_MAX = 253
PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")  # IANA_SVC_NAME, as Service port names
SERVICE_NAME = PORT_NAME  # a DNS label, as metadata.name of every object
SERVICE_NAME_MAX = 63
PORT_NAME_MAX = 15
CONTROLLER_CLASS = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(/[-A-Za-z0-9._~]+)+$")  # k8s.io/ingress-nginx

DEFAULT_CLASS = "nginx"
DEFAULT_CONTROLLER_CLASS = "k8s.io/ingress-nginx"
DEFAULT_HTTP_PORT = 80
DEFAULT_HTTPS_PORT = 443
VALUE_FLAGS = (
    "--ingress-class",
    "--controller-class",
    "--default-backend-service",
    "--default-ssl-certificate",
    "--http-port",
    "--https-port",
)
BOOL_FLAGS = ("--watch-ingress-without-class", "--ingress-class-by-name")
GO_BOOLS = {v: True for v in ("1", "t", "T", "TRUE", "true", "True")} | {
    v: False for v in ("0", "f", "F", "FALSE", "false", "False")
}  # what Go's strconv.ParseBool takes


@dataclass(frozen=True)
class ControllerFlags:
    """What an ingress-nginx controller container's command line says that netlab honours."""

    ingress_class: str = DEFAULT_CLASS
    default_backend: tuple[str, str] | None = None  # --default-backend-service NS/NAME
    http_port: int = DEFAULT_HTTP_PORT
    https_port: int = DEFAULT_HTTPS_PORT
    default_certificate: tuple[str, str] | None = None  # --default-ssl-certificate NS/NAME
    controller_class: str = DEFAULT_CONTROLLER_CLASS
    watch_without_class: bool = False
    class_by_name: bool = False

    def serves(self, ingress: Ingress, classes: tuple[IngressClass, ...]) -> bool:
        """Whether this controller serves the Ingress (ingress-nginx's store, GetIngressClass)."""
        return not self.why_not(ingress, classes)

    def why_not(self, ingress: Ingress, classes: tuple[IngressClass, ...]) -> str:
        """Why this controller does not serve the Ingress ("" if it does): its ingressClassName
        must name an IngressClass of this controller's --controller-class (or, with
        --ingress-class-by-name, the class named --ingress-class); an Ingress without a class is
        served only with --watch-ingress-without-class."""
        if ingress.ingress_class is None:
            if self.watch_without_class:
                return ""
            return "no ingressClassName (and no default IngressClass), --watch-ingress-without-class is false"
        found = next((c for c in classes if c.name == ingress.ingress_class), None)
        if found is None:
            return f"class {ingress.ingress_class}, but no IngressClass {ingress.ingress_class}"
        if found.controller == self.controller_class or (self.class_by_name and found.name == self.ingress_class):
            return ""
        return f"class {found.name} is {found.controller}'s, not this controller's ({self.controller_class})"


# -- the controller ---------------------------------------------------------------------------
def is_controller(container: Container) -> bool:
    """Whether the container runs ingress-nginx's controller (`/nginx-ingress-controller ...`)."""
    argv = container.command + container.args
    return bool(argv) and argv[0] in (CONTROLLER_BINARY, CONTROLLER_BINARY.lstrip("/"))


def controller_flags(container: Container) -> tuple[ControllerFlags, list[str]]:
    """The flags netlab honours from a controller container's command line, and what is wrong
    with them (as `--flag: problem`). Flags come as `--flag=value` or `--flag value`; boolean
    ones as `--flag` or `--flag=true|false`, as Go's flag package reads them."""
    values, problems = _flag_values(list(container.command + container.args)[1:])
    found: dict[str, Any] = {}
    for flag, (key, read) in FLAG_READERS.items():
        if flag in values:
            value, why = read(flag, values[flag])
            if why:
                problems.append(f"{flag}: {values[flag]!r} {why}")
            else:
                found[key] = value
    flags = ControllerFlags(**found)
    if flags.http_port == flags.https_port:
        problems.append(f"--https-port: {flags.https_port} is the --http-port too")
    return flags, problems


def _class_name(flag: str, text: str) -> tuple[str, str]:
    pattern_ok = CONTROLLER_CLASS.match(text) if flag == "--controller-class" else HOST.match(text) and "*" not in text
    return text, "" if pattern_ok else "is not a class name"


def _namespaced(_flag: str, text: str) -> tuple[tuple[str, str], str]:
    namespace, slash, name = text.partition("/")
    return (namespace, name), "" if slash and namespace and name else "is not NAMESPACE/NAME"


def _port(_flag: str, text: str) -> tuple[int, str]:
    ok = text.isdigit() and 0 < int(text) < 65536
    return (int(text) if ok else 0), "" if ok else "is not a port number"


def _boolean(_flag: str, text: str) -> tuple[bool, str]:
    return GO_BOOLS.get(text, False), "" if text in GO_BOOLS else "is not true or false"


# flag -> (ControllerFlags field, reader of its value: the value and what is wrong with it)
FLAG_READERS: dict[str, tuple[str, Callable[[str, str], tuple[Any, str]]]] = {
    "--ingress-class": ("ingress_class", _class_name),
    "--controller-class": ("controller_class", _class_name),
    "--default-backend-service": ("default_backend", _namespaced),
    "--default-ssl-certificate": ("default_certificate", _namespaced),
    "--http-port": ("http_port", _port),
    "--https-port": ("https_port", _port),
    "--watch-ingress-without-class": ("watch_without_class", _boolean),
    "--ingress-class-by-name": ("class_by_name", _boolean),
}


def _flag_values(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    problems: list[str] = []
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name in BOOL_FLAGS and not eq:
            value = "true"
        elif name in VALUE_FLAGS and not eq:
            if i + 1 >= len(argv):
                problems.append(f"{name}: needs a value")
                break
            value, i = argv[i + 1], i + 1
        values[name] = value
        i += 1
    return values, problems


def controllers(objects: tuple[KubeObject, ...]) -> list[tuple[KubeObject, Container]]:
    """The objects (Deployment or Pod) whose containers run the ingress controller."""
    return [(obj, c) for obj in objects for c in obj.template.containers if is_controller(c)]


# -- reading ----------------------------------------------------------------------------------
def read_ingress(r: FieldReader, spec_raw: Any, name: str, namespace: str, label: str) -> Ingress:
    """The Ingress from its `spec`; problems go to the reader with `label` (e.g. "Ingress web")."""
    place = f"{label}: spec"
    spec = r.mapping(spec_raw, place, fields.INGRESS_SPEC)
    ingress_class = spec.get("ingressClassName")
    if ingress_class is not None:
        ingress_class = r.string(ingress_class, f"{place}.ingressClassName", HOST, HOST_MAX)
    default = None
    if spec.get("defaultBackend") is not None:
        default = _backend(r, spec["defaultBackend"], f"{place}.defaultBackend")
    rules = []
    for i, raw in enumerate(r.sequence(spec.get("rules"), f"{place}.rules")):
        rplace = f"{place}.rules[{i}]"
        rule = r.mapping(raw, rplace, fields.INGRESS_RULE)
        host = rule.get("host") or ""
        if host:
            host = _host(r, host, f"{rplace}.host")
        paths = []
        if "http" in rule:
            http = r.mapping(rule.get("http"), f"{rplace}.http", fields.HTTP_INGRESS_RULE_VALUE, required=("paths",))
            for j, praw in enumerate(r.sequence(http.get("paths"), f"{rplace}.http.paths")):
                paths.append(_path(r, praw, f"{rplace}.http.paths[{j}]"))
            if http.get("paths") is not None and not paths:
                r.problem(f"{rplace}.http.paths", "needs at least one path")
        rules.append(IngressRule(host, tuple(paths)))
    if not rules and default is None and spec_raw is not None:
        r.problem(place, "either defaultBackend or rules must be specified")
    tls = tuple(_tls(r, raw, f"{place}.tls[{i}]") for i, raw in enumerate(r.sequence(spec.get("tls"), f"{place}.tls")))
    return Ingress(name, namespace, tuple(rules), default, ingress_class, tls)


def _tls(r: FieldReader, raw: Any, place: str) -> IngressTLS:
    """A spec.tls entry: its hosts (DNS names, `*.` wildcards), its Secret (optional: without one
    ingress-nginx serves those hosts with its default certificate)."""
    t = r.mapping(raw, place, fields.INGRESS_TLS)
    hosts = tuple(
        _host(r, h, f"{place}.hosts[{j}]") for j, h in enumerate(r.sequence(t.get("hosts"), f"{place}.hosts"))
    )
    secret = ""
    if t.get("secretName"):
        secret = r.string(t["secretName"], f"{place}.secretName")
    return IngressTLS(tuple(h for h in hosts if h), secret)


def _host(r: FieldReader, value: Any, place: str) -> str:
    host = r.string(value, place)
    if not host:
        return ""
    try:
        IPv4Address(host)
        r.problem(place, f"{host!r} must be a DNS name, not an IP address")
        return ""
    except ValueError:
        pass
    if len(host) > HOST_MAX or not HOST.match(host):
        r.problem(place, f"{host!r} is not a lower-case DNS name (a.example, or *.example for one label)")
        return ""
    return host


def _path(r: FieldReader, raw: Any, place: str) -> IngressPath:
    p = r.mapping(raw, place, fields.HTTP_INGRESS_PATH, required=("pathType", "backend"))
    path_type = p.get("pathType")
    if path_type is not None:
        path_type = r.choice(path_type, f"{place}.pathType", PATH_TYPES)
    path = p.get("path", "/" if path_type == "ImplementationSpecific" else None)
    if path is None:
        r.problem(f"{place}.path", f"must be an absolute path (pathType {path_type} needs one)")
        path = "/"
    path = str(path)
    if why := path_problem(path, "as ingress-nginx validates paths (its use-regex is not simulated)"):
        r.problem(f"{place}.path", why)
    backend = _backend(r, p.get("backend"), f"{place}.backend")
    return IngressPath(path, path_type or "Prefix", backend)


def path_problem(path: str, why_safe: str) -> str:
    """What is wrong with an HTTP path that goes into nginx's configuration ("" if nothing): the API
    server's rules, then the safe characters (`why_safe` says whose rule that is)."""
    if not path.startswith("/"):
        return f"{path!r} must be an absolute path (start with '/')"
    if any(s in path for s in INVALID_SEQUENCES) or path.endswith(INVALID_SUFFIXES):
        return f"{path!r} must not contain '//', '/./' or '/../' nor end in '/.' or '/..'"
    if not SAFE_PATH.match(path):
        return f"{path!r} may hold only letters, digits and - . _ / after its first '/', {why_safe}"
    return ""


def _backend(r: FieldReader, raw: Any, place: str) -> IngressBackend:
    refused = isinstance(raw, dict) and "resource" in raw  # said already: no "service is required" too
    b = r.mapping(raw, place, fields.INGRESS_BACKEND, required=() if refused else ("service",))
    s = r.mapping(b.get("service"), f"{place}.service", fields.INGRESS_SERVICE_BACKEND, required=("name", "port"))
    name = ""
    if s.get("name") is not None:
        name = r.string(s.get("name"), f"{place}.service.name", SERVICE_NAME, SERVICE_NAME_MAX)
    port_raw = r.mapping(s.get("port"), f"{place}.service.port", fields.SERVICE_BACKEND_PORT)
    port: int | str = 0
    if "number" in port_raw and "name" in port_raw:
        r.problem(f"{place}.service.port", "cannot set both port name and port number")
    elif "number" in port_raw:
        port = r.integer(port_raw["number"], f"{place}.service.port.number", 1, 65535)
    elif "name" in port_raw:
        port = r.string(port_raw["name"], f"{place}.service.port.name", PORT_NAME, PORT_NAME_MAX)
    elif s.get("port") is not None:
        r.problem(f"{place}.service.port", "port name or number is required")
    return IngressBackend(name, port)


# -- references -------------------------------------------------------------------------------
def check_ingresses(
    r: FieldReader,
    ingresses: tuple[Ingress, ...],
    services: tuple[Service, ...],
    objects: tuple[KubeObject, ...],
    strict: bool,
    classes: tuple[IngressClass, ...] = (),
) -> None:
    """Names unique per namespace (IngressClasses: in the cluster); with `strict` (the lab file as
    written), every backend a port of a Service of the lab, and every controller's
    --default-backend-service a Service of the lab. The controllers' flags are checked always."""
    for namespace, name in duplicates([(i.namespace, i.name) for i in ingresses]):
        r.problem(f"Ingress {name}", f"two Ingresses are named {name} in namespace {namespace}")
    for name in duplicates([c.name for c in classes]):
        r.problem(f"IngressClass {name}", f"two IngressClasses are named {name}")
    by_key = {(s.namespace, s.name): s for s in services}
    for obj, container in controllers(objects):
        flags, problems = controller_flags(container)
        spec = "spec" if type(obj).__name__ == "Pod" else "spec.template.spec"
        where = f"{type(obj).__name__} {obj.name}: {spec}.containers[{obj.template.containers.index(container)}]." + (
            "command" if container.command else "args"
        )
        for problem in problems:
            r.problem(where, f"ingress-nginx controller: {problem}")
        if strict and flags.default_backend and flags.default_backend not in by_key:
            r.problem(
                where,
                f"ingress-nginx controller: --default-backend-service: no Service "
                f"{'/'.join(flags.default_backend)} in the lab",
            )
    if not strict:
        return
    for ing in ingresses:
        label = f"Ingress {ing.name}: spec"
        wanted = [("defaultBackend", ing.default_backend)] if ing.default_backend else []
        wanted += [
            (f"rules[{i}].http.paths[{j}].backend", p.backend)
            for i, rule in enumerate(ing.rules)
            for j, p in enumerate(rule.paths)
        ]
        for place, backend in wanted:
            why = _unresolved(backend, by_key.get((ing.namespace, backend.service)), ing.namespace)
            if why:
                r.problem(f"{label}.{place}.service", why)


def _unresolved(backend: IngressBackend, svc: Service | None, namespace: str) -> str:
    """Why a backend names no usable Service port ("" if it does)."""
    if not backend.service or not backend.port:
        return ""  # already a problem of its own
    if svc is None:
        return f"no Service named {backend.service!r} in namespace {namespace}"
    if svc.type == "ExternalName":
        return f"Service {svc.name} is an ExternalName Service: those backends are not simulated yet"
    port = next((p for p in svc.ports if (p.port if isinstance(backend.port, int) else p.name) == backend.port), None)
    if port is None:
        have = ", ".join(str(p.port) + (f" ({p.name})" if p.name else "") for p in svc.ports)
        return f"Service {svc.name} has no port {backend.port!r} (its ports: {have})"
    if port.protocol != "TCP":
        return f"Service {svc.name} port {backend.port!r} is {port.protocol}: an Ingress backend must be TCP"
    return ""
