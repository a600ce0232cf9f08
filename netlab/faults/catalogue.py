"""What a fault is, and the registry `netlab break` reads (pure).

A fault is rendered from the running lab's plan into a `Breakage`: shell commands that inject it
(run as root on the host, each inside a lab namespace: `ip netns exec NS ...`, or a `netlab`
command), the canonical fix and the exact undo, and the checks that prove it: `proof` are
checks (the lab file's kind, `netlab.model.lab.Check`, judged by `netlab.verify.judge`) that
fail while the fault is there and pass once it is gone, by whatever repair. A fault that leaves
its proof passing right after injection is a bug of the fault, not a pass.

Every text a learner reads comes in English and Traditional Chinese (`Text`): the symptom as a
user would report it (never the cause), and three hints (where to look, what to look at, the
command that fixes it). A fault picks its target (a node, a pod, a Service) from the plan with
the `random.Random` it is given, so `break --random --seed N` is reproducible.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from netlab.model.lab import Check
from netlab.plan.model import LabPlan


@dataclass(frozen=True)
class Text:
    en: str
    zh_tw: str

    def say(self, lang: str = "en") -> str:
        return self.zh_tw if lang == "zh-TW" else self.en


@dataclass(frozen=True)
class Breakage:
    """One fault rendered for one lab: what `break` runs, what `check` judges, what `solve` runs."""

    fault: str  # the Fault's id
    target: str  # what it broke, in words: "node-2", "web-0's port on cni0", "Service web"
    inject: tuple[str, ...]  # shell commands, run in order
    fix: tuple[str, ...]  # the canonical repair: what `solve` prints and runs
    undo: tuple[str, ...]  # back exactly as the lab was (`break --undo`); often the fix itself
    proof: tuple[Check, ...]  # fail while broken, pass once repaired
    hints: tuple[Text, Text, Text]  # where to look, what to look at, the command that fixes it


@dataclass(frozen=True)
class Fault:
    id: str  # [a-z0-9-], what `break LAB FAULT` names
    symptom: Text  # what a learner would report: "a pod cannot reach its own Service"
    applies: Callable[[LabPlan], bool]  # whether the lab has what the fault breaks
    render: Callable[[LabPlan, random.Random], Breakage]
    modes: tuple[str, ...] = ("iptables", "nftables", "ipvs")  # proxy modes it applies in
    networks: tuple[str, ...] = ("host-gw", "vxlan")  # pod networks it applies in

    def fits(self, plan: LabPlan) -> bool:
        return plan.proxy_mode in self.modes and plan.network in self.networks and self.applies(plan)


FAULTS: dict[str, Fault] = {}


def register(fault: Fault) -> Fault:
    """Add a fault to the catalogue (each family module registers its own at import)."""
    if fault.id in FAULTS:
        raise ValueError(f"fault {fault.id} is registered twice")
    FAULTS[fault.id] = fault
    return fault


# the modules of netlab.faults that define faults, each registering its own
# the modules of netlab.faults that define faults, each registering its own
FAMILIES: tuple[str, ...] = ("nodes", "network", "services", "dns")


def catalogue() -> dict[str, Fault]:
    """Every fault, by id (the family modules imported once, in FAMILIES' order)."""
    for family in FAMILIES:
        importlib.import_module(f"netlab.faults.{family}")
    return FAULTS
