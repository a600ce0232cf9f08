"""Faults of Services and their way out (pure): what a Service's manifest, a node's egress NAT or
a pod's start order gets wrong. Each is injected through the lab's own CLI where Kubernetes would
be told (`netlab apply`, `delete`, `restart`) or inside a node's namespace, and its proof is the
lab's own checks of what it breaks. docs/faults-services.md says why each symptom follows.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import replace

from netlab.faults.catalogue import Breakage, Fault, Text, register
from netlab.faults.shell import aim, apply, in_netns, model_service, positive, service_checks, service_manifest
from netlab.model.lab import Check, Service
from netlab.plan.model import LabPlan, ServicePlan
from netlab.render.egress import MASQ_CHAIN, masq_agent_rules
from netlab.render.envvars import service_variables

PROOF_CHECKS = 2  # a fault's proof: the first of the lab's checks it breaks (each one runs real traffic)


def _selected(plan: LabPlan) -> list[tuple[ServicePlan, list[Check]]]:
    """Services with a selector, endpoints on pods and checks of the lab that expect them to answer."""
    found = []
    for svc in plan.services:
        model = model_service(plan, svc)
        if model is None or not svc.cluster_ip or not model.selector:
            continue
        if not any(ep.pod for port in svc.ports for ep in port.endpoints):
            continue
        checks = service_checks(plan, svc)
        if checks:
            found.append((svc, checks[:PROOF_CHECKS]))
    return found


def _written(plan: LabPlan, svc: ServicePlan) -> Service:
    """The lab file's Service of one the fault picked (it picks only those the file writes)."""
    model = model_service(plan, svc)
    assert model is not None
    return model


def _service_fault(
    plan: LabPlan, svc: ServicePlan, changed: dict, fault: str, proof: list[Check], hints: tuple[Text, Text, Text]
) -> Breakage:
    original = apply(plan.name, service_manifest(_written(plan, svc)))
    return Breakage(
        fault=fault,
        target=f"Service {svc.name}" + (f" in {svc.namespace}" if svc.namespace != "default" else ""),
        inject=(apply(plan.name, changed),),
        fix=(original,),
        undo=(original,),
        proof=tuple(proof),
        hints=hints,
    )


def _ns_flag(svc: ServicePlan) -> str:
    return f" -n {svc.namespace}" if svc.namespace != "default" else ""


def _render_selector(plan: LabPlan, rng: random.Random) -> Breakage:
    svc, proof = rng.choice(_selected(plan))
    model = _written(plan, svc)
    key = sorted(model.selector)[0]
    wrong = model.selector[key] + "-v2"  # a label renamed on one side only
    selector = {**model.selector, key: wrong}
    assert not any(p.namespace == svc.namespace and selector.items() <= p.labels.items() for p in plan.pods)
    manifest = service_manifest(replace(model, selector=selector))
    hints = (
        Text(
            f"Does Service {svc.name} have endpoints? `netlab status {plan.name}` lists each Service's.",
            f"Service {svc.name} 有 endpoint 嗎？`netlab status {plan.name}` 會列出每個 Service 的 endpoint。",
        ),
        Text(
            f"Compare the Service's selector with the pods' labels: it asks for {key}={wrong}.",
            f"比較 Service 的 selector 與 Pod 的 label：它要的是 {key}={wrong}。",
        ),
        Text(
            f"Apply the Service again with selector {key}={model.selector[key]}: netlab apply {plan.name} -f FILE",
            f"以 selector {key}={model.selector[key]} 重新套用 Service：netlab apply {plan.name} -f FILE",
        ),
    )
    return _service_fault(plan, svc, manifest, "selector-matches-nothing", proof, hints)


def _unused_port(plan: LabPlan, svc: ServicePlan, rng: random.Random) -> int:
    """The Service's own port when no backend listens on it (the classic slip: targetPort left at
    port), else a random port none of them does."""
    backends = {ep.pod for port in svc.ports for ep in port.endpoints}
    listening = {port for p in plan.pods if p.name in backends for port, _ in p.echo_ports()}
    first = svc.ports[0].port
    while first in listening:
        first = rng.randrange(20000, 30000)
    return first


