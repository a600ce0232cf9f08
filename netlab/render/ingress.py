"""An ingress controller's nginx configuration, from the lab's Ingress objects (pure, golden-tested).

What ingress-nginx does, in the order it does it (internal/ingress/controller/controller.go, then
its nginx.tmpl), for the Ingresses the controller serves (ControllerFlags.serves: their class's):

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
* TLS (spec.tls): every server listens on the HTTPS port too (`--https-port`, 443), as ingress-nginx's
  listeners do. A host of a rule whose Ingress has a tls section gets a certificate, as
  createServers picks it: the Secret of the tls entry that lists the host (or whose certificate
  is valid for it); the controller's default certificate when that entry has no secretName, the
  Secret is missing or unusable, or its certificate is not valid for the host. The default
  certificate is `--default-ssl-certificate`'s Secret, else the fake one the controller made at
  start (CN "Kubernetes Ingress Controller Fake Certificate"); every other server (the default
  server `_`, hosts without TLS) serves it. A host with a certificate redirects plain HTTP with 308
  to https (ssl-redirect, on by default; one trailing `/` dropped, as its Lua does) and sends HSTS
  (max-age=31536000; includeSubDomains) on HTTPS. A tls host that no rule names gets no server.
Where ingress-nginx writes the proxy settings into every location, netlab writes them once in
`http` (each location inherits them): the same requests, a configuration a learner can read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from netlab.model.ingress import ControllerFlags
from netlab.model.lab import Ingress, IngressBackend, IngressPath
from netlab.model.tls import FAKE_PEM, Certificate, pem_file, usable_certificates, why_unusable
from netlab.plan.model import Endpoint, LabPlan

DEFAULT_SERVER = "_"
DEFAULT_UPSTREAM = "upstream-default-backend"
DEFAULT_CERTIFICATE = "default"  # a server's certificate: the controller's default one
HSTS = "max-age=31536000; includeSubDomains"  # ingress-nginx's hsts, hsts-max-age, hsts-include-subdomains
REDIRECT_CODE = 308  # http-redirect-code
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
    certificate: str = ""  # "": none of its own (the default one serves it); DEFAULT_CERTIFICATE; a Secret's ns/name


@dataclass(frozen=True)
class Certificates:
    """What the controller holds for TLS: the directory of its PEM files, the Secrets it could load
    (namespace/name -> certificate) and the default certificate's Secret, if usable ("" the fake one)."""

    directory: str
    usable: dict[str, Certificate]
    default: str = ""

    def default_file(self) -> str:
        if self.default:
            return pem_file(self.directory, *self.default.split("/"))
        return f"{self.directory}/{FAKE_PEM}"


@dataclass(frozen=True)
class IngressConfig:
    """What the controller serves: servers (`_` first, then by host), the upstreams they use, and
    why some Ingresses or paths are not served."""

    servers: tuple[Server, ...]
    upstreams: tuple[Upstream, ...]
    served: tuple[str, ...]
    notes: tuple[str, ...]


def ingress_config(plan: LabPlan, flags: ControllerFlags, certificates: Certificates | None = None) -> IngressConfig:
    """Lay out the controller's servers, locations and upstreams as ingress-nginx does: the servers
    with their `location /` first, then the rules' paths in file order (the first claim wins), then
    each server's Prefix paths as nginx locations, then each host's certificate."""
    classes = plan.lab.ingress_classes
    served = [i for i in plan.lab.ingresses if flags.serves(i, classes)]
    notes = [
        f"Ingress {i.key}: {flags.why_not(i, classes)}" for i in plan.lab.ingresses if not flags.serves(i, classes)
    ]
    upstreams = _Upstreams(plan)
    servers = _servers(served, _default_location(plan, flags, upstreams), upstreams)
    notes += _claim_paths(served, servers, upstreams)
    chosen, tls_notes = _host_certificates(plan, served, certificates or Certificates("", {}))
    built = []
    for host in sorted(servers):
        server, dropped = _server(host, servers[host])
        built.append(replace(server, certificate=chosen.get(host, "")))
        notes += dropped
    return IngressConfig(tuple(built), upstreams.sorted(), tuple(i.key for i in served), tuple(notes + tls_notes))


