"""netlab.verify: the verdicts of checks, judged from canned probe results instead of a kernel.

`netlab.verify.probes.run` is the only place that touches the machine; each test swaps it for a fake that
records the argv it gets and answers with `subprocess.CompletedProcess` objects. Names and
addresses come from the pod-to-pod lab: pod-a 10.244.1.2, pod-b 10.244.1.3, node-1 192.168.56.11.
An http check's requests are one curl (a batch, `curl(...)` below), a udp check's one python3.
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
from netlab.probe import http, udp
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


def answer(body: str, status: int = 200, peer: str = "10.244.1.3") -> tuple[bytes, bytes]:
    """One request's HTTP answer as curl writes it with http.WRITE_OUT: (the body, its trailer)."""
    return body.encode(), f"\nnetlab-transfer 0 {len(body.encode())} {status} {peer}\n".encode()


def refused() -> tuple[bytes, bytes]:
    return b"", f"{CURL_REFUSED}\nnetlab-transfer 7 0 000 \n".encode()


def timed_out(
    trace: str = "Failed to connect to 10.244.1.3 port 8080 after 2001 ms: Timeout was reached",
) -> tuple[bytes, bytes]:
    return b"", f"* {trace}\n\nnetlab-transfer 28 0 000 \n".encode()


def curl(*requests: tuple[bytes, bytes]) -> subprocess.CompletedProcess:
    """One curl's batch of these requests: the bodies on stdout, each request's trace and trailer on stderr."""
    return subprocess.CompletedProcess([], 0, b"".join(r[0] for r in requests), b"".join(r[1] for r in requests))


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
        self.timeouts: list[float] = []

    def __call__(self, argv: list[str], timeout: float = 10.0, text: bool = True) -> subprocess.CompletedProcess:
        self.calls.append(argv)
        self.timeouts.append(timeout)
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
    fake = kernel(curl(answer("pod-a"), answer("pod-b"), answer("pod-a"), answer("pod-b")))
    verdict = verify.judge(
        plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": ["pod-a", "pod-b"]}, count=4)
    )
    assert (verdict.passed, verdict.detail) == (True, "answered by pod-a x2, pod-b x2")
    assert verdict.target == "pod-b"
    assert fake.calls[0][:4] == ["ip", "netns", "exec", "nl-pod-to-pod.pod-a"]
    assert fake.calls[0][-1] == "http://10.244.1.3:8080/hostname"  # names stand for their addresses


def test_an_expected_pod_that_never_answered(plan, kernel) -> None:
    kernel(curl(*[answer("pod-a")] * 3))
    verdict = verify.judge(
        plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": ["pod-a", "pod-b"]}, count=3)
    )
    assert (verdict.passed, verdict.detail) == (False, "pod-b never answered (pod-a x3)")


def test_answered_by_the_wrong_pod(plan, kernel) -> None:
    kernel(curl(answer("pod-a")))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}))
    assert (verdict.passed, verdict.detail) == (False, "answered by the wrong pod: pod-a (pod-a x1)")


def test_count_makes_that_many_requests_from_one_curl(plan, kernel) -> None:
    fake = kernel(curl(*[answer("pod-b")] * 7))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=7))
    assert (verdict.passed, verdict.detail) == (True, "answered by pod-b x7")
    assert len(fake.calls) == 1
    assert fake.calls[0][-8:] == [http.WRITE_OUT, *["http://10.244.1.3:8080/hostname"] * 7]
    assert fake.timeouts == [http.timeout_s(7)]  # every request has its --max-time


def test_a_request_curl_did_not_get_to_counts_as_failed(plan, kernel) -> None:
    killed = curl(answer("pod-b"))
    kernel(subprocess.CompletedProcess([], 124, killed.stdout, killed.stderr))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests failed: curl failed (124)")


# -- http: which source the server saw ----------------------------------------------------------------
def test_client_ip_is_the_pod_own(plan, kernel) -> None:
    kernel(curl(answer("10.244.1.2:45678")))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/clientip", {"clientIP": "pod-a"}))
    assert (verdict.passed, verdict.detail) == (True, "the server saw 10.244.1.2 (pod-a)")


