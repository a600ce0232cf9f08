"""netlab hint LAB [--lang zh-TW]: the next hint towards the fault `netlab break` put in.

Three levels (where to look, what to look at, the command that fixes it), one per call, the
last repeated; lab.json remembers how far the learner is.
"""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.errors import LabStateError
from netlab.model.lab import LANGUAGES
from netlab.state import LabState


@click.command("hint")
@click.argument("lab")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], help="Language of the hint.")
def cmd(lab: str, lang: str) -> None:
    """Show the next hint for the fault in LAB (netlab break)."""
    require_root("hint")
    state = LabState.open(lab)
    state.lock()
    injected = state.settings().fault
    if injected is None:
        raise LabStateError(f"lab {lab} has no fault to hint at (netlab break {lab} FAULT puts one in)")
    text, level, seen = injected.next_hint()
    state.update_settings(fault=seen)
    out.print(f"hint {level}/{len(injected.breakage.hints)}: {text.say(lang)}", markup=False, soft_wrap=True)
