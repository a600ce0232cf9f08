"""An ingress controller's nginx configuration, from the lab's Ingress objects (pure, golden-tested).

What ingress-nginx does, in the order it does it (internal/ingress/controller/controller.go, then
its nginx.tmpl), for the Ingresses of the controller's class (and those without a class):

* servers: the default server `_` answers every Host no rule names; its `location /` is the
  default backend: nginx's own 404 (ingress-nginx's built-in default backend), the controller's
  `--default-backend-service`, or the `spec.defaultBackend` of the first Ingress that has one and
  no rules (the catch-all). Each host of a rule gets a server whose `location /` is its Ingress's
  `spec.defaultBackend` if it has one, else the default backend; a rule without a host adds its
  paths to `_`. The first Ingress (file order: creation order) to claim a host/path keeps it.
* locations: Exact -> `location = /p`; Prefix /p -> `location /p/` plus `location = /p` (unless an
  Exact /p exists), so /p and /p/x match and /px does not; `/` stays `location /`; nginx picks an
  exact location first, then the longest prefix. ImplementationSpecific is Prefix, as ingress-nginx
  makes it (SetDefaultNGINXPathType) when regular expressions are not used.
* upstreams are the Service port's endpoints, the pod IPs and target ports (ingress-nginx's Lua
  balancer does the same: no ClusterIP, no kube-proxy between the controller and the pods), named
  <namespace>-<service>-<port>, round robin. A backend without endpoints answers 503.
* headers, as ingress-nginx's defaults (use-forwarded-headers false): Host and X-Forwarded-Host are
  the request's Host; X-Forwarded-For and X-Real-IP the address the controller saw (a client's own
  X-Forwarded-For is not trusted: it goes on as X-Original-Forwarded-For, and X-Forwarded-Host as
  X-Original-Forwarded-Host); X-Forwarded-Proto, -Port, -Scheme; X-Request-ID.
Where ingress-nginx writes the proxy settings into every location, netlab writes them once in
`http` (each location inherits them): the same requests, a configuration a learner can read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netlab.model.ingress import ControllerFlags
from netlab.model.lab import IngressBackend
from netlab.plan.model import Endpoint, LabPlan

DEFAULT_SERVER = "_"
DEFAULT_UPSTREAM = "upstream-default-backend"
ROOT = "/"
# ingress-nginx's log-format-upstream, without the canary's alternative upstream name.
LOG_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
    '"$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr '
    "$upstream_response_length $upstream_response_time $upstream_status $req_id"
)


@dataclass(frozen=True)
class Upstream:
    name: str
    service: str  # namespace/name
    port: str  # as the Ingress named it: a number or a port name
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True)
class Location:
    path: str  # what nginx matches: /api/ for Prefix /api
    exact: bool  # `location = path`
    path_type: str  # Exact or Prefix (ImplementationSpecific is Prefix; so is a server's default location)
    upstream: str = ""  # "": the built-in default backend (404)
    ingress: str = ""  # namespace/name of the Ingress that made it
    ingress_path: str = ""  # the path as that Ingress wrote it
    placeholder: bool = False  # a server's `location /` until a rule claims it
    written_type: str = ""  # the pathType as that Ingress wrote it

    @property
    def key(self) -> str:
        return ("= " if self.exact else "") + self.path


@dataclass(frozen=True)
class Server:
    hostname: str
    locations: tuple[Location, ...]


@dataclass(frozen=True)
class IngressConfig:
    """What the controller serves: servers (`_` first, then by host), the upstreams they use, and
    why some Ingresses or paths are not served."""

    servers: tuple[Server, ...]
    upstreams: tuple[Upstream, ...]
    served: tuple[str, ...]
    notes: tuple[str, ...]


def ingress_config(plan: LabPlan, flags: ControllerFlags) -> IngressConfig:
    """Lay out the controller's servers, locations and upstreams as ingress-nginx does."""
    served = [i for i in plan.lab.ingresses if flags.serves(i)]
    notes = [
        f"Ingress {i.key}: class {i.ingress_class}, not this controller's ({flags.ingress_class})"
        for i in plan.lab.ingresses
        if not flags.serves(i)
    ]
    upstreams: dict[str, Upstream] = {}

    def upstream(namespace: str, backend: IngressBackend) -> str:
        name = f"{namespace}-{backend.service}-{backend.port}"
        if name not in upstreams:
            upstreams[name] = Upstream(
                name, f"{namespace}/{backend.service}", str(backend.port), _endpoints(plan, namespace, backend)
            )
        return name

    default = Location(ROOT, False, "Prefix", placeholder=True)
    if flags.default_backend:
        namespace, name = flags.default_backend
        svc = plan.service(name, namespace)
        port = next((p for p in svc.ports if p.protocol == "TCP"), None) if svc else None
        if port and port.endpoints:  # without endpoints ingress-nginx falls back to its own 404
            upstreams[DEFAULT_UPSTREAM] = Upstream(
                DEFAULT_UPSTREAM, f"{namespace}/{name}", str(port.port), port.endpoints
            )
            default = replace(default, upstream=DEFAULT_UPSTREAM)
    servers: dict[str, list[Location]] = {DEFAULT_SERVER: [default]}
    for ing in served:
        fallback = default
        if ing.default_backend:
            fallback = replace(default, upstream=upstream(ing.namespace, ing.default_backend), ingress=ing.key)
            if not ing.rules and servers[DEFAULT_SERVER][0].placeholder:  # the catch-all: the first one wins
                servers[DEFAULT_SERVER][0] = replace(fallback, placeholder=False)
        for rule in ing.rules:
            servers.setdefault(rule.host or DEFAULT_SERVER, [fallback])
    for ing in served:
        for rule in ing.rules:
            host = rule.host or DEFAULT_SERVER
            locations = servers[host]
            for path in rule.paths:
                path_type = "Exact" if path.path_type == "Exact" else "Prefix"
                loc = Location(
                    path.path,
                    path_type == "Exact",
                    path_type,
                    upstream(ing.namespace, path.backend),
                    ing.key,
                    path.path,
                    written_type=path.path_type,
                )
                same = next(
                    (
                        i
                        for i, old in enumerate(locations)
                        if old.key == loc.key and (old.path_type == loc.path_type or old.placeholder)
                    ),
                    None,
                )
                if same is None:
                    locations.append(loc)
                elif locations[same].placeholder:
                    locations[same] = loc
                else:
                    notes.append(
                        f"Ingress {ing.key}: {host} {path.path} ({path_type}) is {locations[same].ingress}'s already"
                    )
    built = []
    for host in sorted(servers):
        locations, dropped = _prefix_locations(servers[host])
        notes += [
            f"Ingress {loc.ingress}: {host} {loc.ingress_path} ({loc.path_type}) would be nginx's "
            f"location {loc.key} a second time"
            for loc in dropped
        ]
        built.append(Server(host, tuple(sorted(locations, key=lambda loc: loc.path, reverse=True))))
    return IngressConfig(
        tuple(built), tuple(upstreams[n] for n in sorted(upstreams)), tuple(i.key for i in served), tuple(notes)
    )


