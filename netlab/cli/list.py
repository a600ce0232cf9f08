"""netlab list: the bundled labs, each with its one-line title and the article section it mirrors."""

from __future__ import annotations

import click
from rich.table import Table

from netlab.cli.common import out
from netlab.model import list_labs


@click.command("list")
def cmd() -> None:
    """List the labs."""
    table = Table("lab", "title", "article", box=None, pad_edge=False)
    for lab in list_labs():
        table.add_row(lab.name, lab.title, lab.seed)
    out.print(table)
