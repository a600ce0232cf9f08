"""netlab break: put a real fault into a running lab for the learner to find and repair.

    netlab break --list [--lang zh-TW] [--json]    every fault: id, the bundled labs it fits, symptom
    netlab break LAB FAULT [--seed N]              inject FAULT, prove it there, print its symptom
    netlab break LAB --random [--seed N]           a fault that fits, not named (same seed, same fault)
    netlab break LAB --undo                        back exactly as it was

Steps of an injection:
* open the running lab; it has no fault yet and no learner step left (`check` judges one thing)
* pick the fault (and its target) with `random.Random(seed)`, render it from the plan (pure)
* record it in lab.json first (a crash half-way still knows the undo), then inject and prove it
  (netlab/kernel/faults.py: the proof passes before, fails after; anything else is undone)
`netlab check`, `netlab hint` and `netlab solve` take it from there (docs/faults.md).
"""

from __future__ import annotations

import json
import random

import click

from netlab.cli.common import out, progress, require_root
from netlab.errors import BadInput, KernelError, LabStateError
from netlab.faults.bundled import fitting_labs
from netlab.faults.catalogue import Fault, catalogue
from netlab.faults.record import Injected
from netlab.model.lab import LANGUAGES
from netlab.running import RunningLab


@click.command("break")
@click.argument("lab", required=False)
@click.argument("fault", required=False)
@click.option("--list", "listing", is_flag=True, help="List the faults and the bundled labs each fits.")
@click.option("--random", "pick", is_flag=True, help="Inject a fault that fits LAB, without naming it.")
@click.option("--seed", type=int, help="Seed the choice of fault and target (reproducible).")
@click.option("--undo", is_flag=True, help="Take the fault out again, exactly.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], help="Language of the texts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list (with --list).")
def cmd(
    lab: str | None,
    fault: str | None,
    listing: bool,
    pick: bool,
    seed: int | None,
    undo: bool,
    lang: str,
    as_json: bool,
) -> None:
    """Break the running LAB with FAULT (or --random), for the learner to repair; --undo, --list."""
    if listing:
        if lab or fault or pick or undo or seed is not None:
            raise BadInput("netlab break --list takes no lab, fault, --random, --seed or --undo")
        show_list(lang, as_json)
        return
    if lab is None or (fault is not None) + pick + undo != 1:
        raise BadInput("usage: netlab break LAB FAULT | LAB --random | LAB --undo | --list")
    if undo and seed is not None:
        raise BadInput("netlab break --undo takes no --seed")
    require_root("break")
    running = RunningLab.open(lab)
    if undo:
        take_out(running)
    else:
        put_in(running, fault, seed, lang)


def show_list(lang: str, as_json: bool) -> None:
    """Each fault with the bundled labs it fits, in their default modes."""
    rows = fitting_labs()
    if as_json:
        faults = [{"id": f.id, "labs": labs, "symptom": f.symptom.say(lang)} for f, labs in rows]
        click.echo(json.dumps({"faults": faults}, indent=2, ensure_ascii=False))
        return
    for f, labs in rows:
        out.print(f"{f.id:<18} {', '.join(labs) or '-'}", markup=False)
        out.print(f"{'':<18} {f.symptom.say(lang)}", markup=False)


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


def put_in(running: RunningLab, name: str | None, seed: int | None, lang: str) -> None:
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
            f"lab {lab} leaves step {settings.left[0].step} to you: break it once every step is built "
            f"(netlab step {lab})"
        )
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    fault = choose(running, name, rng)
    breakage = fault.render(running.plan, rng)
    running.state.lock()
    running.state.update_settings(fault=Injected(breakage, fault.symptom, seed))
    try:
        with progress.status(f"break {lab}: proving it"):
            inject(running.plan, breakage)
    except BaseException:
        running.state.update_settings(fault=None)
        raise
    said = f"lab {lab}: a fault is in" if name is None else f"lab {lab}: fault {fault.id} is in"
    out.print(f"{said} (seed {seed})", markup=False)
    out.print(f"symptom: {fault.symptom.say(lang)}", markup=False)
    out.print(f"next: netlab check {lab} once repaired; netlab hint {lab}; netlab break {lab} --undo", markup=False)


def take_out(running: RunningLab) -> None:
    """Run the recorded undo, and prove the fault gone; each line on its own (a learner's repair
    may have undone some already)."""
    from netlab.kernel.faults import failing, run

    lab = running.plan.name
    injected = running.state.settings().fault
    if injected is None:
        raise LabStateError(f"lab {lab} has no fault to undo (netlab break {lab} FAULT puts one in)")
    running.state.lock()
    refused = []
    for line in injected.breakage.undo:
        try:
            run((line,), "undo")
        except KernelError as exc:
            refused.append(str(exc))
    still = failing(running.plan, injected.breakage)
    if still:
        raise KernelError(
            f"lab {lab}: the undo of {injected.breakage.fault} left {still[0].name} failing ({still[0].detail})"
            + (f"; {refused[0]}" if refused else "")
        )
    running.state.update_settings(fault=None)
    out.print(f"lab {lab}: fault {injected.breakage.fault} undone ({injected.breakage.target})", markup=False)
    for line in refused:
        out.print(f"  already repaired: {line}", markup=False)
