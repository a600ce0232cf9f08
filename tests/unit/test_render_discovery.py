"""What a pod gets to find Services, without root: the kubelet's Service variables
(netlab.render.envvars, against docs/service-env-vars.md's examples), its resolv.conf and hosts
(netlab.render.resolvconf, docs/cluster-dns.md), which Services each pod sees (the lab file's order), and
how the dns probe reads dig and getent."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address

import pytest

from netlab.plan import make_plan
from netlab.plan.model import ServicePlan, ServicePortPlan
from netlab.probe.dns import read_dig, read_getent
from netlab.render.envvars import pod_service_env, service_env
from netlab.render.resolvconf import pod_files, pod_resolver

ORDERED = """\
    name: order
    cluster: {nodes: [node-1]}
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: early}, spec: {containers: [{name: c}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {a: b}, ports: [{port: 80}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: late}, spec: {containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: private},
         spec: {enableServiceLinks: false, containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: plain},
         spec: {dnsPolicy: Default, containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: tuned, namespace: shop},
         spec: {dnsConfig: {nameservers: [1.1.1.1, 10.96.0.10], searches: [corp.example],
                            options: [{name: ndots, value: "2"}, {name: edns0}]},
                containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: alone},
         spec: {dnsPolicy: None, dnsConfig: {nameservers: [192.0.2.53]}, containers: [{name: c}]}}
"""


def service(
    name: str,
    ip: str | None,
    ports: list[tuple[str | None, int, str]],
    namespace: str = "default",
) -> ServicePlan:
    return ServicePlan(
        name,
        namespace,
        "ClusterIP",
        IPv4Address(ip) if ip else None,
        tuple(ServicePortPlan(namespace, name, n, p, proto, ()) for n, p, proto in ports),
        False,
        0,
    )


def test_a_single_unnamed_port_gives_exactly_the_notes_seven() -> None:
    env = service_env([service("redis-primary", "10.96.12.34", [(None, 6379, "TCP")])], "default")
    assert env == {
        "REDIS_PRIMARY_SERVICE_HOST": "10.96.12.34",
        "REDIS_PRIMARY_SERVICE_PORT": "6379",
        "REDIS_PRIMARY_PORT": "tcp://10.96.12.34:6379",
        "REDIS_PRIMARY_PORT_6379_TCP": "tcp://10.96.12.34:6379",
        "REDIS_PRIMARY_PORT_6379_TCP_PROTO": "tcp",
        "REDIS_PRIMARY_PORT_6379_TCP_PORT": "6379",
        "REDIS_PRIMARY_PORT_6379_TCP_ADDR": "10.96.12.34",
    }


def test_named_ports_get_their_own_variable_and_the_first_port_is_the_service_port() -> None:
    env = service_env([service("web", "10.96.44.201", [("http", 80, "TCP"), ("https", 443, "TCP")])], "default")
    assert (env["WEB_SERVICE_PORT"], env["WEB_SERVICE_PORT_HTTP"], env["WEB_SERVICE_PORT_HTTPS"]) == ("80", "80", "443")
    assert env["WEB_PORT"] == "tcp://10.96.44.201:80"
    assert env["WEB_PORT_443_TCP_ADDR"] == "10.96.44.201" and len(env) == 5 + 2 * 4


def test_udp_and_tcp_on_one_number_give_both_families() -> None:
    dns = service("kube-dns", "10.96.0.10", [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")], "kube-system")
    env = service_env([dns], "kube-system")
    assert env["KUBE_DNS_PORT_53_UDP"] == "udp://10.96.0.10:53" and env["KUBE_DNS_PORT_53_TCP"] == "tcp://10.96.0.10:53"
    assert env["KUBE_DNS_SERVICE_PORT_DNS_TCP"] == "53" and env["KUBE_DNS_PORT"] == "udp://10.96.0.10:53"


def test_which_services_count() -> None:
    """Only the pod's namespace, only with a ClusterIP; default/kubernetes always (links or not),
    unless the pod's own namespace has a `kubernetes`."""
    services = [
        service("web", "10.96.1.1", [(None, 80, "TCP")]),
        service("db", None, [(None, 5432, "TCP")]),
        service("api", "10.96.2.2", [(None, 80, "TCP")], "shop"),
        service("kubernetes", "10.96.0.1", [("https", 443, "TCP")]),
    ]
    assert {k for k in service_env(services, "default") if k.endswith("_SERVICE_HOST")} == {
        "WEB_SERVICE_HOST",
        "KUBERNETES_SERVICE_HOST",
    }
    assert set(service_env(services, "shop", links=False)) == set(service_env(services[3:], "x"))
    own = service("kubernetes", "10.96.9.9", [(None, 443, "TCP")], "shop")
    assert service_env([*services, own], "shop")["KUBERNETES_SERVICE_HOST"] == "10.96.9.9"


@pytest.fixture
def ordered(make_lab):
    plan = make_plan(make_lab(ORDERED))
    return plan, {p.name: p for p in plan.pods}


def test_a_pod_sees_the_services_above_it_in_the_lab_file(ordered) -> None:
    plan, pods = ordered
    assert "WEB_SERVICE_HOST" not in pod_service_env(plan, pods["early"])
    assert "WEB_SERVICE_HOST" in pod_service_env(plan, pods["late"])
    assert pod_service_env(plan, pods["private"]) == {}
    assert "WEB_SERVICE_HOST" in pod_service_env(plan, pods["early"], existing={"default/web"})  # restarted


def test_cluster_first_gives_cluster_dns_the_namespace_search_list_and_ndots(ordered) -> None:
    plan, pods = ordered
    assert pod_resolver(plan, pods["late"]).text() == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    )


