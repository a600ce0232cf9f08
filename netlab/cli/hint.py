"""netlab hint LAB [--lang zh-TW]: the next hint towards the fault `netlab break` put in.

Three levels (where to look, what to look at, the command that fixes it), one per call, the
last repeated; lab.json remembers how far the learner is.
"""

from __future__ import annotations

import click

from netlab.broken import next_hint
from netlab.cli.common import out, require_root
from netlab.model.lab import LANGUAGES
from netlab.state import LabState


@click.command("hint")
@click.argument("lab")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], help="Language of the hint.")
def cmd(lab: str, lang: str) -> None:
    """Show the next hint for the fault in LAB (netlab break)."""
    require_root("hint")
    text, level, levels = next_hint(LabState.open(lab))
    out.print(f"hint {level}/{levels}: {text.say(lang)}", markup=False, soft_wrap=True)
