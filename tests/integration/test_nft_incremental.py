"""Partial nftables syncs in a real kernel, in a throwaway namespace (nothing in the host's).

The property: loading `render_nftables(old)` and then `render_nftables_changes(old, new)` leaves the
same `table ip kube-proxy` as loading `render_nftables(new)` (chains, rules in order, sets and maps
with their elements; handles and what traffic put into affinity sets aside), for a walk of changes
of the pod-to-service lab: scale 2 -> 1 -> 3 -> 0 -> 1, a Service added and one removed, affinity
off and on, a new affinity timeout, nothing changed. And `proxy.sync_node` takes that path when
given the previous plan, reads back what it touched, and falls back to a full sync when the table
is not what the previous plan says.

Needs the source tree: it loads the renderers' output through netlab.proxy.sync directly, a layer
below any command a user runs.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from nftfloor import commit_floor

from netlab.kernel import nftread
from netlab.model import edit, load_lab
from netlab.plan import LabPlan, make_plan
from netlab.plan.model import NodePlan
from netlab.proxy import sync as proxy
from netlab.readback.nftables import touched
from netlab.render.nftables import affinity_set, render_nftables
from netlab.render.nftables_changes import render_nftables_changes

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "pod-to-service.yaml"
EXTRA_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web-extra}
spec:
  selector: {app: web}
  ports: [{name: alt, port: 8081, targetPort: 8080}]
"""


def web_service(name: str, target: str, timeout: int | None) -> str:
    """Service `name` on port 80 of the web pods, with ClientIP affinity for `timeout` s (None: none)."""
    affinity = (
        f"sessionAffinity: ClientIP, sessionAffinityConfig: {{clientIP: {{timeoutSeconds: {timeout}}}}}, "
        if timeout
        else ""
    )
    return (
        f"{{apiVersion: v1, kind: Service, metadata: {{name: {name}}}, spec: {{selector: {{app: web}}, {affinity}"
        f"ports: [{{name: http, port: 80, targetPort: {target}}}]}}}}"
    )


# Each step changes the lab as `netlab scale/apply/delete` would; a pair is (plan before, plan after).
STEPS: list[tuple[str, Callable[[str], str]]] = [
    ("scale-2-to-1", lambda text: edit.scale(text, "web", 1)),
    ("scale-1-to-3", lambda text: edit.scale(text, "web", 3)),
    ("last-endpoint-gone", lambda text: edit.scale(text, "web", 0)),
    ("first-endpoint-back", lambda text: edit.scale(text, "web", 1)),
    ("service-added", lambda text: edit.apply(text, EXTRA_SERVICE)),
    ("service-removed", lambda text: edit.delete(text, ["svc/web-udp"])),
    ("affinity-off", lambda text: edit.apply(text, web_service("web-sticky", "8080", None))),
    ("affinity-on", lambda text: edit.apply(text, web_service("web", "http", 600))),
    ("affinity-timeout", lambda text: edit.apply(text, web_service("web", "http", 60))),
    ("scale-1-to-2-under-affinity", lambda text: edit.scale(text, "web", 2)),
    ("unchanged", lambda text: text),
]


def walk() -> list[tuple[LabPlan, LabPlan]]:
    """The plans along STEPS; each keeps the pods of the one before (node and address), as a
    running lab's IPAM does."""
    text, before = LAB.read_text(), make_plan(load_lab(LAB), proxy_mode="nftables")
    pairs = []
    for _name, change in STEPS:
        text = change(text)
        keep = {pod.name: (pod.node, str(pod.ip.ip)) for pod in before.pods}
        after = make_plan(load_lab(LAB, text, changed=True), proxy_mode="nftables", keep=keep)
        pairs.append((before, after))
        before = after
    return pairs


PAIRS = walk()


@contextmanager
def namespace() -> Iterator[str]:
    """A new namespace `nlt-<random>`, deleted afterwards whatever happens."""
    name = f"nlt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=10)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True, timeout=10)


@pytest.fixture
def throwaway() -> Iterator[str]:
    with namespace() as name:
        yield name


def nft(ns: str, *args: str, script: str | None = None) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", ns, "nft", *args], input=script, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, f"nft {' '.join(args)}: {done.stderr}\n{script or ''}"
    return done.stdout


def load(ns: str, script: str) -> None:
    if script:
        nft(ns, "-f", "-", script=script)


