"""Faults of a node's own networking (pure): forwarding off, a pod's veth down, a learner's DROP.

Each picks its target with the `random.Random` it is given, among the lab's own pods (not
cluster DNS's or a controller's, which netlab runs for the lab), and proves itself with traffic
that crosses exactly what it breaks. Labs with NetworkPolicies are left out: a policy may deny
the very traffic a proof sends, and then the proof would say nothing about the fault.
"""

from __future__ import annotations

import random

from netlab.faults.catalogue import Breakage, Fault, Text, register
from netlab.faults.shell import ping, policy_free
from netlab.model.lab import Check
from netlab.plan.model import LabPlan, PodPlan, ServicePlan

SYSTEM_NAMESPACES = ("kube-system", "ingress-nginx", "metallb-system", "nginx-gateway")


def own_pods(plan: LabPlan) -> list[PodPlan]:
    """The lab's own pods: those its file makes (not cluster DNS, an ingress controller...)."""
    return [p for p in plan.pods if p.namespace not in SYSTEM_NAMESPACES]


def _in(netns: str, command: str) -> str:
    return f"ip netns exec {netns} {command}"


# -- ip-forward-off ----------------------------------------------------------------------------


def _cross_node_pairs(plan: LabPlan) -> list[tuple[PodPlan, PodPlan]]:
    """(pod on another node, pod on the target's node): what forwarding on that node carries."""
    pods = own_pods(plan)
    return [(a, b) for b in pods for a in pods if a.node != b.node]


def _ip_forward_off(plan: LabPlan, rng: random.Random) -> Breakage:
    nodes = sorted({b.node for _, b in _cross_node_pairs(plan)})
    node_name = rng.choice(nodes)
    node = next(n for n in plan.nodes if n.name == node_name)
    callee = rng.choice([b for b in own_pods(plan) if b.node == node_name])
    caller = rng.choice([a for a in own_pods(plan) if a.node != node_name])
    on = _in(node.netns, "sysctl -qw net.ipv4.ip_forward=1")
    return Breakage(
        fault="ip-forward-off",
        target=node_name,
        inject=(_in(node.netns, "sysctl -qw net.ipv4.ip_forward=0"),),
        fix=(on,),
        undo=(on,),
        proof=(ping(f"{caller.name} reaches {callee.name} across nodes", caller.name, callee.name),),
        hints=(
            Text(
                f"Pods on the same node still reach each other; what does a packet from {caller.name} "
                f"need from {node_name} that a packet between two of its own pods does not?",
                f"同一個節點上的 Pod 仍然互通；從 {caller.name} 來的封包需要 {node_name} 做什麼，"
                f"而同節點的兩個 Pod 之間卻不需要？",
            ),
            Text(
                f"A node routes between eth0 and cni0 only if it forwards: look at "
                f"`netlab exec {plan.name} {node_name} -- sysctl net.ipv4.ip_forward`.",
                f"節點要轉送（forward）才會在 eth0 與 cni0 之間路由：看看 "
                f"`netlab exec {plan.name} {node_name} -- sysctl net.ipv4.ip_forward`。",
            ),
            Text(
                f"Turn forwarding back on: `netlab exec {plan.name} {node_name} -- sysctl -w net.ipv4.ip_forward=1`.",
                f"把轉送打開：`netlab exec {plan.name} {node_name} -- sysctl -w net.ipv4.ip_forward=1`。",
            ),
        ),
    )


register(
    Fault(
        id="ip-forward-off",
        symptom=Text(
            "Pods on one node cannot be reached from pods on other nodes; pods on the same node are fine.",
            "某個節點上的 Pod 從其他節點的 Pod 連不到；同一節點上的 Pod 之間則正常。",
        ),
        applies=lambda plan: policy_free(plan) and bool(_cross_node_pairs(plan)),
        render=_ip_forward_off,
    )
)


# -- veth-down ---------------------------------------------------------------------------------


