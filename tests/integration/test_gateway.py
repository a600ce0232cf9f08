"""The Gateway API in real namespaces (lab gateway-api), beyond the lab's own checks: an HTTPRoute
applied to the running lab changes what nginx serves at once, a deleted one stops, status follows
(ResolvedRefs turns True when the missing Service appears); the Gateway's nginx pod is there
because the Gateway is, a changed listener reloads nginx, and deleting the Gateway (its
LoadBalancer IP) is refused in a running lab, as for any LoadBalancer Service."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from harness import lab_up, netlab, repeat

LAB = "gateway-api"
DATA_PLANE = "cafe-nginx-0"
CONF = Path(f"/run/netlab/{LAB}/ingress/{DATA_PLANE}/nginx.conf")
LB = "http://198.51.100.200"
NOBODY = 65534


def _get(host: str, path: str = "/") -> tuple[str, str]:
    """(HTTP status, body) of one request from the internet with that Host."""
    curl = ["curl", "-s", "-m", "3", "-H", f"Host: {host}", "-w", "\n%{http_code}", f"{LB}{path}"]
    body, _, status = repeat(LAB, "internet", curl, 1)[0].out.rpartition("\n")
    return status, body


def _parents(route: str) -> list[dict]:
    report = json.loads(netlab("status", LAB, "--json").out)["gatewayAPI"]
    found = next(r for r in report["httpRoutes"] if r["name"] == route)
    return found["status"]["parents"]


def _condition(parent: dict, kind: str) -> tuple[str, str]:
    c = next(c for c in parent["conditions"] if c["type"] == kind)
    return c["status"], c["reason"]


def test_routes_applied_and_deleted_change_routing_live(tmp_path: Path) -> None:
    with lab_up(LAB):
        assert os.stat(CONF.parent / "run").st_uid == NOBODY  # nginx's run directory: nobody's alone
        assert _get("cafe.example.com", "/tea") == ("200", "tea-0")
        assert _get("cafe.example.com", "/green")[0] == "404"
        route = tmp_path / "green.yaml"
        route.write_text(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: green}\nspec:\n"
            "  parentRefs: [{name: cafe, sectionName: http}]\n  hostnames: [cafe.example.com]\n"
            "  rules:\n  - matches: [{path: {type: PathPrefix, value: /green}}]\n"
            "    backendRefs: [{name: coffee-v1, port: 80}]\n"
        )
        applied = netlab("apply", LAB, "-f", str(route))
        assert applied.code == 0 and f"nginx reloaded in {DATA_PLANE}" in applied.out, applied.err
        assert _get("cafe.example.com", "/green/tea") == ("200", "coffee-v1-0")
        assert _condition(_parents("green")[0], "Accepted") == ("True", "Accepted")

        assert _get("latte.example.com")[0] == "500"  # its Service is missing: ResolvedRefs False
        assert _condition(_parents("latte")[0], "ResolvedRefs") == ("False", "BackendNotFound")
        service = tmp_path / "latte.yaml"
        service.write_text(
            "apiVersion: v1\nkind: Service\nmetadata: {name: latte}\n"
            "spec: {selector: {app: tea}, ports: [{port: 80, targetPort: 8080}]}\n"
        )
        assert netlab("apply", LAB, "-f", str(service)).code == 0
        assert _condition(_parents("latte")[0], "ResolvedRefs") == ("True", "ResolvedRefs")
        assert _get("latte.example.com") == ("200", "tea-0")

        deleted = netlab("delete", LAB, "httproute/green")
        assert deleted.code == 0, deleted.err
        assert _get("cafe.example.com", "/green")[0] == "404"
        status = netlab("status", LAB)
        assert "httproute team-b/menu -> default/cafe/http: Accepted=False (NotAllowedByListeners)" in status.out


def test_a_gateway_changed_live_and_why_it_cannot_go(tmp_path: Path) -> None:
    with lab_up(LAB):
        report = json.loads(netlab("status", LAB, "--json").out)
        assert {DATA_PLANE, "coffee-v1-0"} <= {p["name"] for p in report["pods"]}  # the Gateway made its pod
        gw = report["gatewayAPI"]["gateways"][0]
        assert gw["status"]["addresses"] == [{"type": "IPAddress", "value": "198.51.100.200"}]
        objects = yaml.safe_load(Path(f"/run/netlab/{LAB}/lab.yaml").read_text())["objects"]
        gateway = next(o for o in objects if o.get("kind") == "Gateway")
        gateway["spec"]["listeners"][0]["hostname"] = "cafe.example.com"  # no longer *.example.com
        manifest = tmp_path / "gateway.json"
        manifest.write_text(json.dumps(gateway))
        applied = netlab("apply", LAB, "-f", str(manifest))
        assert applied.code == 0 and f"nginx reloaded in {DATA_PLANE}" in applied.out, applied.err
        assert _get("old.example.com")[0] == "404"
        assert _condition(_parents("old-cafe")[0], "Accepted") == ("False", "NoMatchingListenerHostname")
        assert _get("cafe.example.com", "/tea") == ("200", "tea-0")
        # its LoadBalancer IP would go with it: a running lab keeps its outside world (down, up)
        deleted = netlab("delete", LAB, "gateway/cafe")
        assert deleted.code == 2 and "LoadBalancer IP" in deleted.err
