"""netlab break: put a real fault into a running lab for the learner to find and repair.

    netlab break --list [--lang zh-TW] [--json]    every fault: id, the bundled labs it fits, symptom
    netlab break LAB FAULT [--seed N]              inject FAULT, prove it there, print its symptom
    netlab break LAB --random [--seed N]           a fault that fits, not named (same seed, same fault)
    netlab break LAB --undo                        back exactly as it was

Steps of an injection (netlab/broken.py):
* open the running lab; it has no fault yet and no learner step left (`check` judges one thing)
* pick the fault (and its target) with `random.Random(seed)`, render it from the plan (pure)
* record it in lab.json first (a crash half-way still knows the undo), then inject and prove it
  (netlab/kernel/faults.py: the proof passes before, fails after; anything else is undone)
* print the symptom, never the cause (nor, with --random, the fault's name)
`netlab check`, `netlab hint` and `netlab solve` take it from there (docs/faults.md).
"""

from __future__ import annotations

import json

import click

from netlab import broken
from netlab.cli.common import out, progress, require_root
from netlab.errors import BadInput
from netlab.faults.bundled import fitting_labs
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


def put_in(running: RunningLab, name: str | None, seed: int | None, lang: str) -> None:
    lab = running.plan.name
    with progress.status(f"break {lab}: proving it"):  # on a terminal only (stderr)
        injected = broken.put_in(running, name, seed)
    said = f"lab {lab}: a fault is in" if name is None else f"lab {lab}: fault {name} is in"
    out.print(f"{said} (seed {injected.seed})", markup=False)
    out.print(f"symptom: {injected.symptom.say(lang)}", markup=False)
    out.print(f"next: netlab check {lab} once repaired; netlab hint {lab}; netlab break {lab} --undo", markup=False)


def take_out(running: RunningLab) -> None:
    injected, refused = broken.take_out(running)
    out.print(
        f"lab {running.plan.name}: fault {injected.breakage.fault} undone ({injected.breakage.target})", markup=False
    )
    for line in refused:
        out.print(f"  already repaired: {line}", markup=False)
