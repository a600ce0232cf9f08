"""apps/v1 StatefulSets and pods' spec.hostname/spec.subdomain, from the model to the plan, the pod's
/etc/hosts and cluster DNS: the docs' `web` StatefulSet and their subdomain Pods (tests/manifests/k8s-docs/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from dnslib import QTYPE, RR

from netlab.errors import BadInput
from netlab.kernel.reconcile import _replaced
from netlab.model import Lab, edit
from netlab.model.lab import StatefulSet
from netlab.plan import make_plan
from netlab.plan.model import PodPlan
from netlab.render.dns import cluster_zone
from netlab.render.explain import explain
from netlab.render.resolvconf import pod_hosts

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "tests" / "manifests" / "k8s-docs"
GOLDEN = REPO / "tests" / "golden" / "dns"
WEB, SUBDOMAIN = "web-statefulset.yaml", "dns-subdomain-pods.yaml"
DOMAIN = "default.svc.cluster.local"


def docs_lab_text(*manifests: str, nodes: int = 2, extra: tuple[dict, ...] = (), dns: bool = True) -> str:
    """A lab of the docs' manifests (in the order given), as `netlab apply -f` would add them."""
    objects = [doc for name in manifests for doc in yaml.safe_load_all((DOCS / name).read_text())]
    cluster = {"nodes": [f"node-{i}" for i in range(1, nodes + 1)], "dns": dns}
    return yaml.safe_dump({"name": "sts", "cluster": cluster, "objects": [*objects, *extra]}, sort_keys=False)


@pytest.fixture
def docs_lab(make_lab) -> Callable[..., Lab]:
    return lambda *manifests, **kw: make_lab(docs_lab_text(*manifests, **kw))


def statefulset(name: str = "web", **spec: object) -> dict:
    base = {
        "serviceName": "nginx",
        "replicas": 3,
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c"}]}},
    }
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": {**base, **spec}}


def pod(name: str, labels: dict[str, str] | None = None, **spec: object) -> dict:
    """A Pod manifest with one container."""
    meta = {"name": name, "labels": labels or {}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [{"name": "c"}], **spec}}


def pods(lab: Lab) -> dict[str, PodPlan]:
    return {p.name: p for p in make_plan(lab).pods}


