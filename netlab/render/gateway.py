"""A Gateway's nginx configuration, as NGINX Gateway Fabric 2.6 writes it (pure, golden-tested).

NGF's data plane is nginx; its control plane renders the configuration from the Gateway API
objects (internal/controller/nginx/config: servers, upstreams, split_clients, maps) and nginx
serves it. What netlab writes for a Gateway, from its listeners and the HTTPRoutes attached to them
(netlab.model.gatewaystatus decides which attach where):

* per listener port, a default server that answers 404 (no route has the request's Host), then
  one server per hostname a route serves there (`~^`, any host, for a route and a listener
  without hostnames). A server without a route for `/` answers 404 there.
* locations: Exact /p is `location = /p`; PathPrefix /p is `location /p/` plus `location = /p`,
  PathPrefix / is `location /`. Every match that falls on a location is tried in the API's order
  of precedence (Exact before PathPrefix, longer paths, a method, more headers, more query
  parameters, then the older route and the rule order), the first that holds wins, and none: 404.
  NGF tests headers, query parameters and methods in its njs module (httpmatches.js) and jumps to
  an internal location per rule; netlab tests them with nginx maps (one 1/0 variable per match)
  and `rewrite ... last` to the same internal locations, `/_ngf-internal-<route>-rule<i>`.
* a rule's action: RequestRedirect is `return 302 "<scheme>://<host>:<port>$request_uri"` (NGF's
  form); otherwise proxy_pass to its backend's upstream, or for several backendRefs to a
  `split_clients $request_id` variable whose shares are the weights (NGF's percentages, two
  decimals, floored, the last taking the rest). RequestHeaderModifier sets, adds (after the
  client's value, through a map as NGF does) and removes headers with proxy_set_header.
* HTTPS listener ports: each server `listen ... ssl` with its listener's Secret (one PEM file for
  certificate and key); the port's default server refuses the handshake (`ssl_reject_handshake`).
* upstreams are `<namespace>_<service>_<port>`, the Service port's endpoints (pod IPs and target
  ports: no ClusterIP), `random two least_conn` (NGF's default). A Service without endpoints
  proxies to a server that answers 503, an unresolved backendRef (status ResolvedRefs False) to
  one that answers 500, as NGF's unix-socket servers do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from netlab.model.gateway import data_plane_name, served_gateway
from netlab.model.gatewaystatus import GatewayAPIStatus, backend_problem, gateway_api_status, hostnames
from netlab.model.gatewaytypes import Gateway, HTTPRoute, RouteMatch, RouteRule
from netlab.model.tls import pem_file, usable_certificates
from netlab.plan.model import Endpoint, LabPlan
from netlab.render.ingress import Certificates, _main_context

ANY_HOST = "~^"  # NGF's server_name for a route without hostnames on a listener without one
INVALID = "invalid-backend-ref"
LOG_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
)


@dataclass(frozen=True)
class Entry:
    """A match of a route's rule, on one server."""

    route: HTTPRoute
    rule_index: int
    match_index: int
    match: RouteMatch

    @property
    def rule(self) -> RouteRule:
        return self.route.rules[self.rule_index]

    @property
    def internal(self) -> str:
        return f"/_ngf-internal-{self.route.namespace}_{self.route.name}-rule{self.rule_index}"

    @property
    def var(self) -> str:
        return _safe(f"gw_{self.route.namespace}_{self.route.name}_r{self.rule_index}_m{self.match_index}")

    def precedence(self) -> tuple:
        m = self.match
        return (
            m.path_type != "Exact",
            -len(m.path),
            not m.method,
            -len(m.headers),
            -len(m.query),
            self.route.position,
            self.route.key,
            self.rule_index,
            self.match_index,
        )


