"""Judging what servers answered (HTTP bodies, UDP replies) and why requests failed.

Shared by the http and udp probes: who answered (`answeredBy`, `oneBackend`), what source the
server saw (`clientIP`: NAT or none), and expected failures (`reachable: false`, `reason`).
"""

from __future__ import annotations

from typing import Any

from netlab.model.checks import SHARE_TOLERANCE
from netlab.model.lab import Check
from netlab.plan.model import LabPlan
from netlab.probe.dns import Lookup


def resolve(plan: LabPlan, name: str) -> str:
    """A Service, pod, node or host name stands for its address; anything else is used as it is."""
    address = plan.address_of(name)
    return str(address) if address else name


def target_of(plan: LabPlan, source: str, name: str) -> str:
    """What a check's traffic aims at: from a pod that uses cluster DNS, a name that is not a pod's,
    node's or host's is left to cluster DNS (as `curl http://web` in a pod); elsewhere, and for
    those names (which no cluster DNS knows), the name stands for its address in the plan."""
    pod = next((p for p in plan.pods if p.name == source.split("/")[0]), None)
    if pod is not None and plan.uses_cluster_dns(pod) and plan.member(name) is None:
        return name
    return resolve(plan, name)


def who(plan: LabPlan, address: str) -> str:
    owner = plan.name_of(address)
    return f"{address} ({owner})" if owner else address


def judge_failures(check: Check, failures: list[str], attempts: int) -> tuple[bool, str]:
    """Requests that got no answer: a failure, unless the check expects exactly that."""
    expect = check.expect
    if expect.get("reachable", True):
        return False, f"{len(failures)}/{attempts} requests failed: {failures[0]}"
    if len(failures) < attempts:
        return False, f"{attempts - len(failures)}/{attempts} requests were answered, expected none"
    reason = str(expect.get("reason", ""))
    if reason and any(reason not in f for f in failures):
        return False, f"no answer, but {failures[0]}, expected {reason}"
    return True, f"no answer, as expected: {failures[0]}"


def judge_answers(plan: LabPlan, check: Check, bodies: list[str], prefix: str = "") -> tuple[bool, str]:
    expect = check.expect
    counts = ", ".join(f"{b} x{bodies.count(b)}" for b in sorted(set(bodies)))
    if expect.get("oneBackend") and len(set(bodies)) > 1:
        return False, f"{prefix}answered by several pods: {counts}"
    if "answeredBy" in expect:
        named = expect["answeredBy"]  # pod names (the loader checked each names a pod)
        wanted = {str(n) for n in named} if isinstance(named, list) else {str(named)}
        got = set(bodies)
        if got != wanted:
            wrong, missing = got - wanted, wanted - got
            why = (
                f"answered by the wrong pod: {', '.join(sorted(wrong))}"
                if wrong
                else f"{', '.join(sorted(missing))} never answered"
            )
            return False, f"{prefix}{why} ({counts})"
        if "shares" in expect:
            return _judge_shares(expect["shares"], bodies, prefix, counts)
        return True, f"{prefix}answered by {counts}"
    if "clientIP" in expect:
        seen = [b.rsplit(":", 1)[0] for b in bodies]
        want = resolve(plan, str(expect["clientIP"]))
        bad = next((s for s in seen if s != want), None)
        if bad is not None:
            return False, f"{prefix}the server saw {who(plan, bad)}, expected {who(plan, want)} (NATed source?)"
        return True, f"{prefix}the server saw {who(plan, want)}"
    return True, f"{prefix}answered by {counts}" if expect.get("oneBackend") else f"{prefix}{bodies[0][:60]}"


def _judge_shares(shares: Any, bodies: list[str], prefix: str, counts: str) -> tuple[bool, str]:
    """Each pod's part of the answers against its expected percentage, within SHARE_TOLERANCE points."""
    got = {pod: 100 * bodies.count(pod) / len(bodies) for pod in shares}
    off = [
        f"{pod} {got[pod]:.0f} %, expected {want} %"
        for pod, want in shares.items()
        if abs(got[pod] - want) > SHARE_TOLERANCE
    ]
    if off:
        return False, f"{prefix}shares off by more than {SHARE_TOLERANCE} points: {', '.join(off)} ({counts})"
    return True, f"{prefix}answered by {counts} (expected {', '.join(f'{p} {w} %' for p, w in shares.items())})"


def judge_lookup(plan: LabPlan, check: Check, got: Lookup) -> tuple[bool, str]:
    """A dns check: the status of the last name tried, how many were tried, the CNAME, the answers;
    or, expected `reachable: false`, that no server answered (for the `reason` given)."""
    expect = check.expect
    if not expect.get("reachable", True):
        reason = str(expect.get("reason", ""))
        if not got.error:
            return False, f"answered {got.status}, expected no answer"
        if reason not in got.error:
            return False, f"no answer, but {got.error}, expected {reason}"
        return True, f"no answer, as expected: {got.error}"
    if got.error:
        return False, got.error
    path = " -> ".join(f"{name} {status}" for name, status in got.tried[:-1])
    path = f" (tried {path} first)" if path else ""
    want = str(expect.get("rcode", "NOERROR"))
    if got.status != want:
        return False, f"{got.status}, expected {want}{path}"
    if "tries" in expect and len(got.tried) != expect["tries"]:
        return False, f"{len(got.tried)} name(s) tried, expected {expect['tries']}{path}"
    cnames = [c.rstrip(".") for c in got.of_type("CNAME")]
    if "cname" in expect and str(expect["cname"]).rstrip(".") not in cnames:
        return False, f"no CNAME to {expect['cname']} (CNAMEs: {', '.join(cnames) or 'none'})"
    answers = sorted(_normal(check.record_type, data) for data in got.of_type(check.record_type))
    wanted = _expected_answers(plan, check)
    if wanted is not None and set(answers) != wanted:
        return False, f"answered {', '.join(answers) or 'nothing'}, expected {', '.join(sorted(wanted))}{path}"
    chain = f"CNAME {', '.join(cnames)}; " if cnames and check.record_type != "CNAME" else ""
    shown = f": {chain}{check.record_type} {', '.join(answers)}" if answers else ""
    return True, f"{got.status}{shown}{path}"


def _normal(record_type: str, data: str) -> str:
    """An answer as checks write it: SRV as `PORT TARGET`, names without the final dot."""
    if record_type == "SRV":
        _, _, port, target = data.split()
        return f"{port} {target.rstrip('.')}"
    return data.strip('"').rstrip(".")


def _expected_answers(plan: LabPlan, check: Check) -> set[str] | None:
    """The answers a check expects: `endpointsOf` a Service (its endpoints' addresses now), or
    `answers` (for addresses, names stand for them: a Service's ClusterIP, a pod's IP)."""
    if "endpointsOf" in check.expect:
        name, _, namespace = str(check.expect["endpointsOf"]).partition(".")
        svc = plan.service(name, namespace or "default")
        return {str(ep.ip) for port in svc.ports for ep in port.endpoints if ep.ready} if svc else set()
    if "answers" not in check.expect:
        return None
    wanted = check.expect["answers"]
    items = [str(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
    if check.record_type in ("A", "AAAA"):
        return {resolve(plan, item) for item in items}
    return {item.rstrip(".") for item in items}
