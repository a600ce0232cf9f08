"""The L7 ingress controller in real namespaces (lab ingress-http), beyond the lab's own checks:
nginx runs as nobody inside the controller pod and nowhere else; it reloads when endpoints or
Ingresses change (scale, apply, delete) and comes back after a crash with the next change; a bad
Ingress is refused whole with one line; a controller reached from inside the cluster, with two
replicas and its own flags. In every proxy mode (IPVS where the kernel has it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from harness import PROXY_MODES, lab_up, netlab, repeat, tagged_pids, write_lab

LAB = "ingress-http"
CONTROLLER = "ingress-nginx-controller-0"
CONF = Path(f"/run/netlab/{LAB}/ingress/{CONTROLLER}/nginx.conf")
RUN = CONF.parent / "run"
LOG = Path(f"/run/netlab/{LAB}/logs/{CONTROLLER}_controller.log")
LB = "http://198.51.100.200"
NOBODY = "65534"


def _get(host: str, path: str = "/", lab: str = LAB, source: str = "internet", base: str = LB) -> tuple[str, str]:
    """(HTTP status, body) of one request with that Host, from `source`."""
    return _gets(host, path, lab, source, base, times=1)[0]


def _gets(
    host: str, path: str = "/", lab: str = LAB, source: str = "internet", base: str = LB, *, times: int
) -> list[tuple[str, str]]:
    """(HTTP status, body) of `times` requests, each on its own connection."""
    curl = ["curl", "-s", "-m", "3", "-H", f"Host: {host}", "-w", "\n%{http_code}", f"{base}{path}"]
    return [
        (status, body) for body, _, status in (got.out.rpartition("\n") for got in repeat(lab, source, curl, times))
    ]


def _answers(host: str, path: str = "/", times: int = 9) -> set[str]:
    return {body for _, body in _gets(host, path, times=times)}


def _status(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split()[1]
    raise KeyError(field)


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _pod_pids(pod: str, lab: str = LAB) -> list[int]:
    """Every process living in the pod's network namespace."""
    inode = os.stat(f"/run/netns/nl-{lab}.{pod}").st_ino
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}/ns/net").st_ino == inode and Path(f"/proc/{entry}/stat").read_text():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _nginx(pod: str = CONTROLLER, lab: str = LAB) -> dict[str, list[int]]:
    """The pod's controller process, nginx master and workers, by their titles."""
    found: dict[str, list[int]] = {"controller": [], "master": [], "worker": []}
    for pid in _pod_pids(pod, lab):
        try:
            argv = _cmdline(pid)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if "netlab.workloads.ingress" in argv:
            found["controller"].append(pid)
        elif argv[0].startswith("nginx: master"):
            found["master"].append(pid)
        elif argv[0].startswith("nginx: worker"):
            found["worker"].append(pid)
    return found


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_the_controller_reloads_when_endpoints_change(mode: str) -> None:
    with lab_up(LAB, "--proxy-mode", mode):
        before = _nginx()
        assert _answers("a.example") == {"app-a-0", "app-a-1"}
        scaled = netlab("scale", LAB, "app-a", "3")
        assert scaled.code == 0, scaled.err
        assert f"nginx reloaded in {CONTROLLER}" in scaled.out
        pods = json.loads(netlab("status", LAB, "--json").out)["pods"]
        new_pod = next(p["ip"] for p in pods if p["name"] == "app-a-2")
        assert f"server {new_pod}:8080 max_fails=0 fail_timeout=0;  # app-a-2" in CONF.read_text()
        after = _nginx()
        # the same master took the new configuration; its workers are new ones
        assert after["master"] == before["master"] and not set(after["worker"]) & set(before["worker"])
        assert _answers("a.example") == {"app-a-0", "app-a-1", "app-a-2"}
        assert netlab("scale", LAB, "app-a", "1").code == 0
        assert _answers("a.example", times=4) == {"app-a-0"}
        unchanged = netlab("scale", LAB, "default-backend", "1")  # no endpoint moves: no reload
        assert unchanged.code == 0 and "nginx reloaded" not in unchanged.out
        assert _nginx()["master"] == before["master"]
        # workloads a change starts (the echo server here) block no signal: SIGTERM stops them
        echo = json.loads(Path(f"/run/netlab/{LAB}/lab.json").read_text())["echoPid"]
        assert int(_status(echo, "SigBlk"), 16) == 0


