"""Judge a lab's learner tasks (`netlab check`): done, or not yet and why, from the kernel and traffic.

Each task is read back from the kernel and compared with what it would have built
(verify/hints.py); where the kernel holds it, real traffic proves it: a pod's veth task, one
ping from the pod to its gateway (cni0); a Service's, a TCP connection from a pod on each node
(one that is not the Service's endpoint: without kube-proxy's masquerade rule a pod cannot reach
itself through its Service) to each TCP port of the ClusterIP. A node's routes need the other
node's routes back to carry traffic, so they are judged by the kernel's tables alone. A
NetworkPolicy's task is judged by traffic alone (verify/policy_task.py): the matrix's pairs its
pods take part in, and its step's checks once the steps before it are built; the learner's
policies may be written any way that does what the step's do. Anything that goes wrong while
inspecting is a "not yet" with the reason, never a traceback.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass

from netlab.errors import NetlabError
from netlab.kernel import netns, netnsread
from netlab.model.lab import Check
from netlab.model.tasks import policy_key, service_key
from netlab.plan.model import LabPlan, NodePlan, PodPlan, ServicePlan
from netlab.plan.tasks import StepTask
from netlab.probe import ping
from netlab.proxy import mode_of
from netlab.render.namespaces import FLANNEL
from netlab.verify import Verdict, judge
from netlab.verify.hints import routes_hint, veth_hint
from netlab.verify.matrix import probe_cells
from netlab.verify.policy_task import policy_pairs, policy_verdict, with_step_checks
from netlab.verify.probes import ProbeCache

CONNECT_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class TaskVerdict:
    step: int
    task: str
    done: bool
    detail: str

    def as_dict(self) -> dict:
        return {"step": self.step, "task": self.task, "done": self.done, "detail": self.detail}

    def as_verdict(self) -> Verdict:
        """As one of verify's verdicts, for the JUnit report."""
        return Verdict(f"step {self.step}: {self.task}", f"step {self.step}", self.task, self.done, self.detail)


def judge_task(
    plan: LabPlan, step_task: StepTask, built: LabPlan | None = None, checks: tuple[Check, ...] = ()
) -> TaskVerdict:
    """One task's verdict; a policy task's needs `built`, the plan as it is with its step built
    (`RunningLab.built_plan`), and is also judged by its step's `checks` (`RunningLab.step_checks`)."""
    task = step_task.task
    try:
        if task.kind == "policy":
            done, detail = _policy(plan, built or plan, policy_key(task.target), checks)
        elif task.kind == "veth":
            done, detail = _veth(plan, task.target)
        elif task.kind == "routes":
            done, detail = _routes(plan, task.target)
        else:
            done, detail = _service(plan, plan.known_service(*service_key(task.target)))
    except (NetlabError, OSError, subprocess.SubprocessError) as error:
        done, detail = False, f"could not inspect it ({error})"
    return TaskVerdict(step_task.step, str(task), done, detail)


def _veth(plan: LabPlan, name: str) -> tuple[bool, str]:
    pod = next(p for p in plan.pods if p.name == name)
    node = next(n for n in plan.nodes if n.name == pod.node)
    pod_view, node_view = netnsread.read(pod.netns), netnsread.read(node.netns)
    if pod_view is None or node_view is None:
        return False, f"{pod.name}'s or {node.name}'s namespace is gone (netlab down, then up)"
    hint = veth_hint(pod, node, pod_view, node_view)
    if hint:
        return False, hint
    pinged = subprocess.run(ping.command(pod.netns, str(pod.gateway)), capture_output=True, text=True, timeout=10)
    result = ping.read(pinged.returncode, pinged.stdout, pinged.stderr)
    if not result.reachable:
        return False, f"{pod.name}'s eth0 looks right, but a ping to {pod.gateway} (cni0) got {result.detail}"
    return True, f"{pod.name} {pod.ip} on cni0 of {node.name}; ping to {pod.gateway}: {result.detail}"


def _routes(plan: LabPlan, name: str) -> tuple[bool, str]:
    node = next(n for n in plan.nodes if n.name == name)
    view = netnsread.read(node.netns)
    if view is None:
        return False, f"{node.name}'s namespace is gone (netlab down, then up)"
    neighbours, fdb = netnsread.forwarding(node.netns, FLANNEL) if plan.network == "vxlan" else ({}, {})
    hint = routes_hint(plan, node, view, neighbours, fdb)
    if hint:
        return False, hint
    others = ", ".join(str(n.pod_cidr) for n in plan.nodes if n is not node)
    return True, f"{node.name} routes {others} ({plan.network})"


def _service(plan: LabPlan, svc: ServicePlan) -> tuple[bool, str]:
    for node in plan.nodes:
        hint = mode_of(plan).service_hint(svc, node)
        if hint:
            return False, hint
    proved = []
    for node in plan.nodes:
        client = _client_on(plan, svc, node)
        if client is None:
            continue
        for port in (p for p in svc.ports if p.protocol == "TCP" and p.endpoints):
            failure = _connect(client.netns, str(svc.cluster_ip), port.port)
            if failure:
                return False, (
                    f"the rules look right, but {client.name} on {node.name} could not connect to "
                    f"{svc.cluster_ip}:{port.port}: {failure}"
                )
            proved.append(f"{client.name}->{svc.cluster_ip}:{port.port}")
    return True, f"{svc.name}'s rules on every node" + (f"; connected {', '.join(proved)}" if proved else "")


def _policy(plan: LabPlan, built: LabPlan, key: str, checks: tuple[Check, ...]) -> tuple[bool, str]:
    """The pairs the policy decides, as expected with its step built, against real traffic now;
    then the step's own checks, which see what the matrix cannot (a DNS query, the way in
    through a LoadBalancer, a pod that other policies isolate already)."""
    if key not in {p.key for p in built.lab.network_policies}:
        return False, f"the lab file has no NetworkPolicy {key} any more: nothing says what its step should do"
    done, detail = policy_verdict(key, probe_cells(plan, policy_pairs(built, key)))
    cache = ProbeCache()
    failed = [v for v in (judge(plan, check, cache) for check in checks) if not v.passed]
    return with_step_checks(done, detail, failed)


def _client_on(plan: LabPlan, svc: ServicePlan, node: NodePlan) -> PodPlan | None:
    """A pod on the node, with its eth0 up, that is not one of the Service's endpoints."""
    endpoints = {e.pod for port in svc.ports for e in port.endpoints}
    for pod in (p for p in plan.pods if p.node == node.name and p.name not in endpoints):
        view = netnsread.read(pod.netns)
        eth0 = view.links.get("eth0") if view else None
        if eth0 and eth0.state == "up" and eth0.addresses:
            return pod
    return None


def _connect(netns_name: str, address: str, port: int) -> str | None:
    """Open and close one TCP connection from inside the namespace; the reason if it fails."""
    with netns.entered(netns_name):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        sock.connect((address, port))
        return None
    except OSError as error:
        return "timed out" if isinstance(error, TimeoutError) else error.strerror or str(error)
    finally:
        sock.close()
