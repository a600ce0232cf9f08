"""Faults of cluster DNS (pure): CoreDNS unreachable, a pod's resolv.conf naming the wrong server,
a namespace's default-deny egress policy without port 53. Their proof is a lookup of kube-dns's
own name from a pod that uses cluster DNS (one the lab's checks already prove can look up, where
the lab has NetworkPolicies). docs/faults-services.md says why each symptom follows.
"""

from __future__ import annotations

import random
from ipaddress import IPv4Address

from netlab.faults.catalogue import Breakage, Fault, Text, register
from netlab.faults.shell import apply, in_netns, positive, write_file
from netlab.model import clusterdns
from netlab.model.lab import Check
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.resolvconf import pod_files

DENY_EGRESS = "default-deny-egress"  # the name the Kubernetes docs give this policy


def _clients(plan: LabPlan) -> list[PodPlan]:
    """Pods that look names up through cluster DNS and whose lookups work on the healthy lab: in a
    lab without NetworkPolicies every such pod, else the sources of the lab's passing dns checks."""
    pods = [p for p in plan.pods if plan.uses_cluster_dns(p) and p.namespace != clusterdns.NAMESPACE]
    if not plan.lab.network_policies:
        return pods
    proven = {
        c.source.split("/")[0] for c in plan.lab.checks if c.kind == "dns" and positive(c) and not c.expect.get("rcode")
    }
    return [p for p in pods if p.name in proven]


def _lookup(plan: LabPlan, pod: PodPlan) -> Check:
    """kube-dns's own name, which cluster DNS always answers."""
    name = f"{clusterdns.SERVICE}.{clusterdns.NAMESPACE}"
    return Check(
        name=f"{pod.name} looks up {name} through cluster DNS",
        source=pod.name,
        kind="dns",
        target=f"{name}.svc.{plan.lab.cluster.cluster_domain}",
        expect={"answers": [name]},
    )


def _coredns_pods(plan: LabPlan) -> list[PodPlan]:
    return [p for p in plan.pods if p.namespace == clusterdns.NAMESPACE and p.labels == clusterdns.LABELS]


def _render_dns_down(plan: LabPlan, rng: random.Random) -> Breakage:
    client = rng.choice(_clients(plan))
    coredns = _coredns_pods(plan)
    down = tuple(in_netns(p.netns, "ip", "link", "set", "eth0", "down") for p in coredns)
    # eth0 down took the pod's default route with it: up again, the route comes back by hand
    up = tuple(
        cmd
        for p in coredns
        for cmd in (
            in_netns(p.netns, "ip", "link", "set", "eth0", "up"),
            in_netns(p.netns, "ip", "route", "replace", "default", "via", str(p.gateway), "dev", "eth0"),
        )
    )
    first = coredns[0]
    hints = (
        Text(
            f"Every name fails, not one: is cluster DNS there? `netlab status {plan.name}` shows Service "
            f"{clusterdns.SERVICE} and its endpoints.",
            f"不是某個名稱，而是每個名稱都失敗：叢集 DNS 還在嗎？`netlab status {plan.name}` 會顯示 Service "
            f"{clusterdns.SERVICE} 與它的 endpoint。",
        ),
        Text(
            f"Can the node reach the CoreDNS pods' addresses? Look at their interface: "
            f"ip netns exec {first.netns} ip addr show eth0",
            f"節點連得到 CoreDNS Pod 的位址嗎？看看它們的介面：ip netns exec {first.netns} ip addr show eth0",
        ),
        Text(
            "Bring each CoreDNS pod's eth0 up and its default route back: " + "; ".join(up),
            "把每個 CoreDNS Pod 的 eth0 啟用，並加回預設路由：" + "; ".join(up),
        ),
    )
    return Breakage(
        fault="dns-down",
        target="the CoreDNS pods (" + ", ".join(p.name for p in coredns) + ")",
        inject=down,
        fix=up,
        undo=up,
        proof=(_lookup(plan, client),),
        hints=hints,
    )


def _wrong_address(plan: LabPlan) -> str:
    """The next address after kube-dns's in the service CIDR that no Service holds: a typo's."""
    taken = {s.cluster_ip for s in plan.services}
    address = IPv4Address(plan.cluster_dns) + 1
    while address in taken:
        address += 1
    return str(address)


