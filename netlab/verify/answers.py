"""Judging what servers answered (HTTP bodies, UDP replies) and why requests failed.

Shared by the http and udp probes: who answered (`answeredBy`, `oneBackend`), what source the
server saw (`clientIP`: NAT or none), and expected failures (`reachable: false`, `reason`).
"""

from __future__ import annotations

from netlab.model.lab import Check
from netlab.plan.model import LabPlan


def resolve(plan: LabPlan, name: str) -> str:
    """A Service, pod, node or host name stands for its address; anything else is used as it is."""
    address = plan.address_of(name)
    return str(address) if address else name


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
        wanted = expect["answeredBy"]
        wanted = set(wanted) if isinstance(wanted, list) else {wanted}
        got = set(bodies)
        if got != wanted:
            wrong, missing = got - wanted, wanted - got
            why = (f"answered by the wrong pod: {', '.join(sorted(wrong))}" if wrong
                   else f"{', '.join(sorted(missing))} never answered")
            return False, f"{prefix}{why} ({counts})"
        return True, f"{prefix}answered by {counts}"
    if "clientIP" in expect:
        seen = [b.rsplit(":", 1)[0] for b in bodies]
        want = resolve(plan, str(expect["clientIP"]))
        bad = next((s for s in seen if s != want), None)
        if bad is not None:
            return False, f"{prefix}the server saw {who(plan, bad)}, expected {who(plan, want)} (NATed source?)"
        return True, f"{prefix}the server saw {who(plan, want)}"
    return True, f"{prefix}answered by {counts}" if expect.get("oneBackend") else f"{prefix}{bodies[0][:60]}"
