"""netlab.verify: the verdicts of checks, judged from canned probe results instead of a kernel.

`netlab.verify.probes.run` is the only place that touches the machine; each test swaps it for a fake that
records the argv it gets and answers with `subprocess.CompletedProcess` objects. Names and
addresses come from the pod-to-pod lab: pod-a 10.244.1.2, pod-b 10.244.1.3, node-1 192.168.56.11.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from netlab import verify
from netlab.model.lab import Capture, Check
from netlab.plan import LabPlan, make_plan
from netlab.verify import probes

PING_OK = """\
2 packets transmitted, 2 received, 0% packet loss, time 203ms
rtt min/avg/max/mdev = 0.040/0.041/0.042/0.001 ms
"""
PING_LOST = "2 packets transmitted, 0 received, 100% packet loss, time 1019ms\n"
CURL_REFUSED = "* connect to 10.244.1.3 port 9090 failed: Connection refused\n"
ICMP_SEEN = (
    "12:00:00.000001 IP 10.244.1.2 > 10.244.1.3: ICMP echo request, id 7, seq 1, length 64\n",
    "listening on br0, link-type EN10MB (Ethernet)\n2 packets captured\n",
)


def done(returncode: int = 0, stdout: str = "", stderr: str = "") -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], returncode, stdout, stderr)


def answer(body: str, status: int = 200, peer: str = "10.244.1.3") -> subprocess.CompletedProcess:
    """What curl -w '\\n%{remote_ip}\\n%{http_code}' prints for an HTTP answer."""
    return done(0, f"{body}\n{peer}\n{status}")


def check(kind: str, target: str, expect: dict | None = None, **more) -> Check:
    return Check(
        name=f"a {kind} check",
        source=more.pop("source", "pod-a"),
        kind=kind,
        target=target,
        expect=expect or {},
        **more,
    )


class FakeRun:
    """Stands in for `netlab.verify.probes.run`: records each argv, gives the answers in turn, round and round."""

    def __init__(self, answers: tuple[subprocess.CompletedProcess, ...]):
        self.answers = itertools.cycle(answers)
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess:
        self.calls.append(argv)
        return next(self.answers)


@pytest.fixture
def plan(bundled_lab) -> LabPlan:
    return make_plan(bundled_lab("pod-to-pod"))


@pytest.fixture
def kernel(monkeypatch) -> Callable[..., FakeRun]:
    """Install a FakeRun with these answers in place of the real probes."""

    def install(*answers: subprocess.CompletedProcess) -> FakeRun:
        fake = FakeRun(answers)
        monkeypatch.setattr(probes, "run", fake)
        return fake

    return install


# -- http: who answered -----------------------------------------------------------------------------
def test_answered_by_every_expected_pod(plan, kernel) -> None:
    fake = kernel(answer("pod-a"), answer("pod-b"))
    verdict = verify.judge(
        plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": ["pod-a", "pod-b"]}, count=4)
    )
    assert (verdict.passed, verdict.detail) == (True, "answered by pod-a x2, pod-b x2")
    assert verdict.target == "pod-b"
    assert fake.calls[0][:4] == ["ip", "netns", "exec", "nl-pod-to-pod.pod-a"]
    assert fake.calls[0][-1] == "http://10.244.1.3:8080/hostname"  # names stand for their addresses


def test_an_expected_pod_that_never_answered(plan, kernel) -> None:
    kernel(answer("pod-a"))
    verdict = verify.judge(
        plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": ["pod-a", "pod-b"]}, count=3)
    )
    assert (verdict.passed, verdict.detail) == (False, "pod-b never answered (pod-a x3)")


def test_answered_by_the_wrong_pod(plan, kernel) -> None:
    kernel(answer("pod-a"))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}))
    assert (verdict.passed, verdict.detail) == (False, "answered by the wrong pod: pod-a (pod-a x1)")


def test_count_makes_that_many_requests(plan, kernel) -> None:
    fake = kernel(answer("pod-b"))
    verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=7))
    assert len(fake.calls) == 7


# -- http: which source the server saw ----------------------------------------------------------------
def test_client_ip_is_the_pod_own(plan, kernel) -> None:
    kernel(answer("10.244.1.2:45678"))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/clientip", {"clientIP": "pod-a"}))
    assert (verdict.passed, verdict.detail) == (True, "the server saw 10.244.1.2 (pod-a)")


def test_a_nated_source_names_what_the_server_saw(plan, kernel) -> None:
    kernel(answer("10.244.1.2:45678"), answer("192.168.56.11:45679"))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/clientip", {"clientIP": "pod-a"}, count=2))
    assert not verdict.passed
    assert verdict.detail == "the server saw 192.168.56.11 (node-1), expected 10.244.1.2 (pod-a) (NATed source?)"


# -- http: status, body, failures -------------------------------------------------------------------
def test_expected_no_answer_and_refused(plan, kernel) -> None:
    kernel(done(7, "\n000", CURL_REFUSED))
    verdict = verify.judge(plan, check("http", "http://localhost:9090/hostname", {"reachable": False}))
    assert (verdict.passed, verdict.detail) == (True, "no answer, as expected: connection refused")
    assert verdict.target == "localhost"


def test_expected_no_answer_but_answered(plan, kernel) -> None:
    kernel(done(7, "\n000", CURL_REFUSED), answer("pod-b"))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"reachable": False}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests were answered, expected none")


def test_expected_an_answer_but_refused(plan, kernel) -> None:
    kernel(answer("pod-b"), done(7, "\n000", CURL_REFUSED))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests failed: connection refused")


def test_an_error_status_fails_unless_expected(plan, kernel) -> None:
    kernel(answer("404 page not found", 404))
    target = "http://pod-b:8080/nothing"
    assert verify.judge(plan, check("http", target)).detail == "HTTP 404: 404 page not found"
    assert verify.judge(plan, check("http", target, {"status": 404})).passed
    assert verify.judge(plan, check("http", target, {"status": 200})).detail == "HTTP 404, expected 200"


def test_body(plan, kernel) -> None:
    kernel(answer("hello"))
    target = "http://pod-b:8080/echo?msg=hello"
    assert verify.judge(plan, check("http", target, {"body": "hello"})).passed
    assert verify.judge(plan, check("http", target, {"body": "bye"})).detail == "body 'hello', expected 'bye'"


# -- ping, bind, bridge -------------------------------------------------------------------------------
def test_ping_reachable(plan, kernel) -> None:
    fake = kernel(done(0, PING_OK))
    verdict = verify.judge(plan, check("ping", "pod-b"))
    assert (verdict.passed, verdict.detail) == (True, "2/2 replies, rtt 0.041 ms")
    assert fake.calls[0][-1] == "10.244.1.3"


@pytest.mark.parametrize(
    ("reachable", "output", "passed", "detail"),
    [
        (False, PING_LOST, True, "no reply (timeout)"),
        (True, PING_LOST, False, "no reply (timeout)"),
        (False, PING_OK, False, "reachable, expected not: 2/2 replies, rtt 0.041 ms"),
    ],
    ids=["unreachable-as-expected", "expected-reachable", "expected-unreachable"],
)
def test_ping_expectations(plan, kernel, reachable: bool, output: str, passed: bool, detail: str) -> None:
    kernel(done(0 if "2 received" in output else 1, output))
    verdict = verify.judge(plan, check("ping", "10.244.1.3", {"reachable": reachable}))
    assert (verdict.passed, verdict.detail) == (passed, detail)


def test_bind_port_in_use(plan, kernel) -> None:
    fake = kernel(done(1, "Address already in use\n"))
    verdict = verify.judge(plan, check("bind", "8080", {"inUse": True}))
    assert (verdict.passed, verdict.detail, verdict.target) == (
        True,
        "port 8080 is taken (Address already in use)",
        "port 8080",
    )
    assert fake.calls[0][-2:] == ["8080", "TCP"]


def test_bind_port_expected_free_but_taken(plan, kernel) -> None:
    kernel(done(1, "Address already in use\n"))
    assert not verify.judge(plan, check("bind", "8080", {"inUse": False})).passed


def fdb(plan: LabPlan, *pods: str) -> subprocess.CompletedProcess:
    entries = [
        {"mac": p.mac, "ifname": p.host_veth, "flags": [], "master": "cni0", "state": ""}
        for p in plan.pods
        if p.name in pods
    ]
    return done(0, json.dumps(entries))


def test_bridge_learned_every_pod(plan, kernel) -> None:
    fake = kernel(fdb(plan, "pod-a", "pod-b"))
    verdict = verify.judge(plan, check("bridge", "cni0", {"learned": ["pod-a", "pod-b"]}, source="node-1"))
    assert verdict.passed, verdict.detail
    assert fake.calls[0][3] == "nl-pod-to-pod.node-1"


def test_bridge_missing_a_pod_names_it_and_its_mac(plan, kernel) -> None:
    kernel(fdb(plan, "pod-a"))
    pod_b = plan.member("pod-b")
    verdict = verify.judge(plan, check("bridge", "cni0", {"learned": ["pod-a", "pod-b"]}, source="node-1"))
    assert (verdict.passed, verdict.detail) == (False, f"cni0 has not learned pod-b ({pod_b.mac})")


def test_bridge_that_does_not_exist(plan, kernel) -> None:
    kernel(done(1, "", 'Cannot find device "cni9"\n'))
    verdict = verify.judge(plan, check("bridge", "cni9", {"learned": ["pod-a"]}, source="node-1"))
    assert (verdict.passed, verdict.detail) == (False, 'Cannot find device "cni9"')


# -- when: -----------------------------------------------------------------------------------------
def test_a_check_for_another_network_is_skipped_without_traffic(plan, kernel) -> None:
    fake = kernel(done(0, PING_OK))
    verdict = verify.judge(plan, check("ping", "pod-b", when={"network": "vxlan"}))
    assert (verdict.passed, verdict.skipped, verdict.detail) == (True, True, "skipped: only when network=vxlan")
    assert fake.calls == []


def test_a_check_for_this_network_runs(bundled_lab, kernel) -> None:
    fake = kernel(done(0, PING_OK))
    plan = make_plan(bundled_lab("pod-to-pod"), network="vxlan")
    verdict = verify.judge(plan, check("ping", "pod-b", when={"network": "vxlan"}))
    assert (verdict.passed, verdict.skipped) == (True, False)
    assert len(fake.calls) == 1


# -- capture: --------------------------------------------------------------------------------------
class FakeSniffer:
    """Stands in for the tcpdump that `_start_capture` starts: stopped, it hands over its output."""

    def __init__(self, output: tuple[str, str]):
        self.output = output
        self.started_in: list[tuple[str, Check]] = []
        self.terminated = False

    def start(self, netns: str, check: Check) -> FakeSniffer:
        self.started_in.append((netns, check))
        return self

    def terminate(self) -> None:
        self.terminated = True

    def communicate(self, timeout: float) -> tuple[str, str]:
        return self.output


@pytest.fixture
def sniffer(monkeypatch) -> Callable[[tuple[str, str]], FakeSniffer]:
    def install(output: tuple[str, str]) -> FakeSniffer:
        fake = FakeSniffer(output)
        monkeypatch.setattr(verify, "_start_capture", fake.start)
        monkeypatch.setattr(verify, "time", SimpleNamespace(sleep=lambda seconds: None))
        return fake

    return install


@pytest.mark.parametrize(("captured", "passed"), [(True, True), (False, False)], ids=["wanted", "unwanted"])
def test_capture_judges_what_the_wire_carried(plan, kernel, sniffer, captured: bool, passed: bool) -> None:
    kernel(done(0, PING_OK))
    fake = sniffer(ICMP_SEEN)
    the_check = check("ping", "pod-b", {"captured": captured}, capture=Capture("underlay", "icmp", "br0"))
    verdict = verify.judge(plan, the_check)
    assert verdict.passed is passed
    assert verdict.detail == (
        "2/2 replies, rtt 0.041 ms; underlay saw 2 packet(s) matching 'icmp': " + ICMP_SEEN[0].strip()
    )
    assert fake.started_in == [("nl-pod-to-pod.underlay", the_check)] and fake.terminated


def test_capture_of_nothing_when_nothing_is_wanted(plan, kernel, sniffer) -> None:
    kernel(done(0, PING_OK))
    sniffer(("", "0 packets captured\n"))
    verdict = verify.judge(plan, check("ping", "pod-b", {"captured": False}, capture=Capture("underlay", "udp")))
    assert verdict.passed
    assert verdict.detail == "2/2 replies, rtt 0.041 ms; underlay saw 0 packet(s) matching 'udp'"


# -- a whole lab --------------------------------------------------------------------------------
def test_every_check_of_pod_to_pod_passes_on_a_healthy_lab(plan, monkeypatch) -> None:
    """A fake kernel that behaves like a working lab: replies, hostnames, clients' own addresses."""
    pods = {p.netns: p for p in plan.pods}

    def healthy(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess:
        tool = argv[4]
        if tool == "ping":
            return done(0, PING_OK)
        if tool == "bridge":
            return fdb(plan, *(p.name for p in plan.pods))
        url = urlsplit(argv[-1])
        return answer(plan.name_of(url.hostname) if url.path == "/hostname" else f"{pods[argv[3]].ip.ip}:40000")

    monkeypatch.setattr(probes, "run", healthy)
    verdicts = verify.verify(plan)
    assert [v.name for v in verdicts] == [c.name for c in plan.lab.checks]
    assert all(v.passed and not v.skipped for v in verdicts), [v.detail for v in verdicts if not v.passed]
    assert set(verdicts[0].as_dict()) == {"name", "from", "to", "passed", "detail", "skipped", "pending"}


def test_a_pending_check_is_neither_run_nor_passed(make_lab, monkeypatch) -> None:
    lab = make_lab("""\
        name: pend
        cluster: {nodes: [node-1]}
        objects:
          - {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}
        checks:
          - {name: later, from: a, ping: a, pending: needs cluster DNS}
    """)
    monkeypatch.setattr(probes, "run", lambda *_: pytest.fail("a pending check ran"))
    (verdict,) = verify.verify(make_plan(lab))
    assert (verdict.passed, verdict.pending, verdict.detail) == (False, True, "pending: needs cluster DNS")
