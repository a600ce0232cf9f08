"""The bundled network-policy lab's story, judged by the evaluator (netlab.plan.netpol) without a
kernel: what its guide says each policy allows and denies, including the paths no check can show
(the internet's source under externalTrafficPolicy Cluster, DNS only on port 53) and a step's
half-built state (web's egress allowed, db's ingress not yet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlab.model import find_lab, load_lab
from netlab.plan import LabPlan, make_plan
from netlab.plan.netpol import verdict
from netlab.plan.tasks import enforced, left_tasks

LAB = Path(find_lab("network-policy"))


@pytest.fixture(scope="module")
def plan() -> LabPlan:
    return make_plan(load_lab(LAB))


@pytest.mark.parametrize(
    ("source", "target", "port", "protocol", "allowed"),
    [
        ("web-0", "db-0", 5432, "TCP", True),  # web-to-db and db-from-web: both ends
        ("web-1", "db-0", 5432, "TCP", True),
        ("reporter", "db-0", 5432, "TCP", True),  # reports-egress and db-from-web's namespace peer
        ("visitor", "db-0", 5432, "TCP", False),
        ("visitor", "web-0", 8080, "TCP", False),
        ("prometheus", "web-1", 8080, "TCP", True),  # by its namespace's name
        ("internet", "web-0", 8080, "TCP", True),  # the ipBlock: the source kept (policy Local)
        ("internet", "db-0", 5432, "TCP", False),
        ("web-0", "coredns-1", 53, "UDP", True),  # allow-dns: kube-dns's pods, port 53 only
        ("web-0", "coredns-1", 53, "TCP", True),
        ("web-0", "coredns-1", 9153, "TCP", False),
        ("reporter", "coredns-1", 53, "UDP", False),  # the DNS trap
        ("db-0", "web-0", 8080, "TCP", False),  # default deny: db opens nothing but DNS
    ],
)
def test_what_the_policies_allow(plan, source: str, target: str, port: int, protocol: str, allowed: bool) -> None:
    assert verdict(plan, source, target, port, protocol).allowed is allowed


def test_under_policy_cluster_the_internet_would_arrive_as_a_node(plan) -> None:
    """The guide's aside: SNATed to a node's address, the customer is refused at the other node's
    web pod (no part of the ipBlock) and let in at the node's own (a local address)."""
    assert not verdict(plan, "node-2", "web-0", 8080).allowed
    assert verdict(plan, "node-1", "web-0", 8080).allowed


def test_web_to_db_alone_is_half_of_the_way() -> None:
    """Step 4 (`up --until-step 4`): web's egress allows db, db's ingress (default-deny) does not yet."""
    lab = load_lab(LAB)
    half = enforced(make_plan(lab), [t.task for t in left_tasks(lab, until_step=4)])
    judged = verdict(half, "web-0", "db-0", 5432)
    assert not judged.allowed and judged.egress.allowed and not judged.ingress.allowed
    assert judged.ingress.isolating == ("shop/default-deny",), judged.reason