def test_a_nated_source_names_what_the_server_saw(plan, kernel) -> None:
    kernel(curl(answer("10.244.1.2:45678"), answer("192.168.56.11:45679")))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/clientip", {"clientIP": "pod-a"}, count=2))
    assert not verdict.passed
    assert verdict.detail == "the server saw 192.168.56.11 (node-1), expected 10.244.1.2 (pod-a) (NATed source?)"


# -- http: status, body, failures -------------------------------------------------------------------
def test_expected_no_answer_and_refused(plan, kernel) -> None:
    kernel(curl(refused()))
    verdict = verify.judge(plan, check("http", "http://localhost:9090/hostname", {"reachable": False}))
    assert (verdict.passed, verdict.detail) == (True, "no answer, as expected: connection refused")
    assert verdict.target == "localhost"


def test_expected_no_answer_but_answered(plan, kernel) -> None:
    kernel(curl(refused(), answer("pod-b")))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"reachable": False}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests were answered, expected none")


def test_expected_an_answer_but_refused(plan, kernel) -> None:
    kernel(curl(answer("pod-b"), refused()))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests failed: connection refused")


@pytest.mark.parametrize(
    "trace, why",
    [
        ("Resolving timed out after 2000 milliseconds", "timeout: no name lookup answer within 2.0 s"),
        ("Connection timed out after 2001 milliseconds", "timeout: no TCP handshake within 2.0 s"),
        (
            "Failed to connect to 10.96.0.20 port 80 after 2001 ms: Timeout was reached",
            "timeout: no TCP handshake within 2.0 s",
        ),
        (
            "Operation timed out after 3000 milliseconds with 0 bytes received",
            "timeout: no complete answer within 3.0 s",
        ),
        ("", "timeout"),
    ],
)
def test_a_timeout_names_the_step_that_ran_out_of_time(plan, kernel, trace: str, why: str) -> None:
    kernel(curl(timed_out(trace)))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}))
    assert (verdict.passed, verdict.detail) == (False, f"1/1 requests failed: {why}")


# -- http and udp: a request lost among answered ones is sent again -----------------------------------
def test_a_timed_out_request_among_answers_is_sent_again_patiently(plan, kernel) -> None:
    fake = kernel(curl(answer("pod-b"), timed_out(), answer("pod-b")), curl(answer("pod-b")))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=3))
    assert (verdict.passed, verdict.detail) == (
        True,
        "answered by pod-b x3; 1 of 3 answered only when sent again (at first: timeout: no TCP handshake within 2.0 s)",
    )
    again = fake.calls[1]
    assert again[again.index("--connect-timeout") + 1] == str(http.PATIENT_CONNECT_TIMEOUT_S)
    assert again[-1:] == ["http://10.244.1.3:8080/hostname"]  # only the lost one
    assert fake.timeouts == [http.timeout_s(3), http.timeout_s(1, patient=True)]


def test_a_request_lost_twice_fails_with_its_timeout(plan, kernel) -> None:
    kernel(curl(answer("pod-b"), timed_out()), curl(timed_out()))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", {"answeredBy": "pod-b"}, count=2))
    assert (verdict.passed, verdict.detail) == (False, "1/2 requests failed: timeout: no TCP handshake within 2.0 s")


@pytest.mark.parametrize(
    "batch, expect",
    [
        ((timed_out(), timed_out()), {"answeredBy": "pod-b"}),  # a path that is down: nothing answered
        ((refused(), timed_out()), {"answeredBy": "pod-b"}),  # refused: no loss, a rule or a server
        ((answer("pod-b"), timed_out()), {"reachable": False}),  # no answer was the expectation
    ],
)
def test_nothing_is_sent_again_where_no_packet_was_lost_by_chance(plan, kernel, batch, expect) -> None:
    fake = kernel(curl(*batch))
    verdict = verify.judge(plan, check("http", "http://pod-b:8080/hostname", expect, count=2))
    assert not verdict.passed and len(fake.calls) == 1


