"""Which nginx.conf a pod that runs nginx gets (pure): an ingress controller's (netlab.render.ingress,
from the Ingresses) or a Gateway's data plane (netlab.render.gateway, from the HTTPRoutes). One
place for the kernel's runner and `explain` to ask, so both roles share one way of running nginx."""

from __future__ import annotations

from netlab.model.gateway import served_gateway
from netlab.model.ingress import controller_flags
from netlab.model.lab import Container
from netlab.plan.model import LabPlan
from netlab.render.gateway import gateway_certificates, render_gateway_conf
from netlab.render.ingress import Certificates, planned_certificates, render_nginx_conf


def planned_certificates_of(plan: LabPlan, container: Container, directory: str) -> Certificates:
    """The certificates the pod's nginx would load: an ingress controller's (its default one too),
    a Gateway's HTTPS listeners'."""
    gateway = served_gateway(container)
    if gateway is not None:
        return gateway_certificates(plan, gateway, directory)
    return planned_certificates(plan, controller_flags(container)[0], directory)


def nginx_conf(
    plan: LabPlan, pod: str, container: Container, run_dir: str, access_log: str, certificates: Certificates | None
) -> str:
    gateway = served_gateway(container)
    if gateway is not None:
        return render_gateway_conf(plan, gateway, pod, run_dir, access_log, certificates)
    assert certificates is not None  # an ingress controller always has its fake certificate
    return render_nginx_conf(plan, controller_flags(container)[0], pod, run_dir, access_log, certificates)


def nginx_port(container: Container) -> int:
    """The port nginx listens on once it serves (a data plane's first listener port)."""
    if served_gateway(container) is not None:
        return container.ports[0].port
    return controller_flags(container)[0].http_port
