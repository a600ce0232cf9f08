"""Workloads: the echo server and containers' own commands run unprivileged, in their pods."""

from __future__ import annotations

import os
import time
from pathlib import Path

from harness import lab_up, netlab, tagged_pids, write_lab

COMMAND_POD = """\
  - apiVersion: v1
    kind: Pod
    metadata: {name: shell}
    spec:
      nodeName: node-2
      containers:
        - name: server
          image: python:3
          command: [python3, -m, http.server, "80"]
          resources: {limits: {cpu: 100m}}
        - name: namer
          command: [sh, -c]
          args: ["hostname; echo $GREETING; exec sleep 600"]
          env: [{name: GREETING, value: hello}]
"""


def _status_field(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split()[1]
    raise KeyError(field)


def test_containers_run_as_nobody_in_their_pod(tmp_path: Path) -> None:
    lab = write_lab(tmp_path, "t-work", extra=COMMAND_POD)
    with lab_up(str(lab)) as up:
        assert "accepted but not simulated: resources" in up.out
        # a command container binds port 80 unprivileged (ip_unprivileged_port_start=0 in the pod)
        deadline = time.monotonic() + 10
        answer = netlab(
            "exec",
            "t-work",
            "web-0",
            "--",
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://10.244.2.3:80/",
        )
        while answer.out != "200" and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = netlab(
                "exec",
                "t-work",
                "web-0",
                "--",
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://10.244.2.3:80/",
            )
        assert answer.out == "200"
        pids = tagged_pids("t-work")
        assert len(pids) == 5  # one echo server for all pods, two containers, cluster DNS's two
        assert {_status_field(p, "Uid") for p in pids} == {"65534"}
        shell_ns = os.stat("/run/netns/nl-t-work.shell").st_ino
        in_pod = [p for p in pids if os.stat(f"/proc/{p}/ns/net").st_ino == shell_ns]
        assert len(in_pod) == 2
        log = Path("/run/netlab/t-work/logs/shell_namer.log")
        deadline = time.monotonic() + 5
        while log.read_text().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.read_text().splitlines()[:2] == ["shell", "hello"]


def test_one_echo_server_serves_every_pod(tmp_path: Path) -> None:
    lab = write_lab(tmp_path, "t-echo", nodes=2, replicas=6)
    with lab_up(str(lab)):
        servers = [Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")[2] for p in tagged_pids("t-echo")]
        assert sorted(servers) == [b"netlab.workloads.dns"] * 2 + [b"netlab.workloads.echo"]
        for pod, ip in (("web-5", "10.244.2.4"), ("web-0", "10.244.1.2")):
            got = netlab("exec", "t-echo", "web-1", "--", "curl", "-s", f"http://{ip}:8080/hostname")
            assert got.out == pod
        echo = netlab("exec", "t-echo", "web-1", "--", "curl", "-s", "http://10.244.1.2:8080/echo?msg=hi")
        assert echo.out == "hi"