def test_nginx_runs_as_nobody_in_the_controller_pod_and_nothing_on_the_host() -> None:
    with lab_up(LAB):
        family = _nginx()
        assert [len(family[k]) for k in ("controller", "master", "worker")] == [1, 1, 1], family
        pids = [pid for group in family.values() for pid in group]
        assert {_status(pid, "Uid").split()[0] for pid in pids} == {NOBODY}
        assert family["controller"][0] in tagged_pids(LAB)  # nginx hides its environment; its parent keeps the tag
        listening = netlab("exec", LAB, CONTROLLER, "--", "ss", "-Hltn", "sport = :80")
        assert listening.code == 0 and "0.0.0.0:80" in listening.out
        host = subprocess.run(["ss", "-Hltn", "sport = :80"], capture_output=True, text=True, timeout=10).stdout
        assert host.strip() == "", host  # the host's own namespace listens on nothing of ours
        assert (CONF.stat().st_uid, oct(CONF.stat().st_mode & 0o777)) == (0, "0o644")
        assert (RUN.stat().st_uid, oct(RUN.stat().st_mode & 0o777)) == (int(NOBODY), "0o700")
        assert (CONF.parent.stat().st_uid, oct(CONF.parent.stat().st_mode & 0o777)) == (0, "0o755")
        _get("a.example", "/seen-in-the-log")
        deadline = time.monotonic() + 5
        while "/seen-in-the-log" not in LOG.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        line = next(x for x in LOG.read_text().splitlines() if "/seen-in-the-log" in x)
        assert line.startswith("203.0.113.10 - ") and "[default-app-a-80]" in line  # the access log: the pod's log


def test_ingresses_applied_and_deleted_change_what_nginx_serves(tmp_path: Path) -> None:
    with lab_up(LAB):
        assert _get("unknown.example", "/hostname") == ("200", "default-backend-0")
        deleted = netlab("delete", LAB, "ingress/default-backend")
        assert deleted.code == 0 and f"nginx reloaded in {CONTROLLER}" in deleted.out, deleted.err
        status, body = _get("unknown.example", "/hostname")
        assert status == "404" and "<center>nginx</center>" in body  # ingress-nginx's own default backend
        verify = json.loads(netlab("verify", LAB, "--json").out)
        assert {c["name"] for c in verify["checks"] if not c["passed"]} >= {
            "a host no rule names gets the default backend"
        }
        manifest = tmp_path / "default-backend.yaml"
        manifest.write_text(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: default-backend}\n"
            "spec:\n  ingressClassName: nginx\n"
            "  defaultBackend: {service: {name: default-backend, port: {number: 80}}}\n"
        )
        assert netlab("apply", LAB, "-f", str(manifest)).code == 0
        assert _get("unknown.example", "/hostname") == ("200", "default-backend-0")
        assert netlab("delete", LAB, "svc/app-a").code == 0  # allowed, as in a cluster: nginx answers 503
        assert _get("a.example")[0] == "503"
        assert _get("b.example")[0] == "200"


def test_a_dead_controller_comes_back_with_the_next_change() -> None:
    with lab_up(LAB):
        family = _nginx()
        os.kill(family["controller"][0], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _nginx()["master"] and time.monotonic() < deadline:  # nginx dies with its parent
            time.sleep(0.05)
        assert _nginx() == {"controller": [], "master": [], "worker": []}
        assert _get("b.example")[0] != "200"
        changed = netlab("scale", LAB, "app-b", "1")
        assert changed.code == 0 and f"nginx reloaded in {CONTROLLER}" in changed.out, changed.err
        assert [len(v) for v in _nginx().values()] == [1, 1, 1]
        assert _answers("b.example", times=4) == {"app-b-0"}


def test_a_bad_ingress_change_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with lab_up(LAB):
        before = CONF.read_text()
        manifest = tmp_path / "bad.yaml"
        manifest.write_text(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad}\n"
            "spec:\n  rules:\n  - host: c.example\n    http:\n      paths:\n"
            "      - {path: /c, backend: {service: {name: app-a, port: {number: 80}}}}\n"
        )
        refused = netlab("apply", LAB, "-f", str(manifest))
        assert refused.code == 2
        lines = refused.err.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].endswith("Ingress bad: spec.rules[0].http.paths[0].pathType: is required"), lines
        assert CONF.read_text() == before