def records(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rr in RR.fromZone(text):
        found.setdefault(str(rr.rname), []).append(f"{QTYPE[rr.rtype]} {rr.rdata}")
    return found


# -- the model ------------------------------------------------------------------------------------
def test_the_docs_web_statefulset_reads_with_its_volume_claims_accepted_and_ignored(docs_lab) -> None:
    lab = docs_lab(WEB)
    (web,) = [o for o in lab.objects if isinstance(o, StatefulSet)]
    assert (web.service_name, web.replicas, web.pod_management, web.start) == ("nginx", 2, "OrderedReady", 0)
    assert "StatefulSet web: spec.volumeClaimTemplates" in "\n".join(lab.ignored_fields)


def test_its_pods_get_the_controller_s_identity(docs_lab) -> None:
    """initIdentity: the pod's name as hostname, serviceName as subdomain, the pod-name and
    pod-index labels over the template's."""
    web = pods(docs_lab(WEB))
    assert [name for name in web if name.startswith("web")] == ["web-0", "web-1"]
    assert web["web-1"].labels == {
        "app": "nginx",
        "statefulset.kubernetes.io/pod-name": "web-1",
        "apps.kubernetes.io/pod-index": "1",
    }
    assert (web["web-1"].hostname, web["web-1"].subdomain, web["web-1"].owner) == ("web-1", "nginx", "web")
    assert web["web-1"].fqdn == f"web-1.nginx.{DOMAIN}"


def test_ordinals_start_names_the_pods_and_the_template_s_hostname_gives_way(make_lab) -> None:
    sts = statefulset(ordinals={"start": 5}, podManagementPolicy="Parallel")
    sts["spec"]["template"]["spec"] |= {"hostname": "mine", "subdomain": "other"}
    lab = make_lab(docs_lab_text(extra=(sts,)))
    web = [p for p in make_plan(lab).pods if p.owner == "web"]
    assert [(p.name, p.hostname, p.subdomain, p.labels["apps.kubernetes.io/pod-index"]) for p in web] == [
        ("web-5", "web-5", "nginx", "5"),
        ("web-6", "web-6", "nginx", "6"),
        ("web-7", "web-7", "nginx", "7"),
    ]


def test_without_service_name_the_pods_have_no_subdomain(make_lab) -> None:
    sts = statefulset()
    del sts["spec"]["serviceName"]
    (pod, *_) = make_plan(make_lab(docs_lab_text(extra=(sts,)))).pods
    assert (pod.hostname, pod.subdomain, pod.fqdn) == ("web-0", "", "web-0")


# -- placement: one code path with a Deployment's replicas ----------------------------------------
def test_replicas_go_round_robin_in_ordinal_order_as_a_deployment_s(make_lab) -> None:
    sts = statefulset(ordinals={"start": 1})
    deploy = {**statefulset("api"), "kind": "Deployment"}
    del deploy["spec"]["serviceName"]
    plan = make_plan(make_lab(docs_lab_text(nodes=2, extra=(sts, deploy), dns=False)))
    assert [(p.name, p.node, str(p.ip.ip)) for p in plan.pods] == [
        ("web-1", "node-1", "10.244.1.2"),
        ("web-2", "node-2", "10.244.2.2"),
        ("web-3", "node-1", "10.244.1.3"),
        ("api-0", "node-1", "10.244.1.4"),
        ("api-1", "node-2", "10.244.2.3"),
        ("api-2", "node-1", "10.244.1.5"),
    ]


# -- the pod's hostname and /etc/hosts (the kubelet's) --------------------------------------------
def test_hosts_has_the_fqdn_then_the_hostname_with_a_subdomain(docs_lab) -> None:
    both = pods(docs_lab(WEB, SUBDOMAIN))
    assert pod_hosts(both["web-0"]).endswith(f"\n{both['web-0'].ip.ip}\tweb-0.nginx.{DOMAIN}\tweb-0\n")
    busybox = both["busybox1"]
    assert (busybox.uts_hostname, busybox.fqdn) == ("busybox-1", f"busybox-1.busybox-subdomain.{DOMAIN}")
    assert pod_hosts(busybox).endswith(f"\n{busybox.ip.ip}\tbusybox-1.busybox-subdomain.{DOMAIN}\tbusybox-1\n")


def test_a_hostname_without_subdomain_is_the_hosts_line_alone(make_lab) -> None:
    (plan,) = make_plan(make_lab(docs_lab_text(nodes=1, extra=(pod("a", hostname="my-host"),), dns=False))).pods
    assert (plan.uts_hostname, plan.fqdn) == ("my-host", "my-host")
    assert pod_hosts(plan).endswith(f"\n{plan.ip.ip}\tmy-host\n")


# -- cluster DNS -----------------------------------------------------------------------------------
def test_cluster_zone_golden_of_the_docs_manifests(docs_lab, golden) -> None:
    golden(GOLDEN / "k8s-docs.web.zone", cluster_zone(make_plan(docs_lab(WEB, SUBDOMAIN)), 1))


def test_each_pod_answers_by_its_hostname_under_its_governing_service(docs_lab) -> None:
    """CoreDNS's endpointHostname: the endpoint's hostname replaces the dashed IP, which no longer
    answers; SRV targets and PTR name the hostname too."""
    plan = make_plan(docs_lab(WEB, SUBDOMAIN))
    zone = records(cluster_zone(plan, 1))
    web = {p.name: str(p.ip.ip) for p in plan.pods}
    assert zone[f"web-0.nginx.{DOMAIN}."] == [f"A {web['web-0']}"]
    assert zone[f"busybox-2.busybox-subdomain.{DOMAIN}."] == [f"A {web['busybox2']}"]
    assert not [name for name in zone if name.startswith(web["web-0"].replace(".", "-"))]
    assert zone[f"_web._tcp.nginx.{DOMAIN}."] == [
        f"SRV 0 50 80 web-0.nginx.{DOMAIN}.",
        f"SRV 0 50 80 web-1.nginx.{DOMAIN}.",
    ]
    reverse = ".".join(reversed(web["web-1"].split("."))) + ".in-addr.arpa."
    assert zone[reverse] == [f"PTR web-1.nginx.{DOMAIN}."]


def test_a_subdomain_alone_or_another_service_keeps_the_dashed_ip(make_lab) -> None:
    """ShouldSetHostname: spec.hostname set, and the subdomain names this very Service."""
    nameless = pod("a", {"name": "busybox"}, subdomain="busybox-subdomain")
    other = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "everyone"},
        "spec": {"clusterIP": "None", "selector": {"name": "busybox"}, "ports": [{"port": 80}]},
    }
    plan = make_plan(make_lab(docs_lab_text(SUBDOMAIN, nodes=1, extra=(nameless, other))))
    zone = records(cluster_zone(plan, 1))
    ips = {p.name: str(p.ip.ip) for p in plan.pods}
    assert zone[f"{ips['a'].replace('.', '-')}.busybox-subdomain.{DOMAIN}."] == [f"A {ips['a']}"]
    assert zone[f"{ips['busybox1'].replace('.', '-')}.everyone.{DOMAIN}."] == [f"A {ips['busybox1']}"]
    assert f"busybox-1.everyone.{DOMAIN}." not in zone


