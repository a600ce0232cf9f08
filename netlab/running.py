"""A lab that is up, as one object: what `up`, `apply`/`scale`/`delete`, `step`/`solve` and `down` do to it.

The verbs parse, call this and print; a benchmark or a test that drives netlab from Python uses it
too (as mininet's `Mininet` object is both the CLI's and the API's). A running lab is its state
directory (`state.LabState`: the recorded lab file, lab.json, the journal) and the plan of that
recorded file, planned as it was brought up: its modes, and each pod's node and address.

The kernel modules are imported where they are used: they bring pyroute2 (seconds under CI's
emulated VM), which the verbs that only read a lab (status, verify, exec) never need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from netlab.errors import BadInput
from netlab.kernel.tools import require_tools
from netlab.model import load_lab
from netlab.model.edit import changed_policies, restore_policies
from netlab.model.lab import Check, Task
from netlab.model.policytypes import NetworkPolicy
from netlab.model.tasks import policy_key
from netlab.plan import LabPlan, make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.plan.tasks import StepTask, as_built, enforced, lab_tasks, step_tasks
from netlab.proxy import mode_of
from netlab.readback.lab import HeldLab, held_services
from netlab.render.workloads import container_env
from netlab.state import LabState, Settings

if TYPE_CHECKING:
    from netlab.kernel.reconcile import Change
    from netlab.proxy.sync import SyncResult


@dataclass
class RunningLab:
    """A lab that is up: its state, and the plan of its recorded lab file."""

    state: LabState
    plan: LabPlan

    @classmethod
    def up(cls, source: Path, text: str, plan: LabPlan, left: list[StepTask]) -> tuple[RunningLab, list[SyncResult]]:
        """Claim the lab's state and build the plan but the learner tasks `left`; nothing is left
        behind if that fails.

        Returns:
            the running lab, and how each node's kube-proxy rules were synced.

        Raises:
            EnvironmentProblem: a tool the lab needs is missing, or its proxy mode cannot run on
                this kernel (checked before anything is made).
            LabStateError: the lab is up already, or one of its namespace names is taken.
        """
        from netlab.kernel import ingress, netpolcheck
        from netlab.kernel.build import build

        if plan.services:
            mode = mode_of(plan)
            mode.check_kernel()
            require_tools("nsenter", *mode.tools)
        if lab_has_controllers(plan):
            ingress.require_tools()  # the ingress controller pods run it
        netpolcheck.require_kernel(plan.lab)
        settings = Settings(source=str(source), network=plan.network, proxy_mode=plan.proxy_mode)
        state = LabState.create(plan.name, text, settings)
        if any(t.task.kind == "policy" for t in lab_tasks(plan.lab)):
            state.up_file.write_text(text)
        synced = build(plan, state, [t.task for t in left])
        state.update_settings(**addresses(plan), left=tuple(left), learner=tuple(left), complete=True)
        return cls(state, enforced(plan, [t.task for t in left])), synced

    @classmethod
    def open(cls, name: str) -> RunningLab:
        """The running lab of that name (its recorded copy of the lab file, not the file on disk),
        its NetworkPolicies those kube-router enforces (status, diagram and matrix show them): not
        those of a policy task left, unless the learner applied one of that name.

        Raises:
            LabStateError: it is not up.
        """
        state = LabState.open(name)
        settings = state.settings()
        plan = replan(state, state.lab_file.read_text())
        return cls(state, enforced(plan, [t.task for t in settings.left], settings.own_policies))

    def read(self) -> HeldLab:
        """What the kernel holds of the lab now: its namespaces, its Services' rules, its processes."""
        from netlab.kernel import dns, netnsread, podrunner, procs

        plan = self.plan
        programmed = mode_of(plan).programmed(plan, plan.nodes[0]) if plan.services else {}
        return HeldLab(
            plan,
            {name: netnsread.read(name) for name in plan.all_netns()},
            held_services(plan, programmed, dns.held_addresses(plan, self.state)),
            len(procs.lab_pids(plan.name, plan.all_netns())),
            {p.name: podrunner.status(self.state, p.name) for p in plan.pods if p.init_containers},
        )

    def netns_named(self, name: str) -> str:
        """The namespace of a pod, node, outside host or `underlay` of the lab (exec, capture).

        Raises:
            BadInput: the lab has no such member (the message lists those it has).
        """
        netns = self.plan.netns_of(name)
        if netns is None:
            known = [*(m.name for m in self.plan.members), "underlay"]
            raise BadInput(f"lab {self.plan.name} has no pod, node or host named {name!r} (it has {', '.join(known)})")
        return netns

    def exec(self, name: str, argv: list[str]) -> NoReturn:
        """Replace this process with `argv` in `name` (`pod[/container]`, node, outside host or
        `underlay`), as `kubectl exec` runs it: in a pod, with the container's environment (the
        pod's Service variables as its containers got them, its own `env` over them; the first
        container unless one is named).

        Raises:
            BadInput: no such member or container, or no such command.
        """
        from netlab.kernel.procs import exec_in

        member, _, container_name = name.partition("/")
        netns = self.netns_named(member)
        env: dict[str, str] = {}
        pod = next((p for p in self.plan.pods if p.name == member), None)
        if pod is not None:
            every = (*pod.containers, *pod.init_containers)
            container = next((c for c in every if c.name == container_name or not container_name), None)
            if container is None:
                raise BadInput(
                    f"pod {member} has no container {container_name!r} (it has {', '.join(c.name for c in every)})"
                )
            env = container_env(self.plan, pod, container, self.state.service_env().get(pod.name, {}))
        try:
            exec_in(netns, pod.uts_hostname if pod else member, argv, env)
        except FileNotFoundError:
            raise BadInput(f"command not found: {argv[0]}") from None

    def learner_tasks(self) -> list[StepTask]:
        """What `check` judges: the tasks `up` left to the learner, else every task the guide names."""
        return list(self.state.settings().learner) or lab_tasks(self.plan.lab)

    def change(self, edit: Callable[[str], str]) -> tuple[LabPlan, Change]:
        """Apply an edit of the lab's manifests: validate and plan it, then reconcile the kernel and
        record the new lab file. A change that does not validate changes nothing; one that fails on
        the way rolls back (`reconcile`), leaving the lab and its recorded files as they were.

        Raises:
            BadInput: the edit is invalid, or changes what a running lab cannot change.
        """
        from netlab.kernel import ingress, netpolcheck
        from netlab.kernel.reconcile import reconcile

        left = self.state.settings().left
        waiting = (
            f"lab {self.plan.name} leaves step {left[0].step} to you: change it once every step is built "
            f"(netlab step {self.plan.name}, netlab solve {self.plan.name} STEP)"
            if left
            else ""
        )
        if left and not any(t.task.kind == "policy" for t in left):
            raise BadInput(waiting)
        text = edit(self.state.lab_file.read_text())
        if left:
            return self._change_policies(text, waiting)
        new = replan(self.state, text, changed=True)
        if new.lab.cluster != self.plan.lab.cluster:
            raise BadInput("a change may not alter the cluster section (netlab down, then up the new lab)")
        if lab_has_controllers(new):
            ingress.require_tools()  # before anything changes: exit 3 if it is missing
        netpolcheck.require_kernel(new.lab)
        self.state.lock()
        result = reconcile(self.plan, new, self.state)
        self.state.lab_file.write_text(text)
        self.state.update_settings(changed=True, **addresses(new))
        self.plan = new
        return new, result

    def _change_policies(self, text: str, waiting: str) -> tuple[LabPlan, Change]:
        """While a policy task is left the learner writes policies of their own: an edit of
        NetworkPolicies alone is recorded (each one it names is the learner's from now on, enforced
        even where it has a left task's name) and kube-router resyncs; any other edit waits.

        Raises:
            BadInput: the edit changes more than NetworkPolicies, or is invalid.
        """
        from netlab.kernel import netpol
        from netlab.kernel.reconcile import Change

        named = changed_policies(self.state.lab_file.read_text(), text)
        if named is None:
            raise BadInput(f"{waiting}; until then only NetworkPolicies change")
        new = replan(self.state, text, changed=True)
        settings = self.state.settings()
        own = tuple(sorted({*settings.own_policies, *named}))
        self.state.lock()
        try:
            synced = netpol.sync(enforced(new, [t.task for t in settings.left], own), force=True)
        except BaseException:
            netpol.sync(self.plan, force=True)  # what it enforced before
            raise
        self.state.lab_file.write_text(text)
        self.state.update_settings(changed=True, own_policies=own)
        self.plan = enforced(new, [t.task for t in settings.left], own)
        return self.plan, Change((), (), (), 0, policies=tuple(named), policy_nodes=len(synced))

    def built_plan(self, step: int) -> LabPlan:
        """The lab as it is with guide step `step` built: what `check` expects of its policy tasks."""
        return as_built(self.plan, self.canonical_policies(), step, list(self.state.settings().left))

    def step_checks(self, step: int) -> tuple[Check, ...]:
        """The checks guide step `step` unlocks, once every step before it is built: they were
        written for the lab as it stands at that step, so with an earlier step still left they
        would judge that one too (then the matrix's pairs alone judge the step)."""
        if any(t.step < step for t in self.state.settings().left):
            return ()
        names = set(self.plan.lab.guide[step - 1].checks)
        return tuple(c for c in self.plan.lab.checks if c.name in names)

    def canonical_policies(self) -> tuple[NetworkPolicy, ...]:
        """The lab's own NetworkPolicies, as `up` read them (the learner's edits aside)."""
        return replan(self.state, self._up_text(), changed=False).lab.network_policies

    def _up_text(self) -> str:
        """The lab file as `up` read it: kept apart in a lab with policy tasks, else the recorded one."""
        return (self.state.up_file if self.state.up_file.exists() else self.state.lab_file).read_text()

    def restart(self, pod_name: str) -> dict[str, str]:
        """Restart a pod's containers (`kernel.restart`); returns the Service variables they have now.

        Raises:
            BadInput: the lab has no such pod.
        """
        from netlab.kernel.restart import restart

        pod = next((p for p in self.plan.pods if p.name == pod_name), None)
        if pod is None:
            names = ", ".join(p.name for p in self.plan.pods)
            raise BadInput(f"lab {self.plan.name} has no pod named {pod_name!r} (it has {names})")
        self.state.lock()
        return restart(self.plan, self.state, pod)

    def build_step(self, step: int) -> tuple[list[Task], list[StepTask], tuple[str, ...]]:
        """Build a guide step's tasks for the learner (what they made of them removed first).

        Returns:
            the tasks built, those still left, and the learner's own NetworkPolicies that went.
        """
        from netlab.kernel.learner_tasks import build_tasks

        chosen = [t.task for t in step_tasks(self.plan.lab, step)]
        self.state.lock()
        left = [t for t in self.state.settings().left if t.step != step]
        undone = self._restore_policies(chosen) if any(t.kind == "policy" for t in chosen) else ()
        build_tasks(self.plan, chosen, [t.task for t in left])
        self.state.update_settings(left=tuple(left))
        self.plan = enforced(self.plan, [t.task for t in left], self.state.settings().own_policies)
        return chosen, left, undone

    def _restore_policies(self, chosen: list[Task]) -> tuple[str, ...]:
        """Before a policy task is built: the learner's own NetworkPolicies go, and the lab's own
        (the step's among them) are back as `up` read them, so what kube-router enforces is the
        lab file's, which `check` expects (they add up: one of the learner's could allow more)."""
        settings = self.state.settings()
        keys = {*settings.own_policies, *(policy_key(t.target) for t in chosen if t.kind == "policy")}
        text = restore_policies(self.state.lab_file.read_text(), self._up_text(), keys)
        self.plan = replan(self.state, text, changed=True)
        self.state.lab_file.write_text(text)
        self.state.update_settings(changed=True, own_policies=())
        return settings.own_policies


