"""Ingress objects, the ingress controller's declaration, agnhost's netexec on a command line, and
the controller's nginx configuration (netlab.render.ingress): golden for the bundled lab, and
ingress-nginx's semantics one by one on small labs. Bad files are goldens in tests/errors."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from netlab.model import load_lab
from netlab.model.agnhost import Netexec, netexec
from netlab.model.ingress import (
    ControllerFlags,
    Ingress,
    IngressBackend,
    IngressPath,
    IngressRule,
    controller_flags,
    controllers,
    is_controller,
)
from netlab.model.lab import Container, IngressTLS
from netlab.model.tls import FAKE_PEM, fake_certificate_argv, pem_file
from netlab.plan import make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.plan.model import LabPlan
from netlab.render.ingress import Certificates, ingress_config, planned_certificates, render_nginx_conf

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "ingress-http.yaml"
RUN = "/run/netlab/ingress-http/ingress/ingress-nginx-controller-0/run"
LOG = "/run/netlab/ingress-http/logs/ingress-nginx-controller-0_controller.log"
NGINX = ControllerFlags(watch_without_class=True)
CERTS = Certificates("/run/x/certs", {})
LAB_CERTS = planned_certificates(
    make_plan(load_lab(LAB)), NGINX, "/run/netlab/ingress-http/ingress/ingress-nginx-controller-0/certs"
)

HEAD = """\
name: t-ing
cluster:
  nodes: [node-1]
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: controller}
    spec:
      containers:
        - name: controller
          args: [/nginx-ingress-controller, --watch-ingress-without-class%s]
          ports: [{containerPort: 80}]
  - apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: {name: nginx}
    spec: {controller: k8s.io/ingress-nginx}
"""


def app(name: str, replicas: int = 1) -> str:
    """A Deployment `name` of agnhost pods and its Service (port 80 -> 8080, named http)."""
    return f"""\
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          containers: [{{name: app, args: [netexec, --http-override=/hostname]}}]
  - apiVersion: v1
    kind: Service
    metadata: {{name: {name}}}
    spec:
      selector: {{app: {name}}}
      ports: [{{name: http, port: 80, targetPort: 8080}}]
