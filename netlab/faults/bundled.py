"""Which bundled labs each fault fits, in their default modes or else with their other pod network
(pure): `break --list` and the table of docs/faults.md say the same."""

from __future__ import annotations

from netlab.faults.catalogue import Fault, catalogue
from netlab.model import list_labs
from netlab.plan import make_plan


def fitting_labs() -> list[tuple[Fault, list[str]]]:
    """Every fault, by id, with the names of the bundled labs it fits: in their default modes, or
    else with the other pod network (`pod-to-pod-cross-node --network vxlan`: a VXLAN fault)."""
    labs = list_labs()
    default = [make_plan(lab) for lab in labs]
    other = [
        make_plan(lab, network="vxlan" if p.network == "host-gw" else "host-gw")
        for lab, p in zip(labs, default, strict=True)
    ]
    rows = []
    for fault in sorted(catalogue().values(), key=lambda f: f.id):
        fits = [p.name for p in default if fault.fits(p)]
        rows.append((fault, fits or [f"{p.name} --network {p.network}" for p in other if fault.fits(p)]))
    return rows
