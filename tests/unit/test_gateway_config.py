"""The Gateway API: NGF's provisioning, the status it writes (netlab.model.gatewaystatus) and the
nginx configuration of a Gateway (netlab.render.gateway): golden for the bundled lab, the API's
rules one by one on small labs. Bad files are goldens in tests/errors."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from netlab.model import load_lab
from netlab.model.gateway import NGF_CONTROLLER, served_gateway
from netlab.model.gatewaystatus import GatewayAPIStatus, admits, gateway_api_status, hostnames
from netlab.model.gatewaytypes import Gateway, Listener
from netlab.model.lab import Deployment
from netlab.plan import make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.plan.model import LabPlan
from netlab.render.diagram import DrawnRoute, Picture, ascii_art, mermaid
from netlab.render.gateway import (
    gateway_certificates,
    render_gateway_conf,
    route_rows,
    servers,
    split_percentages,
    trace_notes,
)

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "gateway-api.yaml"
RUN = "/run/netlab/gateway-api/ingress/cafe-nginx-0/run"
LOG = "/run/netlab/gateway-api/logs/cafe-nginx-0_nginx.log"
CERTS = "/run/netlab/gateway-api/ingress/cafe-nginx-0/certs"

HEAD = f"""\
name: t-gw
cluster:
  nodes: [node-1]
objects:
  - apiVersion: gateway.networking.k8s.io/v1
    kind: GatewayClass
    metadata: {{name: nginx}}
    spec: {{controllerName: {NGF_CONTROLLER}}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: web}}
    spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: 8080}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: web, namespace: other}}
    spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: 8080}}]}}
