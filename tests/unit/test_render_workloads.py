"""Every process of a lab as one description (render.workloads), which `up` starts and `explain` prints."""

from __future__ import annotations

from netlab.plan import make_plan
from netlab.render.workloads import container_workloads, echo_workloads, workloads

ZONES = "/run/netlab/lab/dns"
ONE_NODE = """
        name: {name}
        cluster:
          nodes: [node-1]
          dns: false
        objects:
"""  # indented as the objects the tests append to it (make_lab dedents the whole)


def kinds(plan, service_env=None) -> dict[str, str]:
    return {w.name: w.kind for w in workloads(plan, service_env or {}, ZONES)}


def test_an_ingress_lab_runs_echo_apps_cluster_dns_and_an_ingress_controller(bundled_lab) -> None:
    plan = make_plan(bundled_lab("ingress-http"))
    found = {w.name: w for w in workloads(plan, {}, ZONES)}
    assert {w.kind for w in found.values()} >= {"echo", "dns", "ingress"}
    coredns = next(w for w in found.values() if w.kind == "dns" and w.container is not None)
    assert coredns.args[:4] == ("--listen", "0.0.0.0:53", "--zone", f"{ZONES}/cluster.zone")
    assert ("--domain", plan.lab.cluster.cluster_domain) == coredns.args[4:6]
    overridden = [w for w in found.values() if w.kind == "echo" and w.http_override]
    assert overridden and all(w.http_override == "/hostname" and (8080, "TCP") in w.ports for w in overridden)


def test_the_internet_resolver_and_hosts_and_health_checks(bundled_lab) -> None:
    plan = make_plan(bundled_lab("ingress-loadbalancer"))
    found = kinds(plan)
    assert any(kind == "health" for kind in found.values())  # externalTrafficPolicy Local
    assert all(w.kind in ("echo", "health") for w in echo_workloads(plan))
    assert {w.member.netns for w in echo_workloads(plan) if w.kind == "health"} <= {n.netns for n in plan.nodes}


def test_a_container_gets_the_pod_service_variables_with_its_own_env_over_them(make_lab) -> None:
    lab = make_lab(
        ONE_NODE.format(name="envlab")
        + """
          - apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              containers:
                - name: main
                  image: busybox
                  command: [sleep, infinity]
                  env: [{name: WEB_SERVICE_HOST, value: mine}, {name: OWN, value: "1"}]
        """
    )
    plan = make_plan(lab)
    (workload,) = container_workloads(plan, plan.pods, {"app": {"WEB_SERVICE_HOST": "10.96.0.5", "KEPT": "x"}}, ZONES)
    assert workload.kind == "command" and workload.args == ("sleep", "infinity")
    assert dict(workload.env) == {"WEB_SERVICE_HOST": "mine", "KEPT": "x", "OWN": "1"}
    assert workload.name == "app_main" and workload.member.name == "app"


def test_the_downward_api_gives_the_pod_s_own_fields(make_lab) -> None:
    lab = make_lab(
        ONE_NODE.format(name="downward")
        + """
          - apiVersion: v1
            kind: Pod
            metadata: {name: app, labels: {tier: front}}
            spec:
              serviceAccountName: reader
              containers:
                - name: main
                  command: [sleep, infinity]
                  env:
                    - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    - {name: MY_HOST, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
                    - {name: MY_TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
                    - {name: MY_SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
        """
    )
    plan = make_plan(lab)
    (workload,) = container_workloads(plan, plan.pods, {}, ZONES)
    pod, node = plan.pods[0], plan.nodes[0]
    assert dict(workload.env) == {
        "MY_IP": str(pod.ip.ip),
        "MY_HOST": str(node.ip.ip),
        "MY_TIER": "front",
        "MY_SA": "reader",
    }


def test_config_maps_and_secrets_fill_the_environment_as_the_kubelet_does(make_lab) -> None:
    """Service variables, then envFrom (with its prefix), then env over all; a Secret's data is
    base64 and its stringData wins; an optional source the lab lacks is left out."""
    lab = make_lab(
        ONE_NODE.format(name="configs")
        + """
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}, data: {MODE: fast, LEVEL: "3"}}
          - apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            data: {user: YWRtaW4=, password: b2xk}
            stringData: {password: new}
          - apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              containers:
                - name: main
                  command: [sleep, infinity]
                  envFrom:
                    - {configMapRef: {name: settings}, prefix: CFG_}
                    - {secretRef: {name: missing, optional: true}}
                  env:
                    - {name: CFG_MODE, value: mine}
                    - {name: USER, valueFrom: {secretKeyRef: {name: creds, key: user}}}
                    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                    - {name: NONE, valueFrom: {configMapKeyRef: {name: settings, key: nope, optional: true}}}
        """
    )
    plan = make_plan(lab)
    (workload,) = container_workloads(plan, plan.pods, {"app": {"WEB_SERVICE_HOST": "10.96.0.5"}}, ZONES)
    assert dict(workload.env) == {
        "WEB_SERVICE_HOST": "10.96.0.5",
        "CFG_MODE": "mine",
        "CFG_LEVEL": "3",
        "USER": "admin",
        "PASSWORD": "new",
    }
