"""The Gateway API in real namespaces (lab gateway-api), beyond the lab's own checks: an HTTPRoute
applied to the running lab changes what nginx serves at once, a deleted one stops, status follows
(ResolvedRefs turns True when the missing Service appears); the Gateway's nginx pod and
LoadBalancer Service are there because the Gateway is (deleted, they go; applied, they come back,
as NGINX Gateway Fabric provisions them), and a changed listener reloads nginx."""

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


def test_a_gateway_changed_live_deleted_and_applied_again(tmp_path: Path) -> None:
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
        # the Gateway alone holds its data plane: deleted, its pod and Service go; applied, they come back
        deleted = netlab("delete", LAB, "gateway/cafe")
        assert deleted.code == 0 and f"removed ({DATA_PLANE})" in deleted.out, deleted.err
        report = json.loads(netlab("status", LAB, "--json").out)
        assert DATA_PLANE not in {p["name"] for p in report["pods"]}
        assert "cafe-nginx" not in {s["name"] for s in report["services"]}
        assert not Path(f"/run/netns/nl-{LAB}.{DATA_PLANE}").exists()
        again = netlab("apply", LAB, "-f", str(manifest))
        assert again.code == 0 and DATA_PLANE in again.out, again.err
        report = json.loads(netlab("status", LAB, "--json").out)
        assert report["gatewayAPI"]["gateways"][0]["status"]["addresses"][0]["value"] == "198.51.100.200"
        assert _get("cafe.example.com", "/tea") == ("200", "tea-0")
