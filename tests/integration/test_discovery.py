"""Service discovery in a running lab: every resolver a pod has, answers that follow changes,
Service variables fixed at container start, a DNS server that bad packets cannot stop, and the
/etc files that come and go with the lab."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from harness import lab_up, netlab, tagged_pids, write_lab

LAB = "service-discovery"


def in_pod(lab: str, pod: str, *argv: str) -> str:
    done = netlab("exec", lab, pod, "--", *argv)
    assert done.code == 0, done.err
    return done.out


def endpoints(lab: str, service: str, namespace: str = "default") -> set[str]:
    status = json.loads(netlab("status", lab, "--json").out)
    svc = next(s for s in status["services"] if (s["name"], s["namespace"]) == (service, namespace))
    return {e.split(":")[0] for e in svc["endpoints"]}


def test_every_resolver_in_a_pod_finds_services() -> None:
    """glibc (getent, Python), nslookup, dig over UDP and TCP (TCP through kube-proxy's rules to
    the coredns pods' TCP port), and plain `ip netns exec`, which mounts the same resolv.conf."""
    with lab_up(LAB):
        status = json.loads(netlab("status", LAB, "--json").out)
        web = next(s["clusterIP"] for s in status["services"] if s["name"] == "web")
        assert in_pod(LAB, "late", "getent", "hosts", "web").split()[:2] == [web, "web.default.svc.cluster.local"]
        python = in_pod(
            LAB, "late", "python3", "-c", "import socket; print(socket.getaddrinfo('api.shop', 80)[0][4][0])"
        )
        assert python.strip() == next(s["clusterIP"] for s in status["services"] if s["name"] == "api")
        assert f"Address: {web}" in in_pod(LAB, "shopper", "nslookup", "web.default")
        assert in_pod(LAB, "late", "dig", "+tcp", "+short", "+search", "web").split() == [web]
        direct = subprocess.run(
            ["ip", "netns", "exec", f"nl-{LAB}.late", "getent", "hosts", "web"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert direct.stdout.split()[:1] == [web]
        resolv = in_pod(LAB, "shopper", "cat", "/etc/resolv.conf")
        assert resolv == (
            "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        )


WEB_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web2}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
"""


def test_answers_follow_scaling_deleting_and_applying_at_once(tmp_path: Path) -> None:
    with lab_up(LAB):
        assert len(in_pod(LAB, "shopper", "dig", "+short", "+search", "db").split()) == 2
        assert netlab("scale", LAB, "db", "3", "-n", "shop").code == 0
        three = set(in_pod(LAB, "shopper", "dig", "+short", "+search", "db").split())
        assert len(three) == 3 and three == endpoints(LAB, "db", "shop")
        assert netlab("scale", LAB, "db", "0", "-n", "shop").code == 0
        assert "status: NXDOMAIN" in in_pod(LAB, "shopper", "dig", "+search", "db")  # headless without endpoints
        assert netlab("delete", LAB, "service/web").code == 0
        assert "status: NXDOMAIN" in in_pod(LAB, "late", "dig", "+search", "web")
        manifest = tmp_path / "web2.yaml"
        manifest.write_text(WEB_SERVICE)
        assert netlab("apply", LAB, "-f", str(manifest)).code == 0
        status = json.loads(netlab("status", LAB, "--json").out)
        web2 = next(s["clusterIP"] for s in status["services"] if s["name"] == "web2")
        assert in_pod(LAB, "late", "dig", "+short", "+search", "web2").split() == [web2]


COMMAND_POD = """\
  - apiVersion: v1
    kind: Pod
    metadata: {name: sleeper}
    spec:
      containers:
        - name: app
          command: [sleep, "600"]
          env: [{name: WEB2_SERVICE_PORT, value: mine}]
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
"""
SECOND_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web2}
spec: {selector: {app: web}, ports: [{port: 81, targetPort: 8080}]}
"""


def container_env(lab: str, pod: str) -> dict[str, str]:
    """The environment of the pod's container process, read from /proc as the kernel holds it."""
    inode = os.stat(f"/run/netns/nl-{lab}.{pod}").st_ino
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}/ns/net").st_ino == inode:
                raw = Path(f"/proc/{entry}/environ").read_bytes()
                env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
                if env.get("NETLAB_LAB") == lab:
                    return env
        except OSError:
            continue
    raise AssertionError(f"no container process in {pod}")


def test_variables_are_fixed_when_a_container_starts(tmp_path: Path) -> None:
    """A Service made later shows only after a restart; a pod's own env wins over a Service's
    variable; `netlab exec` sees what the container process has."""
    path = write_lab(tmp_path, "envlab", nodes=1, replicas=1, extra=COMMAND_POD)
    with lab_up(str(path)):
        assert "WEB_SERVICE_HOST" not in container_env("envlab", "sleeper")  # the Service comes after it
        manifest = tmp_path / "web2.yaml"
        manifest.write_text(SECOND_SERVICE)
        assert netlab("apply", "envlab", "-f", str(manifest)).code == 0
        assert "WEB2_SERVICE_HOST" not in container_env("envlab", "sleeper")
        assert netlab("scale", "envlab", "web", "2").code == 0
        assert "WEB2_SERVICE_HOST" in in_pod("envlab", "web-1", "env")  # a new pod sees every Service
        restarted = netlab("restart", "envlab", "sleeper")
        assert restarted.code == 0 and "2 Service(s)" in restarted.out, restarted.out
        env = container_env("envlab", "sleeper")
        assert env["WEB_SERVICE_PORT"] == "80" and env["WEB2_SERVICE_PORT"] == "mine"
        assert re.fullmatch(r"tcp://10\.\d+\.\d+\.\d+:81", env["WEB2_PORT"])
        shown = in_pod("envlab", "sleeper", "printenv", "WEB_SERVICE_HOST", "WEB2_SERVICE_PORT").split()
        assert shown == [env["WEB_SERVICE_HOST"], "mine"]


GARBAGE = """
import os, random, socket
random.seed(7)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(500):
    udp.sendto(os.urandom(random.randint(0, 600)), ("10.96.0.10", 53))
for i in range(20):
    tcp = socket.create_connection(("10.96.0.10", 53), timeout=2)
    tcp.sendall(random.choice([b"\\xff\\xff" + os.urandom(40), os.urandom(3), b"\\x00\\x00", os.urandom(300)]))
    tcp.close()
print("sent")
"""


def test_garbage_sent_to_cluster_dns_stops_nothing() -> None:
    with lab_up(LAB):
        before = sorted(
            p
            for p in tagged_pids(LAB)  # the lab's own: other DNS servers may run on the machine
            if b"netlab.workloads.dns" in Path(f"/proc/{p}/cmdline").read_bytes()
        )
        assert in_pod(LAB, "late", "python3", "-c", GARBAGE).strip() == "sent"
        assert in_pod(LAB, "late", "dig", "+short", "+search", "web").strip()
        after = [p for p in before if Path(f"/proc/{p}").exists()]
        assert after == before and len(before) == 3


def test_names_outside_the_cluster_never_reach_the_machines_resolver() -> None:
    """Without a resolver in the lab, cluster DNS answers SERVFAIL at once: it asks nobody."""
    with lab_up("pod-to-service"):
        out = in_pod("pod-to-service", "client", "dig", "+tries=1", "+time=2", "example.org.")
        assert "status: SERVFAIL" in out


def test_clean_removes_etc_files_of_labs_that_are_gone() -> None:
    stray = Path("/etc/netns/nl-ghost.pod")
    other = Path("/etc/netns/not-netlab")
    stray.mkdir(parents=True)
    (stray / "resolv.conf").write_text("nameserver 10.96.0.10\n")
    other.mkdir()
    try:
        done = netlab("clean")
        assert done.code == 0 and "1 stray /etc/netns folder(s)" in done.out, done.out
        assert not stray.exists() and other.exists()
    finally:
        other.rmdir()
        if not any(Path("/etc/netns").iterdir()):
            Path("/etc/netns").rmdir()
