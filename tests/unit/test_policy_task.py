"""Learner mode's NetworkPolicy task (pure): read and checked (model/tasks.py), the policies
kube-router enforces while it is left and the ones `check` expects with its step built
(plan/tasks.py enforced, as_built), a learner's policy edits (model/edit.py), the pairs it is
judged by and its hint (verify/policy_task.py), and what `step` prints (render/taskcmds.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from netlab.model import load_lab
from netlab.model.edit import apply, changed_policies, delete, restore_policies
from netlab.model.lab import Task
from netlab.model.tasks import policy_key
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.plan.tasks import as_built, enforced, lab_tasks, left_tasks
from netlab.render.matrix import Cell
from netlab.render.netpol import render
from netlab.render.taskcmds import policy_commands, task_commands
from netlab.state import Settings
from netlab.verify import Verdict
from netlab.verify.policy_task import policy_pairs, policy_verdict, with_step_checks

LAB = Path(__file__).resolve().parents[1] / "manifests" / "network-policy-task-lab.yaml"
DB, EGRESS = "default/db-allow-web", "default/client-egress"
MINE = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: %s}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}}]}]
"""


@pytest.fixture(scope="module")
def plan() -> LabPlan:
    return make_plan(load_lab(LAB))


def keys(plan: LabPlan) -> list[str]:
    return [p.key for p in plan.lab.network_policies]


# -- the model -----------------------------------------------------------------------------------
def test_policy_tasks_by_name_and_by_name_and_namespace(plan: LabPlan) -> None:
    assert [str(t) for t in lab_tasks(plan.lab)] == [
        "step 2: policy db-allow-web",
        "step 3: policy client-egress.default",
    ]
    assert policy_key("db-allow-web") == DB
    assert policy_key("client-egress.default") == EGRESS
    assert policy_key("deny.team-a") == "team-a/deny"


def test_the_learners_policies_are_recorded() -> None:
    settings = Settings(own_policies=("default/mine",))
    assert Settings.from_json(settings.to_json()).own_policies == ("default/mine",)
    assert Settings.from_json({}).own_policies == ()


# -- enforced while left, expected when built ------------------------------------------------------
def test_the_policies_of_steps_left_are_not_enforced(plan: LabPlan) -> None:
    left = [t.task for t in left_tasks(plan.lab, until_step=1)]
    assert keys(enforced(plan, left)) == ["default/web-open"]
    assert keys(enforced(plan, left[1:])) == ["default/web-open", DB]
    assert keys(enforced(plan, [])) == keys(plan) == ["default/web-open", DB, EGRESS]
    assert enforced(plan, [Task("service", "web")]).lab.network_policies == plan.lab.network_policies
    assert enforced(plan, left).pods == plan.pods


def test_a_learners_policy_of_a_left_tasks_name_is_theirs_and_enforced(plan: LabPlan) -> None:
    left = [t.task for t in left_tasks(plan.lab, leave=2)]
    assert keys(enforced(plan, left, own=(DB,))) == keys(plan)


def test_as_built_is_the_lab_files_policies_but_the_other_steps_left(plan: LabPlan) -> None:
    left = left_tasks(plan.lab, until_step=1)
    learners = replace(plan, lab=replace(plan.lab, network_policies=()))  # whatever the learner did
    assert keys(as_built(learners, plan.lab.network_policies, 2, left)) == ["default/web-open", DB]
    assert keys(as_built(learners, plan.lab.network_policies, 3, left)) == ["default/web-open", EGRESS]
    assert keys(as_built(learners, plan.lab.network_policies, 3, left[1:])) == keys(plan)


# -- a learner's edits ------------------------------------------------------------------------------
def test_changed_policies_names_what_an_edit_of_policies_changed() -> None:
    text = LAB.read_text()
    assert changed_policies(text, apply(text, MINE % "mine")) == ["default/mine"]
    assert changed_policies(text, apply(text, MINE % "db-allow-web")) == [DB]
    assert changed_policies(text, delete(text, ["netpol/web-open", "netpol/client-egress"])) == [
        EGRESS,
        "default/web-open",
    ]
    assert changed_policies(text, text) == []


def test_changed_policies_is_none_for_any_other_change() -> None:
    text = LAB.read_text()
    assert changed_policies(text, delete(text, ["pod/client"])) is None
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: extra}\nspec: {containers: [{name: c}]}\n"
    assert changed_policies(text, apply(text, MINE % "mine" + "---\n" + pod)) is None


def test_restore_policies_puts_the_lab_files_back_and_takes_the_learners_away() -> None:
    up = LAB.read_text()
    learners = delete(apply(apply(up, MINE % "mine"), MINE % "db-allow-web"), ["netpol/client-egress"])
    restored = restore_policies(learners, up, {DB, "default/mine", EGRESS})
    assert keys(make_plan(load_lab(LAB, restored))) == keys(make_plan(load_lab(LAB, up)))
    assert load_lab(LAB, restored).network_policies == load_lab(LAB, up).network_policies
    kept = restore_policies(learners, up, {DB})  # only what is named changes
    assert [p.key for p in load_lab(LAB, kept, changed=True).network_policies] == [
        "default/web-open",
        DB,
        "default/mine",
    ]


def test_a_running_labs_edit_may_delete_a_policy_a_step_names() -> None:
    """The learner deletes their own try of a left step's policy: the lab file as `up` read it
    still has the step's (RunningLab.canonical_policies)."""
    edited = delete(LAB.read_text(), ["netpol/db-allow-web"])
    assert [p.key for p in load_lab(LAB, edited, changed=True).network_policies] == ["default/web-open", EGRESS]