def test_dns_config_is_merged_as_the_kubelet_merges_it(ordered) -> None:
    plan, pods = ordered
    assert pod_resolver(plan, pods["tuned"]).text() == (
        "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
        "nameserver 10.96.0.10\nnameserver 1.1.1.1\noptions ndots:2 edns0\n"
    )
    assert pod_resolver(plan, pods["alone"]).text() == "nameserver 192.0.2.53\n"


def test_default_and_no_cluster_dns_give_the_nodes_resolver(ordered, make_lab) -> None:
    plan, pods = ordered
    assert pod_resolver(plan, pods["plain"]).text().startswith("# no nameserver")  # this lab has no resolver
    without = make_plan(make_lab(ORDERED.replace("{nodes: [node-1]}", "{nodes: [node-1], dns: false}")))
    late = next(p for p in without.pods if p.name == "late")
    assert pod_resolver(without, late).text().startswith("# no nameserver")


def test_the_pods_hosts_file_is_the_kubelets(ordered) -> None:
    plan, pods = ordered
    hosts = pod_files(plan, pods["late"])["hosts"]
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert hosts.endswith(f"\n{pods['late'].ip.ip}\tlate\n")


def test_host_aliases_end_the_hosts_file_as_the_kubelet_writes_them(ordered) -> None:
    plan, pods = ordered
    pod = replace(pods["late"], host_aliases=(("127.0.0.1", ("foo.local", "bar.local")), ("10.1.2.3", ("foo.remote",))))
    assert pod_files(plan, pod)["hosts"].endswith(
        f"\n{pod.ip.ip}\tlate\n\n# Entries added by HostAliases.\n"
        "127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n"
    )


DIG_SEARCH = """
; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +search +showsearch api
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 27739
;; flags: qr aa rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1

;; QUESTION SECTION:
;api.default.svc.cluster.local. IN A

;; AUTHORITY SECTION:
cluster.local.		5	IN	SOA	ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5


; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +search +showsearch api
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 2761
;; flags: qr aa rd ra; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1

;; QUESTION SECTION:
;api.shop.svc.cluster.local.	IN	A

;; ANSWER SECTION:
alias.shop.svc.cluster.local. 5 IN	CNAME	api.shop.svc.cluster.local.
api.shop.svc.cluster.local. 5	IN	A	10.107.228.61

;; Query time: 0 msec
"""


def test_dig_shows_every_name_tried_and_the_last_answer() -> None:
    got = read_dig(0, DIG_SEARCH)
    assert got.tried == (("api.default.svc.cluster.local", "NXDOMAIN"), ("api.shop.svc.cluster.local", "NOERROR"))
    assert (got.status, got.of_type("A"), got.of_type("CNAME")) == (
        "NOERROR",
        ["10.107.228.61"],
        ["api.shop.svc.cluster.local."],
    )


def test_dig_without_a_server_and_getent() -> None:
    assert read_dig(9, ";; communications error to 10.96.0.10#53: timed out\n").error.endswith("timed out")
    assert read_getent(2, "").status == "NXDOMAIN"
    got = read_getent(0, "10.96.1.1       STREAM web.default.svc.cluster.local\n10.96.1.1       DGRAM\n")
    assert got.of_type("A") == ["10.96.1.1"]
