"""The Service environment variables the kubelet gives a container (docs/service-env-vars.md).

Which Services: those that exist when the container starts, of the pod's namespace (unless
`enableServiceLinks: false`), and always `kubernetes` of `default` (netlab has no API server, so
no lab has it unless it defines one). Only Services with a ClusterIP: headless and ExternalName
Services have no address to give. A pod's namespace's own `kubernetes` wins over default's.

Per Service (prefix: its name upper-cased, `-` -> `_`): `_SERVICE_HOST`, `_SERVICE_PORT` (the
first port), `_SERVICE_PORT_<NAME>` per named port, then the Docker-link family: `_PORT` (the
first port's URL) and per port `_PORT_<port>_<PROTO>` with `_PROTO`, `_PORT` and `_ADDR`.
"""

from __future__ import annotations

from collections.abc import Iterable

from netlab.plan.model import LabPlan, PodPlan, ServicePlan

MASTER_SERVICE = ("default", "kubernetes")


def prefix(name: str) -> str:
    return name.upper().replace("-", "_")


def service_variables(svc: ServicePlan) -> dict[str, str]:
    """The variables of one Service with a ClusterIP, in the kubelet's order."""
    assert svc.cluster_ip is not None
    p, ip = prefix(svc.name), str(svc.cluster_ip)
    first = svc.ports[0]
    env = {f"{p}_SERVICE_HOST": ip, f"{p}_SERVICE_PORT": str(first.port)}
    env.update({f"{p}_SERVICE_PORT_{prefix(port.name)}": str(port.port) for port in svc.ports if port.name})
    env[f"{p}_PORT"] = f"{first.protocol.lower()}://{ip}:{first.port}"
    for port in svc.ports:
        link = f"{p}_PORT_{port.port}_{port.protocol}"
        env[link] = f"{port.protocol.lower()}://{ip}:{port.port}"
        env[f"{link}_PROTO"] = port.protocol.lower()
        env[f"{link}_PORT"] = str(port.port)
        env[f"{link}_ADDR"] = ip
    return env


def service_env(services: Iterable[ServicePlan], namespace: str, links: bool = True) -> dict[str, str]:
    """What the kubelet sets from these Services (those that exist) for a pod of `namespace`."""
    chosen: dict[str, ServicePlan] = {}
    for svc in services:
        if svc.cluster_ip is None:
            continue
        if svc.namespace == namespace and links:
            chosen[svc.name] = svc
        elif (svc.namespace, svc.name) == MASTER_SERVICE:
            chosen.setdefault(svc.name, svc)
    env: dict[str, str] = {}
    for name in sorted(chosen):
        env.update(service_variables(chosen[name]))
    return env


def pod_service_env(plan: LabPlan, pod: PodPlan, existing: Iterable[str] = ()) -> dict[str, str]:
    """The variables `pod`'s containers get when they start now: from the Services that `existing`
    names (`ns/name`, running already) and those the lab file creates before the pod."""
    present = set(existing) | pod.sees_services
    alive = [svc for svc in plan.services if f"{svc.namespace}/{svc.name}" in present]
    return service_env(alive, pod.namespace, pod.enable_service_links)
