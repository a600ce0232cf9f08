"""A running lab with a fault in it: what `break`, `break --undo`, `check`, `hint` and `solve` do.

The fault lives in lab.json (`Settings.fault`, netlab/faults/record.py) from just before it goes
in until it is repaired or undone; its commands run through netlab/kernel/faults.py. The verbs
call these and print (docs/faults.md). They do not hold the lab's lock while a fault's commands
run: a `netlab apply` among them takes it itself.
"""

from __future__ import annotations

import random

from netlab.errors import BadInput, KernelError, LabStateError
from netlab.faults.catalogue import Fault, Text, catalogue
from netlab.faults.record import Injected
from netlab.running import RunningLab
from netlab.state import LabState
from netlab.verify import Verdict, judge, verify


def choose(running: RunningLab, name: str | None, rng: random.Random) -> Fault:
    """The fault named, or (None) one of those that fit the lab, drawn from `rng`.

    Raises:
        BadInput: no fault of that name, or it does not fit the lab, or none fits.
    """
    plan = running.plan
    faults = catalogue()
    fitting = sorted(i for i, f in faults.items() if f.fits(plan))
    if name is None:
        if not fitting:
            raise BadInput(f"no fault fits lab {plan.name} ({plan.network}, {plan.proxy_mode})")
        return faults[rng.choice(fitting)]
    if name not in faults:
        raise BadInput(f"no fault named {name!r} (netlab break --list shows them)")
    if name not in fitting:
        raise BadInput(
            f"fault {name} does not fit lab {plan.name} ({plan.network}, {plan.proxy_mode})"
            + (f": it has what {', '.join(fitting)} break" if fitting else "")
        )
    return faults[name]


def put_in(running: RunningLab, name: str | None, seed: int | None) -> Injected:
    """Choose, render and inject a fault (recorded first: a crash half-way still knows its undo).

    Raises:
        LabStateError: the lab has a fault already, or a learner step left.
        BadInput: see `choose`.
        KernelError: it could not be put in or proved (netlab/kernel/faults.py: nothing is left of it).
    """
    from netlab.kernel.faults import inject

    lab = running.plan.name
    settings = running.state.settings()
    if settings.fault:
        raise LabStateError(
            f"lab {lab} has a fault already ({settings.fault.breakage.fault}): "
            f"netlab solve {lab} or netlab break {lab} --undo first"
        )
    if settings.left:
        raise LabStateError(
            f"lab {lab} leaves step {settings.left[0].step} to you: "
            f"break it once every step is built (netlab step {lab})"
        )
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    fault = choose(running, name, rng)
    injected = Injected(fault.render(running.plan, rng), fault.symptom, seed)
    running.state.update_settings(fault=injected)
    try:
        inject(running.plan, injected.breakage)
    except BaseException:
        running.state.update_settings(fault=None)
        raise
    return injected


def recorded(state: LabState) -> Injected:
    """The lab's fault.

    Raises:
        LabStateError: it has none.
    """
    injected = state.settings().fault
    if injected is None:
        raise LabStateError(f"lab {state.name} has no fault (netlab break {state.name} FAULT puts one in)")
    return injected


def take_out(running: RunningLab) -> tuple[Injected, list[str]]:
    """Run the recorded undo line by line (a learner's repair may have done some already: those
    that fail are returned, said), prove the fault gone and clear it.

    Raises:
        LabStateError: the lab has no fault.
        KernelError: the proof still fails afterwards (the fault stays recorded).
    """
    from netlab.kernel.faults import run

    injected = recorded(running.state)
    refused = []
    for line in injected.breakage.undo:
        try:
            run((line,), "undo")
        except KernelError as exc:
            refused.append(str(exc))
    _cleared(running, injected, "undo", refused[:1])
    return injected, refused


def repair(running: RunningLab) -> Injected:
    """Run the canonical fix, prove the fault gone and clear it.

    Raises:
        LabStateError: the lab has no fault.
        KernelError: a line of the fix failed, or the proof still fails afterwards.
    """
    from netlab.kernel.faults import run

    injected = recorded(running.state)
    run(injected.breakage.fix, f"fix of {injected.breakage.fault}")
    _cleared(running, injected, "fix", [])
    return injected


def _cleared(running: RunningLab, injected: Injected, how: str, why: list[str]) -> None:
    from netlab.kernel.faults import failing_after_repair

    still = failing_after_repair(running.plan, injected.breakage)
    if still:
        raise KernelError(
            f"lab {running.plan.name}: the {how} of {injected.breakage.fault} left {still[0].name} failing "
            f"({still[0].detail})" + "".join(f"; {w}" for w in why)
        )
    running.state.update_settings(fault=None)


def judge_repair(running: RunningLab) -> tuple[Injected, list[Verdict], list[Verdict]]:
    """The learner's repair, by whatever means: the fault's proof checks, and once they pass the
    lab's own checks; all passing, the fault is cleared.

    Raises:
        LabStateError: the lab has no fault.
    """
    injected = recorded(running.state)
    proof = [judge(running.plan, c) for c in injected.breakage.proof]
    own = verify(running.plan) if all(v.passed for v in proof) else []
    if all(v.passed or v.pending for v in (*proof, *own)):
        running.state.lock()
        running.state.update_settings(fault=None)
    return injected, proof, own


def next_hint(state: LabState) -> tuple[Text, int, int]:
    """The next hint, its level (1-based) and how many there are; the lab remembers it was shown.

    Raises:
        LabStateError: the lab has no fault.
    """
    state.lock()
    injected = recorded(state)
    text, level, seen = injected.next_hint()
    state.update_settings(fault=seen)
    return text, level, len(injected.breakage.hints)
