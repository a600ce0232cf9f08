"""The Kubernetes documentation's own manifests (tests/manifests/k8s-docs/, each naming its source)
pasted into a running lab with `netlab apply -f`, as a user would, and proved with real traffic."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import time
from pathlib import Path

from harness import REPO, lab_up, netlab, write_lab

from netlab.plan.model import netns_name

DOCS = REPO / "tests" / "manifests" / "k8s-docs"
LOG_WAIT_S = 10  # for a container's command to have run and written its output


def _sleeping_pid(netns: str) -> int:
    """The pid of the `sleep` a clock pod's command became, among the processes in its namespace."""
    pids = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True, timeout=10).stdout.split()
    return next(int(pid) for pid in pids if b"sleep" in Path(f"/proc/{pid}/cmdline").read_bytes())


def container_log(lab: str, pod: str, container: str, showing: str) -> str:
    """What the container's command printed, once it shows `showing` (bounded in time: a command
    prints when it gets to it, and a loop prints in parts)."""
    log = Path(f"/run/netlab/{lab}/logs/{pod}_{container}.log")
    deadline = time.monotonic() + LOG_WAIT_S
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text() if log.is_file() else ""
        if showing in text:
            return text
        time.sleep(0.1)
    raise AssertionError(f"{log} did not show {showing!r} within {LOG_WAIT_S} s: {text!r}")


def test_the_docs_manifests_work_as_the_docs_say(tmp_path: Path) -> None:
    with lab_up(str(write_lab(tmp_path, "docs", nodes=1, replicas=1))):
        for manifest in (
            "service-named-port.yaml",
            "hostaliases-pod.yaml",
            "dapi-envars-pod.yaml",
            "configmap-multikeys.yaml",
            "pod-configmap-envFrom.yaml",
        ):
            applied = netlab("apply", "docs", "-f", str(DOCS / manifest))
            assert applied.code == 0, applied.err
        # a Service port named with a DNS label of 20 characters, its targetPort a container port's name
        answer = netlab(
            "exec", "docs", "web-0", "--", "curl", "-sS", "--max-time", "5", "http://nginx-service/hostname"
        )
        assert (answer.code, answer.out) == (0, "nginx"), answer.err
        # the pod prints its /etc/hosts, which ends as the docs show it: the kubelet's, then the aliases
        aliases = "127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n"
        assert container_log("docs", "hostaliases-pod", "cat-hosts", aliases).endswith(
            f"\thostaliases-pod\n\n# Entries added by HostAliases.\n{aliases}"
        )
        looked_up = netlab("exec", "docs", "hostaliases-pod", "--", "getent", "hosts", "bar.remote")
        assert looked_up.out.split() == ["10.1.2.3", "foo.remote", "bar.remote"], looked_up.err
        # the downward API: the pod's own node, name, namespace, address and service account
        pods = {p["name"]: p for p in json.loads(netlab("status", "docs", "--json").out)["pods"]}
        fields = f"node-1\ndapi-envars-fieldref\ndefault\n{pods['dapi-envars-fieldref']['ip']}\ndefault\n"
        assert fields in container_log("docs", "dapi-envars-fieldref", "test-container", fields)
        # envFrom: every key of the ConfigMap, as the docs' pod prints them
        env = container_log("docs", "dapi-test-pod", "test-container", "SPECIAL_TYPE=charm").splitlines()
        assert {"SPECIAL_LEVEL=very", "SPECIAL_TYPE=charm"} <= set(env), env
        # a refused object's problem names the file given, the object and the field, and changes nothing
        bad = tmp_path / "typo.yaml"
        bad.write_text(
            "apiVersion: v1\nkind: Service\nmetadata: {name: typo}\nspec: {ports: [{port: 80}], selctor: {}}\n"
        )
        refused = netlab("apply", "docs", "-f", str(bad))
        assert refused.code == 2 and f"{bad}: Service typo: spec.selctor: unknown field" in refused.err, refused.err
        assert "typo" not in netlab("status", "docs").out