def _render_target_port(plan: LabPlan, rng: random.Random) -> Breakage:
    svc, proof = rng.choice(_selected(plan))
    model = _written(plan, svc)
    wrong = _unused_port(plan, svc, rng)
    manifest = service_manifest(replace(model, ports=tuple(replace(p, target_port=wrong) for p in model.ports)))
    backend = next(ep for port in svc.ports for ep in port.endpoints if ep.pod)
    hints = (
        Text(
            f"Service {svc.name} has endpoints, yet the connection is refused: which port do they name? "
            f"`netlab status {plan.name}`",
            f"Service {svc.name} 有 endpoint，連線卻被拒絕：endpoint 指向哪個 port？`netlab status {plan.name}`",
        ),
        Text(
            f"Compare the endpoints' port ({wrong}) with what the pod listens on: "
            f"netlab exec {plan.name} {backend.pod} -- ss -ltnu",
            f"比較 endpoint 的 port（{wrong}）與 Pod 實際監聽的 port："
            f"netlab exec {plan.name} {backend.pod} -- ss -ltnu",
        ),
        Text(
            f"Apply the Service again with targetPort {backend.port}: netlab apply {plan.name} -f FILE",
            f"以 targetPort {backend.port} 重新套用 Service：netlab apply {plan.name} -f FILE",
        ),
    )
    return _service_fault(plan, svc, manifest, "wrong-target-port", proof, hints)


def _cluster_policy(plan: LabPlan) -> list[tuple[ServicePlan, str, list[Check]]]:
    """(Service, node, checks): a Service with NodePorts and policy Cluster, a node with none of its
    endpoints, and the lab's checks that expect an answer at that node's NodePort."""
    found = []
    for svc in plan.services:
        if model_service(plan, svc) is None or not svc.external or svc.external_local:
            continue
        if not any(p.endpoints for p in svc.ports):
            continue
        for node in plan.nodes:
            checks = service_checks(plan, svc, {node.name}) if not svc.local_endpoints(node.name) else []
            if checks:
                found.append((svc, node.name, checks[:PROOF_CHECKS]))
    return found


def _render_etp_local(plan: LabPlan, rng: random.Random) -> Breakage:
    svc, node, proof = rng.choice(_cluster_policy(plan))
    model = _written(plan, svc)
    node_port = next(p.node_port for p in svc.ports if p.node_port)
    rules = f"ip netns exec {shlex.quote(next(n.netns for n in plan.nodes if n.name == node))} iptables -t nat -S"
    hints = (
        Text(
            f"Only {node} fails. Which of Service {svc.name}'s endpoints run on {node}? `netlab status {plan.name}`",
            f"只有 {node} 失敗。Service {svc.name} 的 endpoint 有哪些在 {node} 上？`netlab status {plan.name}`",
        ),
        Text(
            f"Look at the Service's externalTrafficPolicy, and at {node}'s rules for NodePort {node_port}: {rules}",
            f"看 Service 的 externalTrafficPolicy，以及 {node} 上 NodePort {node_port} 的規則：{rules}",
        ),
        Text(
            f"Apply the Service again with externalTrafficPolicy: Cluster: netlab apply {plan.name} -f FILE",
            f"以 externalTrafficPolicy: Cluster 重新套用 Service：netlab apply {plan.name} -f FILE",
        ),
    )
    manifest = service_manifest(replace(model, external_policy="Local"))
    breakage = _service_fault(plan, svc, manifest, "etp-local-no-endpoint", proof, hints)
    return replace(breakage, target=f"{breakage.target} on {node}")


def _egress_checks(plan: LabPlan) -> dict[str, list[Check]]:
    """Per node, the lab's checks from its pods that expect an internet host to answer."""
    internet = {str(h.ip.ip) for h in plan.internet_hosts}
    found: dict[str, list[Check]] = {}
    for check in plan.lab.checks:
        pod = next((p for p in plan.pods if p.name == check.source.split("/")[0]), None)
        if pod is None or not positive(check) or not check.applies_to(plan.network, plan.proxy_mode):
            continue
        target = aim(plan, check)
        if target and target[0] in internet:
            found.setdefault(pod.node, []).append(check)
    return found


def _render_masquerade(plan: LabPlan, rng: random.Random) -> Breakage:
    checks = _egress_checks(plan)
    chosen = rng.choice(sorted(checks))
    node = next(n for n in plan.nodes if n.name == chosen)
    rule = shlex.split(next(r for r in masq_agent_rules(plan.lab.cluster.pod_cidr) if r.endswith("-j MASQUERADE")))
    delete = in_netns(node.netns, "iptables", "-t", "nat", "-D", *rule[1:])
    add = in_netns(node.netns, "iptables", "-t", "nat", "-A", *rule[1:])  # the chain's last rule, as it was
    hints = (
        Text(
            f"The request leaves {node.name}: follow it out. Which source address does it carry past the node? "
            f"netlab capture {plan.name} gateway",
            f"請求確實離開了 {node.name}：跟著它出去。它離開節點時帶著哪個來源位址？netlab capture {plan.name} gateway",
        ),
        Text(
            f"Look at {node.name}'s NAT for traffic leaving the cluster: "
            f"ip netns exec {node.netns} iptables -t nat -S {MASQ_CHAIN}",
            f"看 {node.name} 對離開叢集流量的 NAT：ip netns exec {node.netns} iptables -t nat -S {MASQ_CHAIN}",
        ),
        Text(f"Put the MASQUERADE rule back at the chain's end: {add}", f"把 MASQUERADE 規則加回 chain 的最後：{add}"),
    )
    return Breakage(
        fault="masquerade-gone",
        target=f"{node.name}'s {MASQ_CHAIN} chain",
        inject=(delete,),
        fix=(add,),
        undo=(add,),
        proof=tuple(checks[node.name][:PROOF_CHECKS]),
        hints=hints,
    )