@dataclass
class Server:
    port: int
    hostname: str
    locations: dict[str, list[Entry]] = field(default_factory=dict)
    certificate: str = ""  # an HTTPS listener's: the Secret (namespace/name) it serves

    def rules(self) -> list[Entry]:
        """One entry per (route, rule) that needs an internal location, in order of appearance."""
        seen: dict[tuple[str, int], Entry] = {}
        for entries in self.locations.values():
            if _direct(entries):
                continue
            for e in entries:
                seen.setdefault((e.route.key, e.rule_index), e)
        return list(seen.values())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _direct(entries: list[Entry]) -> bool:
    """One match without conditions: the location does the rule's action itself."""
    return len(entries) == 1 and not entries[0].match.conditions


def _location_keys(match: RouteMatch) -> list[str]:
    if match.path_type == "Exact":
        return [f"= {match.path}"]
    if match.path.endswith("/"):
        return [match.path]
    return [match.path + "/", f"= {match.path}"]


def servers(status: GatewayAPIStatus, gateway: Gateway) -> list[Server]:
    """The Gateway's servers (port, then hostname; the default server of each port is implicit)."""
    by_key: dict[tuple[int, str], Server] = {}
    for listener in gateway.listeners:
        for route in status.attached(gateway, listener.name):
            for host in hostnames(listener.hostname, route.hostnames):
                certificate = listener.certificates[0] if listener.protocol == "HTTPS" else ""
                new = Server(listener.port, host or ANY_HOST, certificate=certificate)
                server = by_key.setdefault((listener.port, host or ANY_HOST), new)
                for i, rule in enumerate(route.rules):
                    for j, match in enumerate(rule.matches):
                        entry = Entry(route, i, j, match)
                        for key in _location_keys(match):
                            if entry not in server.locations.setdefault(key, []):
                                server.locations[key].append(entry)
    for server in by_key.values():
        for entries in server.locations.values():
            entries.sort(key=Entry.precedence)
    return [by_key[k] for k in sorted(by_key)]


# -- upstreams --------------------------------------------------------------------------------
def _upstream_name(namespace: str, service: str, port: int) -> str:
    return f"{namespace}_{service}_{port}"


def _endpoints(plan: LabPlan, namespace: str, service: str, port: int) -> tuple[Endpoint, ...]:
    svc = plan.service(service, namespace)
    found = next((p for p in svc.ports if p.port == port and p.protocol == "TCP"), None) if svc else None
    return found.endpoints if found else ()


def _targets(plan: LabPlan, entry: Entry) -> list[tuple[str, int]]:
    """A rule's backends as (upstream, weight): INVALID for a backendRef that does not resolve."""
    out = []
    for ref in entry.rule.backends:
        if backend_problem(ref, entry.route.namespace, plan.lab.services):
            out.append((INVALID, ref.weight))
        else:
            out.append((_upstream_name(ref.namespace, ref.name, ref.port), ref.weight))
    return out


def split_percentages(weights: list[int]) -> list[str]:
    """NGF's split_clients shares: each weight's percent floored to two decimals, the last one the rest."""
    total = sum(weights)
    shares = [int(w * 10000 / total) / 100 for w in weights[:-1]]
    return [f"{s:.2f}" for s in shares] + [f"{100 - sum(shares):.2f}"]


def _group_var(entry: Entry) -> str:
    return _safe(f"group_{entry.route.namespace}__{entry.route.name}_rule{entry.rule_index}")


# -- text -------------------------------------------------------------------------------------
def gateway_certificates(plan: LabPlan, gateway_key: str, directory: str) -> Certificates:
    """The Secrets the Gateway's HTTPS listeners serve (those NGF accepts), their PEM files in `directory`."""
    namespace, _, name = gateway_key.partition("/")
    gateway = plan.lab.gateway_api.gateway(namespace, name)
    status = gateway_api_status(plan.lab)
    valid = {x.name for x in status.gateway(gateway).listeners if x.valid} if gateway else set()
    wanted = {c for x in gateway.listeners if x.name in valid for c in x.certificates[:1]} if gateway else set()
    usable = usable_certificates(plan.lab.config)
    return Certificates(directory, {key: usable[key] for key in sorted(wanted) if key in usable})