# -- changes: scale, delete, and what replaces a pod ----------------------------------------------
def test_scale_and_delete_take_statefulsets() -> None:
    text = docs_lab_text(WEB)
    for target in ("web", "statefulset/web", "sts/web", "statefulsets/web"):
        scaled = yaml.safe_load(edit.scale(text, target, 1))
        assert [o["spec"]["replicas"] for o in scaled["objects"] if o["kind"] == "StatefulSet"] == [1]
    kept = yaml.safe_load(edit.delete(text, ["sts/web"]))["objects"]
    assert [o["kind"] for o in kept] == ["Service"]


def test_scale_asks_which_when_a_deployment_has_the_name_too() -> None:
    deploy = {**statefulset("web"), "kind": "Deployment"}
    text = docs_lab_text(WEB, extra=(deploy,))
    with pytest.raises(BadInput, match="a Deployment and a StatefulSet are named web: say deployment/web or"):
        edit.scale(text, "web", 3)
    scaled = yaml.safe_load(edit.scale(text, "deploy/web", 3))["objects"]
    assert [(o["kind"], o["spec"]["replicas"]) for o in scaled if "replicas" in o["spec"]] == [
        ("StatefulSet", 2),
        ("Deployment", 3),
    ]


def test_a_changed_hostname_or_subdomain_replaces_the_pod(make_lab) -> None:
    def busybox1(**spec: str) -> PodPlan:
        return make_plan(make_lab(docs_lab_text(nodes=1, extra=(pod("busybox1", None, **spec),)))).pods[0]

    before = busybox1(hostname="busybox-1", subdomain="busybox-subdomain")
    assert not _replaced(before, busybox1(hostname="busybox-1", subdomain="busybox-subdomain"))
    assert _replaced(before, busybox1(hostname="busybox-9", subdomain="busybox-subdomain"))
    assert _replaced(before, busybox1(hostname="busybox-1"))


def test_explain_starts_each_container_with_the_pod_s_hostname(docs_lab) -> None:
    text = explain(make_plan(docs_lab(SUBDOMAIN)))
    assert "start busybox1_busybox nl-sts.busybox1 busybox-1 " in text
    assert f"busybox-1.busybox-subdomain.{DOMAIN}\tbusybox-1" in text  # its /etc/hosts, as the script writes it