def _endpoints(plan: LabPlan, namespace: str, backend: IngressBackend) -> tuple[Endpoint, ...]:
    svc = plan.service(backend.service, namespace)
    if svc is None:
        return ()
    port = next(
        (
            p
            for p in svc.ports
            if (p.port if isinstance(backend.port, int) else p.name) == backend.port and p.protocol == "TCP"
        ),
        None,
    )
    return port.endpoints if port else ()


def _prefix_locations(locations: list[Location]) -> tuple[list[Location], list[Location]]:
    """ingress-nginx's updateServerLocations: Prefix /p becomes `location /p/` and an exact
    `location = /p` (unless an Exact /p is there); then one location per nginx key, first wins."""
    exact = {loc.path for loc in locations if loc.path_type == "Exact"}
    out: list[Location] = []
    for loc in locations:
        if loc.path == ROOT or loc.path_type != "Prefix" or loc.placeholder:
            out.append(loc)
            continue
        prefix = replace(loc, path=loc.path if loc.path.endswith("/") else loc.path + "/")
        out.append(prefix)
        if loc.path not in exact:
            out.append(replace(loc, exact=True))
    kept: dict[str, Location] = {}
    dropped = []
    for loc in out:
        if loc.key in kept:
            dropped.append(loc)
        else:
            kept[loc.key] = loc
    return list(kept.values()), dropped


