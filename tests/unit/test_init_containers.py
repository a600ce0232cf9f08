"""Init containers and sidecars: read as the API server validates them, planned, described as
workloads (the pod's runner starts them, not the lab's echo server), explained in order, run by the
runner's state machine as the kubelet runs them, and shown as kubectl's STATUS column (pure)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from netlab.plan import make_plan
from netlab.readback.podstatus import container_line, pod_status
from netlab.render.explain import explain
from netlab.render.workloads import container_workloads, echo_workloads
from netlab.workloads import pod as runner

REPO = Path(__file__).resolve().parents[2]
LAB = """
name: init-lab
cluster: {nodes: [node-1], dns: false}
objects:
  - apiVersion: v1
    kind: Service
    metadata: {name: proxied}
    spec: {selector: {app: app}, ports: [{port: 80, targetPort: proxy}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: app, labels: {app: app}}
    spec:
      restartPolicy: OnFailure
      initContainers:
        - {name: setup, image: busybox, command: [sh, -c, "echo set up"]}
        - name: proxy
          restartPolicy: Always
          startupProbe: {tcpSocket: {port: 9000}}
          ports: [{containerPort: 9000, name: proxy}]
        - {name: wait, command: [sh, -c, "until curl -s localhost:9000; do sleep 1; done"]}
      containers:
        - {name: web}
        - {name: tool, command: [sleep, "600"]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: plain}
    spec: {containers: [{name: web}]}
"""


@pytest.fixture
def plan(make_lab):
    return make_plan(make_lab(LAB))


def test_init_containers_are_read_in_order_with_their_sidecar(make_lab) -> None:
    lab = make_lab(LAB)
    template = lab.objects[0].template
    assert [(c.name, c.sidecar) for c in template.init_containers] == [
        ("setup", False),
        ("proxy", True),
        ("wait", False),
    ]
    assert template.restart_policy == "OnFailure"
    assert "Pod app: spec.initContainers[1].startupProbe" in lab.ignored_fields  # allowed on a sidecar, not simulated


def test_a_sidecar_s_named_port_is_a_service_target(plan) -> None:
    """The endpoints controller finds a targetPort name among the sidecars' ports too (FindPort)."""
    (svc,) = plan.services
    assert [str(e.ip) + f":{e.port}" for e in svc.ports[0].endpoints] == [f"{plan.pods[0].ip.ip}:9000"]


def test_the_runner_starts_the_pod_s_containers_echo_servers_too(plan) -> None:
    found = container_workloads(plan, plan.pods, {}, "")
    assert [(w.name, w.kind, w.init) for w in found if w.member.name == "app"] == [
        ("app_setup", "command", True),
        ("app_proxy", "echo", True),
        ("app_wait", "command", True),
        ("app_web", "echo", False),
        ("app_tool", "command", False),
    ]
    assert [w.name for w in echo_workloads(plan)] == ["plain_web"]  # nothing listens in app before its turn


def test_explain_golden(plan, golden) -> None:
    golden(REPO / "tests" / "golden" / "explain" / "init-containers.sh", explain(plan))


def test_explain_runs_the_init_containers_in_order_before_the_containers(plan) -> None:
    text = explain(plan)
    block = text[text.index("# pod app:") : text.index('echo $! >"$RUN/app.pid"')]
    order = [line.split()[:2] for line in block.splitlines() if line.startswith("  ")]
    assert order == [
        ["init", "app_setup"],
        ["start", "app_proxy"],
        ["ready", "app_proxy"],
        ["init", "app_wait"],
        ["start", "app_web"],
        ["start", "app_tool"],
    ]
    assert "ready plain_web\n" in text  # the lab's servers; the init pod's wait in its own turn
    done = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


# -- the runner's state machine (netlab.workloads.pod), its processes faked --------------------------
class FakeProc:
    def __init__(self) -> None:
        self.code: int | None = None
        self.pid = 0

    def poll(self) -> int | None:
        return self.code


@pytest.fixture
def started(monkeypatch) -> list[FakeProc]:
    procs: list[FakeProc] = []

    def spawn(*_args: Any, **_kwargs: Any) -> FakeProc:
        procs.append(FakeProc())
        return procs[-1]

    monkeypatch.setattr(runner, "_spawn", spawn)
    return procs


def make_pod(policy: str = "Always", sidecar: bool = False) -> runner.Pod:
    spec = {"argv": ["true"], "env": {}, "log": 2}
    return runner.Pod(
        {
            "restartPolicy": policy,
            "status": 1,
            "init": [{"name": "first", "sidecar": sidecar, **spec}, {"name": "second", **spec}],
            "containers": [{"name": "app", **spec}],
        }
    )


def test_init_containers_run_one_after_another_then_the_containers(started) -> None:
    pod = make_pod()
    pod.step()
    assert [c.state for c in pod.every()] == ["running", "waiting", "waiting"]
    assert pod_status(pod.snapshot(), 2) == "Init:0/2"
    started[0].code = 0
    pod.reap()
    pod.step()
    assert pod_status(pod.snapshot(), 2) == "Init:1/2"
    started[1].code = 0
    pod.reap()
    pod.step()
    assert [c.state for c in pod.every()] == ["terminated", "terminated", "running"]
    assert pod_status(pod.snapshot(), 2) == "Running" and pod.phase == "Running"


def test_a_sidecar_lets_the_next_one_start_and_keeps_running(started) -> None:
    pod = make_pod(sidecar=True)
    pod.step()
    assert [c.state for c in pod.every()] == ["running", "running", "waiting"]
    assert pod_status(pod.snapshot(), 2) == "Init:1/2"


def test_a_failing_init_container_runs_again_with_the_kubelet_s_back_off(started, monkeypatch) -> None:
    now = [100.0]
    monkeypatch.setattr(runner.time, "monotonic", lambda: now[0])
    pod = make_pod()
    pod.step()
    started[0].code = 1
    pod.reap()
    pod.step()
    assert pod_status(pod.snapshot(), 2) == "Init:Error" and pod.next_due() == runner.RELIST
    now[0] += runner.RELIST
    pod.step()
    assert pod.init[0].restarts == 1 and len(started) == 2
    started[1].code = 1
    pod.reap()
    pod.step()
    assert pod_status(pod.snapshot(), 2) == "Init:CrashLoopBackOff" and pod.next_due() == runner.BACKOFF_FIRST
    assert pod.containers[0].state == "waiting" and len(started) == 2  # the app never started


def test_with_restart_policy_never_a_failed_init_container_fails_the_pod(started) -> None:
    pod = make_pod(policy="Never")
    pod.step()
    started[0].code = 2
    pod.reap()
    pod.step()
    assert pod.phase == "Failed" and pod_status(pod.snapshot(), 2) == "Init:Error"


@pytest.mark.parametrize(
    ("init", "containers", "status"),
    [
        ([{"state": "terminated", "exitCode": 137}], [], "Init:ExitCode:137"),
        ([{"state": "waiting", "reason": "PodInitializing"}], [], "Init:0/1"),
        (
            [{"state": "terminated", "exitCode": 0, "reason": "Completed"}],
            [{"state": "waiting", "reason": "PodInitializing"}],
            "PodInitializing",
        ),
        (
            [{"state": "running", "sidecar": True}],
            [{"state": "terminated", "reason": "Completed"}, {"state": "running"}],
            "Running",
        ),
        (
            [{"state": "waiting", "reason": "CrashLoopBackOff", "sidecar": True}],
            [{"state": "running"}],
            "Init:CrashLoopBackOff",
        ),
    ],
)
def test_kubectl_s_status_column(init: list[dict], containers: list[dict], status: str) -> None:
    snapshot = {"phase": "Running", "init": [{"name": "i", **c} for c in init], "containers": containers}
    assert pod_status(snapshot, len(init)) == status


def test_a_container_s_state_in_words() -> None:
    line = container_line({"name": "setup", "state": "terminated", "reason": "Error", "exitCode": 3, "restarts": 2})
    assert line == "setup terminated Error (exit 3) restarts 2"
    assert pod_status(None, 2) == "Init:0/2"
    assert pod_status({"phase": "Unknown", "init": [], "containers": []}, 1) == "Unknown"  # its runner is gone
