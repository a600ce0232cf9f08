"""The probes of `verify`, one per check kind: run the command in the source namespace, read its
output, and judge it against the check's expectations. Each returns (passed, detail).

One process per check: an http or udp check's `count` requests go out from one curl or python3
(each on a connection of its own), and the env checks of one source share one dump of its
environment (`ProbeCache`, one per `verify()`)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from netlab.kernel import netnsread
from netlab.model.lab import Check
from netlab.plan.model import LabPlan
from netlab.probe import bind, bridge, dns, env, http, ping, udp
from netlab.verify.answers import judge_answers, judge_failures, judge_lookup, resolve, target_of

Result = TypeVar("Result", http.HttpResult, udp.UdpResult)


def run(argv: list[str], timeout: float = 10.0, text: bool = True) -> subprocess.CompletedProcess:
    """`argv`, bounded in time: out of time, exit 124 as timeout(1), with what it printed so far.
    `text=False` keeps the output as bytes (curl's bodies are cut apart by their sizes)."""
    try:
        return subprocess.run(argv, capture_output=True, text=text, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        said = exc.stdout if isinstance(exc.stdout, bytes) else b""  # bytes even with text=True
        if text:
            return subprocess.CompletedProcess(argv, 124, said.decode(errors="replace"), "timeout")
        return subprocess.CompletedProcess(argv, 124, said, b"timeout")


class ProbeCache:
    """What the checks of one `verify()` share, fetched once: each source's environment."""

    def __init__(self) -> None:
        self._environments: dict[str, subprocess.CompletedProcess] = {}

    def environment(self, plan: LabPlan, source: str) -> subprocess.CompletedProcess:
        if source not in self._environments:
            self._environments[source] = run(env.command(plan.name, source))
        return self._environments[source]


def probe_ping(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    done = run(ping.command(netns, target_of(plan, check.source, check.target)))
    result = ping.read(done.returncode, done.stdout, done.stderr)
    wanted = bool(check.expect.get("reachable", True))
    if result.reachable == wanted:
        return True, result.detail
    return False, result.detail if wanted else f"reachable, expected not: {result.detail}"


def _sent_again(check: Check, send: Callable[[int, bool], list[Result]]) -> tuple[list[Result], str]:
    """The check's batch, sent by `send(count, patient)`. Where every failure was a timeout while
    other requests were answered, the lost ones are sent once more, patiently (a new source port,
    time for one more lost packet to be resent), and their new outcomes replace the old. A loaded
    machine loses a packet now and then (CI runs the IPVS VMs beside the labs); a broken path fails
    the whole batch or fails it otherwise, and is not sent again. Returns the results and, if any
    answered only when sent again, a note saying so."""
    results = send(check.count, False)
    lost = [i for i, r in enumerate(results) if not r.ok]
    if not check.expect.get("reachable", True) or not lost or len(lost) == len(results):
        return results, ""
    if any("timeout" not in results[i].error for i in lost):
        return results, ""
    merged = list(results)
    for i, result in zip(lost, send(len(lost), True), strict=True):
        merged[i] = result
    answered = sum(1 for i in lost if merged[i].ok)
    if not answered:
        return merged, ""
    return merged, f"{answered} of {len(results)} answered only when sent again (at first: {results[lost[0]].error})"


def noted(verdict: tuple[bool, str], note: str) -> tuple[bool, str]:
    return (verdict[0], f"{verdict[1]}; {note}") if note else verdict


def probe_http(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    parts = urlsplit(check.target)
    host = target_of(plan, check.source, parts.hostname or "")
    url = urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))

    def send(count: int, patient: bool) -> list[http.HttpResult]:
        argv = http.command(netns, url, count, check.headers, patient)
        done = run(argv, http.timeout_s(count, patient), text=False)
        return http.read(done.returncode, done.stdout, done.stderr, count)

    results, note = _sent_again(check, send)
    return noted(_judge_http(plan, check, results), note)


def _judge_http(plan: LabPlan, check: Check, results: list[http.HttpResult]) -> tuple[bool, str]:
    failures = [r.error for r in results if not r.ok]
    if failures or not check.expect.get("reachable", True):
        return judge_failures(check, failures, len(results))
    expect = check.expect
    if "status" in expect and any(r.status != expect["status"] for r in results):
        return False, f"HTTP {results[0].status}, expected {expect['status']}"
    if "status" not in expect and any(r.status >= 400 for r in results):
        return False, f"HTTP {results[0].status}: {results[0].body[:60]}"
    if "body" in expect and any(r.body.strip() != str(expect["body"]) for r in results):
        return False, f"body {results[0].body[:60]!r}, expected {expect['body']!r}"
    if "certificate" in expect and any(str(expect["certificate"]) not in r.certificate for r in results):
        return False, f"certificate {results[0].certificate or '(none)'!r}, expected one with {expect['certificate']!r}"
    if "repliedFrom" in expect:
        want = resolve(plan, str(expect["repliedFrom"]))
        peers = {r.peer for r in results}
        if peers != {want}:
            return False, f"the replies came from {', '.join(sorted(peers))}, expected {want}"
    if "status" in expect and "answeredBy" not in expect:
        return True, f"HTTP {results[0].status}: {' '.join(results[0].body.split())[:60]}"
    return judge_answers(
        plan,
        check,
        [r.body.strip() for r in results],
        f"replies from {results[0].peer}; " if "repliedFrom" in expect else "",
    )


def probe_udp(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    host, _, port = check.target.rpartition(":")
    address = target_of(plan, check.source, host)

    def send(count: int, patient: bool) -> list[udp.UdpResult]:
        done = run(udp.command(netns, address, int(port), check.send, count, patient), udp.timeout_s(count, patient))
        return udp.read(done.stdout, count)

    results, note = _sent_again(check, send)
    failures = [r.error for r in results if not r.ok]
    if failures or not check.expect.get("reachable", True):
        return noted(judge_failures(check, failures, len(results)), note)
    return noted(judge_answers(plan, check, [r.body for r in results]), note)


def probe_bind(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    done = run(bind.command(netns, int(check.target)))
    in_use, said = bind.read(done.returncode, done.stdout)
    wanted = bool(check.expect.get("inUse", True))
    state = "taken" if in_use else "free"
    return in_use == wanted, f"port {check.target} is {state} ({said})"


def probe_bridge(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    done = run(bridge.command(netns, check.target))
    if done.returncode:
        return False, done.stderr.strip() or f"no bridge {check.target}"
    learned = bridge.read(done.stdout)
    learned_by = check.expect.get("learned", [])  # pod names (the loader checked each names a pod)
    wanted = [str(n) for n in learned_by] if isinstance(learned_by, list) else [str(learned_by)]
    missing = []
    found = []
    for name in wanted:
        mac = _eth0_mac(plan.member(name))
        if mac in learned:
            found.append(f"{name} {mac} on {learned[mac]}")
        else:
            missing.append(f"{name} ({mac})")
    if missing:
        return False, f"{check.target} has not learned {', '.join(missing)}"
    return True, f"{check.target} learned " + "; ".join(found)


def _eth0_mac(member: object) -> str | None:
    """The MAC the member's eth0 has: netlab's planned one, or a learner's own (a veth they made)."""
    view = netnsread.read(member.netns) if hasattr(member, "netns") else None
    eth0 = view.links.get("eth0") if view else None
    return eth0.mac if eth0 else getattr(member, "mac", None)


def probe_dns(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    if check.resolver == "getent":
        done = run(dns.getent_command(netns, check.target), timeout=DNS_TIMEOUT_S)
        return judge_lookup(plan, check, dns.read_getent(done.returncode, done.stdout))
    name = resolve(plan, check.target) if check.record_type == "PTR" else check.target  # -x wants the address
    done = run(dns.dig_command(netns, name, check.record_type), timeout=DNS_TIMEOUT_S)
    return judge_lookup(plan, check, dns.read_dig(done.returncode, done.stdout))


def probe_env(plan: LabPlan, check: Check, netns: str, cache: ProbeCache) -> tuple[bool, str]:
    """The variable as `netlab exec` into the pod (or POD/CONTAINER) sees it: the container's
    environment, from the Services that existed when it started."""
    done = cache.environment(plan, check.source)
    if done.returncode:
        return False, done.stderr.strip() or f"netlab exec failed ({done.returncode})"
    environment = env.read(done.stdout)
    present, value = check.target in environment, environment.get(check.target, "").strip()
    wanted = bool(check.expect.get("present", True))
    if present != wanted:
        return False, f"{check.target}={value}, expected it unset" if present else f"{check.target} is not set"
    if not present:
        return True, f"{check.target} is not set"
    if "value" in check.expect and value != (want := resolve(plan, str(check.expect["value"]))):
        return False, f"{check.target}={value}, expected {want}"
    return True, f"{check.target}={value}"


DNS_TIMEOUT_S = 15.0  # a search list of 3 and the name as is: 4 queries of 2 s at most, and dig's start
PROBES: dict[str, Callable[[LabPlan, Check, str, ProbeCache], tuple[bool, str]]] = {
    "ping": probe_ping,
    "http": probe_http,
    "udp": probe_udp,
    "bind": probe_bind,
    "bridge": probe_bridge,
    "dns": probe_dns,
    "env": probe_env,
}