def render_gateway_conf(
    plan: LabPlan, gateway_key: str, pod: str, run_dir: str, access_log: str, certificates: Certificates | None = None
) -> str:
    """nginx.conf of the data plane pod `pod` of Gateway `gateway_key` (namespace/name); its HTTPS
    servers use the `certificates` loaded (a server whose certificate is not there is left out)."""
    namespace, _, name = gateway_key.partition("/")
    objects = plan.lab.gateway_api
    gateway = objects.gateway(namespace, name)
    assert gateway is not None  # the pod exists because the Gateway does
    status = gateway_api_status(plan.lab)
    served = servers(status, gateway)
    rules = [e for s in served for e in s.rules()] + [
        e for s in served for entries in s.locations.values() if _direct(entries) for e in entries
    ]
    lines = [
        f"# nginx.conf of {pod}, the data plane of Gateway {gateway.key} (lab {plan.name}): NGINX Gateway Fabric's",
        f"# nginx Deployment {data_plane_name(gateway)}, configured as NGF 2.6 configures it, by netlab",
        "# (netlab/render/gateway.py) from the HTTPRoutes attached to its listeners; rewritten and",
        "# reloaded when routes or endpoints change.",
        *(f"# listener {x.name}: {x.protocol} port {x.port}, host {x.hostname or '*'}" for x in gateway.listeners),
        "",
        *_main_context(run_dir),
        "",
        "http {",
        *_http_head(run_dir, access_log),
        *_header_maps(rules),
        *_match_maps(served),
        *_splits(plan, rules),
        *_upstreams(plan, rules, run_dir),
    ]
    https = {x.port for x in gateway.listeners if x.protocol == "HTTPS"}
    for port in sorted({x.port for x in gateway.listeners}):
        lines += ["", *_default_server(port, port in https)]
        for server in (s for s in served if s.port == port):
            lines += ["", *_server(plan, server, certificates)]
    lines += ["", *_status_servers(run_dir), "}"]
    return "\n".join(lines) + "\n"


def _default_server(port: int, https: bool) -> list[str]:
    """A port's default server: HTTP answers 404; HTTPS, without a certificate of its own, refuses
    the TLS handshake of a name no server has (NGF's ssl_reject_handshake)."""
    if https:
        return [
            f"    server {{  # listener port {port} (HTTPS): no server for the name asked (SNI)",
            f"        listen {port} ssl default_server;",
            "        ssl_reject_handshake on;",
            "    }",
        ]
    return [
        f"    server {{  # listener port {port}: no route for the request's Host",
        f"        listen {port} default_server;",
        "        default_type text/html;",
        "        return 404;",
        "    }",
    ]