# -- judged by traffic --------------------------------------------------------------------------------
def pairs(plan: LabPlan, step: int, key: str) -> dict[str, bool]:
    built = as_built(plan, plan.lab.network_policies, step, left_tasks(plan.lab, until_step=1))
    return {f"{c.source}->{c.target}:{c.port}": c.expected.allowed for c in policy_pairs(built, key)}


def test_an_ingress_policy_is_judged_by_every_source_to_its_pods(plan: LabPlan) -> None:
    assert pairs(plan, 2, DB) == {
        "web->db:5432": True,
        "client->db:5432": False,
        "db->db:5432": True,  # a pod reaches itself
        "node-1->db:5432": False,
        "node-2->db:5432": True,  # its own node always
    }


def test_an_egress_policy_is_judged_by_its_pods_to_every_target(plan: LabPlan) -> None:
    assert pairs(plan, 3, EGRESS) == {"client->web:8080": False, "client->client:8080": True, "client->db:5432": True}


def traffic(plan: LabPlan, did: dict[str, bool | str]) -> list[Cell]:
    """The step-2 pairs with what traffic did: True connected, False refused, a text: that error."""
    built = as_built(plan, plan.lab.network_policies, 2, left_tasks(plan.lab, leave=2))
    cells = policy_pairs(built, DB)
    out = []
    for cell in cells:
        said = did.get(cell.source, cell.expected.allowed)
        reached = said is True
        out.append(replace(cell, reached=reached, detail=said if isinstance(said, str) else ""))
    return out


def test_done_when_every_pair_does_what_the_step_says(plan: LabPlan) -> None:
    done, detail = policy_verdict(DB, traffic(plan, {}))
    assert done and detail == "5 connections as the step's policies say (3 connect, the rest refused)"


def test_not_yet_names_what_is_still_open_and_what_is_blocked(plan: LabPlan) -> None:
    done, detail = policy_verdict(DB, traffic(plan, {"client": True, "web": False}))
    assert not done
    assert detail.splitlines() == [
        "2 of 5 connections not yet as the step's policies say:",
        "client -> db:5432 connects; the policy should stop it",
        "web -> db:5432 refused; it should connect",
    ]


def test_a_hint_stays_a_few_lines(plan: LabPlan) -> None:
    done, detail = policy_verdict(DB, traffic(plan, {"client": True, "node-1": True, "web": "timeout"}))
    assert not done
    assert detail.splitlines() == [
        "3 of 5 connections not yet as the step's policies say:",
        "client -> db:5432 connects; the policy should stop it",
        "node-1 -> db:5432 connects; the policy should stop it",
        "web -> db:5432 failed (timeout); it should connect",
    ]
    many = traffic(plan, {"client": True, "node-1": True}) * 2
    assert policy_verdict(DB, many)[1].splitlines()[-1] == "and 2 more"


def test_a_policy_of_no_reachable_pod_is_done(plan: LabPlan) -> None:
    assert policy_verdict(DB, []) == (True, f"{DB} selects no pod that a connection can be sent to or from")


def test_the_steps_checks_judge_what_the_matrix_cannot_show() -> None:
    """A policy whose pairs the matrix already shows right (another step's policy isolates its
    pods, or its effect is DNS over UDP) is not done while a check of its step fails."""
    failed = [Verdict("web resolves db", "web-0", "db.shop", False, "no answer: connection refused")]
    assert with_step_checks(True, "4 connections as the step's policies say", []) == (
        True,
        "4 connections as the step's policies say",
    )
    done, detail = with_step_checks(True, "4 connections as the step's policies say", failed)
    assert not done
    assert detail.splitlines() == [
        "4 connections as the step's policies say, but not every check of its step passes:",
        "the step's check 'web resolves db' fails: no answer: connection refused",
    ]
    done, detail = with_step_checks(False, "1 of 4 connections not yet", failed * 3)
    assert not done and detail.splitlines()[0] == "1 of 4 connections not yet"
    assert detail.splitlines()[-1] == "and 1 more of its checks"


# -- what step prints ----------------------------------------------------------------------------------
def test_step_prints_the_sets_and_chains_the_policy_adds(plan: LabPlan) -> None:
    left = [t.task for t in left_tasks(plan.lab, until_step=1)]
    lines = task_commands(plan, left[:1], left[1:])
    assert lines[0] == "# every node: kube-router adds"
    node_2 = lines.index("# node-2: and in its pods' chains")
    common, own = lines[1:node_2], lines[node_2 + 1 :]
    (policy_chain,) = [line.split()[2] for line in common if line.startswith("  iptables -N ")]
    assert policy_chain.startswith("KUBE-NWPLCY-") and policy_chain in render(plan, plan.nodes[0]).chains
    assert sum(line.startswith("  ipset create ") for line in common) == 2  # db as destination, web as source
    assert any("db-allow-web" in line and "--dport 5432" in line for line in common)
    db = next(p for p in plan.pods if p.name == "db")
    assert [line.split(" -m ")[0] for line in own] == [
        f"  iptables -A {own[0].split()[2]} -d {db.ip.ip}",
        f"  iptables -D {own[0].split()[2]} -d {db.ip.ip}",
    ]
    assert "run through nw policy db-allow-web" in own[0] and "KUBE-NWPLCY-DEFAULT" in own[1]


def test_the_first_policy_brings_kube_routers_top_chains(plan: LabPlan) -> None:
    alone = replace(plan, lab=replace(plan.lab, network_policies=plan.lab.network_policies[1:2]))
    lines = policy_commands(enforced(alone, [Task("policy", "db-allow-web")]), alone)
    assert any(line.startswith("  iptables -I INPUT 1 ") and "KUBE-ROUTER-INPUT" in line for line in lines)
    assert any(line.startswith("  iptables -A FORWARD ") and "ACCEPT" in line for line in lines)
    assert "  iptables -N KUBE-ROUTER-FORWARD" in lines