def _host_certificates(plan: LabPlan, served: list[Ingress], certs: Certificates) -> tuple[dict[str, str], list[str]]:
    """Each rule host's certificate (createServers: the first Ingress with a tls section for the
    host decides), and a note for each host that gets the default one instead of its Secret's."""
    chosen: dict[str, str] = {}
    notes: list[str] = []
    for ing in served:
        ruled = {rule.host for rule in ing.rules if rule.host}
        notes += [
            f"Ingress {ing.key}: tls host {host} has no rule: no server of its own (the default server answers)"
            for host in sorted({h for t in ing.tls for h in t.hosts} - ruled)
        ]
        for host in (rule.host for rule in ing.rules if rule.host and ing.tls):
            if host in chosen:
                continue
            secret = _tls_secret(host, ing, certs)
            key = f"{ing.namespace}/{secret}"
            cert = certs.usable.get(key)
            if not secret:
                chosen[host] = DEFAULT_CERTIFICATE
            elif cert is None:
                chosen[host] = DEFAULT_CERTIFICATE
                why = why_unusable(plan.lab.config, key)
                notes.append(f"Ingress {ing.key}: {host}: Secret {key} {why}: the default certificate serves it")
            elif not cert.matches(host):
                chosen[host] = DEFAULT_CERTIFICATE
                notes.append(
                    f"Ingress {ing.key}: {host}: Secret {key}'s certificate ({cert.subject}) is not valid "
                    "for it: the default certificate serves it"
                )
            else:
                chosen[host] = key
    return chosen, notes


def secrets_used(plan: LabPlan, flags: ControllerFlags) -> set[str]:
    """The Secrets (namespace/name) whose certificates the controller reads: its Ingresses' tls
    entries' and its --default-ssl-certificate."""
    classes = plan.lab.ingress_classes
    used = {
        f"{i.namespace}/{t.secret}" for i in plan.lab.ingresses if flags.serves(i, classes) for t in i.tls if t.secret
    }
    return used | ({"/".join(flags.default_certificate)} if flags.default_certificate else set())


def planned_certificates(plan: LabPlan, flags: ControllerFlags, directory: str) -> Certificates:
    """The certificates the controller would load from the Secrets it uses (their PEM parsed; the
    kernel also has the TLS library load each before nginx gets it)."""
    used = secrets_used(plan, flags)
    usable = {key: cert for key, cert in usable_certificates(plan.lab.config).items() if key in used}
    default = "/".join(flags.default_certificate) if flags.default_certificate else ""
    return Certificates(directory, usable, default if default in usable else "")


def _tls_secret(host: str, ing: Ingress, certs: Certificates) -> str:
    """extractTLSSecretName: the secretName of the tls entry listing the host, else of one whose
    certificate is valid for it, else "" (the default certificate)."""
    listed = next((t.secret for t in ing.tls if host in t.hosts), None)
    if listed is not None:
        return listed
    valid = (
        t.secret
        for t in ing.tls
        if t.secret and (c := certs.usable.get(f"{ing.namespace}/{t.secret}")) is not None and c.matches(host)
    )
    return next(valid, "")


class _Upstreams:
    """The upstreams the locations use, by name: one per Service port, made when first named."""

    def __init__(self, plan: LabPlan) -> None:
        self.plan = plan
        self.by_name: dict[str, Upstream] = {}

    def name(self, namespace: str, backend: IngressBackend) -> str:
        """The upstream of an Ingress backend, named as ingress-nginx names it."""
        name = f"{namespace}-{backend.service}-{backend.port}"
        if name not in self.by_name:
            self.by_name[name] = Upstream(
                name, f"{namespace}/{backend.service}", str(backend.port), _endpoints(self.plan, namespace, backend)
            )
        return name

    def sorted(self) -> tuple[Upstream, ...]:
        return tuple(self.by_name[n] for n in sorted(self.by_name))


