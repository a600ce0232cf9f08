"""Which nginx.conf a pod that runs nginx gets (pure): an ingress controller's (netlab.render.ingress,
from the Ingresses) or a Gateway's data plane (netlab.render.gateway, from the HTTPRoutes). One
place for the kernel's runner and `explain` to ask, so both roles share one way of running nginx."""

from __future__ import annotations

from netlab.model.gateway import served_gateway
from netlab.model.ingress import controller_flags
from netlab.model.lab import Container
from netlab.plan.model import LabPlan
from netlab.render.gateway import render_gateway_conf
from netlab.render.ingress import render_nginx_conf


def nginx_conf(plan: LabPlan, pod: str, container: Container, run_dir: str, access_log: str) -> str:
    gateway = served_gateway(container)
    if gateway is not None:
        return render_gateway_conf(plan, gateway, pod, run_dir, access_log)
    return render_nginx_conf(plan, controller_flags(container)[0], pod, run_dir, access_log)


def nginx_port(container: Container) -> int:
    """The port nginx listens on once it serves (a data plane's first listener port)."""
    if served_gateway(container) is not None:
        return container.ports[0].port
    return controller_flags(container)[0].http_port
