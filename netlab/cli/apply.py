"""netlab apply LAB -f FILE: create or replace objects of a running lab from Kubernetes manifests.

Steps:
* merge the manifests (multi-document YAML, `---`) into the lab's recorded ones by kind,
  namespace and name; validate and plan the result (an invalid one changes nothing)
* add, replace or remove pods, resync every node's kube-proxy rules, flush stale UDP entries
  (a failure on the way rolls all of it back: the lab is as it was)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from netlab.cli.common import change, print_change, require_root
from netlab.errors import BadInput
from netlab.model import edit


@click.command("apply")
@click.argument("lab")
@click.option("-f", "--filename", required=True, help="Manifests to apply ('-' reads standard input).")
def cmd(lab: str, filename: str) -> None:
    """Apply Kubernetes manifests to LAB (like kubectl apply -f)."""
    require_root("apply")
    if filename == "-":
        manifests = sys.stdin.read()
    elif Path(filename).is_file():
        manifests = Path(filename).read_text()
    else:
        raise BadInput(f"no file {filename}")
    source = "<stdin>" if filename == "-" else filename
    print_change(*change(lab, lambda text: edit.apply(text, manifests, source)))