def _http_head(run_dir: str, access_log: str) -> list[str]:
    return [
        f"    log_format main '{LOG_FORMAT}';",
        f"    access_log {access_log} main;",
        *(
            f"    {kind}_temp_path {run_dir}/{kind.replace('_', '-')}-temp;"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        "    default_type text/html;",
        "    server_tokens off;",
        "    server_names_hash_bucket_size 256;",
        "    variables_hash_bucket_size 512;",
        "    # NGF's base settings: the Host to pass on, the Connection of a WebSocket upgrade",
        "    map $http_host $gw_api_compliant_host {",
        "        '' $host;",
        "        default $http_host;",
        "    }",
        "    map $http_upgrade $connection_upgrade {",
        "        default upgrade;",
        "        '' close;",
        "    }",
    ]


def _header_maps(rules: list[Entry]) -> list[str]:
    """RequestHeaderModifier's add: the client's value, a comma, then the added one (NGF's maps)."""
    names = sorted({h.name.lower() for e in rules if e.rule.header_modifier for h in e.rule.header_modifier.add})
    lines = []
    for name in names:
        var = _safe(name)
        lines += [
            f"    map $http_{var} ${var}_header_var {{",
            "        default '';",
            f'        ~.+ "${{http_{var}}},";',
            "    }",
        ]
    return lines


def _regex(value: str) -> str:
    """A PCRE matching exactly `value` (the loader refused `"`, `\\`, `$`)."""
    return "^" + re.sub(r"([^A-Za-z0-9_-])", r"\\\1", value) + "$"


def _match_maps(served: list[Server]) -> list[str]:
    """One 1/0 variable per match with conditions (netlab's stand-in for NGF's httpmatches.js)."""
    done: set[str] = set()
    lines = []
    for server in served:
        for entries in server.locations.values():
            for e in entries:
                if not e.match.conditions or e.var in done or _direct(entries):
                    continue
                done.add(e.var)
                lines += ["", *_conditions(e)]
    return lines


def _conditions(e: Entry) -> list[str]:
    m = e.match
    tests = [(f"$http_{_safe(h.name.lower())}", h.value, f"header {h.name}: {h.value}") for h in m.headers]
    tests += [(f"$arg_{q.name}", q.value, f"query {q.name}={q.value}") for q in m.query]
    tests += [("$request_method", m.method, f"method {m.method}")] if m.method else []
    lines = [f"    # {e.route.key} rule {e.rule_index} match {e.match_index}: " + ", ".join(t[2] for t in tests)]
    parts = []
    for k, (source, value, _) in enumerate(tests):
        var = e.var if len(tests) == 1 else f"{e.var}_{k}"
        parts.append(f"${var}")
        lines += [f"    map {source} ${var} {{", f'        "~{_regex(value)}" 1;', "        default 0;", "    }"]
    if len(tests) > 1:
        lines += [
            f'    map "{"".join(parts)}" ${e.var} {{',
            f"        {'1' * len(tests)} 1;",
            "        default 0;",
            "    }",
        ]
    return lines


def _splits(plan: LabPlan, rules: list[Entry]) -> list[str]:
    lines = []
    for e in rules:
        targets = [t for t in _targets(plan, e) if t[1] > 0] if len(e.rule.backends) > 1 else []
        if len(targets) < 2:
            continue
        lines += [
            "",
            f"    # {e.route.key} rule {e.rule_index}: backendRefs by weight",
            f"    split_clients $request_id ${_group_var(e)} {{",
        ]
        lines += [
            f"        {p}% {up};"
            for p, (up, _) in zip(split_percentages([w for _, w in targets]), targets, strict=True)
        ]
        lines.append("    }")
    return lines


def _upstreams(plan: LabPlan, rules: list[Entry], run_dir: str) -> list[str]:
    names = sorted({up for e in rules for up, _ in _targets(plan, e)})
    lines = []
    for up in names:
        if up == INVALID:
            lines += [
                "",
                f"    upstream {INVALID} {{  # unresolved backendRefs: 500",
                f"        server unix:{run_dir}/nginx-500-server.sock;",
                "    }",
            ]
            continue
        ref = next(r for e in rules for r in e.rule.backends if _upstream_name(r.namespace, r.name, r.port) == up)
        endpoints = _endpoints(plan, ref.namespace, ref.name, ref.port)
        lines += [
            "",
            f"    upstream {up} {{  # Service {ref.namespace}/{ref.name} port {ref.port}: its endpoints",
            "        random two least_conn;",
        ]
        if endpoints:
            lines += [f"        server {ep};  # {ep.pod}" for ep in endpoints]
        else:
            lines.append(f"        server unix:{run_dir}/nginx-503-server.sock;  # no endpoints: 503")
        lines.append("    }")
    return lines


def _server(plan: LabPlan, server: Server, certificates: Certificates | None) -> list[str]:
    lines = ["    server {", f"        listen {server.port};", f"        server_name {server.hostname};"]
    if server.certificate:
        if certificates is None or server.certificate not in certificates.usable:
            return [f"    # {server.hostname}:{server.port}: Secret {server.certificate} not loaded, no server"]
        pem = pem_file(certificates.directory, *server.certificate.split("/"))
        lines[1] = f"        listen {server.port} ssl;"
        lines += [
            f"        ssl_certificate {pem};  # Secret {server.certificate}",
            f"        ssl_certificate_key {pem};",
        ]
    for key in sorted(server.locations, key=lambda k: (k.lstrip("= "), k)):
        entries = server.locations[key]
        lines += ["", f"        location {key} {{"]
        if _direct(entries):
            lines += _action(plan, entries[0], server.port, internal=False)
        else:
            for e in entries:
                if not e.match.conditions:
                    lines.append(f"            rewrite ^ {e.internal} last;")
                    break  # a match without conditions takes every request left
                lines.append(f"            if (${e.var}) {{ rewrite ^ {e.internal} last; }}")
            else:
                lines.append("            return 404;  # no match holds")
        lines.append("        }")
    if "/" not in server.locations:
        lines += ["", "        location / {", "            return 404;  # no route for this path", "        }"]
    for e in server.rules():
        lines += ["", f"        location {e.internal} {{  # {e.route.key} rule {e.rule_index}", "            internal;"]
        lines += [*_action(plan, e, server.port, internal=True), "        }"]
    return [*lines, "    }"]


def _action(plan: LabPlan, e: Entry, port: int, internal: bool) -> list[str]:
    """A rule's redirect, or its proxy_pass with the headers it sets."""
    rule, indent = e.rule, "            "
    if rule.redirect:
        return [indent + _redirect(rule, port)]
    targets = [t for t in _targets(plan, e) if t[1] > 0]
    uri = "$request_uri" if internal else ""
    if len(targets) > 1:
        upstream = f"${_group_var(e)}"
    elif targets:
        upstream = targets[0][0]
    else:
        upstream = INVALID  # no backendRefs, or all of weight 0
    return [
        *(indent + h for h in _proxy_headers(rule)),
        f"{indent}proxy_http_version 1.1;",
        f"{indent}proxy_pass http://{upstream}{uri};",
    ]


def _redirect(rule: RouteRule, port: int) -> str:
    """NGF's createReturnValForRedirectFilter: a well-known port is left out for a given scheme."""
    r = rule.redirect
    assert r is not None
    host = r.hostname or "$host"
    to_port = r.port or port
    authority = f"{host}:{to_port}"
    if r.scheme and ((to_port, r.scheme) in ((80, "http"), (443, "https")) or r.port is None):
        authority = host
    return f'return {r.status} "{r.scheme or "$scheme"}://{authority}$request_uri";'


def _redirect_text(rule: RouteRule, port: int) -> str:
    """The redirect as a learner reads it: `301 to http://cafe.example.com:80<the request's path>`."""
    status, location = _redirect(rule, port).removeprefix("return ").rstrip(";").split(" ", 1)
    location = location.strip('"').replace("$scheme", "<the request's scheme>").replace("$host", "<its host>")
    return f"{status} to {location.replace('$request_uri', '<its path>')}"


BASE_HEADERS = (
    ("Host", "$gw_api_compliant_host"),
    ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
    ("X-Real-IP", "$remote_addr"),
    ("X-Forwarded-Proto", "$scheme"),
    ("X-Forwarded-Host", "$host"),
    ("X-Forwarded-Port", "$server_port"),
    ("Upgrade", "$http_upgrade"),
    ("Connection", "$connection_upgrade"),
)


def _proxy_headers(rule: RouteRule) -> list[str]:
    """NGF's generateProxySetHeaders: the filter's add, set, remove, then the base headers it left."""
    mod = rule.header_modifier
    own: list[tuple[str, str]] = []
    if mod:
        own += [(h.name, f"${{{_safe(h.name.lower())}_header_var}}{h.value}") for h in mod.add]
        own += [(h.name, h.value) for h in mod.set]
        own += [(name, "") for name in mod.remove]
    names = {n.lower() for n, _ in own}
    own += [(n, v) for n, v in BASE_HEADERS if n.lower() not in names]
    return [f'proxy_set_header {n} "{v}";' for n, v in own]


def _status_servers(run_dir: str) -> list[str]:
    """NGF's servers behind the upstreams of no endpoints (503) and of unresolved backends (500)."""
    lines = []
    for code in (503, 500):
        lines += [
            "    server {",
            f"        listen unix:{run_dir}/nginx-{code}-server.sock;",
            "        access_log off;",
            f"        return {code};",
            "    }",
        ]
    return lines


# -- what `netlab diagram` draws --------------------------------------------------------------
@dataclass(frozen=True)
class RouteRow:
    """One way through a Gateway: where nginx takes a request (host, path, conditions) and to
    which Services (with their shares), or what it answers itself."""

    pod: str  # the data plane pod
    port: int
    host: str
    path: str  # the match's path: "PathPrefix /coffee"
    route: str  # namespace/name rule i
    conditions: str = ""  # "header version=v2", "" for none
    targets: tuple[tuple[str, str], ...] = ()  # (namespace/service, "80.00 %")
    answer: str = ""  # what nginx answers itself: a redirect, 500 for unresolved backends


def route_rows(plan: LabPlan) -> list[RouteRow]:
    """Every Gateway's ways through, for each of its data plane's pods."""
    objects = plan.lab.gateway_api
    status = gateway_api_status(plan.lab)
    rows = []
    for pod in plan.pods:
        gateway_key = next((g for c in pod.containers if (g := served_gateway(c))), None)
        gateway = objects.gateway(*gateway_key.split("/")) if gateway_key else None
        for server in servers(status, gateway) if gateway else []:
            entries = {(e.route.key, e.rule_index, e.match_index): e for es in server.locations.values() for e in es}
            rows += [_row(plan, pod.name, server, e) for e in sorted(entries.values(), key=Entry.precedence)]
    return rows


def _row(plan: LabPlan, pod: str, server: Server, e: Entry) -> RouteRow:
    m = e.match
    conditions = [f"header {h.name}={h.value}" for h in m.headers] + [f"query {q.name}={q.value}" for q in m.query]
    conditions += [f"method {m.method}"] if m.method else []
    path, rule = f"{m.path_type} {m.path}", f"{e.route.key} rule {e.rule_index}"
    host = "*" if server.hostname == ANY_HOST else server.hostname
    row = RouteRow(pod, server.port, host, path, rule, " ".join(conditions))
    if e.rule.redirect:
        return replace(row, answer=_redirect_text(e.rule, server.port))
    targets = [(ref, up) for ref, (up, w) in zip(e.rule.backends, _targets(plan, e), strict=True) if w > 0]
    if not targets or all(up == INVALID for _, up in targets):
        return replace(row, answer="500 (no backendRef resolves)")
    shares = split_percentages([ref.weight for ref, _ in targets])
    return replace(
        row,
        targets=tuple(
            (f"{ref.namespace}/{ref.name}" + (" (unresolved: 500)" if up == INVALID else ""), f"{share} %")
            for (ref, up), share in zip(targets, shares, strict=True)
        ),
    )


# -- what `netlab trace` adds -----------------------------------------------------------------
def trace_notes(plan: LabPlan, source: str, target: str) -> list[str]:
    """What a trace through kube-proxy's rules does not show of a Gateway: the hop in nginx."""
    objects, notes = plan.lab.gateway_api, []
    pod = next((p for p in plan.pods if p.name == source), None)
    served = next((g for c in pod.containers if (g := served_gateway(c))), None) if pod else None
    if served:
        notes.append(
            f"{source} is Gateway {served}'s nginx: it proxies to the pods themselves (its upstreams are the "
            "endpoints), so its own requests meet no rule for a ClusterIP; this trace follows the ClusterIP "
            "as any other pod's request would."
        )
    name, _, namespace = target.partition(".")
    for gw in objects.gateways:
        if (data_plane_name(gw), gw.namespace) == (name, namespace or "default"):
            notes.append(
                f"{target} is Gateway {gw.key}'s LoadBalancer Service: after these rules, nginx in its pod "
                "picks the backend by Host, path, headers and weights (the HTTPRoutes; netlab diagram lists them)."
            )
    return notes
