"""Which of a plan's pods run nginx, as an ingress controller or a Gateway's data plane (pure): `up`
and a change ask it before anything is made, to require nginx, and kernel.ingress to know which
pods get one."""

from __future__ import annotations

from netlab.model.gateway import served_gateway
from netlab.model.ingress import is_controller
from netlab.model.lab import Container
from netlab.plan.model import LabPlan, PodPlan


def controllers(pod: PodPlan) -> list[Container]:
    return [c for c in pod.containers if is_controller(c) or served_gateway(c) is not None]


def lab_has_controllers(plan: LabPlan) -> bool:
    return any(controllers(pod) for pod in plan.pods)
