"""netlab break on real labs, for every fault of the catalogue (whichever family defines it): each on
the smallest two bundled labs it fits, in their default modes, through the installed CLI. Broken ->
`check` says still broken -> three hints -> `solve` -> `verify` passes; broken again -> `--undo`
-> `verify` passes; and each once in vxlan with nftables. A learner's own repair counts,
`--random --seed` picks the same fault again, and bad input is one line with the contract's exit
code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness import lab_up, netlab

from netlab.faults.catalogue import catalogue
from netlab.model import list_labs
from netlab.plan import make_plan

PLANS = sorted((make_plan(lab) for lab in list_labs()), key=lambda p: (len(p.pods) + len(p.nodes), p.name))
CASES = [
    (f.id, lab)
    for f in sorted(catalogue().values(), key=lambda f: f.id)
    for lab in [p.name for p in PLANS if f.fits(p)][:2]
]


def recorded(lab: str) -> Any:
    """The fault lab.json holds (None: the lab has none)."""
    return json.loads(Path(f"/run/netlab/{lab}/lab.json").read_text()).get("fault")


def one_line(run_err: str) -> str:
    lines = run_err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlab: "), run_err
    return lines[0]


@pytest.mark.parametrize(("fault", "lab"), CASES)
def test_break_hint_solve_and_undo(fault: str, lab: str) -> None:
    symptom = catalogue()[fault].symptom.en
    with lab_up(lab):
        broken = netlab("break", lab, fault, "--seed", "1")
        assert broken.code == 0, broken.err
        assert symptom in broken.out and recorded(lab)["id"] == fault
        still = netlab("check", lab)
        assert still.code == 1 and "still broken" in still.out and symptom in still.out, still.out + still.err
        hints = [netlab("hint", lab) for _ in range(3)]
        assert [h.code for h in hints] == [0, 0, 0]
        assert [h.out.split(":")[0] for h in hints] == ["hint 1/3", "hint 2/3", "hint 3/3"]
        assert recorded(lab)["hintsShown"] == 3
        assert netlab("hint", lab, "--lang", "zh-TW").out.startswith("hint 3/3")
        # The lead adds here: `netlab doctor LAB` names the object the fault broke (its target).
        fix = recorded(lab)["fix"]
        solved = netlab("solve", lab)
        assert solved.code == 0, solved.err
        assert all(line in solved.out for line in fix), solved.out
        assert recorded(lab) is None
        verified = netlab("verify", lab)
        assert verified.code == 0, verified.out
        # the same fault again, taken out with --undo
        again = netlab("break", lab, fault, "--seed", "2")
        assert again.code == 0, again.err
        undone = netlab("break", lab, "--undo")
        assert undone.code == 0 and "undone" in undone.out, undone.err
        assert recorded(lab) is None
        verified = netlab("verify", lab)
        assert verified.code == 0, verified.out


# The other pod network and proxy mode, for each fault on the smallest lab it fits there.
OTHER_MODES = [("vxlan", "nftables")]
OTHER_CASES = [
    (f.id, plan.name, network, mode)
    for network, mode in OTHER_MODES
    for f in sorted(catalogue().values(), key=lambda f: f.id)
    for plan in [
        next((p for p in (make_plan(p.lab, network=network, proxy_mode=mode) for p in PLANS) if f.fits(p)), None)
    ]
    if plan is not None
]


@pytest.mark.parametrize(("fault", "lab", "network", "mode"), OTHER_CASES)
def test_break_and_solve_in_other_modes(fault: str, lab: str, network: str, mode: str) -> None:
    with lab_up(lab, "--proxy-mode", mode, network=network):
        broken = netlab("break", lab, fault, "--seed", "4")
        assert broken.code == 0, broken.err
        assert netlab("check", lab).code == 1
        # The lead adds here: `netlab doctor LAB` names the object the fault broke (its target).
        solved = netlab("solve", lab)
        assert solved.code == 0, solved.err
        verified = netlab("verify", lab)
        assert verified.code == 0, verified.out


def test_a_learners_own_repair_counts() -> None:
    lab = "pod-to-pod-cross-node"
    with lab_up(lab):
        assert netlab("break", lab, "ip-forward-off", "--seed", "3").code == 0
        node = recorded(lab)["target"]
        still = netlab("check", lab, "--json")
        assert still.code == 1 and still.err == "", still.err
        report = json.loads(still.out)
        assert report["fixed"] is False and [c["passed"] for c in report["checks"]] == [False]
        assert netlab("exec", lab, node, "--", "sysctl", "-qw", "net.ipv4.ip_forward=1").code == 0
        fixed = netlab("check", lab)
        assert fixed.code == 0 and "fixed" in fixed.out, fixed.out + fixed.err
        assert recorded(lab) is None


def test_random_with_a_seed_is_reproducible_and_unnamed() -> None:
    lab = "pod-to-service"
    with lab_up(lab):
        picks = []
        for _ in range(2):
            run = netlab("break", lab, "--random", "--seed", "11")
            assert run.code == 0, run.err
            fault = recorded(lab)
            assert fault["id"] not in run.out and "symptom:" in run.out
            picks.append((fault["id"], fault["target"], fault["inject"]))
            assert netlab("break", lab, "--undo").code == 0
        assert picks[0] == picks[1]


def test_bad_input_is_one_line() -> None:
    lab = "pod-to-pod"
    not_up = netlab("break", "pod-to-service", "veth-down")
    assert not_up.code == 2 and "not up" in one_line(not_up.err)
    assert netlab("break", "--list").code == 0
    listed = json.loads(netlab("break", "--list", "--json", "--lang", "zh-TW").out)["faults"]
    assert {f["id"] for f in listed} == set(catalogue())
    with lab_up(lab):
        unknown = netlab("break", lab, "no-such-fault")
        assert unknown.code == 2 and "no fault named" in one_line(unknown.err)
        misfit = netlab("break", lab, "forward-drop")
        assert misfit.code == 2 and "does not fit" in one_line(misfit.err)
        for argv in (["hint", lab], ["break", lab, "--undo"], ["solve", lab]):
            none = netlab(*argv)
            assert none.code == 2 and "no fault" in one_line(none.err), argv
        usage = netlab("break", lab)
        assert usage.code == 2, usage.err
        one_line(usage.err)
        assert netlab("break", lab, "veth-down").code == 0
        second = netlab("break", lab, "veth-down")
        assert second.code == 2 and "--undo" in one_line(second.err)
        # a broken lab comes down as any other (lab_up's teardown proves nothing is left)
