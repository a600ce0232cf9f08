"""A guide step's `builds:` (the tasks learner mode leaves to the learner), read and checked.

    builds: [{veth: pod-a}, {routes: node-1}, {service: web}, {policy: db-allow-web}]

Each task is built by one step only, and names something the lab has: a pod; a node of a lab
with more than one (a single node has no other node to route to); a Service with a ClusterIP
(kube-proxy has no rules for a headless or ExternalName one); a NetworkPolicy.
"""

from __future__ import annotations

from typing import Any

from netlab.model.lab import TASK_KINDS, Cluster, GuideStep, KubeObject, Service, Task, pod_names
from netlab.model.policytypes import NetworkPolicy
from netlab.model.schema import FieldReader


def read_tasks(r: FieldReader, raw: Any, place: str) -> tuple[Task, ...]:
    tasks = []
    for i, item in enumerate(r.sequence(raw, place)):
        where = f"{place}[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            r.problem(where, f"must be one of {', '.join(f'{{{k}: NAME}}' for k in TASK_KINDS)}")
            continue
        ((kind, target),) = item.items()
        if kind not in TASK_KINDS:
            r.problem(where, f"unknown task {kind!r} (known: {', '.join(TASK_KINDS)})")
            continue
        name = r.string(target, f"{where}.{kind}")
        if name:  # a bad name is said once: it does not also name a missing pod or a second task
            tasks.append(Task(kind, name))
    return tuple(tasks)


def service_key(target: str) -> tuple[str, str]:
    """A `service` task's (name, namespace): NAME is in default, NAME.NAMESPACE as cluster DNS says it."""
    name, _, namespace = target.partition(".")
    return name, namespace or "default"


def policy_key(target: str) -> str:
    """A `policy` task's NetworkPolicy as `NetworkPolicy.key` spells it (namespace/name), from
    NAME or NAME.NAMESPACE as a `service` task names its Service."""
    name, namespace = service_key(target)
    return f"{namespace}/{name}"


def check_tasks(
    r: FieldReader,
    guide: tuple[GuideStep, ...],
    cluster: Cluster,
    objects: tuple[KubeObject, ...],
    services: tuple[Service, ...],
    policies: list[NetworkPolicy] | None,
) -> None:
    """Every task names something the lab has, in one step only. `policies` None: the lab is an
    edit of a running one, whose NetworkPolicies a learner may have deleted or replaced (the lab
    file as `up` read it keeps them: `RunningLab.canonical_policies`)."""
    pods = set(pod_names(objects))
    nodes = {n.name for n in cluster.nodes}
    by_key = {(s.name, s.namespace): s for s in services}
    policy_keys = None if policies is None else {p.key for p in policies}
    built_by: dict[Task, int] = {}
    for i, step in enumerate(guide):
        place = f"guide[{i}].builds"
        for task in step.builds:
            if task in built_by:  # said once: whether it exists was judged where it was first named
                r.problem(
                    place,
                    f"{task} is named twice in this step"
                    if built_by[task] == i
                    else f"{task} is built by step {built_by[task] + 1} already",
                )
                continue
            built_by[task] = i
            if task.kind == "veth" and task.target not in pods:
                r.problem(place, f"no pod named {task.target!r}")
            elif task.kind == "routes" and task.target not in nodes:
                r.problem(place, f"no node named {task.target!r}")
            elif task.kind == "routes" and len(nodes) < 2:
                r.problem(place, "a lab with one node has no routes to other nodes")
            elif task.kind == "service":
                svc = by_key.get(service_key(task.target))
                if svc is None:
                    r.problem(place, f"no Service named {task.target!r}")
                elif svc.headless:
                    r.problem(place, f"Service {task.target} has no ClusterIP: kube-proxy has no rules for it")
            elif task.kind == "policy" and policy_keys is not None and policy_key(task.target) not in policy_keys:
                r.problem(place, f"no NetworkPolicy named {task.target!r}")
