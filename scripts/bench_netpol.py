"""Benchmark kube-router's NetworkPolicy rules as netlab programs them: sync times per node, one pod
label change, and first-packet connect latency, at 0, 10 and 200 policies.

What it measures, for each N of --sizes (default 100, 1000) in a lab `bench-np-N` that netlab itself
brings up (4 nodes, or one per 100 pods beyond 400: no more pods on a node than a real one holds,
below the kubelet's default maxPods of 110, since kube-router's per-pod jumps, which every packet
walks, grow with the pods of one node; no cluster DNS; namespaces team-0..team-3 labelled team=tK
and tier=front|back; Deployments app-0, app-1, ... of two pods a node, app-i in team-(i mod 4) labelled
app=app-i, tier=front|back|data and role=frontend|backend, each pod the echo server on port 8080
named `http`; and one pod `probe` in team-0, labelled role=client, on node-1), and for each policy
count P of --policies (default 0, 10, 200), applied with `netlab apply -f` (the first P of one
generated list, so each count adds to the last):

* policies: the generated NetworkPolicies take turns among five shapes seen in real clusters:
  ingress to app-K from pods of another namespace (namespaceSelector and podSelector) on port 8080;
  ingress from role=frontend pods of the same namespace on the named port http; egress to an
  ipBlock (the pod CIDR with an `except`) on 8080 and DNS on 53/UDP; ingress from an ipBlock on a
  port range (endPort); ingress and egress from pods chosen by matchExpressions (tier In front,back).
  Each selects one app of its namespace, in turn (at 100 pods and 200 policies about 16 policies
  select each pod, at 1000 pods about 2). Policy 0 lets the connect-latency pair below through.
* full sync: `kernel.netpol.sync_node` in-process, per node, the whole path (render the lab's and
  the node's sets and chains, ipset list, ipset restore, iptables-save, iptables-restore --noflush,
  iptables-save to read back and check), from a node that holds none of kube-router's rules (removed first,
  untimed): the first sync, as after kube-router starts. Reported: the slowest node and the mean.
  resync: the same again on a node that holds them all (kube-router's periodic full sync; netlab
  finds nothing differs from its record: it renders, lists the sets and reads the built-in chains).
* one label change: what a user does to relabel a pod, `netlab apply bench-np-N -f probe.yaml`
  with the probe pod as it is but role=frontend (a whole command, wall clock, Python start-up
  included; median of two: to role=frontend and back). A relabelled pod is not restarted, it only
  moves between the policies' sets (those of the rules whose peers are role=frontend pods of
  team-0), on every node. And the engine's own part of it:
  `kernel.netpol.sync_node` with the relabelled plan, in-process, on the node that holds the rules
  before (slowest node, mean of the two directions, median of ROUNDS), and `kernel.netpol.sync` of
  it on every node (the lab's part rendered once), what `netlab apply` spends on it.
* connect latency: a Python client started once in the namespace of app-1's first pod connects and
  closes CONNECTS times (after WARMUP untimed ones, bounded by CONNECT_SECONDS) to app-0's first pod
  on another node (pod IP, port 8080): the time of `connect()`, the first packet's round trip (SYN
  through both nodes' FORWARD chains, where kube-router's rules judge it, and the SYN-ACK back).
  Median and p99 in µs, and the median beside the same lab's without policies, measured in turns
  with it (kube-router's rules removed, then loaded again, in-process; ROUNDS of each, and of each
  the run with the lowest median: on a shared machine the others met more of its load), started
  once the kernel has finished freeing the namespaces of earlier labs (bench_up.settle).

Why: the issue's goals are, at 1000 pods and 200 policies, a full sync under 1 s per node, one pod
label change under 100 ms, and a connect latency within 1.5x of the lab without policies.

Safety: everything lives in the namespaces of labs bench-np-N, which it refuses to touch if they
exist already; traffic goes only between them. On any exit (exception, Ctrl-C, SIGTERM) it runs
`netlab down` on them and removes what is left of their namespaces, then checks nothing is left.
Every loop is bounded (sizes, policies, connects, time) and every command has a timeout.

Run it as root:
    sudo /opt/netlab/venv/bin/python scripts/bench_netpol.py [--sizes 100,1000] [--policies 0,10,200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from bench_up import (
    NETLAB,
    NODES,
    Owned,
    aligned,
    prepare,
    raise_fd_limit,
    refuse_existing,
    report,
    run,
    run_cleanly,
    settle,
)

from netlab.kernel import netpol
from netlab.model import load_lab
from netlab.model.edit import apply
from netlab.plan import LabPlan, make_plan
from netlab.render.netpol import render, render_lab

MAX_PODS_PER_NODE = 100  # below the kubelet's default maxPods (110): what a real node holds at most
TEAMS = 4
ECHO_PORT = 8080
CONNECTS = 200
WARMUP = 20
CONNECT_SECONDS = 30.0
ROUNDS = 3  # of the label change's engine part and of the connects: the machine may be shared
# The in-process client: one interpreter, `count` timed connect() after `warmup` untimed ones. After
# each it half-closes and waits for the server to close too, so the echo server's accept queue never
# overflows (see bench_proxy.py). Prints the times in µs.
CLIENT = """
import json, socket, sys, time
host, port, count, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
deadline, spent = time.monotonic() + float(sys.argv[5]), []
for round in range(count + warmup):
    if time.monotonic() > deadline:
        break
    sock = socket.socket()
    sock.settimeout(2)
    started = time.perf_counter_ns()
    sock.connect((host, port))
    took = time.perf_counter_ns() - started
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)
    sock.close()
    if round >= warmup:  # ARP, route and conntrack caches warm
        spent.append(took / 1000)