def test_an_error_status_fails_unless_expected(plan, kernel) -> None:
    kernel(curl(answer("404 page not found", 404)))
    target = "http://pod-b:8080/nothing"
    assert verify.judge(plan, check("http", target)).detail == "HTTP 404: 404 page not found"
    assert verify.judge(plan, check("http", target, {"status": 404})).passed
    assert verify.judge(plan, check("http", target, {"status": 200})).detail == "HTTP 404, expected 200"


def test_body(plan, kernel) -> None:
    kernel(curl(answer("hello")))
    target = "http://pod-b:8080/echo?msg=hello"
    assert verify.judge(plan, check("http", target, {"body": "hello"})).passed
    assert verify.judge(plan, check("http", target, {"body": "bye"})).detail == "body 'hello', expected 'bye'"


# -- udp: one python3 for the batch -------------------------------------------------------------------
def test_udp_batch_answered_and_refused(plan, kernel) -> None:
    fake = kernel(done(0, '["ok", "pod-b\\n"]\n["refused", ""]\n["ok", "pod-b"]\n'))
    verdict = verify.judge(plan, check("udp", "pod-b:8081", {"answeredBy": "pod-b"}, count=3))
    assert (verdict.passed, verdict.detail) == (False, "1/3 requests failed: refused (port unreachable)")
    assert len(fake.calls) == 1 and fake.calls[0][-5:] == ["10.244.1.3", "8081", "hostname", "2", "3"]
    assert verdict.target == "pod-b"


def test_udp_datagram_lost_among_answers_is_sent_again(plan, kernel) -> None:
    fake = kernel(done(0, '["ok", "pod-b"]\n["timeout", ""]\n'), done(0, '["ok", "pod-b"]\n'))
    verdict = verify.judge(plan, check("udp", "pod-b:8081", {"answeredBy": "pod-b"}, count=2))
    assert verdict.passed and verdict.detail.endswith(
        "1 of 2 answered only when sent again (at first: no answer (timeout))"
    )
    assert fake.calls[1][-5:] == ["10.244.1.3", "8081", "hostname", str(udp.PATIENT_TIMEOUT_S), "1"]


def test_udp_batch_answered_by_one_pod(plan, kernel) -> None:
    kernel(done(0, '["ok", "pod-b\\n"]\n' * 4))
    verdict = verify.judge(plan, check("udp", "pod-b:8081", {"answeredBy": "pod-b"}, count=4))
    assert (verdict.passed, verdict.detail) == (True, "answered by pod-b x4")


# -- env: one dump per source and verify() -------------------------------------------------------------
ENV_LAB = """\
    name: envs
    cluster: {nodes: [node-1]}
    objects:
      - {apiVersion: v1, kind: Pod, metadata: {name: late}, spec: {containers: [{name: c}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: early}, spec: {containers: [{name: c}]}}
    checks:
      - {name: late has the host, from: late, env: WEB_SERVICE_HOST, expect: {value: 10.96.0.20}}
      - {name: late has the port, from: late, env: WEB_SERVICE_PORT, expect: {value: "80"}}
      - {name: late has no api, from: late, env: API_SERVICE_HOST, expect: {present: false}}
      - {name: early has none, from: early, env: WEB_SERVICE_HOST, expect: {present: false}}
"""


