"""netlab.model.load: lab files -> validated, defaulted `Lab` objects; bad files -> one clear error.

Error cases are goldens: tests/errors/<case>.yaml holds the file, <case>.err the lines netlab
prints for it (one per problem, each naming the file, the object and the field).
"""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path

import pytest

from netlab.errors import EXIT_BAD_INPUT, BadInput, LabValidationError, PlanError
from netlab.model import Deployment, Pod, find_lab, list_labs, load_lab
from netlab.model.load import pod_names
from netlab.plan import make_plan

REPO = Path(__file__).resolve().parents[2]
LAB_FILES = sorted((REPO / "labs").glob("*.yaml"))
ERRORS = Path("tests/errors")  # relative, so the .err files name the file as a user would see it
ERROR_CASES = sorted(p.stem for p in (REPO / ERRORS).glob("*.yaml"))

MINIMAL = """\
    name: tiny
    cluster:
      nodes: [node-1]
      dns: false
"""  # ends at column 0, so the indented YAML that tests append lines up with it; no cluster DNS (its own tests)


# -- the bundled labs ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", LAB_FILES, ids=[p.stem for p in LAB_FILES])
def test_bundled_lab_loads(path: Path) -> None:
    lab = load_lab(path)
    assert lab.name == path.stem
    assert lab.title and lab.seed
    assert lab.checks, "every bundled lab proves itself with checks"


def test_list_labs_gives_every_bundled_lab_by_name() -> None:
    assert [lab.name for lab in list_labs()] == sorted(p.stem for p in LAB_FILES)


def test_find_lab_by_name_and_by_path() -> None:
    assert find_lab("pod-to-pod").name == "pod-to-pod.yaml"
    assert find_lab(str(REPO / "labs" / "pod-to-pod.yaml")) == REPO / "labs" / "pod-to-pod.yaml"


@pytest.mark.parametrize("name", ["no-such-lab", "labs/no-such-lab.yaml"])
def test_find_lab_unknown_is_bad_input(name: str) -> None:
    with pytest.raises(BadInput) as caught:
        find_lab(name)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "no-such-lab" in str(caught.value)


# -- defaults -----------------------------------------------------------------------------------
def test_cluster_defaults(make_lab) -> None:
    cluster = make_lab(MINIMAL).cluster
    assert cluster.network == "host-gw"
    assert cluster.proxy_mode == "iptables"
    assert cluster.pod_cidr == IPv4Network("10.244.0.0/16")
    assert cluster.service_cidr == IPv4Network("10.96.0.0/12")
    assert cluster.underlay == IPv4Network("192.168.56.0/24")
    assert cluster.node_cidr_mask == 24
    assert cluster.cluster_domain == "cluster.local"


def test_lab_defaults(make_lab) -> None:
    lab = make_lab(MINIMAL)
    assert lab.title == "tiny"
    assert lab.objects == lab.checks == lab.guide == lab.ignored_fields == ()


def test_nodes_carry_their_hostname_label(make_lab) -> None:
    lab = make_lab("""\
        name: labels
        cluster:
          nodes:
            - node-1
            - {name: node-2, labels: {disk: ssd}}
        """)
    assert [n.labels for n in lab.cluster.nodes] == [
        {"kubernetes.io/hostname": "node-1"},
        {"disk": "ssd", "kubernetes.io/hostname": "node-2"},
    ]


def test_pod_namespace_defaults_to_default(make_lab) -> None:
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: shop}, spec: {containers: [{name: c}]}}
    """
    )
    assert [(o.name, o.namespace) for o in lab.objects] == [("a", "default"), ("b", "shop")]


def test_a_container_without_command_runs_the_echo_server(make_lab) -> None:
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - apiVersion: v1
        kind: Pod
        metadata: {name: app}
        spec:
          containers:
            - {name: echo, ports: [{containerPort: 8080}, {containerPort: 53, protocol: UDP, name: dns}]}
            - {name: sleeper, command: [sleep, infinity]}
    """
    )
    echo, sleeper = lab.objects[0].template.containers
    assert echo.runs_echo and not sleeper.runs_echo
    assert [(p.port, p.protocol, p.name) for p in echo.ports] == [(8080, "TCP", None), (53, "UDP", "dns")]
    assert sleeper.command == ("sleep", "infinity")


# -- real manifests paste in ----------------------------------------------------------------------
def test_real_kubernetes_fields_are_accepted_and_listed_as_ignored(make_lab) -> None:
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, annotations: {team: net}}
        spec:
          replicas: 1
          strategy: {type: RollingUpdate}
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              restartPolicy: Always
              containers:
                - name: web
                  image: registry.k8s.io/e2e-test-images/agnhost:2.53
                  imagePullPolicy: IfNotPresent
                  resources: {limits: {cpu: 100m}}
                  readinessProbe: {httpGet: {path: /, port: 8080}}
                  ports: [{containerPort: 8080, hostPort: 8080}]
        status: {replicas: 1}
    """
    )
    assert lab.ignored_fields == (
        "Deployment web.status",
        "Deployment web: metadata.annotations",
        "Deployment web: spec.strategy",
        "Deployment web: spec.template.spec.containers[0].image",
        "Deployment web: spec.template.spec.containers[0].imagePullPolicy",
        "Deployment web: spec.template.spec.containers[0].resources",
        "Deployment web: spec.template.spec.containers[0].readinessProbe",
        "Deployment web: spec.template.spec.containers[0].ports[0].hostPort",
    )
    assert [p.port for p in lab.objects[0].template.containers[0].ports] == [8080]


def test_bundled_images_are_noted_as_ignored(bundled_lab) -> None:
    assert "Pod app: spec.containers[0].image" in bundled_lab("container-to-container").ignored_fields


# -- Deployments ----------------------------------------------------------------------------------
def test_deployment_replicas_become_numbered_pods(make_lab) -> None:
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec: {containers: [{name: c}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template: {metadata: {labels: {app: web, tier: front}}, spec: {containers: [{name: web}]}}
    """
    )
    client, web = lab.objects
    assert isinstance(client, Pod) and isinstance(web, Deployment)
    assert (web.replicas, web.selector, web.template.labels) == (3, {"app": "web"}, {"app": "web", "tier": "front"})
    assert pod_names(lab.objects) == ["client", "web-0", "web-1", "web-2"]


