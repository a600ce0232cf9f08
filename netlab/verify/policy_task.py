"""A NetworkPolicy task judged by traffic (pure): which pairs of `netlab matrix` it decides, and
what the learner still has to change, from what real traffic did.

A policy decides the connections its own pods take part in: to them (its ingress side), from
them (its egress side). Each such pair of the matrix is expected as the lab's policies would have
it with the step built (`plan.tasks.as_built`: the lab file's own policies, those of steps still
left out), and proved by a connection now. The learner's policies may differ from the lab file's
in name and form; what counts is that every pair does what the step's policies say.
"""

from __future__ import annotations

from netlab.plan.model import LabPlan
from netlab.plan.netpol import EGRESS, INGRESS, selected_pods
from netlab.render.matrix import Cell, expected_cells, layout
from netlab.verify import Verdict

SHOWN = 2  # pairs named per kind of difference (still open, still blocked): a hint stays a few lines


def policy_pairs(built: LabPlan, key: str) -> list[Cell]:
    """The matrix's probed TCP pairs whose target (ingress) or source (egress) the policy selects,
    expected as `built`'s policies say."""
    policy = next(p for p in built.lab.network_policies if p.key == key)
    chosen = {p.name for p in selected_pods(built, policy)}
    ingress, egress = INGRESS in policy.policy_types, EGRESS in policy.policy_types
    return [
        cell
        for cell in expected_cells(built, layout(built, None, "TCP"))
        if cell.probed and ((ingress and cell.target in chosen) or (egress and cell.source in chosen))
    ]


def policy_verdict(key: str, cells: list[Cell]) -> tuple[bool, str]:
    """Done when every probed pair did what was expected; else the count and a few pairs of each
    kind: open where the policy should stop it, blocked where it should connect."""
    if not cells:
        return True, f"{key} selects no pod that a connection can be sent to or from"
    wrong = [c for c in cells if not c.agrees]
    if not wrong:
        allowed = sum(c.expected.allowed for c in cells)
        return True, f"{len(cells)} connections as the step's policies say ({allowed} connect, the rest refused)"
    opened = [f"{_pair(c)} connects; the policy should stop it" for c in wrong if c.reached]
    blocked = [f"{_pair(c)} {_failure(c)}; it should connect" for c in wrong if not c.reached]
    shown = opened[:SHOWN] + blocked[:SHOWN]
    more = len(wrong) - len(shown)
    lines = [f"{len(wrong)} of {len(cells)} connections not yet as the step's policies say:", *shown]
    return False, "\n".join(lines + ([f"and {more} more"] if more else []))


def with_step_checks(done: bool, detail: str, failed: list[Verdict]) -> tuple[bool, str]:
    """The matrix's verdict, and the step's checks that failed: a policy's effect that no pair of
    the matrix shows (UDP to kube-dns, the internet's way in, a pod already isolated by the
    policies of other steps) is in them."""
    if not failed:
        return done, detail
    lines = [f"the step's check {v.name!r} fails: {v.detail}" for v in failed[:SHOWN]]
    more = len(failed) - len(lines)
    lines += [f"and {more} more of its checks"] if more else []
    head = detail if not done else f"{detail}, but not every check of its step passes:"
    return False, "\n".join([head, *lines])


def _pair(cell: Cell) -> str:
    return f"{cell.source} -> {cell.target}:{cell.port}"


def _failure(cell: Cell) -> str:
    return "refused" if not cell.detail or "refused" in cell.detail else f"failed ({cell.detail})"
