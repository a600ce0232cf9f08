"""Learner mode's tasks: a guide step's `builds:` read and checked (model/tasks.py), which tasks `up`
leaves (plan/tasks.py left_tasks), the kernel objects each task is (render/taskops.py task_ops), and
the lab without them (without, proxied)."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Network

import pytest

from netlab.errors import BadInput, LabValidationError
from netlab.model import find_lab, load_lab
from netlab.model.lab import Task
from netlab.model.tasks import service_key
from netlab.plan import make_plan
from netlab.plan.tasks import StepTask, lab_tasks, left_tasks, proxied, step_tasks
from netlab.render.namespaces import CNI0, DEFAULT, ETH0, FLANNEL, render_namespaces
from netlab.render.ops import Address, Fdb, Hairpin, LinkUp, Neighbour, Route, Veth
from netlab.render.taskops import task_ops, without

LAB = """\
    name: tiny
    cluster: {nodes: [%s], dns: %s}
    objects:
      - apiVersion: v1
        kind: Pod
        metadata: {name: pod-a, labels: {app: a}}
        spec: {nodeName: node-1, containers: [{name: web, image: agnhost, ports: [{containerPort: 8080}]}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selector: {app: a}, ports: [{port: 80, targetPort: 8080}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: db}
        spec: {clusterIP: None, selector: {app: a}, ports: [{port: 5432}]}
      - apiVersion: v1
        kind: Service
        metadata: {name: far}
        spec: {type: ExternalName, externalName: example.com}
    guide:
      - title: One
        text: The first step.
        builds: %s
      - title: Two
        text: The second step.
        builds: %s
"""


def tiny(builds1: str = "[]", builds2: str = "[]", nodes: str = "node-1, node-2", dns: str = "false") -> str:
    return LAB % (nodes, dns, builds1, builds2)


def problems_of(make_lab, text: str) -> list[tuple[str, str]]:
    """(field, message) of every problem of the lab file `text`, one per line printed."""
    with pytest.raises(LabValidationError) as caught:
        make_lab(text)
    assert len(caught.value.lines()) == len(caught.value.problems)
    assert all("\n" not in line for line in caught.value.lines())
    return [(p.where.split(": ", 1)[1], p.message) for p in caught.value.problems]


def plan_of(name: str, network: str | None = None):
    return make_plan(load_lab(find_lab(name)), network=network)


# -- the model: builds read and checked ------------------------------------------------------------
def test_a_lab_with_valid_builds_loads(make_lab) -> None:
    lab = make_lab(tiny("[{veth: pod-a}, {routes: node-1}]", "[{service: web}, {routes: node-2}]"))
    assert lab.guide[0].builds == (Task("veth", "pod-a"), Task("routes", "node-1"))
    assert lab.guide[1].builds == (Task("service", "web"), Task("routes", "node-2"))
    assert [str(t) for t in lab_tasks(lab)] == [
        "step 1: veth pod-a",
        "step 1: routes node-1",
        "step 2: service web",
        "step 2: routes node-2",
    ]


def test_a_service_by_name_and_namespace_loads(make_lab) -> None:
    lab = make_lab(tiny("[{service: web.default}]", "[{service: kube-dns.kube-system}]", dns="true"))
    assert [t.task.target for t in lab_tasks(lab)] == ["web.default", "kube-dns.kube-system"]


def test_service_key() -> None:
    assert service_key("web") == ("web", "default")
    assert service_key("kube-dns.kube-system") == ("kube-dns", "kube-system")


@pytest.mark.parametrize(
    ("builds", "where", "message"),
    [
        ("{veth: pod-a}", "guide[0].builds", "must be a list"),
        (
            "[veth]",
            "guide[0].builds[0]",
            "must be one of {veth: NAME}, {routes: NAME}, {service: NAME}, {policy: NAME}",
        ),
        (
            "[{veth: pod-a, routes: node-1}]",
            "guide[0].builds[0]",
            "must be one of {veth: NAME}, {routes: NAME}, {service: NAME}, {policy: NAME}",
        ),
        ("[{bridge: cni0}]", "guide[0].builds[0]", "unknown task 'bridge' (known: veth, routes, service, policy)"),
        ("[{veth: 7}]", "guide[0].builds[0].veth", "must be a non-empty string"),
        ("[{veth: }]", "guide[0].builds[0].veth", "must be a non-empty string"),
        ("[{veth: pod-z}]", "guide[0].builds", "no pod named 'pod-z'"),
        ("[{routes: node-9}]", "guide[0].builds", "no node named 'node-9'"),
        ("[{service: nope}]", "guide[0].builds", "no Service named 'nope'"),
        ("[{service: web.kube-system}]", "guide[0].builds", "no Service named 'web.kube-system'"),
        ("[{service: db}]", "guide[0].builds", "Service db has no ClusterIP: kube-proxy has no rules for it"),
        ("[{service: far}]", "guide[0].builds", "Service far has no ClusterIP: kube-proxy has no rules for it"),
        ("[{veth: pod-a}, {veth: pod-a}]", "guide[0].builds", "veth pod-a is named twice in this step"),
    ],
)
def test_a_bad_task_is_one_line_naming_the_field(make_lab, builds: str, where: str, message: str) -> None:
    assert problems_of(make_lab, tiny(builds)) == [(where, message)]


def test_routes_in_a_lab_with_one_node(make_lab) -> None:
    assert problems_of(make_lab, tiny("[{routes: node-1}]", nodes="node-1")) == [
        ("guide[0].builds", "a lab with one node has no routes to other nodes")
    ]


def test_a_task_is_built_by_one_step_only(make_lab) -> None:
    assert problems_of(make_lab, tiny("[{veth: pod-a}]", "[{veth: pod-a}]")) == [
        ("guide[1].builds", "veth pod-a is built by step 1 already")
    ]


def test_a_wrong_task_named_twice_is_said_once_per_problem(make_lab) -> None:
    assert problems_of(make_lab, tiny("[{veth: pod-z}]", "[{veth: pod-z}, {routes: node-9}]")) == [
        ("guide[0].builds", "no pod named 'pod-z'"),
        ("guide[1].builds", "veth pod-z is built by step 1 already"),
        ("guide[1].builds", "no node named 'node-9'"),
    ]


BUNDLED = {
    "container-to-container": ["step 1: veth app", "step 4: veth other"],
    "egress": ["step 1: veth client-1"],
    "ingress-http": ["step 2: veth ingress-nginx-controller-0"],
    "ingress-loadbalancer": ["step 3: routes node-1", "step 3: routes node-2", "step 3: routes node-3"],
    "ingress-metallb": ["step 2: routes node-1", "step 2: routes node-2", "step 2: routes node-3"],
    "pod-to-pod": ["step 1: veth pod-a", "step 2: veth pod-b"],
    "pod-to-pod-cross-node": [
        "step 1: veth pod-1",
        "step 2: routes node-1",
        "step 5: veth pod-4",
        "step 5: routes node-2",
    ],
    "pod-to-service": ["step 3: service web"],
    "service-discovery": ["step 3: service kube-dns.kube-system"],
    "service-types": ["step 1: service web"],
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_labs_tasks(name: str) -> None:
    assert [str(t) for t in lab_tasks(load_lab(find_lab(name)))] == BUNDLED[name]


# -- left_tasks and step_tasks --------------------------------------------------------------------
@pytest.fixture(scope="module")
def cross():
    return load_lab(find_lab("pod-to-pod-cross-node"))


def test_nothing_is_left_by_default(cross) -> None:
    assert left_tasks(cross) == []


def test_until_step_0_leaves_every_task(cross) -> None:
    assert left_tasks(cross, until_step=0) == lab_tasks(cross)


@pytest.mark.parametrize(
    ("until", "left"),
    [
        (1, ["step 2: routes node-1", "step 5: veth pod-4", "step 5: routes node-2"]),
        (2, ["step 5: veth pod-4", "step 5: routes node-2"]),
        (4, ["step 5: veth pod-4", "step 5: routes node-2"]),
        (5, []),
    ],
)
def test_until_step_leaves_the_later_steps(cross, until: int, left: list[str]) -> None:
    assert [str(t) for t in left_tasks(cross, until_step=until)] == left


def test_leave_leaves_only_that_step(cross) -> None:
    assert left_tasks(cross, leave=5) == [StepTask(5, Task("veth", "pod-4")), StepTask(5, Task("routes", "node-2"))]
    assert left_tasks(cross, leave=2) == [StepTask(2, Task("routes", "node-1"))]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ({"until_step": 1, "leave": 2}, "--until-step and --leave do not go together"),
        ({"until_step": 6}, "lab pod-to-pod-cross-node has steps 1 to 5: --until-step 6 is not one of them"),
        ({"until_step": -1}, "--until-step -1 is not one of them"),
        ({"leave": 3}, "step 3 of lab pod-to-pod-cross-node builds nothing to leave to you (steps that do: 1, 2, 5)"),
        ({"leave": 9}, "step 9 of lab pod-to-pod-cross-node builds nothing"),
    ],
)
def test_left_tasks_refuses(cross, args: dict, said: str) -> None:
    with pytest.raises(BadInput) as caught:
        left_tasks(cross, **args)
    assert said in str(caught.value)


def test_step_tasks(cross) -> None:
    assert step_tasks(cross, 2) == [StepTask(2, Task("routes", "node-1"))]
    with pytest.raises(BadInput) as caught:
        step_tasks(cross, 4)
    assert str(caught.value) == "step 4 of lab pod-to-pod-cross-node builds nothing (steps that do: 1, 2, 5)"


def test_a_lab_without_builds_says_no_step_does(make_lab) -> None:
    with pytest.raises(BadInput) as caught:
        left_tasks(make_lab(tiny()), leave=1)
    assert "no step of its guide does" in str(caught.value)


# -- task_ops: the kernel objects of a task ------------------------------------------------------
def test_veth_task_ops_are_the_cni_plugins_add() -> None:
    plan = plan_of("pod-to-pod")
    pod = next(p for p in plan.pods if p.name == "pod-b")
    node = plan.nodes[0]
    assert task_ops(plan, Task("veth", "pod-b")) == {
        node.netns: (
            Veth(
                pod.host_veth,
                pod.host_ifindex,
                "eth0",
                ETH0,
                pod.netns,
                pod.mac,
                master=CNI0,
                master_name="cni0",
                mtu=plan.mtu,
            ),
            Hairpin(pod.host_ifindex, pod.host_veth),
        ),
        pod.netns: (LinkUp(ETH0, "eth0"), Address(ETH0, "eth0", pod.ip), Route(DEFAULT, ETH0, "eth0", via=pod.gateway)),
    }
    assert list(task_ops(plan, Task("veth", "pod-b"))) == [node.netns, pod.netns], "the node's end makes eth0"


def test_routes_task_ops_host_gw() -> None:
    plan = plan_of("pod-to-pod-cross-node")
    node_1, node_2 = plan.nodes
    assert task_ops(plan, Task("routes", "node-1")) == {
        node_1.netns: (Route(IPv4Network("10.244.2.0/24"), ETH0, "eth0", via=node_2.ip.ip),)
    }
    assert task_ops(plan, Task("routes", "node-2")) == {
        node_2.netns: (Route(IPv4Network("10.244.1.0/24"), ETH0, "eth0", via=node_1.ip.ip),)
    }


def test_routes_task_ops_vxlan() -> None:
    plan = plan_of("pod-to-pod-cross-node", network="vxlan")
    node_1, node_2 = plan.nodes
    assert task_ops(plan, Task("routes", "node-1")) == {
        node_1.netns: (
            Neighbour(FLANNEL, "flannel.1", node_2.vtep_ip, node_2.vtep_mac),
            Fdb(FLANNEL, "flannel.1", node_2.vtep_mac, node_2.ip.ip),
            Route(node_2.pod_cidr, FLANNEL, "flannel.1", via=node_2.vtep_ip, onlink=True),
        )
    }


def test_a_service_task_has_no_ops() -> None:
    assert task_ops(plan_of("pod-to-service"), Task("service", "web")) == {}


# -- without and proxied: the lab minus the tasks left -------------------------------------------
@pytest.mark.parametrize(
    ("name", "network", "left"),
    [
        ("pod-to-pod", None, [Task("veth", "pod-b")]),
        ("pod-to-pod", None, [Task("veth", "pod-a"), Task("veth", "pod-b")]),
        ("pod-to-pod-cross-node", None, [Task("routes", "node-1")]),
        ("pod-to-pod-cross-node", "vxlan", [Task("routes", "node-1"), Task("veth", "pod-4")]),
        ("pod-to-pod-cross-node", "vxlan", [Task("routes", "node-1"), Task("routes", "node-2")]),
    ],
)
def test_without_removes_exactly_the_tasks_ops(name: str, network: str | None, left: list[Task]) -> None:
    plan = plan_of(name, network)
    specs = render_namespaces(plan)
    removed = Counter((netns, op) for task in left for netns, ops in task_ops(plan, task).items() for op in ops)
    assert removed, "each task left has ops"
    before = Counter((spec.netns, op) for spec in specs for op in spec.ops)
    after = Counter((spec.netns, op) for spec in without(specs, plan, left) for op in spec.ops)
    assert sum(after.values()) == sum(before.values()) - sum(removed.values())
    assert after == before - removed
    assert [spec.netns for spec in without(specs, plan, left)] == [spec.netns for spec in specs]
    kept = {(spec.netns, op) for spec in without(specs, plan, left) for op in spec.ops}
    assert [op for spec in specs for op in spec.ops if (spec.netns, op) in kept] == [
        op for spec in without(specs, plan, left) for op in spec.ops
    ], "the order of what is kept is unchanged"


def test_without_nothing_left_is_the_lab() -> None:
    plan = plan_of("pod-to-pod-cross-node")
    specs = render_namespaces(plan)
    assert without(specs, plan, []) == specs
    assert without(specs, plan, [Task("service", "web")]) == specs


def test_proxied_drops_only_the_left_service() -> None:
    plan = plan_of("pod-to-service")
    names = [(s.name, s.namespace) for s in plan.services]
    assert ("web", "default") in names and ("web-multi", "default") in names
    synced = proxied(plan, [Task("service", "web"), Task("veth", "client")])
    assert [(s.name, s.namespace) for s in synced.services] == [n for n in names if n != ("web", "default")]
    assert synced.pods == plan.pods and synced.nodes == plan.nodes
    assert proxied(plan, []).services == plan.services


def test_proxied_by_name_and_namespace() -> None:
    plan = plan_of("service-discovery")
    names = [(s.name, s.namespace) for s in plan.services]
    synced = proxied(plan, [Task("service", "kube-dns.kube-system")])
    assert [(s.name, s.namespace) for s in synced.services] == [n for n in names if n != ("kube-dns", "kube-system")]
    assert len(synced.services) == len(plan.services) - 1
