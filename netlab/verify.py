"""Run a lab's checks with real traffic and judge each one: passed, or why not.

Every probe runs inside the check's source namespace (`ip netns exec`), bounded in time; names in
targets (pods, nodes, hosts) stand for their addresses in the plan. A check with `capture:` runs
tcpdump in another namespace around its traffic, to show what the wire carried (VXLAN on the
underlay, for instance). Checks run in the lab's order: later ones may rely on earlier traffic
(a bridge learns MACs from the pings before it).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

from netlab.model.lab import Check
from netlab.plan.model import LabPlan
from netlab.probe import bind, bridge, capture, http, ping

CAPTURE_READY_S = 3.0


@dataclass
class Verdict:
    name: str
    source: str
    target: str
    passed: bool
    detail: str
    skipped: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        data["from"], data["to"] = data.pop("source"), data.pop("target")
        return data


def run(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(argv, 124, exc.stdout or "", "timeout")


def verify(plan: LabPlan) -> list[Verdict]:
    """Judge every check of the lab (those that do not apply to its mode are skipped)."""
    return [judge(plan, check) for check in plan.lab.checks]


def judge(plan: LabPlan, check: Check) -> Verdict:
    verdict = Verdict(check.name, check.source, target_label(check), False, "")
    if not check.applies_to(plan.network, plan.proxy_mode):
        verdict.passed, verdict.skipped = True, True
        verdict.detail = "skipped: only when " + ", ".join(f"{k}={v}" for k, v in check.when.items())
        return verdict
    netns = plan.netns_of(check.source.split("/")[0])
    assert netns, check.source  # validated with the lab
    if check.capture is None:
        verdict.passed, verdict.detail = PROBES[check.kind](plan, check, netns)
        return verdict
    sniff_ns = plan.netns_of(check.capture.at)
    assert sniff_ns
    sniffer = _start_capture(sniff_ns, check)
    try:
        passed, detail = PROBES[check.kind](plan, check, netns)
    finally:
        time.sleep(0.3)  # let the last packets reach the capture
        sniffer.terminate()
        stdout, stderr = sniffer.communicate(timeout=5)
    count, example = capture.read(stdout, stderr)
    wanted = bool(check.expect.get("captured", True))
    seen = f"{check.capture.at} saw {count} packet(s) matching '{check.capture.filter}'"
    verdict.passed = passed and (count > 0) == wanted
    verdict.detail = f"{detail}; {seen}" + (f": {example}" if example and count else "")
    return verdict


def _start_capture(netns: str, check: Check) -> subprocess.Popen:
    """tcpdump, started and ready (it says 'listening on') before the traffic goes."""
    assert check.capture
    proc = subprocess.Popen(capture.command(netns, check.capture.filter, check.capture.interface),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr
    deadline = time.monotonic() + CAPTURE_READY_S
    banner = ""
    while time.monotonic() < deadline and "listening on" not in banner:
        line = proc.stderr.readline()
        if not line:
            break
        banner += line
    return proc


def target_label(check: Check) -> str:
    if check.kind == "http":
        return urlsplit(check.target).hostname or check.target
    if check.kind == "bind":
        return f"port {check.target}"
    return check.target


def resolve(plan: LabPlan, name: str) -> str:
    """A pod, node or host name stands for its address; anything else is used as it is."""
    address = plan.address_of(name)
    return str(address) if address else name


def _who(plan: LabPlan, address: str) -> str:
    owner = plan.name_of(address)
    return f"{address} ({owner})" if owner else address


def probe_ping(plan: LabPlan, check: Check, netns: str) -> tuple[bool, str]:
    done = run(ping.command(netns, resolve(plan, check.target)))
    result = ping.read(done.returncode, done.stdout, done.stderr)
    wanted = bool(check.expect.get("reachable", True))
    if result.reachable == wanted:
        return True, result.detail
    return False, result.detail if wanted else f"reachable, expected not: {result.detail}"


def probe_http(plan: LabPlan, check: Check, netns: str) -> tuple[bool, str]:
    parts = urlsplit(check.target)
    host = resolve(plan, parts.hostname or "")
    url = urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))
    results = [http.read(d.returncode, d.stdout, d.stderr)
               for d in (run(http.command(netns, url)) for _ in range(check.count))]
    failed = [r for r in results if not r.ok]
    if not check.expect.get("reachable", True):
        if len(failed) == len(results):
            return True, f"no answer, as expected: {failed[0].error}"
        answered = next(r for r in results if r.ok)
        return False, f"answered (HTTP {answered.status}: {answered.body[:40]}), expected no answer"
    if failed:
        return False, f"{len(failed)}/{len(results)} requests failed: {failed[0].error}"
    return _judge_answers(plan, check, results)


def _judge_answers(plan: LabPlan, check: Check, results: list[http.HttpResult]) -> tuple[bool, str]:
    bodies = [r.body.strip() for r in results]
    expect = check.expect
    if "status" in expect and any(r.status != expect["status"] for r in results):
        return False, f"HTTP {results[0].status}, expected {expect['status']}"
    if any(r.status >= 400 for r in results) and "status" not in expect:
        return False, f"HTTP {results[0].status}: {bodies[0][:60]}"
    if "body" in expect and any(b != str(expect["body"]) for b in bodies):
        return False, f"body {bodies[0][:60]!r}, expected {expect['body']!r}"
    if "answeredBy" in expect:
        wanted = expect["answeredBy"]
        wanted = set(wanted) if isinstance(wanted, list) else {wanted}
        got = set(bodies)
        counts = ", ".join(f"{b} x{bodies.count(b)}" for b in sorted(got))
        if got != wanted:
            missing = wanted - got
            wrong = got - wanted
            why = (f"answered by the wrong pod: {', '.join(sorted(wrong))}" if wrong
                   else f"{', '.join(sorted(missing))} never answered")
            return False, f"{why} ({counts})"
        return True, f"answered by {counts}"
    if "clientIP" in expect:
        seen = [b.rsplit(":", 1)[0] for b in bodies]
        want = resolve(plan, str(expect["clientIP"]))
        if any(s != want for s in seen):
            bad = next(s for s in seen if s != want)
            return False, f"the server saw {_who(plan, bad)}, expected {_who(plan, want)} (NATed source?)"
        return True, f"the server saw {_who(plan, want)}"
    return True, f"HTTP {results[0].status}: {bodies[0][:60]}"


def probe_bind(plan: LabPlan, check: Check, netns: str) -> tuple[bool, str]:
    done = run(bind.command(netns, int(check.target)))
    in_use, said = bind.read(done.returncode, done.stdout)
    wanted = bool(check.expect.get("inUse", True))
    state = "taken" if in_use else "free"
    return in_use == wanted, f"port {check.target} is {state} ({said})"


def probe_bridge(plan: LabPlan, check: Check, netns: str) -> tuple[bool, str]:
    done = run(bridge.command(netns, check.target))
    if done.returncode:
        return False, done.stderr.strip() or f"no bridge {check.target}"
    learned = bridge.read(done.stdout)
    wanted = check.expect.get("learned", [])
    wanted = wanted if isinstance(wanted, list) else [wanted]
    missing = []
    found = []
    for name in wanted:
        member = plan.member(name)
        mac = getattr(member, "mac", None)
        if mac in learned:
            found.append(f"{name} {mac} on {learned[mac]}")
        else:
            missing.append(f"{name} ({mac})")
    if missing:
        return False, f"{check.target} has not learned {', '.join(missing)}"
    return True, f"{check.target} learned " + "; ".join(found)


PROBES = {"ping": probe_ping, "http": probe_http, "bind": probe_bind, "bridge": probe_bridge}