def _default_location(plan: LabPlan, flags: ControllerFlags, upstreams: _Upstreams) -> Location:
    """The default backend's `location /`: the `--default-backend-service` (its first TCP port) when
    it has endpoints, else nginx's own 404. A placeholder: a rule or a catch-all may claim it."""
    default = Location(ROOT, False, "Prefix", placeholder=True)
    if not flags.default_backend:
        return default
    namespace, name = flags.default_backend
    svc = plan.service(name, namespace)
    port = next((p for p in svc.ports if p.protocol == "TCP"), None) if svc else None
    if not (port and port.endpoints):  # without endpoints ingress-nginx falls back to its own 404
        return default
    upstreams.by_name[DEFAULT_UPSTREAM] = Upstream(
        DEFAULT_UPSTREAM, f"{namespace}/{name}", str(port.port), port.endpoints
    )
    return replace(default, upstream=DEFAULT_UPSTREAM)


def _servers(served: list[Ingress], default: Location, upstreams: _Upstreams) -> dict[str, list[Location]]:
    """Every server with its `location /`: `_` with the default backend (or the first catch-all),
    each host with the `spec.defaultBackend` of the first Ingress that names it, else the default."""
    servers = {DEFAULT_SERVER: [default]}
    for ing in served:
        fallback = default
        if ing.default_backend:
            fallback = replace(default, upstream=upstreams.name(ing.namespace, ing.default_backend), ingress=ing.key)
            if not ing.rules and servers[DEFAULT_SERVER][0].placeholder:  # the catch-all: the first one wins
                servers[DEFAULT_SERVER][0] = replace(fallback, placeholder=False)
        for rule in ing.rules:
            servers.setdefault(rule.host or DEFAULT_SERVER, [fallback])
    return servers


def _claim_paths(served: list[Ingress], servers: dict[str, list[Location]], upstreams: _Upstreams) -> list[str]:
    """Add each rule's paths to its host's server (a rule without a host: `_`); returns a note for
    each path another Ingress holds already."""
    notes = []
    for ing in served:
        for rule in ing.rules:
            host = rule.host or DEFAULT_SERVER
            for path in rule.paths:
                loc = _path_location(ing, path, upstreams)
                owner = _claim(servers[host], loc)
                if owner is not None:
                    notes.append(
                        f"Ingress {ing.key}: {host} {path.path} ({loc.path_type}) is {owner.ingress}'s already"
                    )
    return notes


def _path_location(ing: Ingress, path: IngressPath, upstreams: _Upstreams) -> Location:
    """A rule's path as a location: Exact stays Exact, the rest is Prefix."""
    path_type = "Exact" if path.path_type == "Exact" else "Prefix"
    return Location(
        path.path,
        path_type == "Exact",
        path_type,
        upstreams.name(ing.namespace, path.backend),
        ing.key,
        path.path,
        written_type=path.path_type,
    )


def _claim(locations: list[Location], loc: Location) -> Location | None:
    """Put `loc` in a server's locations, in place of the placeholder `location /` if that is what
    it matches; returns the location there with its key and path type (the first claim keeps it),
    None if `loc` got in."""
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
        return locations[same]
    return None


def _server(host: str, claimed: list[Location]) -> tuple[Server, list[str]]:
    """A server with its nginx locations, by path descending (as ingress-nginx sorts them), and a note
    for each location dropped as a second one of the same nginx key."""
    locations, dropped = _prefix_locations(claimed)
    notes = [
        f"Ingress {loc.ingress}: {host} {loc.ingress_path} ({loc.path_type}) would be nginx's "
        f"location {loc.key} a second time"
        for loc in dropped
    ]
    return Server(host, tuple(sorted(locations, key=lambda loc: loc.path, reverse=True))), notes


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