print(json.dumps(spent))
"""


@dataclass
class Row:
    pods: int
    policies: int
    rules: int = 0  # rules of kube-router's chains on node-1
    sets: int = 0
    sync_max: float = 0.0  # seconds, first full sync, slowest node
    sync_mean: float = 0.0
    resync_max: float = 0.0
    apply_label: float = 0.0  # seconds, whole `netlab apply` of the relabelled pod
    engine_label: float = 0.0  # seconds, sync_node of the relabelled plan, slowest node
    lab_label: float = 0.0  # seconds, netpol.sync of the relabelled plan: every node, rendered once
    connect: list[float] = field(default_factory=list)  # µs
    baseline: float = 0.0  # median µs without policies, measured in turns with `connect`
    on_path: int = 0  # policies that select the connecting pod or its target


# -- the lab and its policies ----------------------------------------------------------------------
def lab_text(name: str, pods: int) -> str:
    """The lab file (module docstring): namespaces, Deployments app-0..app-9, the probe pod."""
    objects: list[dict] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"team-{t}", "labels": {"team": f"t{t}", "tier": "front" if t % 2 else "back"}},
        }
        for t in range(TEAMS)
    ]
    per_app, nodes = pods_per_app(pods), nodes_for(pods)
    apps = pods // per_app
    for a in range(apps):
        labels = {"app": f"app-{a}", "tier": ("front", "back", "data")[a % 3], "role": ("frontend", "backend")[a % 2]}
        objects.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": f"app-{a}", "namespace": f"team-{a % TEAMS}"},
                "spec": {
                    "replicas": per_app + (pods % per_app if a == apps - 1 else 0),
                    "selector": {"matchLabels": {"app": f"app-{a}"}},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "containers": [{"name": "web", "ports": [{"containerPort": ECHO_PORT, "name": "http"}]}]
                        },
                    },
                },
            }
        )
    objects.append(probe_pod("client"))
    lab = {
        "name": name,
        "title": f"Benchmark of NetworkPolicy, {pods} pods over {nodes} nodes",
        "cluster": {"nodes": [f"node-{i}" for i in range(1, nodes + 1)], "dns": False},
        "objects": objects,
    }
    return yaml.safe_dump(lab, sort_keys=False)


def nodes_for(pods: int) -> int:
    return max(NODES, -(-pods // MAX_PODS_PER_NODE))


def pods_per_app(pods: int) -> int:
    """Each Deployment's pods: two on each node (placement spreads a Deployment from node-1)."""
    return 2 * nodes_for(pods)


