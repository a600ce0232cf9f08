"""Which bundled labs each fault fits, in their default modes (pure): `break --list` and the table
of docs/faults.md say the same."""

from __future__ import annotations

from netlab.faults.catalogue import Fault, catalogue
from netlab.model import list_labs
from netlab.plan import make_plan


def fitting_labs() -> list[tuple[Fault, list[str]]]:
    """Every fault, by id, with the names of the bundled labs it fits."""
    plans = [make_plan(lab) for lab in list_labs()]
    return [(f, [p.name for p in plans if f.fits(p)]) for f in sorted(catalogue().values(), key=lambda f: f.id)]