@pytest.mark.parametrize(("replicas", "pods"), [("", ["web-0"]), ("replicas: 0", [])], ids=["omitted-is-1", "zero"])
def test_deployment_replica_count(make_lab, replicas: str, pods: list[str]) -> None:
    lab = make_lab(
        MINIMAL
        + f"""\
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: web}}
        spec:
          {replicas}
          selector: {{matchLabels: {{app: web}}}}
          template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: [{{name: web}}]}}}}
    """
    )
    assert pod_names(lab.objects) == pods


# -- errors -------------------------------------------------------------------------------------
def test_every_problem_is_reported_at_once(make_lab) -> None:
    with pytest.raises(LabValidationError) as caught:
        make_lab("""\
            name: Bad
            cluster: {nodes: [node-1], network: flat}
            objects:
              - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}], nodeName: node-9}}
            """)
    assert [p.message for p in caught.value.problems] == [
        "'Bad' must be lower-case letters, digits and '-'",
        "'flat' is not one of host-gw, vxlan",
        "no node named 'node-9'",
    ]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_case(case: str, golden) -> None:
    """Each bad file stops before anything is built, exits 2, and says what is wrong where."""
    path = ERRORS / f"{case}.yaml"
    with pytest.raises((LabValidationError, PlanError)) as caught:
        make_plan(load_lab(path, (REPO / path).read_text()))
    assert caught.value.exit_code == EXIT_BAD_INPUT
    lines = caught.value.lines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    golden(REPO / path.with_suffix(".err"), "\n".join(lines) + "\n")


def test_every_error_golden_has_its_case() -> None:
    assert sorted(p.stem for p in (REPO / ERRORS).glob("*.err")) == ERROR_CASES


# -- gaps found by review, now closed ----------------------------------------------------------
def test_when_with_an_unknown_network_is_an_error(make_lab) -> None:
    text = (
        MINIMAL
        + """\
    checks:
      - {name: node pings gateway, from: node-1, ping: gateway, when: {network: hostgw}}
    """
    )
    with pytest.raises(LabValidationError, match="hostgw"):
        make_lab(text)


def test_check_from_an_unknown_container_is_an_error(make_lab) -> None:
    text = (
        MINIMAL
        + """\
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: app}, spec: {containers: [{name: web}]}}
    checks:
      - {name: app pings gateway, from: app/nosuch, ping: gateway}
    """
    )
    with pytest.raises(LabValidationError, match="nosuch"):
        make_lab(text)


def test_two_echo_containers_on_the_default_port_is_an_error(make_lab) -> None:
    text = (
        MINIMAL
        + """\
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: app}, spec: {containers: [{name: a}, {name: b}]}}
    """
    )
    with pytest.raises(LabValidationError, match="8080"):
        make_lab(text)


@pytest.mark.parametrize("port", ["eighty", "70000"])
def test_bind_check_needs_a_port(make_lab, port: str) -> None:
    text = (
        MINIMAL
        + f"""\
    checks:
      - {{name: port is free, from: node-1, bind: {port}}}
    """
    )
    with pytest.raises(LabValidationError, match="bind"):
        make_lab(text)


# -- what a single-stack IPv4 cluster's API server accepts ---------------------------------------
def test_a_service_as_kubectl_writes_it_back_is_accepted(make_lab) -> None:
    """`kubectl get svc -o yaml` writes clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy; a Service
    port's name is a DNS label (the Kubernetes docs' own example is 20 characters long)."""
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - apiVersion: v1
        kind: Service
        metadata: {name: echoed}
        spec:
          clusterIP: 10.96.0.50
          clusterIPs: [10.96.0.50]
          ipFamilies: [IPv4]
          ipFamilyPolicy: SingleStack
          ports: [{name: name-of-service-port, port: 80}]
      - apiVersion: v1
        kind: Service
        metadata: {name: preferred}
        spec:
          clusterIPs: [10.96.0.51]
          ipFamilyPolicy: PreferDualStack
          ports: [{port: 80}]
    """
    )
    echoed, preferred = lab.services
    assert (echoed.cluster_ip, echoed.ports[0].name) == ("10.96.0.50", "name-of-service-port")
    assert preferred.cluster_ip == "10.96.0.51"  # clusterIPs stands in for clusterIP
    assert not {"clusterIPs", "ipFamilies", "ipFamilyPolicy"} & {f.rsplit(".", 1)[-1] for f in lab.ignored_fields}


def test_a_pod_s_host_aliases_are_read_in_order(make_lab) -> None:
    lab = make_lab(
        MINIMAL
        + """\
    objects:
      - apiVersion: v1
        kind: Pod
        metadata: {name: app}
        spec:
          hostAliases:
            - {ip: 127.0.0.1, hostnames: [foo.local, bar.local]}
            - {ip: 10.1.2.3, hostnames: [foo.remote]}
          containers: [{name: web}]
    """
    )
    assert lab.objects[0].template.host_aliases == (
        ("127.0.0.1", ("foo.local", "bar.local")),
        ("10.1.2.3", ("foo.remote",)),
    )