def probe_pod(role: str) -> dict:
    """The pod whose label the benchmark changes (role=client <-> role=frontend)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe", "namespace": "team-0", "labels": {"app": "probe", "role": role}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", "ports": [{"containerPort": ECHO_PORT}]}]},
    }


def policy(i: int, apps: int) -> dict:
    """The i-th generated NetworkPolicy: one of five shapes in turn (module docstring)."""
    team = i % TEAMS
    own = [a for a in range(apps) if a % TEAMS == team]  # the apps of the policy's namespace
    app = 0 if i == 0 else own[(i // TEAMS) % len(own)]
    shape = i % 5
    spec: dict = {"podSelector": {"matchLabels": {"app": f"app-{app}"}}}
    if shape == 0:  # from the next app, in the next namespace (policy 0: app-1 to app-0)
        source = (app + 1) % apps
        peer = {
            "namespaceSelector": {"matchLabels": {"team": f"t{source % TEAMS}"}},
            "podSelector": {"matchLabels": {"app": f"app-{source}"}},
        }
        spec |= {
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": ECHO_PORT}]}],
        }
    elif shape == 1:
        peer = {"podSelector": {"matchLabels": {"role": "frontend"}}}
        spec |= {
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": "http"}]}],
        }
    elif shape == 2:
        block = {"ipBlock": {"cidr": "10.244.0.0/16", "except": [f"10.244.{200 + i % 50}.0/24"]}}
        ports = [{"protocol": "TCP", "port": ECHO_PORT}, {"protocol": "UDP", "port": 53}]
        spec |= {"policyTypes": ["Egress"], "egress": [{"to": [block], "ports": ports}]}
    elif shape == 3:
        block = {"ipBlock": {"cidr": f"192.168.{i % 256}.0/24"}}
        spec |= {
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [block], "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}]}],
        }
    else:
        chosen = {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}]}
        spec |= {
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": chosen}], "ports": [{"protocol": "TCP", "port": ECHO_PORT}]}],
            "egress": [{"to": [{"namespaceSelector": {}, "podSelector": chosen}]}],
        }
    meta = {"name": f"np-{i:03d}", "namespace": f"team-{team}"}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}


def manifests(docs: list[dict]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


# -- measuring -------------------------------------------------------------------------------------
def seconds(action: Callable[..., object], *args: object) -> float:
    """Wall-clock seconds of action(*args)."""
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def full_syncs(plan: LabPlan) -> tuple[list[float], list[float], int, int]:
    """Each node's first full sync (from none of kube-router's rules) and resync; rules and sets."""
    first, again = [], []
    for node in plan.nodes:
        netpol.sync_node(replace(plan, lab=replace(plan.lab, network_policies=())), node)  # untimed: removes all
        first.append(seconds(netpol.sync_node, plan, node))
        again.append(seconds(netpol.sync_node, plan, node))
    rendered = render(plan, plan.nodes[0])
    return first, again, len(rendered.rules), len(rendered.sets)


def engine_change(before: LabPlan, after: LabPlan) -> tuple[float, float]:
    """The slowest node's sync_node from `before` to `after` and back (mean of the two, median of
    ROUNDS), and
    netpol.sync's of every node (the shared part rendered once), also there and back."""
    times = []
    for node in before.nodes:
        there_and_back = [
            seconds(netpol.sync_node, after, node) + seconds(netpol.sync_node, before, node) for _ in range(ROUNDS)
        ]
        times.append(statistics.median(there_and_back) / 2)
    whole = seconds(netpol.sync, after) + seconds(netpol.sync, before)
    return max(times), whole / 2