TWO_CONTROLLERS = """\
  - apiVersion: v1
    kind: Pod
    metadata: {name: client}
    spec:
      nodeName: node-1
      containers: [{name: client}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: edge}
    spec:
      replicas: 2
      selector: {matchLabels: {app: edge}}
      template:
        metadata: {labels: {app: edge}}
        spec:
          containers:
            - name: controller
              args: [/nginx-ingress-controller, --http-port=8081, --ingress-class=edge,
                     --default-backend-service=default/web]
              ports: [{name: http, containerPort: 8081}]
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{name: http, port: 80, targetPort: 8080}]
  - apiVersion: v1
    kind: Service
    metadata: {name: edge}
    spec:
      selector: {app: edge}
      ports: [{name: http, port: 80, targetPort: http}]
  - apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: {name: edge}
    spec: {controller: k8s.io/ingress-nginx}
  - apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: {name: other}
    spec: {controller: example.com/other-controller}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: mine}
    spec:
      ingressClassName: edge
      rules:
        - host: web.example
          http:
            paths:
              - {path: /hostname, pathType: Exact, backend: {service: {name: web, port: {name: http}}}}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: theirs}
    spec:
      ingressClassName: other
      rules:
        - host: other.example
          http:
            paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"""


def test_two_controller_replicas_reached_from_inside_the_cluster(tmp_path: Path) -> None:
    """Two controller pods (one per node) behind a ClusterIP Service, their own port, class and
    default backend; a client pod reaches each pod, and the Service, with a Host header."""
    lab = write_lab(tmp_path, "t-ing-two", replicas=2, extra=TWO_CONTROLLERS)
    with lab_up(str(lab)):
        for pod in ("edge-0", "edge-1"):
            assert [len(v) for v in _nginx(pod, "t-ing-two").values()] == [1, 1, 1]
        for ip in ("10.244.1.4", "10.244.2.3"):  # edge-0 on node-1, edge-1 on node-2
            seen = {
                body
                for _, body in _gets("web.example", "/hostname", "t-ing-two", "client", f"http://{ip}:8081", times=6)
            }
            assert seen == {"web-0", "web-1"}, ip
        status = json.loads(netlab("status", "t-ing-two", "--json").out)
        edge_ip = next(s["clusterIP"] for s in status["services"] if s["name"] == "edge")
        assert _get("web.example", "/hostname", "t-ing-two", "client", f"http://{edge_ip}")[0] == "200"
        # another class's Ingress is not served: its host gets the --default-backend-service (web)
        assert _get("other.example", "/hostname", "t-ing-two", "client", "http://10.244.1.4:8081")[1] in {
            "web-0",
            "web-1",
        }
        conf = Path("/run/netlab/t-ing-two/ingress/edge-0/nginx.conf").read_text()
        assert (
            "# not served: Ingress default/theirs: class other is example.com/other-controller's, "
            "not this controller's (k8s.io/ingress-nginx)"
        ) in conf
        assert "server_name other.example" not in conf


def test_ingresses_without_a_controller_are_noted(tmp_path: Path) -> None:
    extra = """\
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{port: 80, targetPort: 8080}]
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: web}
    spec:
      defaultBackend: {service: {name: web, port: {number: 80}}}
"""
    with lab_up(str(write_lab(tmp_path, "t-ing-none", extra=extra))) as up:
        assert "note: no ingress controller" in up.out
        assert not Path("/run/netlab/t-ing-none/ingress").exists()