"""


def manifest(kind: str, name: str, spec: str, namespace: str = "default") -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip(), " " * 6)
    return f"""\
  - apiVersion: gateway.networking.k8s.io/v1
    kind: {kind}
    metadata: {{name: {name}, namespace: {namespace}}}
    spec:
{body}
"""


GATEWAY = manifest(
    "Gateway",
    "gw",
    """
    gatewayClassName: nginx
    listeners:
      - {name: http, port: 80, protocol: HTTP}
    """,
)


def route(
    name: str, rules: str = "- backendRefs: [{name: web, port: 80}]", extra: str = "", namespace: str = "default"
) -> str:
    indented = textwrap.indent(textwrap.dedent(rules).strip(), "  ")
    return manifest(
        "HTTPRoute",
        name,
        f"parentRefs: [{{name: gw, namespace: default}}]\n{extra}\nrules:\n{indented}",
        namespace,
    )


def plan_of(tmp_path: Path, *objects: str) -> LabPlan:
    path = tmp_path / "lab.yaml"
    path.write_text(HEAD + "".join(objects))
    return make_plan(load_lab(path))


def status_of(plan: LabPlan) -> GatewayAPIStatus:
    return gateway_api_status(plan.lab)


def conditions(plan: LabPlan, route_name: str) -> list[list[str]]:
    """Per parentRef of the route: its conditions as `Type=Status (Reason)`."""
    rs = next(r for r in status_of(plan).routes if r.route.name == route_name)
    return [[str(c) for c in p.conditions] for p in rs.parents]


# -- provisioning -----------------------------------------------------------------------------
def test_a_gateway_of_ngfs_class_gets_its_nginx_deployment_and_loadbalancer_service() -> None:
    lab = load_lab(LAB)
    dep = next(o for o in lab.objects if o.name == "cafe-nginx")
    svc = next(s for s in lab.services if s.name == "cafe-nginx")
    assert isinstance(dep, Deployment) and dep.replicas == 1 and dep.namespace == "default"
    assert dep.selector == {"app.kubernetes.io/name": "cafe-nginx", "gateway.networking.k8s.io/gateway-name": "cafe"}
    assert served_gateway(dep.template.containers[0]) == "default/cafe"
    assert (svc.type, svc.external_policy, svc.selector) == ("LoadBalancer", "Local", dep.selector)
    assert [(p.name, p.port, p.target_port) for p in svc.ports] == [
        ("port-80", 80, 80),
        ("port-443", 443, 443),
        ("port-8080", 8080, 8080),
    ]
    assert lab_has_controllers(make_plan(lab))


def test_a_gateway_of_another_class_gets_nothing(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, GATEWAY.replace("gatewayClassName: nginx", "gatewayClassName: istio"))
    assert not lab_has_controllers(plan) and [s.name for s in plan.lab.services] == ["kube-dns", "web", "web"]
    gw = status_of(plan).gateways[0]
    assert not gw.ngf and [str(c) for c in gw.conditions] == [
        "Accepted=Unknown (Pending)",
        "Programmed=Unknown (Pending)",
    ]


# -- status -----------------------------------------------------------------------------------
def test_the_bundled_labs_status() -> None:
    plan = make_plan(load_lab(LAB))
    status = status_of(plan)
    assert status.classes["nginx"][0].status == "True"
    gw = status.gateways[0]
    assert [str(c) for c in gw.conditions] == ["Accepted=True (Accepted)", "Programmed=True (Programmed)"]
    assert [(x.name, x.attached_routes) for x in gw.listeners] == [("http", 4), ("https", 1), ("team-b", 1)]
    assert conditions(plan, "coffee") == [["Accepted=True (Accepted)", "ResolvedRefs=True (ResolvedRefs)"]]
    assert conditions(plan, "latte") == [["Accepted=True (Accepted)", "ResolvedRefs=False (BackendNotFound)"]]
    assert conditions(plan, "menu") == [
        ["Accepted=False (NotAllowedByListeners)", "ResolvedRefs=True (ResolvedRefs)"],
        ["Accepted=True (Accepted)", "ResolvedRefs=True (ResolvedRefs)"],
    ]


def test_a_parent_that_is_no_gateway_gets_no_status(tmp_path: Path) -> None:
    rs = status_of(plan_of(tmp_path, route("r"))).routes[0]
    assert rs.parents[0].conditions == () and "no Gateway default/gw" in rs.parents[0].note


def test_a_parentref_names_no_listener(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path, GATEWAY, route("r").replace("{name: gw, namespace: default}", "{name: gw, sectionName: x}")
    )
    assert conditions(plan, "r")[0][0] == "Accepted=False (NoMatchingParent)"


@pytest.mark.parametrize(
    ("source", "selector", "namespace", "admitted"),
    [
        ("Same", {}, "default", True),
        ("Same", {}, "other", False),
        ("All", {}, "other", True),
        ("Selector", {"kubernetes.io/metadata.name": "other"}, "other", True),
        ("Selector", {"kubernetes.io/metadata.name": "other"}, "default", False),
        ("Selector", {"team": "b"}, "other", True),  # namespace other's Namespace object says team: b
        ("Selector", {"team": "b"}, "default", False),
        ("Selector", {"team": "b", "kubernetes.io/metadata.name": "other"}, "other", True),
    ],
)
def test_allowed_routes_namespaces(source: str, selector: dict, namespace: str, admitted: bool) -> None:
    labels = {"kubernetes.io/metadata.name": namespace} | ({"team": "b"} if namespace == "other" else {})
    gw = Gateway("gw", "default", "nginx", ())
    listener = Listener("l", 80, "HTTP", allowed_from=source, allowed_selector=selector)
    assert admits(gw, listener, namespace, labels) is admitted


def test_a_selector_sees_the_labels_of_the_namespace_object(tmp_path: Path) -> None:
    """Lab.namespace_labels: the v1 Namespace's own labels, and kubernetes.io/metadata.name."""
    listeners = "listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes:\n"
    listeners += "      namespaces: {from: Selector, selector: {matchLabels: {team: b}}}\n"
    gateway = manifest("Gateway", "gw", "gatewayClassName: nginx\n" + listeners)
    namespace = "  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: other, labels: {team: b}}\n"
    routes = (route("mine"), route("theirs", namespace="other"))
    plan = plan_of(tmp_path, gateway, *routes)
    assert conditions(plan, "theirs")[0][0] == "Accepted=False (NotAllowedByListeners)"
    plan = plan_of(tmp_path, namespace, gateway, *routes)
    assert conditions(plan, "theirs")[0][0] == "Accepted=True (Accepted)"
    assert conditions(plan, "mine")[0][0] == "Accepted=False (NotAllowedByListeners)"


def test_allowed_routes_kinds_without_httproute_admit_none() -> None:
    listener = Listener("l", 80, "HTTP", allowed_from="All", allowed_kinds=("GRPCRoute",))
    assert not admits(Gateway("gw", "default", "nginx", ()), listener, "default", {})