def render_nginx_conf(plan: LabPlan, flags: ControllerFlags, pod: str, run_dir: str, access_log: str) -> str:
    """nginx.conf of the controller pod `pod`: its pid and temporary files in `run_dir` (writable
    by the unprivileged nginx), its error log on stderr, its access log appended to `access_log`
    (the pod's log, which stderr goes to as well). Not /dev/stdout: a process that changed its user
    may not open its own /proc/self/fd (some kernels refuse it: EACCES)."""
    config = ingress_config(plan, flags)
    upstreams = {u.name: u for u in config.upstreams}
    lines = [
        f"# nginx.conf of the ingress controller pod {pod} (lab {plan.name}), written by netlab from the",
        "# lab's Ingress objects as ingress-nginx writes it (netlab/render/ingress.py). netlab rewrites it",
        "# and reloads nginx when Ingresses or endpoints change.",
        f"# class {flags.ingress_class}: serves " + (", ".join(config.served) or "no Ingress"),
        *(f"# not served: {note}" for note in config.notes),
        "",
        f"pid {run_dir}/nginx.pid;",
        "daemon off;",
        "worker_processes 1;",
        "worker_shutdown_timeout 10s;  # a reload lets old workers finish their requests, this long at most",
        "error_log stderr notice;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        f"    log_format upstreaminfo '{LOG_FORMAT}';",
        f"    access_log {access_log} upstreaminfo;",
        f"    client_body_temp_path {run_dir}/client-body;",
        f"    proxy_temp_path {run_dir}/proxy-temp;",
        f"    fastcgi_temp_path {run_dir}/fastcgi-temp;",
        f"    uwsgi_temp_path {run_dir}/uwsgi-temp;",
        f"    scgi_temp_path {run_dir}/scgi-temp;",
        "    default_type text/html;",
        "    server_tokens off;",
        "    keepalive_timeout 75s;",
        "    uninitialized_variable_warn off;",
        "    server_names_hash_bucket_size 64;",
        "",
        "    map $http_host $best_http_host {",
        "        default $http_host;",
        "        ''      $host;",
        "    }",
        "    map $http_upgrade $connection_upgrade {",
        "        default upgrade;",
        "        ''      close;",
        "    }",
        "    map $http_x_request_id $req_id {",
        "        default $http_x_request_id;",
        "        ''      $request_id;",
        "    }",
        "",
        "    # ingress-nginx's proxy settings (it repeats them in every location; here they are inherited).",
        "    # use-forwarded-headers is false: a client's X-Forwarded-For is not trusted, the backend gets",
        "    # the address nginx saw (the client's own header goes on as X-Original-Forwarded-For).",
        "    proxy_set_header Host                     $best_http_host;",
        "    proxy_set_header Upgrade                  $http_upgrade;",
        "    proxy_set_header Connection               $connection_upgrade;",
        "    proxy_set_header X-Request-ID             $req_id;",
        "    proxy_set_header X-Real-IP                $remote_addr;",
        "    proxy_set_header X-Forwarded-For          $remote_addr;",
        "    proxy_set_header X-Forwarded-Host         $best_http_host;",
        "    proxy_set_header X-Forwarded-Port         $server_port;",
        "    proxy_set_header X-Forwarded-Proto        $scheme;",
        "    proxy_set_header X-Forwarded-Scheme       $scheme;",
        "    proxy_set_header X-Scheme                 $scheme;",
        "    proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;",
        "    proxy_set_header X-Original-Forwarded-Host $http_x_forwarded_host;",
        '    proxy_set_header Proxy                    "";',
        "    proxy_http_version 1.1;",
        "    proxy_connect_timeout 5s;",
        "    proxy_send_timeout 60s;",
        "    proxy_read_timeout 60s;",
        "    proxy_buffering off;",
        "    proxy_request_buffering on;",
        "    proxy_redirect off;",
        "    proxy_next_upstream error timeout;",
        "    proxy_next_upstream_tries 3;",
        "    client_max_body_size 1m;",
    ]
    for up in config.upstreams:
        lines += ["", f"    # Service {up.service} port {up.port}: its endpoints, the pods themselves"]
        if not up.endpoints:
            lines.append("    # (no endpoints: the locations that use it answer 503)")
            continue
        lines.append(f"    upstream {up.name} {{")
        lines += [f"        server {ep} max_fails=0 fail_timeout=0;  # {ep.pod}" for ep in up.endpoints]
        lines.append("    }")
    for server in config.servers:
        lines.append("")
        if server.hostname == DEFAULT_SERVER:
            lines += [
                "    # the default server: requests whose Host no rule names",
                "    server {",
                "        server_name _;",
                f"        listen {flags.http_port} default_server backlog=4096;",
            ]
        else:
            lines += ["    server {", f"        server_name {server.hostname};", f"        listen {flags.http_port};"]
        for loc in server.locations:
            lines += ["", *_location(loc, upstreams)]
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _location(loc: Location, upstreams: dict[str, Upstream]) -> list[str]:
    head = f"        location {loc.key} {{"
    if not loc.upstream:
        return [
            head,
            f'            set $proxy_upstream_name "{DEFAULT_UPSTREAM}";',
            "            return 404;  # ingress-nginx's built-in default backend",
            "        }",
        ]
    up = upstreams[loc.upstream]
    namespace, service = up.service.split("/")
    if loc.ingress_path:
        written = loc.written_type if loc.written_type == loc.path_type else f"{loc.written_type}, as Prefix"
        made = f"Ingress {loc.ingress}: {written} {loc.ingress_path}"
    else:
        made = f"Ingress {loc.ingress}: spec.defaultBackend" if loc.ingress else "--default-backend-service"
    body = [
        f"        location {loc.key} {{  # {made}",
        f'            set $namespace           "{namespace}";',
        f'            set $ingress_name        "{loc.ingress.partition("/")[2]}";',
        f'            set $service_name        "{service}";',
        f'            set $service_port        "{up.port}";',
        f'            set $location_path       "{loc.ingress_path or ROOT}";',
        f'            set $proxy_upstream_name "{up.name}";',
    ]
    if up.endpoints:
        body.append(f"            proxy_pass http://{up.name};")
    else:
        body.append("            return 503;  # the Service has no endpoints")
    return [*body, "        }"]