def test_env_checks_of_one_source_share_one_dump(make_lab, monkeypatch) -> None:
    dumps = {"late": "HOME=/\0WEB_SERVICE_HOST=10.96.0.20\0WEB_SERVICE_PORT=80\0", "early": "HOME=/\0"}
    asked: list[list[str]] = []

    def netlab_exec(argv: list[str], timeout: float = 10.0, text: bool = True) -> subprocess.CompletedProcess:
        asked.append(argv)
        return done(0, dumps[argv[argv.index("exec") + 2]])

    monkeypatch.setattr(probes, "run", netlab_exec)
    plan = make_plan(make_lab(ENV_LAB))
    verdicts = verify.verify(plan)
    assert [(v.passed, v.detail) for v in verdicts] == [
        (True, "WEB_SERVICE_HOST=10.96.0.20"),
        (True, "WEB_SERVICE_PORT=80"),
        (True, "API_SERVICE_HOST is not set"),
        (True, "WEB_SERVICE_HOST is not set"),
    ]
    assert [a[-5:] for a in asked] == [
        ["envs", "late", "--", "printenv", "-0"],
        ["envs", "early", "--", "printenv", "-0"],
    ]
    verify.verify(plan)
    assert len(asked) == 4  # the dumps do not outlive their verify()


def test_env_check_whose_netlab_exec_failed(make_lab, kernel) -> None:
    kernel(done(2, "", "pod late has no container 'x' (it has c)\n"))
    plan = make_plan(make_lab(ENV_LAB))
    verdict = verify.judge(plan, plan.lab.checks[0])
    assert (verdict.passed, verdict.detail) == (False, "pod late has no container 'x' (it has c)")


def test_env_value_other_than_expected(make_lab, kernel) -> None:
    kernel(done(0, "WEB_SERVICE_HOST=10.96.0.99\0"))
    plan = make_plan(make_lab(ENV_LAB))
    verdicts = [verify.judge(plan, c) for c in plan.lab.checks[:2]]
    assert [v.detail for v in verdicts] == [
        "WEB_SERVICE_HOST=10.96.0.99, expected 10.96.0.20",
        "WEB_SERVICE_PORT is not set",
    ]


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


# -- dns: a lookup no server answers ------------------------------------------------------------------
DIG_REFUSED = """\
;; communications error to 10.96.0.10#53: connection refused

; <<>> DiG 9.18.49-1~deb12u1-Debian <<>> +search +tries=1 +time=2 db.shop
;; global options: +cmd
;; no servers could be reached
"""
DIG_ANSWERED = """\
; <<>> DiG 9.18.49-1~deb12u1-Debian <<>> +search +tries=1 +time=2 pod-b
;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1
;; QUESTION SECTION:
;pod-b.default.svc.cluster.local. IN A
"""


@pytest.mark.parametrize(
    ("expect", "output", "passed", "detail"),
    [
        (
            {"reachable": False, "reason": "refused"},
            DIG_REFUSED,
            True,
            "no answer, as expected: communications error to 10.96.0.10#53: connection refused",
        ),
        (
            {"reachable": False, "reason": "timed out"},
            DIG_REFUSED,
            False,
            "no answer, but communications error to 10.96.0.10#53: connection refused, expected timed out",
        ),
        ({"reachable": False}, DIG_ANSWERED, False, "answered NXDOMAIN, expected no answer"),
        ({}, DIG_REFUSED, False, "communications error to 10.96.0.10#53: connection refused"),
    ],
    ids=["refused-as-expected", "refused-not-timed-out", "answered", "expected-an-answer"],
)
def test_dns_expected_without_an_answer(plan, kernel, expect: dict, output: str, passed: bool, detail: str) -> None:
    """A policy without port 53 (kube-router REJECTs): dig names why the first server gave nothing."""
    kernel(done(9 if "no servers" in output else 0, output))
    verdict = verify.judge(plan, check("dns", "pod-b", expect))
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

    def healthy(argv: list[str], timeout: float = 10.0, text: bool = True) -> subprocess.CompletedProcess:
        tool = argv[4]
        if tool == "ping":
            return done(0, PING_OK)
        if tool == "bridge":
            return fdb(plan, *(p.name for p in plan.pods))
        urls = argv[argv.index(http.WRITE_OUT) + 1 :]
        url = urlsplit(urls[0])
        body = plan.name_of(url.hostname) if url.path == "/hostname" else f"{pods[argv[3]].ip.ip}:40000"
        return curl(*[answer(body)] * len(urls))

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