def table(ns: str) -> dict:
    """`nft -j list table ip kube-proxy`, normalized: objects by name, rules per chain in order,
    elements sorted, no handles, affinity sets without what traffic put in them."""
    found: dict = {"chains": {}, "sets": {}, "rules": {}}
    for obj in json.loads(nft(ns, "-j", "list", "table", "ip", "kube-proxy"))["nftables"]:
        ((kind, body),) = obj.items()
        body = {key: value for key, value in body.items() if key != "handle"}
        if kind in ("set", "map"):
            elements = body.pop("elem", [])
            if not body["name"].startswith("affinity-"):
                body["elem"] = sorted(json.dumps(e, sort_keys=True) for e in elements)
            found["sets"][body["name"]] = body
        elif kind == "chain":
            found["chains"][body["name"]] = body
        elif kind == "rule":
            found["rules"].setdefault(body["chain"], []).append(body)
        elif kind == "table":
            found["table"] = body
    return found


def full(plan: LabPlan, node: NodePlan | None = None) -> str:
    cluster = plan.lab.cluster
    return render_nftables(plan.services, cluster.pod_cidr, cluster.service_cidr, node)


def changes(old: LabPlan, new: LabPlan) -> str:
    cluster = new.lab.cluster
    return render_nftables_changes(old.services, new.services, cluster.pod_cidr, cluster.service_cidr)


@pytest.mark.root
@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[name for name, _ in STEPS])
def test_a_partial_sync_leaves_the_table_a_full_one_makes(throwaway: str, old: LabPlan, new: LabPlan) -> None:
    load(throwaway, full(new))
    wanted = table(throwaway)
    load(throwaway, full(old))
    load(throwaway, changes(old, new))
    assert table(throwaway) == wanted


def test_the_walk_changes_something_at_every_step_but_the_last() -> None:
    assert [bool(changes(old, new)) for old, new in PAIRS] == [True] * (len(STEPS) - 1) + [False]


@pytest.mark.root
def test_affinity_set_contents_survive_a_partial_sync(throwaway: str) -> None:
    old, new = PAIRS[0]  # scale 2 -> 1: web-sticky keeps web-0 and loses web-1
    (port,) = new.known_service("web-sticky").ports
    (stays,) = port.endpoints
    load(throwaway, full(old))
    nft(throwaway, "add", "element", "ip", "kube-proxy", affinity_set(port, stays), "{ 10.244.1.2 }")
    load(throwaway, changes(old, new))
    held = json.loads(nft(throwaway, "-j", "list", "set", "ip", "kube-proxy", affinity_set(port, stays)))
    (listed,) = [obj["set"] for obj in held["nftables"] if "set" in obj]
    assert [e["elem"]["val"] for e in listed["elem"]] == ["10.244.1.2"]


@pytest.mark.root
def test_the_netlink_reader_sees_what_a_transaction_touched(throwaway: str) -> None:
    old, new = PAIRS[2]  # scale 3 -> 0: frontends move from service-ips to no-endpoint-services
    script = changes(old, new)
    assert not nftread.table_exists(throwaway)
    load(throwaway, full(old))
    assert nftread.table_exists(throwaway)
    before = nftread.mismatches(throwaway, touched(script))
    assert any("service-ips holds" in problem and "goto service-" in problem for problem in before)
    assert any(problem.startswith("chain endpoint-") and problem.endswith("still there") for problem in before)
    load(throwaway, script)
    assert nftread.mismatches(throwaway, touched(script)) == []


@pytest.mark.root
def test_proxy_syncs_a_change_partially_and_reads_it_back(throwaway: str) -> None:
    two, one = PAIRS[0]
    none = PAIRS[2][1]
    node = replace(two.nodes[0], netns=throwaway)
    first = proxy.sync_node(two, node)
    assert (first.partial, first.rules is not None) == (False, True)
    result = proxy.sync_node(one, node, previous=two)
    assert (result.partial, result.rules) == (True, None)
    assert table(throwaway) == table_of(full(one, node))

    # Someone deleted by hand an element the next partial transaction deletes: nft refuses that
    # transaction, and the node gets a full sync instead.
    web_ip = one.known_service("web").cluster_ip
    load(throwaway, f"delete element ip kube-proxy service-ips {{ {web_ip} . tcp . 80 }}\n")
    result = proxy.sync_node(none, node, previous=one)
    assert (result.partial, result.rules is not None) == (False, True)
    assert table(throwaway) == table_of(full(none, node))


def table_of(script: str) -> dict:
    """The normalized table a script makes, loaded into a throwaway namespace of its own."""
    with namespace() as name:
        load(name, script)
        return table(name)


@pytest.mark.root
def test_the_commit_floor_probe_leaves_the_table_as_it_was(throwaway: str) -> None:
    two = PAIRS[0][0]
    load(throwaway, full(two))
    before = table(throwaway)
    assert 0 < commit_floor(throwaway) < 5
    assert table(throwaway) == before