OWN_POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec: {{containers: [{{name: web}}]}}
"""


def test_a_pod_that_takes_a_deleted_pod_s_address_answers_at_once(tmp_path: Path) -> None:
    """The new pod announces its address as it comes up (a gratuitous ARP, as the CNI bridge plugin
    sends one), so a client that talked to the old pod a moment ago reaches the new one at once,
    not once its neighbour entry for the old MAC went stale (up to 45 s)."""
    lab = write_lab(
        tmp_path, "reuse", nodes=1, replicas=1, extra="  - " + OWN_POD.format(name="old").replace("\n", "\n    ")
    )
    with lab_up(str(lab)):
        ip = {p["name"]: p["ip"] for p in json.loads(netlab("status", "reuse", "--json").out)["pods"]}["old"]
        url = f"http://{ip}:8080/hostname"
        asked = netlab("exec", "reuse", "web-0", "--", "curl", "-sS", "--max-time", "3", url)
        assert asked.out == "old", asked.err
        assert netlab("delete", "reuse", "pod/old").code == 0
        manifest = tmp_path / "new.yaml"
        manifest.write_text(OWN_POD.format(name="new"))
        assert netlab("apply", "reuse", "-f", str(manifest)).code == 0
        pods = {p["name"]: p["ip"] for p in json.loads(netlab("status", "reuse", "--json").out)["pods"]}
        assert pods["new"] == ip  # the address the old pod had
        answered = netlab("exec", "reuse", "web-0", "--", "curl", "-sS", "--max-time", "3", url)
        assert answered.out == "new", answered.err


CLIENT_LAB = """\
name: {name}
cluster:
  nodes: [node-1, node-2]
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {{name: client}}
    spec: {{containers: [{{name: client}}]}}