@pytest.mark.parametrize(
    ("listener", "route", "served"),
    [
        ("", (), ("",)),
        ("", ("a.example",), ("a.example",)),
        ("a.example", (), ("a.example",)),
        ("a.example", ("a.example", "b.example"), ("a.example",)),
        (
            "*.example.com",
            ("cafe.example.com", "a.b.example.com", "example.com"),
            ("cafe.example.com", "a.b.example.com"),
        ),
        ("cafe.example.com", ("*.example.com",), ("cafe.example.com",)),
        ("*.example.com", ("*.cafe.example.com",), ("*.cafe.example.com",)),
        ("a.example", ("b.example",), ()),
    ],
)
def test_hostnames_of_listener_and_route_intersect(listener: str, route: tuple, served: tuple) -> None:
    assert hostnames(listener, route) == served


def test_no_hostname_in_common(tmp_path: Path) -> None:
    gateway = GATEWAY.replace("protocol: HTTP}", "protocol: HTTP, hostname: a.example}")
    plan = plan_of(tmp_path, gateway, route("r", extra="hostnames: [b.example]"))
    assert conditions(plan, "r")[0][0] == "Accepted=False (NoMatchingListenerHostname)"


@pytest.mark.parametrize(
    ("ref", "reason"),
    [
        ("{name: nope, port: 80}", "BackendNotFound"),
        ("{name: web, port: 81}", "BackendNotFound"),
        ("{name: web, namespace: other, port: 80}", "RefNotPermitted"),
        ("{name: web, kind: Bucket, group: example.com}", "InvalidKind"),
    ],
)
def test_unresolved_backend_refs(tmp_path: Path, ref: str, reason: str) -> None:
    plan = plan_of(tmp_path, GATEWAY, route("r", f"- backendRefs: [{ref}]"))
    assert conditions(plan, "r")[0][1] == f"ResolvedRefs=False ({reason})"
    assert "proxy_pass http://invalid-backend-ref;" in render_gateway_conf(plan, "default/gw", "gw-nginx-0", "/r", "/l")


def test_listeners_with_one_port_and_hostname_conflict(tmp_path: Path) -> None:
    gateway = GATEWAY.replace(
        "- {name: http, port: 80, protocol: HTTP}",
        "- {name: a, port: 80, protocol: HTTP}\n        - {name: b, port: 80, protocol: HTTP}",
    )
    gw = status_of(plan_of(tmp_path, gateway)).gateways[0]
    assert [str(c) for c in gw.listeners[0].conditions][-1] == "Conflicted=True (HostnameConflict)"
    assert str(gw.conditions[0]) == "Accepted=False (ListenersNotValid)"


# -- the configuration ------------------------------------------------------------------------
def test_nginx_conf_golden(golden) -> None:
    plan = make_plan(load_lab(LAB))
    certs = gateway_certificates(plan, "default/cafe", CERTS)
    assert list(certs.usable) == ["default/cafe-tls"]
    golden(
        REPO / "tests" / "golden" / "gateway" / "gateway-api.nginx.conf",
        render_gateway_conf(plan, "default/cafe", "cafe-nginx-0", RUN, LOG, certs),
    )


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (scripts/provision.sh)")
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        render_gateway_conf(make_plan(load_lab(LAB)), "default/cafe", "cafe-nginx-0", str(run), str(tmp_path / "log"))
    )
    done = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=10
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("weights", "shares"),
    [
        ([80, 20], ["80.00", "20.00"]),
        ([1, 2], ["33.33", "66.67"]),
        ([2, 1], ["66.66", "33.34"]),
        ([1, 1, 1], ["33.33", "33.33", "33.34"]),
    ],
)
def test_split_percentages_are_ngfs(weights: list[int], shares: list[str]) -> None:
    assert split_percentages(weights) == shares


def test_matches_are_tried_in_the_apis_order_of_precedence(tmp_path: Path) -> None:
    rules = """
    - matches: [{path: {type: PathPrefix, value: /a}}]
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /a}, queryParams: [{name: q, value: "1"}]}]
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /a}, headers: [{name: h, value: "1"}]}]
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: Exact, value: /a}, method: GET}]
      backendRefs: [{name: web, port: 80}]
    """
    plan = plan_of(tmp_path, GATEWAY, route("r", rules))
    (server,) = servers(status_of(plan), plan.lab.gateway_api.gateways[0])
    assert server.hostname == "~^"
    assert [e.rule_index for e in server.locations["= /a"]] == [3, 2, 1, 0]
    assert [e.rule_index for e in server.locations["/a/"]] == [2, 1, 0]


def test_the_configuration_is_the_same_on_every_run() -> None:
    confs = {render_gateway_conf(make_plan(load_lab(LAB)), "default/cafe", "cafe-nginx-0", RUN, LOG) for _ in range(2)}
    assert len(confs) == 1