def addresses(plan: LabPlan) -> dict[str, Any]:
    """Where each pod runs and its address, and each LoadBalancer Service's IP: recorded (as
    `Settings`) so that later changes keep them (IPAM's and the cloud's memory)."""
    return {
        "pods": {p.name: (p.node, str(p.ip.ip)) for p in plan.pods},
        "load_balancers": {
            f"{s.namespace}/{s.name}": str(s.load_balancer_ip) for s in plan.services if s.load_balancer_ip
        },
    }


def replan(state: LabState, text: str, changed: bool | None = None) -> LabPlan:
    """Plan lab-file text as the running lab is planned: its modes, its pods' nodes and addresses
    (`changed`: the text is an edit of the lab, see `load_lab`; by default, as recorded).

    Raises:
        LabValidationError, PlanError: the text is not a valid lab.
    """
    settings = state.settings()
    edited = settings.changed if changed is None else changed
    lab = load_lab(Path(settings.source or state.lab_file), text, changed=edited)
    return make_plan(
        lab,
        network=settings.network,
        proxy_mode=settings.proxy_mode,
        keep=dict(settings.pods),
        load_balancers=dict(settings.load_balancers),
    )


def take_down(name: str) -> None:
    """Tear a lab down from its journal, once no other netlab command works on it. Its lab file is
    not read: a lab whose recorded file no longer plans comes down too."""
    from netlab.kernel.teardown import teardown

    state = LabState.open(name)
    state.lock()
    teardown(state)