def render_nginx_conf(
    plan: LabPlan, flags: ControllerFlags, pod: str, run_dir: str, access_log: str, certificates: Certificates
) -> str:
    """nginx.conf of the controller pod `pod`: its pid and temporary files in `run_dir` (writable
    by the unprivileged nginx), its error log on stderr, its access log appended to `access_log`
    (the pod's log, which stderr goes to as well), its certificates' PEM files in
    `certificates.directory`. Not /dev/stdout: a process that changed its user may not open its own
    /proc/self/fd (some kernels refuse it: EACCES)."""
    config = ingress_config(plan, flags, certificates)
    upstreams = {u.name: u for u in config.upstreams}
    lines = [
        *_preamble(plan, flags, pod, config),
        "",
        *_main_context(run_dir),
        "",
        "http {",
        *_http_settings(run_dir, access_log),
        "",
        *_tls_settings(certificates),
    ]
    for up in config.upstreams:
        lines += ["", *_upstream(up)]
    for server in config.servers:
        lines += ["", *_server_block(server, flags, upstreams, certificates)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tls_settings(certs: Certificates) -> list[str]:
    """ingress-nginx's TLS defaults in `http`, and the default certificate every server inherits."""
    what = "the controller's fake one"
    if certs.default:
        what = f"Secret {certs.default} (--default-ssl-certificate), PEM sha1 {_sha(certs.usable[certs.default])}"
    return [
        "    # TLS, as ingress-nginx's defaults (ssl-protocols, ssl-session-cache, ssl-session-tickets off).",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        "    ssl_session_cache shared:SSL:10m;",
        "    ssl_session_timeout 10m;",
        "    ssl_session_tickets off;",
        "    ssl_buffer_size 4k;",
        f"    # the default certificate: {what}; a host with a Secret of its own has its own",
        f"    ssl_certificate     {certs.default_file()};",
        f"    ssl_certificate_key {certs.default_file()};",
        "    # ssl-redirect's target (ingress-nginx's Lua drops one trailing '/'), and HSTS on HTTPS only",
        "    map $request_uri $redirect_uri {",
        "        ~^(?<kept>.*)/$ $kept;",
        "        default        $request_uri;",
        "    }",
        "    map $scheme $hsts {",
        f'        https   "{HSTS}";',
        '        default "";',
        "    }",
    ]


def _preamble(plan: LabPlan, flags: ControllerFlags, pod: str, config: IngressConfig) -> list[str]:
    """The comment a learner reads first: whose file it is, who writes it, what it serves and why not the rest."""
    return [
        f"# nginx.conf of the ingress controller pod {pod} (lab {plan.name}), written by netlab from the",
        "# lab's Ingress objects as ingress-nginx writes it (netlab/render/ingress.py). netlab rewrites it",
        "# and reloads nginx when Ingresses, endpoints or their Secrets change.",
        f"# class {flags.ingress_class}: serves " + (", ".join(config.served) or "no Ingress"),
        *(f"# not served: {note}" for note in config.notes),
    ]


def _main_context(run_dir: str) -> list[str]:
    """The process: in the foreground (the pod's process), one worker, its pid in `run_dir`."""
    return [
        f"pid {run_dir}/nginx.pid;",
        "daemon off;",
        "worker_processes 1;",
        "worker_shutdown_timeout 10s;  # a reload lets old workers finish their requests, this long at most",
        "error_log stderr notice;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
    ]


def _http_settings(run_dir: str, access_log: str) -> list[str]:
    """The head of the `http` block: logs and temporary files, then the maps and proxy settings
    every location inherits."""
    return [
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
        *_HTTP_MAPS,
        "",
        *_PROXY_SETTINGS,
    ]


# ingress-nginx's maps: the Host to pass on, the Connection of a WebSocket upgrade, the request's ID.
_HTTP_MAPS = (
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
)

_PROXY_SETTINGS = (
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
)


def _upstream(up: Upstream) -> list[str]:
    """A Service port's `upstream` block: its endpoints, the pods themselves; none without endpoints
    (nginx refuses an empty upstream)."""
    lines = [f"    # Service {up.service} port {up.port}: its endpoints, the pods themselves"]
    if not up.endpoints:
        return [*lines, "    # (no endpoints: the locations that use it answer 503)"]
    return [
        *lines,
        f"    upstream {up.name} {{",
        *(f"        server {ep} max_fails=0 fail_timeout=0;  # {ep.pod}" for ep in up.endpoints),
        "    }",
    ]


def _server_block(
    server: Server, flags: ControllerFlags, upstreams: dict[str, Upstream], certs: Certificates
) -> list[str]:
    """A `server` block on the HTTP and HTTPS ports: the default server listens as `default_server`,
    so it answers every Host (and TLS server name) no other server names."""
    if server.hostname == DEFAULT_SERVER:
        head = [
            "    # the default server: requests whose Host no rule names",
            "    server {",
            "        server_name _;",
            f"        listen {flags.http_port} default_server backlog=4096;",
            f"        listen {flags.https_port} default_server backlog=4096 ssl;",
        ]
    else:
        head = [
            "    server {",
            f"        server_name {server.hostname};",
            f"        listen {flags.http_port};",
            f"        listen {flags.https_port} ssl;",
        ]
    body = [line for loc in server.locations for line in ["", *_location(loc, upstreams)]]
    return [*head, *_server_tls(server, certs), *body, "    }"]


def _sha(cert: Certificate) -> str:
    """The PEM's digest, in the configuration as ingress-nginx writes it: a new certificate is a
    new configuration, so nginx reloads for it."""
    return hashlib.sha1(cert.pem.encode()).hexdigest()


def _server_tls(server: Server, certs: Certificates) -> list[str]:
    """A host's own certificate, and what having one brings: the redirect to https, HSTS."""
    if not server.certificate:
        return []
    lines = []
    if server.certificate == DEFAULT_CERTIFICATE:
        lines.append("        # TLS host without a usable certificate of its own: the default certificate")
    else:
        pem, cert = pem_file(certs.directory, *server.certificate.split("/")), certs.usable[server.certificate]
        lines += [
            f"        # TLS: Secret {server.certificate} ({cert.subject}), PEM sha1 {_sha(cert)}",
            f"        ssl_certificate     {pem};",
            f"        ssl_certificate_key {pem};",
        ]
    return [
        *lines,
        "        if ($scheme = http) {  # ssl-redirect",
        f"            return {REDIRECT_CODE} https://$host$redirect_uri;",
        "        }",
        "        add_header Strict-Transport-Security $hsts always;",
    ]


def _location(loc: Location, upstreams: dict[str, Upstream]) -> list[str]:
    """A `location` block: nginx's 404 for the built-in default backend, else the variables
    ingress-nginx sets (its logs and Lua read them) and the proxy_pass, or 503 without endpoints."""
    if not loc.upstream:
        return [
            f"        location {loc.key} {{",
            f'            set $proxy_upstream_name "{DEFAULT_UPSTREAM}";',
            "            return 404;  # ingress-nginx's built-in default backend",
            "        }",
        ]
    up = upstreams[loc.upstream]
    namespace, service = up.service.split("/")
    body = [
        f"        location {loc.key} {{  # {_origin(loc)}",
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


def _origin(loc: Location) -> str:
    """What made a location: an Ingress's path (its pathType as written), its defaultBackend, or the flag."""
    if loc.ingress_path:
        written = loc.written_type if loc.written_type == loc.path_type else f"{loc.written_type}, as Prefix"
        return f"Ingress {loc.ingress}: {written} {loc.ingress_path}"
    return f"Ingress {loc.ingress}: spec.defaultBackend" if loc.ingress else "--default-backend-service"