def connect_times(plan: LabPlan, without: LabPlan) -> tuple[list[float], list[float], int]:
    """connect() µs from app-1's first pod to app-0's first pod on another node (module docstring),
    with the plan's policies and without any, in turns (ROUNDS of each; of each kind the run with
    the lowest median: the others met more of the machine's other load); and how many policies
    select either pod."""
    source = next(p for p in plan.pods if p.owner == "app-1")
    target = next(p for p in plan.pods if p.owner == "app-0" and p.node != source.node)
    argv = [str(target.ip.ip), str(ECHO_PORT), str(CONNECTS), str(WARMUP), str(CONNECT_SECONDS)]
    argv = ["ip", "netns", "exec", source.netns, sys.executable, "-c", CLIENT, *argv]
    settle()  # the kernel done freeing namespaces of an earlier lab (its workers compete for the CPUs)
    runs: dict[bool, list[list[float]]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for policies in {bool(plan.lab.network_policies), False}:
            netpol.sync(plan if policies else without, force=True)
            runs[policies].append(json.loads(run(argv)))
    netpol.sync(plan, force=True)  # as the lab is
    policies_of = render_lab(plan).policies_of
    on_path = {p.key for pod in (source, target) for p in policies_of.get(pod.netns, [])}
    fastest = {kind: min(times, key=statistics.median) for kind, times in runs.items() if times}
    return fastest.get(True, fastest[False]), fastest[False], len(on_path)


def timed_apply(lab: str, path: Path) -> float:
    return seconds(run, [NETLAB, "apply", lab, "-f", str(path)])


def bench_size(workdir: Path, pods: int, counts: list[int], owned: Owned) -> list[Row]:
    name = f"bench-np-{pods}"
    path = workdir / f"{name}.yaml"
    text = lab_text(name, pods)
    path.write_text(text)
    base = make_plan(load_lab(path))
    refuse_existing(base)
    owned.labs.add(name)
    owned.claim(base)
    relabel = {role: workdir / f"probe-{role}.yaml" for role in ("client", "frontend")}
    for role, file in relabel.items():
        file.write_text(manifests([probe_pod(role)]))
    run([NETLAB, "up", str(path)])
    rows = []
    try:
        for count in counts:
            generated = manifests([policy(i, pods // pods_per_app(pods)) for i in range(count)]) if count else ""
            if count:
                (workdir / "policies.yaml").write_text(generated)
                run([NETLAB, "apply", name, "-f", str(workdir / "policies.yaml")])
            with_policies = apply(text, generated) if count else text
            plan = make_plan(load_lab(path, with_policies))
            relabelled = make_plan(load_lab(path, apply(with_policies, manifests([probe_pod("frontend")]))))
            row = Row(pods, count)
            if count:
                first, again, row.rules, row.sets = full_syncs(plan)
                row.sync_max, row.sync_mean, row.resync_max = max(first), statistics.mean(first), max(again)
                row.engine_label, row.lab_label = engine_change(plan, relabelled)
            row.apply_label = statistics.median(
                [timed_apply(name, relabel["frontend"]), timed_apply(name, relabel["client"])]
            )
            row.connect, without, row.on_path = connect_times(plan, base)
            row.baseline = statistics.median(without)
            rows.append(row)
            print(f"  N={pods} P={count} done", file=sys.stderr, flush=True)
    finally:
        run([NETLAB, "down", name])
    return rows


# -- output ----------------------------------------------------------------------------------------
COLUMNS = [
    "pods",
    "policies",
    "rules",
    "sets",
    "full sync s",
    "mean s",
    "resync s",
    "label: apply ms",
    "engine ms",
    "all nodes ms",
    "on path",
    "connect µs",
    "p99 µs",
    "no policy µs",
    "x no policy",
]


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.99) - 1)]


def cells(row: Row) -> list[str]:
    median = statistics.median(row.connect)
    synced = (
        [str(row.rules), str(row.sets), f"{row.sync_max:.3f}", f"{row.sync_mean:.3f}", f"{row.resync_max:.3f}"]
        if row.policies
        else ["-"] * 5
    )
    return [
        str(row.pods),
        str(row.policies),
        *synced,
        f"{row.apply_label * 1000:.0f}",
        f"{row.engine_label * 1000:.1f}" if row.policies else "-",
        f"{row.lab_label * 1000:.1f}" if row.policies else "-",
        str(row.on_path),
        f"{median:.0f}",
        f"{p99(row.connect):.0f}",
        f"{row.baseline:.0f}",
        f"{median / row.baseline:.2f}" if row.baseline else "-",
    ]


def table(rows: list[Row]) -> str:
    notes = [
        "pods: the Deployments' pods (4 nodes, 10 at 1000 pods), and the probe pod. rules, sets: what",
        "  kube-router's chains and sets hold on node-1 (every policy's chain, node-1's pods' chains).",
        "full sync s: kernel.netpol.sync_node in-process from a node without kube-router's rules (render,",
        "  ipset list + restore, iptables-save, iptables-restore --noflush, read back), slowest node; mean s:",
        "  mean of the nodes; resync s: the same again, the rules in place (nothing differs from the node's",
        "  record: nothing is loaded). Goal at 1000/200: < 1 s.",
        "label: apply ms: `netlab apply LAB -f probe.yaml` (role client <-> frontend), whole command, median",
        "  of 2; engine ms: sync_node of the relabelled plan (render all, load what differs), slowest node",
        f"  (median of {ROUNDS}), goal < 100 ms; all nodes ms: netpol.sync, every node (what apply spends",
        "  on kube-router's rules).",
        "on path: policies that select the connecting pod or its target (their chains judge the SYN).",
        f"connect µs: median connect() app-1's pod -> app-0's pod on another node, {CONNECTS} connects (of",
        f"  {ROUNDS} runs, the lowest median's); no policy µs: the same without policies, measured in turns",
        "  with it (kube-router's rules removed and loaded again between runs); x no policy: their ratio,",
        "  goal <= 1.5.",
    ]
    return "\n".join([*aligned([COLUMNS, *(cells(r) for r in rows)]), "", *notes])


# -- main ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="pod counts, comma-separated (default 100,1000)")
    parser.add_argument("--policies", default="0,10,200", help="policy counts, comma-separated (default 0,10,200)")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.policies = sorted({int(s) for s in args.policies.split(",")})
    if any(n < TEAMS * pods_per_app(n) or n > 5000 for n in args.sizes):
        parser.error(f"sizes must be {TEAMS * pods_per_app(1)}..5000 (an app or more in each namespace)")
    if any(p < 0 or p > 1000 for p in args.policies):
        parser.error("policy counts must be 0..1000")
    return args


def main() -> int:
    args = parse_args()
    started = prepare("bench_netpol.py")
    raise_fd_limit(max(args.sizes))

    def measure(owned: Owned) -> list[Row]:
        rows: list[Row] = []
        with tempfile.TemporaryDirectory(prefix="bench-np-") as tmp:
            for pods in args.sizes:
                workdir = Path(tempfile.mkdtemp(dir=tmp))
                rows += bench_size(workdir, pods, args.policies, owned)
        return rows

    return report(run_cleanly(measure), table, started)


if __name__ == "__main__":
    sys.exit(main())
