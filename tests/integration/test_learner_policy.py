"""Learner mode's NetworkPolicy task on a real lab (tests/manifests/network-policy-task-lab.yaml),
in the iptables and nftables proxy modes: `up --until-step` leaves the steps' policies out of
kube-router's sync (traffic stays open), `step` enforces the next one and prints its sets and
chains; while a step is left the learner applies and deletes policies of their own (nothing else
changes), `check` judges them by traffic (a wrong one is "not yet" naming the pair, a right one
of another name and form is done), `solve` replaces theirs with the lab file's, and a lab built
whole has its policy tasks done. `matrix` and `status` show the policies kube-router enforces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import REPO, lab_up, netlab

LAB = REPO / "tests" / "manifests" / "network-policy-task-lab.yaml"
NAME = "nptask"
DB = "10.244.2.2"  # db, alone on node-2
OK, REFUSED = 0, 7  # curl's exit codes: answered; could not connect (kube-router REJECTs)
DB_TASK, EGRESS_TASK = "policy db-allow-web", "policy client-egress.default"
DENY_DB = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-allow-web}
spec: {podSelector: {matchLabels: {app: db}}}
"""
MINE = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-web-to-db}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [db]}]}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{protocol: TCP, port: 5432}]}]
"""


def curl(member: str) -> int:
    return netlab("exec", NAME, member, "--", "curl", "-s", "-o", "/dev/null", "-m", "3", f"http://{DB}:5432/").code


def checked() -> dict[str, dict]:
    done = netlab("check", NAME, "--json")
    assert done.code in (0, 1), done.err
    return {t["task"]: t for t in json.loads(done.out)["tasks"]}


def enforced() -> list[str]:
    """The NetworkPolicies `status --json` shows."""
    done = netlab("status", NAME, "--json")
    assert done.code == 0, done.err
    return [p["name"] for p in json.loads(done.out).get("networkPolicies", [])]


def applied(tmp_path: Path, text: str) -> None:
    manifest = tmp_path / "policy.yaml"
    manifest.write_text(text)
    done = netlab("apply", NAME, "-f", str(manifest))
    assert done.code == 0, done.err


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
def test_until_step_leaves_the_policies_out_and_step_enforces_the_next(mode: str) -> None:
    with lab_up(str(LAB), "--proxy-mode", mode, "--until-step", "1") as up:
        assert f"left for you, step 2 (Only web reaches db): {DB_TASK}" in up.out
        assert curl("client") == OK and curl("web") == OK  # web-open is enforced, db-allow-web not yet
        assert netlab("matrix", NAME).code == 0  # the evaluator judges by what kube-router enforces
        assert enforced() == ["web-open"]
        before = checked()
        assert [t["done"] for t in before.values()] == [False, False], before
        assert "client -> db:5432 connects; the policy should stop it" in before[DB_TASK]["detail"], before
        assert "client -> web:8080 connects; the policy should stop it" in before[EGRESS_TASK]["detail"], before

        stepped = netlab("step", NAME)
        assert stepped.code == 0, stepped.err
        assert f"built step 2 (Only web reaches db): {DB_TASK}" in stepped.out
        assert "# every node: kube-router adds" in stepped.out and "ipset create KUBE-DST-" in stepped.out
        assert '--comment "run through nw policy db-allow-web"' in stepped.out
        assert curl("client") == REFUSED and curl("web") == OK and curl("node-2") == OK
        assert netlab("matrix", NAME).code == 0 and enforced() == ["web-open", "db-allow-web"]
        after = checked()
        assert after[DB_TASK]["done"] and not after[EGRESS_TASK]["done"], after
        assert after[EGRESS_TASK]["detail"].splitlines()[1:] == [
            "client -> web:8080 connects; the policy should stop it"
        ]
        assert after[DB_TASK]["detail"].startswith("5 connections as the step's policies say"), after


@pytest.mark.parametrize("mode", ["iptables", "nftables"])
def test_a_learners_own_policy_is_judged_by_traffic_and_solve_replaces_it(mode: str, tmp_path: Path) -> None:
    with lab_up(str(LAB), "--proxy-mode", mode, "--leave", "2"):
        refused = netlab("delete", NAME, "pod/client")
        assert refused.code == 2 and "leaves step 2 to you" in refused.err and "only NetworkPolicies" in refused.err
        assert curl("client") == OK

        applied(tmp_path, DENY_DB)  # the step's name, but nothing reaches db
        assert curl("web") == REFUSED
        wrong = checked()[DB_TASK]
        assert not wrong["done"], wrong
        assert wrong["detail"].splitlines()[1:] == ["web -> db:5432 refused; it should connect"], wrong

        applied(tmp_path, MINE)
        assert netlab("delete", NAME, "netpol/db-allow-web").code == 0  # db-allow-web.default: the lab's is kept
        assert curl("web") == OK and curl("client") == REFUSED
        assert netlab("matrix", NAME).code == 0  # the learner's policies are what the evaluator judges by
        done = netlab("check", NAME)
        assert done.code == 0 and "1 of 1 tasks done" in done.out, done.out + done.err

        solved = netlab("solve", NAME, "2")
        assert solved.code == 0, solved.err
        assert "default/db-allow-web, default/only-web-to-db" in solved.out, solved.out
        assert checked()[DB_TASK]["done"]
        assert curl("web") == OK and curl("client") == REFUSED
        gone = netlab("delete", NAME, "netpol/only-web-to-db")  # solve took the learner's away
        assert gone.code == 2 and "no NetworkPolicy only-web-to-db" in gone.err, gone.err


def test_a_lab_built_whole_has_its_policy_tasks_done() -> None:
    with lab_up(str(LAB)):
        assert curl("client") == REFUSED and curl("web") == OK
        done = netlab("check", NAME)
        assert done.code == 0 and "2 of 2 tasks done" in done.out, done.out + done.err