def test_the_diagram_shows_the_ways_through_the_gateway() -> None:
    rows = {(r.host, r.path, r.conditions): r for r in route_rows(make_plan(load_lab(LAB)))}
    split = rows[("cafe.example.com", "PathPrefix /coffee", "")]
    assert split.targets == (("default/coffee-v1", "80.00 %"), ("default/coffee-v2", "20.00 %"))
    assert rows[("cafe.example.com", "PathPrefix /coffee", "header version=v2")].targets == (
        ("default/coffee-v2", "100.00 %"),
    )
    assert rows[("latte.example.com", "PathPrefix /", "")].answer == "500 (no backendRef resolves)"
    route = DrawnRoute(split.pod, ":80 cafe.example.com PathPrefix /coffee", split.targets)
    picture = Picture("gateway-api", "host-gw", "iptables", (), (), (), (), (route,))
    assert (
        "  cafe-nginx-0 :80 cafe.example.com PathPrefix /coffee -> default/coffee-v1 80.00 %, default/coffee-v2 20.00 %"
        in ascii_art(picture)
    )
    assert 'pod_cafe_nginx_0 -.->|":80 cafe.example.com PathPrefix /coffee 80.00 %"| svc_default_coffee_v1' in mermaid(
        picture
    )


def test_a_trace_says_what_nginx_does_beyond_the_rules() -> None:
    plan = make_plan(load_lab(LAB))
    (from_nginx,) = trace_notes(plan, "cafe-nginx-0", "coffee-v1")
    assert "proxies to the pods themselves" in from_nginx
    (to_gateway,) = trace_notes(plan, "tea-0", "cafe-nginx")
    assert "Gateway default/cafe's LoadBalancer Service" in to_gateway
    assert trace_notes(plan, "tea-0", "coffee-v1") == []


def test_the_kubernetes_docs_manifests_are_accepted(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all((REPO / "tests" / "manifests" / "k8s-docs" / "gateway-api-kinds.yaml").read_text()))
    path = tmp_path / "docs.yaml"
    path.write_text(yaml.safe_dump({"name": "docs", "cluster": {"nodes": ["node-1"]}, "objects": docs}))
    lab = load_lab(path)
    status = gateway_api_status(lab)
    assert not any(o.name.startswith("example-gateway") for o in lab.objects)  # another controller's class
    assert [str(c) for c in status.gateways[0].conditions] == [
        "Accepted=Unknown (Pending)",
        "Programmed=Unknown (Pending)",
    ]
    assert "no Gateway default/example-gateway" in status.routes[0].parents[0].note  # it is in example-namespace
    nginx = yaml.safe_dump(
        {
            "name": "docs",
            "cluster": {"nodes": ["node-1"]},
            "objects": [
                {**docs[0], "spec": {"controllerName": NGF_CONTROLLER}},
                docs[1],
                {**docs[2], "metadata": {"name": "r", "namespace": "example-namespace"}},
            ],
        }
    )
    path.write_text(nginx)
    lab = load_lab(path)
    status = gateway_api_status(lab)
    assert "example-gateway-example-class" in {o.name for o in lab.objects}  # NGF's name: <gateway>-<class>
    assert [str(c) for c in status.routes[0].parents[0].conditions] == [
        "Accepted=True (Accepted)",
        "ResolvedRefs=False (BackendNotFound)",
    ]


@pytest.mark.parametrize(
    ("ref", "reason"),
    [("{name: nope}", "InvalidCertificateRef"), ("{name: cafe-tls, namespace: other}", "RefNotPermitted")],
)
def test_an_https_listener_without_a_usable_certificate_is_not_accepted(tmp_path: Path, ref: str, reason: str) -> None:
    gateway = GATEWAY.replace(
        "- {name: http, port: 80, protocol: HTTP}",
        f"- {{name: https, port: 443, protocol: HTTPS, tls: {{certificateRefs: [{ref}]}}}}",
    )
    plan = plan_of(tmp_path, gateway, route("r"))
    listener = status_of(plan).gateways[0].listeners[0]
    assert [str(c) for c in listener.conditions] == [
        f"Accepted=False ({reason})",
        f"ResolvedRefs=False ({reason})",
        "Programmed=False (Invalid)",
    ]
    assert conditions(plan, "r")[0][0] == "Accepted=False (NoMatchingParent)"  # no valid listener to attach to
    conf = render_gateway_conf(
        plan, "default/gw", "gw-nginx-0", "/r", "/l", gateway_certificates(plan, "default/gw", "/c")
    )
    assert "ssl_reject_handshake on;" in conf and "ssl_certificate " not in conf