def _env_checks(plan: LabPlan) -> list[tuple[str, ServicePlan, list[Check]]]:
    """(pod, Service, checks): the lab's env checks that expect a pod to have a Service's variables."""
    found: dict[tuple[str, str, str], list[Check]] = {}
    for check in plan.lab.checks:
        pod = next((p for p in plan.pods if p.name == check.source.split("/")[0]), None)
        if check.kind != "env" or pod is None or check.expect.get("present", True) is False:
            continue
        for svc in plan.services:
            if svc.namespace != pod.namespace or not svc.cluster_ip or model_service(plan, svc) is None:
                continue
            if check.target in service_variables(svc):
                found.setdefault((pod.name, svc.namespace, svc.name), []).append(check)
    return [(pod, plan.known_service(name, ns), checks) for (pod, ns, name), checks in found.items()]


def _render_pod_before_service(plan: LabPlan, rng: random.Random) -> Breakage:
    pod, svc, proof = rng.choice(_env_checks(plan))
    restart = f"netlab restart {plan.name} {pod}"
    manifest = service_manifest(_written(plan, svc))
    hints = (
        Text(
            f"Which variables does {pod} have? netlab exec {plan.name} {pod} -- env",
            f"{pod} 有哪些環境變數？netlab exec {plan.name} {pod} -- env",
        ),
        Text(
            f"The kubelet gives a container the Services that exist when it starts: was Service {svc.name} "
            f"there before {pod}'s containers?",
            f"kubelet 只給容器在它啟動時已存在的 Service：Service {svc.name} 是在 {pod} 的容器之前就有的嗎？",
        ),
        Text(f"Restart the pod's containers: {restart}", f"重新啟動 Pod 的容器：{restart}"),
    )
    return Breakage(
        fault="pod-before-service",
        target=f"{pod} and Service {svc.name}",
        inject=(
            f"netlab delete {plan.name} service/{svc.name}{_ns_flag(svc)}",
            restart,
            apply(plan.name, manifest),
        ),
        fix=(restart,),
        undo=(restart,),
        proof=tuple(proof[:PROOF_CHECKS]),
        hints=hints,
    )


SELECTOR = register(
    Fault(
        id="selector-matches-nothing",
        symptom=Text(
            "Connecting to the Service is refused at once, though its pods are running.",
            "連到 Service 的連線立刻被拒絕，但它的 Pod 明明都在執行。",
        ),
        applies=lambda plan: bool(_selected(plan)),
        render=_render_selector,
    )
)
TARGET_PORT = register(
    Fault(
        id="wrong-target-port",
        symptom=Text(
            "The Service has endpoints, yet every connection to it is refused.",
            "Service 有 endpoint，但每個連到它的連線都被拒絕。",
        ),
        applies=lambda plan: bool(_selected(plan)),
        render=_render_target_port,
    )
)
ETP_LOCAL = register(
    Fault(
        id="etp-local-no-endpoint",
        symptom=Text(
            "From outside, the NodePort answers on some nodes and times out on another.",
            "從外部連 NodePort，有些節點會回應，另一個節點卻逾時。",
        ),
        applies=lambda plan: bool(_cluster_policy(plan)),
        render=_render_etp_local,
    )
)
MASQUERADE = register(
    Fault(
        id="masquerade-gone",
        symptom=Text(
            "Pods on one node cannot reach the internet any more; the node itself still can.",
            "某個節點上的 Pod 再也連不到網際網路，節點本身卻還可以。",
        ),
        applies=lambda plan: bool(plan.internet_hosts and _egress_checks(plan)),
        render=_render_masquerade,
    )
)
POD_BEFORE_SERVICE = register(
    Fault(
        id="pod-before-service",
        symptom=Text(
            "The app in one pod finds no <SERVICE>_SERVICE_HOST variable for a Service; other pods have it.",
            "某個 Pod 裡的程式找不到 Service 的 <SERVICE>_SERVICE_HOST 變數；其他 Pod 卻有。",
        ),
        applies=lambda plan: bool(_env_checks(plan)),
        render=_render_pod_before_service,
    )
)