def _veth_down(plan: LabPlan, rng: random.Random) -> Breakage:
    pod = rng.choice(own_pods(plan))
    node = next(n for n in plan.nodes if n.name == pod.node)
    up = _in(node.netns, f"ip link set {pod.host_veth} up")
    return Breakage(
        fault="veth-down",
        target=f"{pod.name}'s {pod.host_veth} on {node.name}",
        inject=(_in(node.netns, f"ip link set {pod.host_veth} down"),),
        fix=(up,),
        undo=(up,),
        proof=(ping(f"{pod.name} reaches its gateway", pod.name, str(pod.gateway)),),
        hints=(
            Text(
                f"{pod.name} cannot even reach its own default gateway (cni0 on {node.name}): the "
                f"problem is on the wire between the pod and its node.",
                f"{pod.name} 連自己的預設閘道（{node.name} 上的 cni0）都到不了：問題出在 Pod 與節點之間的那條線。",
            ),
            Text(
                f"Look at the pod's eth0 (`netlab exec {plan.name} {pod.name} -- ip link show eth0`: NO-CARRIER?) "
                f"and its peer on the node: `netlab exec {plan.name} {node.name} -- ip link show {pod.host_veth}`.",
                f"看看 Pod 的 eth0（`netlab exec {plan.name} {pod.name} -- ip link show eth0`：NO-CARRIER？）"
                f"以及它在節點上的另一端：`netlab exec {plan.name} {node.name} -- ip link show {pod.host_veth}`。",
            ),
            Text(
                f"Bring the node's end up: `netlab exec {plan.name} {node.name} -- ip link set {pod.host_veth} up`.",
                f"把節點這端啟用：`netlab exec {plan.name} {node.name} -- ip link set {pod.host_veth} up`。",
            ),
        ),
    )


register(
    Fault(
        id="veth-down",
        symptom=Text(
            "One pod reaches nothing at all, not even its own node; every other pod is fine.",
            "有一個 Pod 什麼都連不到，連自己的節點都不行；其他 Pod 都正常。",
        ),
        applies=lambda plan: policy_free(plan) and bool(own_pods(plan)),
        render=_veth_down,
    )
)


# -- forward-drop ------------------------------------------------------------------------------


def _http_services(plan: LabPlan) -> list[tuple[ServicePlan, int]]:
    """(Service, port) whose endpoints are all echo servers of the lab's pods over HTTP."""
    pods = {p.name: p for p in own_pods(plan)}
    found = []
    for svc in plan.services:
        if svc.cluster_ip is None or svc.namespace in SYSTEM_NAMESPACES:
            continue
        for port in svc.ports:
            ends = port.endpoints
            if (
                port.protocol == "TCP"
                and ends
                and all(e.pod in pods and (e.port, "TCP") in pods[e.pod].echo_ports() and e.ready for e in ends)
            ):
                found.append((svc, port.port))
    return found


def _forward_drop(plan: LabPlan, rng: random.Random) -> Breakage:
    svc, port = rng.choice(_http_services(plan))
    pod = rng.choice(own_pods(plan))
    node = next(n for n in plan.nodes if n.name == pod.node)
    rule = f"FORWARD -s {pod.ip.ip}/32 -j DROP"
    delete = _in(node.netns, f"iptables -w 5 -D {rule}")
    return Breakage(
        fault="forward-drop",
        target=f"{pod.name}'s traffic in {node.name}'s FORWARD chain",
        inject=(_in(node.netns, f"iptables -w 5 -I {rule.replace('FORWARD', 'FORWARD 1', 1)}"),),
        fix=(delete,),
        undo=(delete,),
        proof=(
            Check(
                name=f"{pod.name} reaches Service {svc.name}",
                source=pod.name,
                kind="http",
                target=f"http://{svc.cluster_ip}:{port}/hostname",
                expect={"reachable": True},
            ),
        ),
        hints=(
            Text(
                f"Service {svc.name} answers other pods but not {pod.name}: what is different about the "
                f"path of {pod.name}'s packets through {node.name}?",
                f"Service {svc.name} 回應其他 Pod，卻不回應 {pod.name}："
                f"{pod.name} 的封包經過 {node.name} 的路徑有什麼不同？",
            ),
            Text(
                f"Every packet a node routes walks its FORWARD chain, from the top: "
                f"`netlab exec {plan.name} {node.name} -- iptables -L FORWARD -v -n --line-numbers` "
                f"(what comes first, before any rule of kube-proxy?).",
                f"節點轉送的每個封包都從頭走一遍 FORWARD 鏈："
                f"`netlab exec {plan.name} {node.name} -- iptables -L FORWARD -v -n --line-numbers`"
                f"（排在 kube-proxy 的規則之前的是什麼？）。",
            ),
            Text(
                f"Delete the rule that drops {pod.name}'s traffic: "
                f"`netlab exec {plan.name} {node.name} -- iptables -D {rule}`.",
                f"刪掉丟棄 {pod.name} 流量的那條規則：`netlab exec {plan.name} {node.name} -- iptables -D {rule}`。",
            ),
        ),
    )


register(
    Fault(
        id="forward-drop",
        symptom=Text(
            "A Service answers some pods but not another one, which gets no answer at all.",
            "某個 Service 會回應一些 Pod，對另一個 Pod 卻完全沒有回應。",
        ),
        applies=lambda plan: policy_free(plan) and bool(own_pods(plan)) and bool(_http_services(plan)),
        render=_forward_drop,
    )
)
