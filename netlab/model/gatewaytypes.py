"""The Gateway API objects a lab holds (gateway.networking.k8s.io/v1), as plain frozen dataclasses.

Read and checked by netlab.model.gateway, their status computed by netlab.model.gatewaystatus,
served by nginx as NGINX Gateway Fabric configures it (netlab.render.gateway).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GatewayClass:
    name: str
    controller: str  # spec.controllerName


@dataclass(frozen=True)
class Listener:
    """A Gateway's listener: where it accepts which routes."""

    name: str
    port: int
    protocol: str  # HTTP or HTTPS
    hostname: str = ""  # "": every host
    allowed_from: str = "Same"  # allowedRoutes.namespaces.from: Same | All | Selector
    allowed_selector: dict[str, str] = field(default_factory=dict)  # ... selector.matchLabels (Selector)
    allowed_kinds: tuple[str, ...] = ("HTTPRoute",)  # allowedRoutes.kinds (the protocol's default)
    certificates: tuple[str, ...] = ()  # HTTPS: tls.certificateRefs, as namespace/name of Secrets


@dataclass(frozen=True)
class Gateway:
    name: str
    namespace: str
    gateway_class: str
    listeners: tuple[Listener, ...]
    position: int = field(default=0, compare=False)  # its place among the lab file's objects

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ParentRef:
    """A route's parentRefs entry: a Gateway (of the route's namespace unless given), one listener
    by name (`section`) or port, or all of them."""

    name: str
    namespace: str
    section: str = ""
    port: int = 0
    kind: str = "Gateway"
    group: str = "gateway.networking.k8s.io"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class HeaderMatch:
    name: str
    value: str


@dataclass(frozen=True)
class RouteMatch:
    """One entry of a rule's matches: a path, and the headers, query parameters and method it needs
    too (all of them: AND). Only Exact values (RegularExpression is refused)."""

    path_type: str = "PathPrefix"  # PathPrefix | Exact
    path: str = "/"
    headers: tuple[HeaderMatch, ...] = ()
    query: tuple[HeaderMatch, ...] = ()
    method: str = ""

    @property
    def conditions(self) -> bool:
        """Whether it tests more than the path (NGF's httpmatches.js decides, netlab's maps here)."""
        return bool(self.headers or self.query or self.method)


@dataclass(frozen=True)
class HeaderModifier:
    """A RequestHeaderModifier filter: headers set, added (after the client's own) and removed."""

    set: tuple[HeaderMatch, ...] = ()
    add: tuple[HeaderMatch, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Redirect:
    """A RequestRedirect filter; None: the request's own (scheme, host, listener's port)."""

    scheme: str | None = None
    hostname: str | None = None
    port: int | None = None
    status: int = 302


@dataclass(frozen=True)
class BackendRef:
    name: str
    namespace: str
    port: int
    weight: int = 1
    kind: str = "Service"
    group: str = ""


@dataclass(frozen=True)
class RouteRule:
    matches: tuple[RouteMatch, ...] = (RouteMatch(),)
    backends: tuple[BackendRef, ...] = ()
    header_modifier: HeaderModifier | None = None
    redirect: Redirect | None = None


@dataclass(frozen=True)
class HTTPRoute:
    name: str
    namespace: str
    parents: tuple[ParentRef, ...]
    hostnames: tuple[str, ...] = ()
    rules: tuple[RouteRule, ...] = (RouteRule(),)
    position: int = field(default=0, compare=False)  # file order: the API's creation timestamp

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class GatewayObjects:
    """A lab's Gateway API objects, in file order."""

    classes: tuple[GatewayClass, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    routes: tuple[HTTPRoute, ...] = ()

    def gateway(self, namespace: str, name: str) -> Gateway | None:
        return next((g for g in self.gateways if (g.namespace, g.name) == (namespace, name)), None)

    def gateway_class(self, name: str) -> GatewayClass | None:
        return next((c for c in self.classes if c.name == name), None)
