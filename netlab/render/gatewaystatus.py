"""The Gateway API objects' status as `netlab status` shows it (pure): JSON in the API's shape
(status.conditions, status.listeners, status.parents, status.addresses) and one line per object."""

from __future__ import annotations

from netlab.model.gateway import NGF_CONTROLLER, data_plane_name
from netlab.model.gatewaystatus import Condition, GatewayStatus, gateway_api_status
from netlab.plan.model import LabPlan


def _conditions(conditions: tuple[Condition, ...]) -> list[dict]:
    return [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message} for c in conditions]


def _address(plan: LabPlan, gw: GatewayStatus) -> str | None:
    """NGF writes its LoadBalancer Service's IP into the Gateway's status.addresses."""
    svc = plan.service(data_plane_name(gw.gateway), gw.gateway.namespace) if gw.ngf else None
    return str(svc.load_balancer_ip) if svc and svc.load_balancer_ip else None


def gateway_report(plan: LabPlan) -> dict:
    objects = plan.lab.gateway_api
    status = gateway_api_status(plan.lab)
    return {
        "gatewayClasses": [
            {
                "name": c.name,
                "controllerName": c.controller,
                "status": {"conditions": _conditions(status.classes[c.name])},
            }
            for c in objects.classes
        ],
        "gateways": [
            {
                "name": gw.gateway.name,
                "namespace": gw.gateway.namespace,
                "gatewayClassName": gw.gateway.gateway_class,
                "status": {
                    "addresses": [{"type": "IPAddress", "value": a} for a in [_address(plan, gw)] if a],
                    "conditions": _conditions(gw.conditions),
                    "listeners": [
                        {"name": x.name, "attachedRoutes": x.attached_routes, "conditions": _conditions(x.conditions)}
                        for x in gw.listeners
                    ],
                },
            }
            for gw in status.gateways
        ],
        "httpRoutes": [
            {
                "name": rs.route.name,
                "namespace": rs.route.namespace,
                "status": {
                    "parents": [
                        {
                            "parentRef": {"name": p.parent.name, "namespace": p.parent.namespace}
                            | ({"sectionName": p.parent.section} if p.parent.section else {}),
                            "controllerName": NGF_CONTROLLER,
                            "conditions": _conditions(p.conditions),
                        }
                        for p in rs.parents
                        if p.conditions
                    ]
                },
            }
            for rs in status.routes
        ],
    }


def gateway_lines(plan: LabPlan) -> list[str]:
    """One line per GatewayClass, Gateway (and listener) and HTTPRoute parent, with its conditions."""
    objects = plan.lab.gateway_api
    status = gateway_api_status(plan.lab)
    lines = [f"gatewayclass {c.name}: " + " ".join(map(str, status.classes[c.name])) for c in objects.classes]
    for gw in status.gateways:
        address = _address(plan, gw)
        lines.append(
            f"gateway {gw.gateway.key}: "
            + " ".join(map(str, gw.conditions))
            + (f", address {address}" if address else "")
        )
        lines += [
            f"  listener {x.name}: {x.attached_routes} route(s), " + " ".join(map(str, x.conditions))
            for x in gw.listeners
        ]
    for rs in status.routes:
        for p in rs.parents:
            parent = p.parent.key + (f"/{p.parent.section}" if p.parent.section else "")
            said = " ".join(map(str, p.conditions)) or p.note
            lines.append(f"httproute {rs.route.key} -> {parent}: {said}")
            lines += [f"  {c.message}" for c in p.conditions if c.status == "False"]
    return lines