"""


def pod_ips(lab: str) -> dict[str, str]:
    return {p["name"]: p["ip"] for p in json.loads(netlab("status", lab, "--json").out)["pods"]}


def looked_up(lab: str, name: str) -> tuple[str, str]:
    """What a program in the client pod gets for the name (glibc's getent), and dig's answer."""
    getent = netlab("exec", lab, "client", "--", "getent", "hosts", name).out.split()
    dig = netlab("exec", lab, "client", "--", "dig", "+short", "+tries=1", "+time=3", name).out.strip()
    return (getent[0] if getent else ""), dig


def test_the_docs_web_statefulset_gives_each_pod_a_stable_name_and_dns(tmp_path: Path) -> None:
    """The StatefulSets page's `web` behind the headless `nginx`: pods web-0 and web-1 in ordinal
    order, each its own hostname and FQDN, answered by cluster DNS and reached by name; scaled down
    to 1, web-1 goes and DNS forgets it."""
    lab = tmp_path / "sts.yaml"
    lab.write_text(CLIENT_LAB.format(name="sts"))
    with lab_up(str(lab)):
        applied = netlab("apply", "sts", "-f", str(DOCS / "web-statefulset.yaml"))
        assert applied.code == 0 and "2 pod(s) added (web-0, web-1)" in applied.out, applied.err
        status = netlab("status", "sts").out
        assert status.index("web-0") < status.index("web-1"), status
        ips = pod_ips("sts")
        fqdn = "web-0.nginx.default.svc.cluster.local"
        assert looked_up("sts", fqdn) == (ips["web-0"], ips["web-0"])
        dashed = ips["web-0"].replace(".", "-") + ".nginx.default.svc.cluster.local"
        assert looked_up("sts", dashed) == ("", "")  # the hostname replaces the dashed-IP name
        reverse = netlab("exec", "sts", "client", "--", "dig", "+short", "-x", ips["web-1"]).out.strip()
        assert reverse == "web-1.nginx.default.svc.cluster.local."
        answer = netlab("exec", "sts", "client", "--", "curl", "-sS", "--max-time", "5", "http://web-1.nginx/hostname")
        assert (answer.code, answer.out) == (0, "web-1"), answer.err
        # inside web-0: its hostname, its FQDN (from the kubelet's /etc/hosts line)
        assert netlab("exec", "sts", "web-0", "--", "hostname").out.strip() == "web-0"
        assert netlab("exec", "sts", "web-0", "--", "hostname", "-f").out.strip() == fqdn
        hosts = netlab("exec", "sts", "web-0", "--", "cat", "/etc/hosts").out
        assert f"{ips['web-0']}\t{fqdn}\tweb-0\n" in hosts, hosts
        scaled = netlab("scale", "sts", "statefulset/web", "1")
        assert scaled.code == 0 and "1 removed (web-1)" in scaled.out, scaled.err
        assert looked_up("sts", "web-1.nginx.default.svc.cluster.local") == ("", "")
        assert looked_up("sts", fqdn) == (ips["web-0"], ips["web-0"])
    assert not [n for n in netns_names() if n.startswith("nl-sts.")]


STS_CHECKS = """\
checks:
  - {name: web-0 by its name, from: client, dns: web-0.nginx.default.svc.cluster.local, expect: {answers: [web-0]}}
  - {name: web-1 answers by its name, from: client, http: "http://web-1.nginx/hostname", expect: {answeredBy: web-1}}
  - name: SRV names each pod
    from: client
    dns: _web._tcp.nginx
    type: SRV
    expect: {answers: ["80 web-0.nginx.default.svc.cluster.local", "80 web-1.nginx.default.svc.cluster.local"]}
  - name: PTR names web-1
    from: client
    dns: web-1
    type: PTR
    expect: {answers: [web-1.nginx.default.svc.cluster.local]}
"""


def test_a_lab_file_with_the_docs_statefulset_comes_up_in_ordinal_order_and_verifies(tmp_path: Path) -> None:
    lab = tmp_path / "sts-up.yaml"
    manifests = textwrap.indent((DOCS / "web-statefulset.yaml").read_text().replace("---\n", ""), "    ")
    items = re.sub(r"^    (apiVersion:)", r"  - \1", manifests, flags=re.M)
    lab.write_text(CLIENT_LAB.format(name="sts-up") + items + STS_CHECKS)
    with lab_up(str(lab)) as up:
        assert up.out.index("pod  web-0") < up.out.index("pod  web-1"), up.out
        verified = netlab("verify", "sts-up")
        assert verified.code == 0 and "4 passed, 0 failed" in verified.out, verified.out


CLOCKS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: clock}
spec:
  replicas: 3
  selector: {matchLabels: {app: clock}}
  template:
    metadata: {labels: {app: clock}}
    spec:
      containers: [{name: clock, command: [sh, -c, "date +%s%N; exec sleep 3600"]}]
"""


def test_a_statefulset_starts_in_ordinal_order_and_scales_down_from_the_highest(tmp_path: Path) -> None:
    """netlab starts clock-0, then clock-1, then clock-2: their processes' pids (the kernel hands
    them out in the order they are forked) say it; what each command prints races under load."""
    lab = tmp_path / "clocks.yaml"
    lab.write_text(CLIENT_LAB.format(name="clocks"))
    manifest = tmp_path / "clock.yaml"
    manifest.write_text(CLOCKS)
    with lab_up(str(lab)):
        applied = netlab("apply", "clocks", "-f", str(manifest))
        assert applied.code == 0 and "3 pod(s) added (clock-0, clock-1, clock-2)" in applied.out, applied.err
        for i in range(3):
            container_log("clocks", f"clock-{i}", "clock", "\n")  # each one's command runs
        started = [_sleeping_pid(netns_name("clocks", f"clock-{i}")) for i in range(3)]
        assert started == sorted(started), started
        scaled = netlab("scale", "clocks", "clock", "1")
        assert scaled.code == 0 and "2 removed (clock-2, clock-1)" in scaled.out, scaled.out


def test_the_docs_subdomain_pods_answer_by_their_fqdn(tmp_path: Path) -> None:
    """DNS for Services and Pods: busybox1 with hostname busybox-1 and subdomain busybox-subdomain
    (a headless Service of that name) is busybox-1 inside, and busybox-1.busybox-subdomain... in DNS."""
    lab = tmp_path / "subdomain.yaml"
    lab.write_text(CLIENT_LAB.format(name="subdomain"))
    with lab_up(str(lab)):
        applied = netlab("apply", "subdomain", "-f", str(DOCS / "dns-subdomain-pods.yaml"))
        assert applied.code == 0, applied.err
        ips = pod_ips("subdomain")
        fqdn = "busybox-2.busybox-subdomain.default.svc.cluster.local"
        assert looked_up("subdomain", fqdn) == (ips["busybox2"], ips["busybox2"])
        assert netlab("exec", "subdomain", "busybox1", "--", "hostname").out.strip() == "busybox-1"
        fqdn1 = netlab("exec", "subdomain", "busybox1", "--", "hostname", "-f").out.strip()
        assert fqdn1 == "busybox-1.busybox-subdomain.default.svc.cluster.local"
    assert not [n for n in netns_names() if n.startswith("nl-subdomain.")]


def netns_names() -> list[str]:
    return os.listdir("/run/netns") if os.path.isdir("/run/netns") else []


def _pod_status(lab: str, pod: str) -> dict:
    return {p["name"]: p for p in json.loads(netlab("status", lab, "--json").out)["pods"]}[pod]


def _status_becomes(lab: str, pod: str, wanted: tuple[str, ...], within: float) -> dict:
    """The pod's status document once kubectl's STATUS is one of `wanted` (bounded in time)."""
    deadline = time.monotonic() + within
    while True:
        found = _pod_status(lab, pod)
        if found["status"] in wanted or time.monotonic() > deadline:
            assert found["status"] in wanted, found
            return found
        time.sleep(0.2)


def test_init_containers_hold_the_pod_until_the_services_exist(tmp_path: Path) -> None:
    """The docs' myapp-pod: its init containers wait (nslookup through cluster DNS) for Services
    myservice and mydb; the pod stays Init:0/2 and its container does not run until the learner
    applies them, then it goes on by itself: the init containers finish in order, the app starts."""
    with lab_up(str(write_lab(tmp_path, "initc", nodes=1, replicas=1))):
        assert netlab("apply", "initc", "-f", str(DOCS / "init-containers.yaml")).code == 0
        container_log("initc", "myapp-pod", "init-myservice", "waiting for myservice")
        time.sleep(2)
        held = _pod_status("initc", "myapp-pod")
        assert held["status"] == "Init:0/2", held
        assert not Path("/run/netlab/initc/logs/myapp-pod_init-mydb.log").read_text()
        assert not Path("/run/netlab/initc/logs/myapp-pod_myapp-container.log").read_text()
        assert netlab("apply", "initc", "-f", str(DOCS / "init-containers-services.yaml")).code == 0
        held = _status_becomes("initc", "myapp-pod", ("Running",), within=15)
        assert [c["reason"] for c in held["initContainerStatuses"]] == ["Completed", "Completed"], held
        assert "The app is running!" in container_log("initc", "myapp-pod", "myapp-container", "running!")
        assert "mydb.default.svc.cluster.local" in container_log("initc", "myapp-pod", "init-mydb", "Name:")
        shown = netlab("status", "initc").out
        assert "pod myapp-pod Running: init init-myservice terminated Completed" in shown, shown


def test_a_sidecar_keeps_running_beside_the_app_which_reaches_it_over_localhost(tmp_path: Path) -> None:
    """The docs' Deployment with a native sidecar (an init container with restartPolicy Always):
    it starts first and keeps running beside the app; in the version adapted to netlab (no shared
    volume) the app asks it over localhost (one network namespace), after a change that replaced the pod."""
    with lab_up(str(write_lab(tmp_path, "sidecar", nodes=1, replicas=1))):
        assert netlab("apply", "sidecar", "-f", str(DOCS / "deployment-sidecar.yaml")).code == 0
        held = _status_becomes("sidecar", "myapp-0", ("Running",), within=10)
        assert [c["state"] for c in (*held["initContainerStatuses"], *held["containerStatuses"])] == ["running"] * 2
        assert netlab("apply", "sidecar", "-f", str(DOCS / "sidecar-containers.yaml")).code == 0
        held = _status_becomes("sidecar", "myapp-0", ("Running",), within=10)
        assert [(c["name"], c["state"]) for c in held["initContainerStatuses"]] == [("logshipper", "running")]
        assert "asked: logging" in container_log("sidecar", "myapp-0", "myapp", "asked: logging")
        ip = held["ip"]
        answered = netlab(
            "exec", "sidecar", "web-0", "--", "curl", "-sS", "--max-time", "3", f"http://{ip}:8080/hostname"
        )
        assert (answered.code, answered.out) == (0, "myapp-0"), answered.err
        inside = netlab("exec", "sidecar", "myapp-0/logshipper", "--", "curl", "-sS", "http://localhost:8080/hostname")
        assert (inside.code, inside.out) == (0, "myapp-0"), inside.err  # exec takes an init container's name


FAILING_INIT = """\
apiVersion: v1
kind: Pod
metadata: {name: failing}
spec:
  initContainers:
    - {name: setup, command: [sh, -c, "echo setting up; exit 3"]}
  containers: [{name: web, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: failing-once}
spec:
  restartPolicy: Never
  initContainers: [{name: setup, command: [sh, -c, "exit 1"]}]
  containers: [{name: app, command: [sleep, "600"]}]
"""


def test_a_failing_init_container_runs_again_and_the_containers_never_start(tmp_path: Path) -> None:
    """As the kubelet: Init:Error, run again after the next sync, then Init:CrashLoopBackOff; the
    pod's echo container never listens; with restartPolicy Never the pod fails at once (its app
    never runs); deleting the pods leaves nothing of them."""
    with lab_up(str(write_lab(tmp_path, "initfail", nodes=1, replicas=1))):
        manifest = tmp_path / "failing.yaml"
        manifest.write_text(FAILING_INIT)
        assert netlab("apply", "initfail", "-f", str(manifest)).code == 0
        held = _status_becomes("initfail", "failing", ("Init:CrashLoopBackOff",), within=8)
        assert held["initContainerStatuses"][0]["exitCode"] == 3 and held["initContainerStatuses"][0]["restarts"] >= 1
        assert container_log("initfail", "failing", "setup", "setting up\nsetting up")
        url = f"http://{held['ip']}:8080/hostname"
        refused = netlab("exec", "initfail", "web-0", "--", "curl", "-sS", "--max-time", "3", url)
        assert refused.code != 0 and "Couldn't connect" in refused.err, refused.err
        once = _status_becomes("initfail", "failing-once", ("Init:Error",), within=5)
        assert [(c["exitCode"], c["restarts"]) for c in once["initContainerStatuses"]] == [(1, 0)], once
        assert once["containerStatuses"][0]["state"] == "waiting"
        assert not Path("/run/netlab/initfail/logs/failing-once_app.log").read_text()
        assert netlab("delete", "initfail", "pod/failing", "pod/failing-once").code == 0
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert held["netns"] not in left and once["netns"] not in left
        assert not [line for line in _processes() if "netlab.workloads.pod" in line], _processes()


def _processes() -> list[str]:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
