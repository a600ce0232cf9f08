"""Restart a pod's containers, as the kubelet restarts a container (the pod keeps its IP).

Steps:
* stop the pod's processes (its containers', and any `netlab exec` in it);
* fix its Service variables again, from every Service that exists now: the kubelet computes them
  when a container starts, so this is how a pod sees a Service created after it;
* start its containers again (an echo container's ports stay open: the echo server serves every
  pod and is not the pod's to stop); a pod with init containers gets its runner again, which runs
  them first, as the kubelet does when it makes a pod's sandbox anew.
"""

from __future__ import annotations

from functools import partial

from netlab.kernel import ingress, procs
from netlab.kernel.build import start_containers
from netlab.kernel.teardown import signals_deferred
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.envvars import pod_service_env
from netlab.state import LabState


def restart(plan: LabPlan, state: LabState, pod: PodPlan) -> dict[str, str]:
    """Restart the pod's containers; returns the Service variables they have now."""
    with signals_deferred():
        procs.stop_all(partial(procs.pids_in, [pod.netns]))
        ingress.forget(state, [pod])
        env = pod_service_env(plan, pod, {f"{s.namespace}/{s.name}" for s in plan.services})
        state.write_service_env({**state.service_env(), pod.name: env})
        start_containers(plan, state, [pod])
    return env