def _render_wrong_nameserver(plan: LabPlan, rng: random.Random) -> Breakage:
    pod = rng.choice(_clients(plan))
    right = pod_files(plan, pod)["resolv.conf"]
    wrong_server = _wrong_address(plan)
    wrong = right.replace(f"nameserver {plan.cluster_dns}\n", f"nameserver {wrong_server}\n")
    restore = write_file(pod.netns, "/etc/resolv.conf", right)
    hints = (
        Text(
            f"Other pods resolve names; {pod.name} does not. What does it ask? netlab exec {plan.name} {pod.name} "
            "-- cat /etc/resolv.conf",
            f"其他 Pod 都能解析名稱，只有 {pod.name} 不行。它問的是誰？netlab exec {plan.name} {pod.name} "
            "-- cat /etc/resolv.conf",
        ),
        Text(
            f"Compare its nameserver ({wrong_server}) with Service {clusterdns.SERVICE}'s ClusterIP "
            f"({plan.cluster_dns}) in `netlab status {plan.name}`.",
            f"比較它的 nameserver（{wrong_server}）與 `netlab status {plan.name}` 中 Service {clusterdns.SERVICE} "
            f"的 ClusterIP（{plan.cluster_dns}）。",
        ),
        Text(
            f"Write the kubelet's resolv.conf back (nameserver {plan.cluster_dns}): {restore}",
            f"把 kubelet 產生的 resolv.conf 寫回去（nameserver {plan.cluster_dns}）：{restore}",
        ),
    )
    return Breakage(
        fault="wrong-nameserver",
        target=f"{pod.name}'s /etc/resolv.conf",
        inject=(write_file(pod.netns, "/etc/resolv.conf", wrong),),
        fix=(restore,),
        undo=(restore,),
        proof=(_lookup(plan, pod),),
        hints=hints,
    )


def _unpoliced(plan: LabPlan) -> list[PodPlan]:
    """Clients in namespaces no NetworkPolicy names yet (where one deny is the whole story)."""
    policed = {p.namespace for p in plan.lab.network_policies}
    return [p for p in _clients(plan) if p.namespace not in policed]


def _render_policy_dns(plan: LabPlan, rng: random.Random) -> Breakage:
    pod = rng.choice(_unpoliced(plan))
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": DENY_EGRESS, "namespace": pod.namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    delete = f"netlab delete {plan.name} networkpolicy/{DENY_EGRESS} -n {pod.namespace}"
    hints = (
        Text(
            f"Which NetworkPolicies select {pod.name}, and for which direction? `netlab status {plan.name}` "
            "lists them with each pod's isolation.",
            f"哪些 NetworkPolicy 選中了 {pod.name}、管的是哪個方向？`netlab status {plan.name}` 會列出它們與每個 "
            "Pod 的隔離狀態。",
        ),
        Text(
            f"Policy {DENY_EGRESS} isolates egress and allows nothing: not even UDP and TCP 53 to "
            f"{clusterdns.SERVICE}. Try: netlab matrix {plan.name} --port 53 --protocol udp",
            f"Policy {DENY_EGRESS} 隔離了 egress 卻什麼都不允許：連到 {clusterdns.SERVICE} 的 UDP 與 TCP 53 "
            f"也不行。試試：netlab matrix {plan.name} --port 53 --protocol udp",
        ),
        Text(
            f"Delete the policy, or apply one that allows egress to port 53 beside it: {delete}",
            f"刪除這個 policy，或在它旁邊套用一個允許 egress 到 port 53 的 policy：{delete}",
        ),
    )
    return Breakage(
        fault="policy-dns-egress",
        target=f"namespace {pod.namespace}",
        inject=(apply(plan.name, policy),),
        fix=(delete,),
        undo=(delete,),
        proof=(_lookup(plan, pod),),
        hints=hints,
    )


DNS_DOWN = register(
    Fault(
        id="dns-down",
        symptom=Text(
            "No name resolves in any pod: every lookup times out.",
            "所有 Pod 裡的名稱都解析不了：每次查詢都逾時。",
        ),
        applies=lambda plan: bool(_clients(plan) and _coredns_pods(plan)),
        render=_render_dns_down,
    )
)
WRONG_NAMESERVER = register(
    Fault(
        id="wrong-nameserver",
        symptom=Text(
            "One pod cannot resolve any name; the others can.",
            "有一個 Pod 什麼名稱都解析不了，其他 Pod 都可以。",
        ),
        applies=lambda plan: bool(_clients(plan)),
        render=_render_wrong_nameserver,
    )
)
POLICY_DNS = register(
    Fault(
        id="policy-dns-egress",
        symptom=Text(
            "DNS is broken in one namespace: every lookup from its pods fails.",
            "某個 namespace 的 DNS 壞了：它的 Pod 每次查詢都失敗。",
        ),
        applies=lambda plan: bool(_unpoliced(plan)),
        render=_render_policy_dns,
    )
)