"""


def ingress(name: str, spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip(), " " * 6)
    return f"""\
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {{name: {name}}}
    spec:
{body}
"""


def plan_of(tmp_path: Path, *objects: str, flags: str = "") -> LabPlan:
    path = tmp_path / "lab.yaml"
    path.write_text(HEAD % flags + "".join(objects))
    return make_plan(load_lab(path))


def backend(service: str, port: int | str = 80) -> str:
    key = "number" if isinstance(port, int) else "name"
    return f"{{service: {{name: {service}, port: {{{key}: {port}}}}}}}"


def locations(plan: LabPlan, flags: ControllerFlags = NGINX) -> dict[str, dict[str, str]]:
    """host -> nginx location -> the upstream it sends to ("" the built-in 404)."""
    return {s.hostname: {loc.key: loc.upstream for loc in s.locations} for s in ingress_config(plan, flags).servers}


# -- the model --------------------------------------------------------------------------------
def test_the_bundled_lab_holds_its_ingresses() -> None:
    lab = load_lab(LAB)
    assert lab.ingresses == (
        Ingress(
            "apps",
            "default",
            (
                IngressRule(
                    "a.example",
                    (
                        IngressPath("/", "Prefix", IngressBackend("app-a", 80)),
                        IngressPath("/api", "Prefix", IngressBackend("app-b", 80)),
                    ),
                ),
                IngressRule(
                    "b.example",
                    (
                        IngressPath("/", "Prefix", IngressBackend("app-b", "http")),
                        IngressPath("/exact", "Exact", IngressBackend("app-a", 80)),
                    ),
                ),
            ),
            ingress_class="nginx",
        ),
        Ingress("default-backend", "default", (), IngressBackend("default-backend", 80), "nginx"),
        Ingress(  # no ingressClassName in the file: the default class, as admission writes it
            "tls-example-ingress",
            "default",
            (IngressRule("https-example.foo.com", (IngressPath("/", "Prefix", IngressBackend("app-a", 80)),)),),
            ingress_class="nginx",
            tls=(IngressTLS(("https-example.foo.com",), "testsecret-tls"),),
        ),
    )
    assert not any(isinstance(obj, Ingress) for obj in lab.objects)
    [(obj, container)] = controllers(lab.objects)
    assert (obj.name, obj.namespace, container.name) == ("ingress-nginx-controller", "ingress-nginx", "controller")
    assert controller_flags(container) == (ControllerFlags("nginx"), [])
    assert not container.runs_echo


def test_checks_carry_their_request_headers() -> None:
    checks = {c.name: c for c in load_lab(LAB).checks}
    spoofed = checks["a client's own X-Forwarded-For is not trusted (ingress-nginx's default)"]
    assert spoofed.headers == (("Host", "unknown.example"), ("X-Forwarded-For", "192.0.2.66"))
    assert checks["a request to the bare IP (Host 198.51.100.200) gets the default backend too"].headers == ()


@pytest.mark.parametrize(
    "command, args",
    [
        ((), ("/nginx-ingress-controller", "--ingress-class=nginx")),
        (("/nginx-ingress-controller",), ()),
        (("nginx-ingress-controller",), ("--v=2",)),
    ],
)
def test_the_controller_is_recognized_by_its_binary(command: tuple, args: tuple) -> None:
    assert is_controller(Container("c", command, args))


def test_other_commands_are_not_the_controller() -> None:
    assert not is_controller(Container("c", ("nginx",), ("-g", "daemon off;")))
    assert not is_controller(Container("c"))


def test_controller_flags_in_both_spellings() -> None:
    container = Container(
        "c",
        args=(
            "/nginx-ingress-controller",
            "--ingress-class",
            "internal",
            "--default-backend-service=infra/fallback",
            "--http-port=8080",
            "--publish-service=$(POD_NAMESPACE)/x",
        ),
    )
    assert controller_flags(container) == (ControllerFlags("internal", ("infra", "fallback"), 8080), [])


def test_implementation_specific_path_defaults_to_root(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("web"),
        ingress(
            "x",
            f"""
        rules:
          - http: {{paths: [{{pathType: ImplementationSpecific, backend: {backend("web")}}}]}}
    """,
        ),
    )
    path = IngressPath("/", "ImplementationSpecific", IngressBackend("web", 80))
    assert plan.lab.ingresses[0].rules[0].paths == (path,)
    assert plan.lab.ingresses[0].ingress_class is None


def test_a_missing_backend_is_allowed_after_a_change(tmp_path: Path) -> None:
    """As in a cluster: deleting a Service an Ingress names is allowed; the controller answers 503."""
    path = tmp_path / "lab.yaml"
    path.write_text(HEAD % "" + ingress("x", f"defaultBackend: {backend('gone')}"))
    plan = make_plan(load_lab(path, changed=True))
    conf = render_nginx_conf(plan, NGINX, "controller", "/run/x", "/run/x/log", CERTS)
    assert "return 503;" in conf and "upstream default-gone-80" not in conf


# -- agnhost netexec --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, found",
    [
        (("netexec",), Netexec()),
        (("netexec", "--http-port=9376"), Netexec(9376)),
        (("/agnhost", "netexec", "--http-port", "80", "--udp-port=-1"), Netexec(80, -1)),
        (("agnhost", "netexec", "--http-override=/hostname", "--delay-shutdown=5"), Netexec(http_override="/hostname")),
        (("serve-hostname",), None),
        (("sh", "-c", "netexec"), None),
        ((), None),
    ],
)
def test_netexec_on_a_command_line(argv: tuple, found: Netexec | None) -> None:
    assert netexec(argv) == (found, [])


def test_a_netexec_container_runs_the_echo_server_on_netexecs_ports() -> None:
    plain = Container("web", args=("netexec", "--http-port=8080"))
    assert plain.runs_echo and plain.listens_on() == [(8080, "TCP"), (8081, "UDP")]
    quiet = Container("web", command=("/agnhost", "netexec", "--udp-port=-1"))
    assert quiet.runs_echo and quiet.listens_on() == [(8080, "TCP")]
    assert not Container("web", command=("porter",)).runs_echo  # args alone go to the echo server


# -- the configuration ------------------------------------------------------------------------
def test_nginx_conf_golden(golden) -> None:
    plan = make_plan(load_lab(LAB))
    golden(
        REPO / "tests" / "golden" / "ingress" / "ingress-http.nginx.conf",
        render_nginx_conf(plan, NGINX, "ingress-nginx-controller-0", RUN, LOG, LAB_CERTS),
    )


def test_the_bundled_lab_routes_as_its_checks_say() -> None:
    assert locations(make_plan(load_lab(LAB))) == {
        "_": {"/": "default-default-backend-80"},
        "a.example": {"/api/": "default-app-b-80", "= /api": "default-app-b-80", "/": "default-app-a-80"},
        "b.example": {"= /exact": "default-app-a-80", "/": "default-app-b-http"},
        "https-example.foo.com": {"/": "default-app-a-80"},
    }


def test_upstreams_are_the_pods_not_the_cluster_ip() -> None:
    plan = make_plan(load_lab(LAB))
    conf = render_nginx_conf(plan, NGINX, "ingress-nginx-controller-0", RUN, LOG, LAB_CERTS)
    app_a = plan.known_service("app-a")
    assert str(app_a.cluster_ip) not in conf
    for endpoint in app_a.ports[0].endpoints:
        assert f"server {endpoint.ip}:8080 max_fails=0 fail_timeout=0;  # {endpoint.pod}" in conf


def test_forwarding_headers_are_ingress_nginxs_defaults() -> None:
    conf = render_nginx_conf(make_plan(load_lab(LAB)), NGINX, "ingress-nginx-controller-0", RUN, LOG, LAB_CERTS)
    for header, value in (
        ("X-Forwarded-For", "$remote_addr"),
        ("X-Real-IP", "$remote_addr"),
        ("X-Forwarded-Host", "$best_http_host"),
        ("X-Forwarded-Proto", "$scheme"),
        ("Host", "$best_http_host"),
        ("X-Original-Forwarded-For", "$http_x_forwarded_for"),
    ):
        assert any(line.split() == ["proxy_set_header", header, f"{value};"] for line in conf.splitlines()), header
    assert f"pid {RUN}/nginx.pid;" in conf and "daemon off;" in conf and "\nuser " not in conf


def test_prefix_matches_path_elements_exact_only_its_path_and_exact_wins_its_own_path(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("a"),
        app("b"),
        ingress(
            "x",
            f"""
        rules:
          - host: shop.example
            http:
              paths:
                - {{path: /foo, pathType: Prefix, backend: {backend("a")}}}
                - {{path: /foo, pathType: Exact, backend: {backend("b")}}}
                - {{path: /bar/, pathType: Prefix, backend: {backend("b")}}}
                - {{path: /baz, pathType: ImplementationSpecific, backend: {backend("b")}}}
    """,
        ),
    )
    assert locations(plan)["shop.example"] == {
        "/foo/": "default-a-80",
        "= /foo": "default-b-80",  # Exact /foo before Prefix /foo's exact twin
        "/baz/": "default-b-80",
        "= /baz": "default-b-80",  # ImplementationSpecific is Prefix
        "/bar/": "default-b-80",
        "= /bar/": "default-b-80",  # as ingress-nginx: /bar/ as written
        "/": "",  # nothing claimed /: the default backend (404)
    }
    conf = render_nginx_conf(plan, NGINX, "controller", "/run/x", "/run/x/log", CERTS)
    assert "location /baz/ {  # Ingress default/x: ImplementationSpecific, as Prefix /baz" in conf


def test_an_ingress_with_a_default_backend_and_no_rules_is_the_catch_all(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("a"),
        app("b"),
        app("c"),
        ingress("first", f"defaultBackend: {backend('a')}"),
        ingress("second", f"defaultBackend: {backend('b')}"),
        ingress(
            "rules",
            f"""
        defaultBackend: {backend("c")}
        rules:
          - host: c.example
            http: {{paths: [{{path: /x, pathType: Prefix, backend: {backend("b")}}}]}}
    """,
        ),
    )
    found = locations(plan)
    assert found["_"] == {"/": "default-a-80"}  # the first catch-all wins
    assert found["c.example"]["/"] == "default-c-80"  # with rules: the fallback of its own hosts only
    notes = ingress_config(plan, NGINX).notes
    assert not notes


def test_without_any_default_backend_unknown_hosts_get_nginxs_404(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("a"),
        ingress(
            "x",
            f"""
        rules:
          - host: a.example
            http: {{paths: [{{path: /, pathType: Prefix, backend: {backend("a", "http")}}}]}}
    """,
        ),
    )
    conf = render_nginx_conf(plan, NGINX, "controller", "/run/x", "/run/x/log", CERTS)
    default_server = conf[conf.index("server_name _;") : conf.index("server_name a.example;")]
    assert "return 404;" in default_server and "proxy_pass" not in default_server
    assert locations(plan)["a.example"] == {"/": "default-a-http"}


def test_the_controllers_default_backend_service(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("fallback"),
        ingress(
            "x",
            f"""
        rules:
          - host: a.example
            http: {{paths: [{{path: /, pathType: Prefix, backend: {backend("fallback")}}}]}}
    """,
        ),
        flags=", --default-backend-service=default/fallback",
    )
    flags = controller_flags(plan.pods[0].containers[0])[0]
    assert locations(plan, flags)["_"] == {"/": "upstream-default-backend"}
    assert "upstream upstream-default-backend {" in render_nginx_conf(
        plan, flags, "controller", "/run/x", "/run/x/log", CERTS
    )


def test_rules_without_a_host_go_to_the_default_server(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("a"),
        ingress(
            "x",
            f"""
        rules:
          - http: {{paths: [{{path: /api, pathType: Prefix, backend: {backend("a")}}}]}}
    """,
        ),
    )
    assert locations(plan) == {"_": {"/api/": "default-a-80", "= /api": "default-a-80", "/": ""}}


def test_the_first_ingress_keeps_a_host_and_path(tmp_path: Path) -> None:
    rule = """
        rules:
          - host: a.example
            http: {{paths: [{{path: /, pathType: Prefix, backend: {}}}]}}
    """
    plan = plan_of(
        tmp_path,
        app("a"),
        app("b"),
        ingress("one", rule.format(backend("a"))),
        ingress("two", rule.format(backend("b"))),
    )
    assert locations(plan)["a.example"] == {"/": "default-a-80"}
    assert ingress_config(plan, NGINX).notes == ("Ingress default/two: a.example / (Prefix) is default/one's already",)


def test_ingresses_of_another_class_are_not_served(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        app("a"),
        app("b"),
        ingress("mine", f"{{ingressClassName: nginx, defaultBackend: {backend('a')}}}"),
        ingress("theirs", f"{{ingressClassName: traefik, defaultBackend: {backend('b')}}}"),
    )
    config = ingress_config(plan, NGINX)
    assert config.served == ("default/mine",)
    assert config.notes == ("Ingress default/theirs: class traefik, but no IngressClass traefik",)
    assert ingress_config(plan, ControllerFlags("traefik")).served == (
        "default/mine",
    )  # the class's controller decides


def test_a_backend_without_endpoints_answers_503(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, app("a", replicas=0), ingress("x", f"defaultBackend: {backend('a')}"))
    conf = render_nginx_conf(plan, NGINX, "controller", "/run/x", "/run/x/log", CERTS)
    assert "upstream default-a-80" not in conf and "return 503;  # the Service has no endpoints" in conf


def test_the_configuration_is_the_same_on_every_run() -> None:
    render = [
        render_nginx_conf(make_plan(load_lab(LAB)), NGINX, "ingress-nginx-controller-0", RUN, LOG, LAB_CERTS)
        for _ in range(2)
    ]
    assert render[0] == render[1]


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None, reason="no nginx or openssl")
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    run, certs = tmp_path / "run", tmp_path / "certs"
    run.mkdir()
    certs.mkdir()
    fake = certs / FAKE_PEM
    made = subprocess.run(
        fake_certificate_argv("openssl", f"{fake}.key", f"{fake}.crt"), capture_output=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    fake.write_text(Path(f"{fake}.crt").read_text() + Path(f"{fake}.key").read_text())
    plan = make_plan(load_lab(LAB))
    planned = planned_certificates(plan, NGINX, str(certs))
    for key, cert in planned.usable.items():
        Path(pem_file(str(certs), *key.split("/"))).write_text(cert.pem)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        render_nginx_conf(plan, NGINX, "ingress-nginx-controller-0", str(run), str(tmp_path / "pod.log"), planned)
    )
    done = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=10
    )
    assert done.returncode == 0, done.stderr


def test_without_nginx_the_environment_cannot_run_the_controller(monkeypatch) -> None:
    from netlab.errors import EXIT_ENVIRONMENT, EnvironmentProblem
    from netlab.kernel import ingress as kernel_ingress

    monkeypatch.setattr(kernel_ingress.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(EnvironmentProblem, match=r"nginx not found.*scripts/provision\.sh") as caught:
        kernel_ingress.nginx_binary()
    assert caught.value.exit_code == EXIT_ENVIRONMENT
    assert lab_has_controllers(make_plan(load_lab(LAB)))
