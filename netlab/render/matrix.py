"""`netlab matrix`'s pure part: which pairs it judges and probes, and the truth table it prints.

Rows are the sources: every pod, every node (what kubelet's probes send) and every outside host;
columns the target pods, then the outside hosts that run an echo server (what pods' egress
policies judge, by the host's own address). Each target is judged on one port: `--port` for all,
or else its own first echo port of the protocol (a pod with none is left out, with a note; an
outside host without one is no column). A pair is probed with real traffic where the plan says
something answers: the target listens on that port, and the source has a way to pod IPs (outside
hosts have none in a lab: they reach pods only through Services, so their rows are the
evaluator's alone). Big labs: at most MAX_SIDE sources and
MAX_SIDE targets (the first ones; a note says how many were left out).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

from netlab.plan.model import HostPlan, LabPlan, PodPlan
from netlab.plan.netpol import Verdict, verdict

MAX_SIDE = 40  # sources, and targets: 1600 pairs at most, one process per source (8 at a time)
LEGEND = (
    "✓ allowed, ✗ denied, as the policies say and traffic did; ✓→✗ and ✗→✓: expected, then what traffic did "
    "(a disagreement); (✓) (✗) expected only, not probed (nothing listens there, or no way to pod IPs). "
    "Denied: kube-router REJECTs, so a TCP connect is refused and a UDP datagram gets ICMP port unreachable"
)


@dataclass(frozen=True)
class Column:
    target: PodPlan | HostPlan  # a pod, or an outside host with an echo server
    port: int
    listens: bool  # something answers on port/protocol there, as the plan says

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def address(self) -> str:
        return str(self.target.ip.ip)


@dataclass(frozen=True)
class Layout:
    protocol: str
    sources: tuple[str, ...]
    columns: tuple[Column, ...]
    notes: tuple[str, ...]

    def to_probe(self, source: str, column: Column, plan: LabPlan) -> bool:
        """Whether real traffic is sent: something listens there, and the source has a way to pod IPs."""
        return column.listens and not isinstance(plan.member(source), HostPlan)


@dataclass(frozen=True)
class Cell:
    source: str
    target: str
    address: str  # the target's IP
    port: int
    protocol: str
    expected: Verdict
    probed: bool  # to be probed with real traffic
    reached: bool | None = None  # what traffic did (None: not probed, or not yet)
    detail: str = ""

    @property
    def agrees(self) -> bool:
        return self.reached is None or self.reached == self.expected.allowed

    def as_dict(self) -> dict:
        return {
            "from": self.source,
            "to": self.target,
            "address": self.address,
            "port": self.port,
            "protocol": self.protocol,
            "expected": self.expected.allowed,
            "probed": self.probed,
            "reached": self.reached,
            "agrees": self.agrees,
            "reason": self.expected.reason,
            "detail": self.detail,
            **{k: v for k, v in self.expected.as_dict().items() if k not in ("allowed", "reason")},
        }


def layout(plan: LabPlan, port: int | None, protocol: str) -> Layout:
    """The sources, the target columns with their ports, and what was left out."""
    protocol = protocol.upper()
    notes = []
    columns = []
    targets: list[PodPlan | HostPlan] = [*plan.pods, *(h for h in plan.hosts if h.echo_ports())]
    for target in targets:
        listening = [p for p, proto in target.echo_ports() if proto == protocol]
        if port is None and not listening:
            if isinstance(target, PodPlan):
                notes.append(f"{target.name} has no {protocol} echo port: not a column (give --port)")
            continue
        chosen = port if port is not None else listening[0]
        columns.append(Column(target, chosen, chosen in listening))
    sources = [p.name for p in plan.pods] + [n.name for n in plan.nodes] + [h.name for h in plan.hosts]
    for what, count in (("sources", len(sources)), ("targets", len(columns))):
        if count > MAX_SIDE:
            notes.append(f"{count - MAX_SIDE} {what} left out: the matrix takes the first {MAX_SIDE}")
    return Layout(protocol, tuple(sources[:MAX_SIDE]), tuple(columns[:MAX_SIDE]), tuple(notes))


def expected_cells(plan: LabPlan, shape: Layout) -> list[Cell]:
    """Every pair, judged by the policies (not yet probed)."""
    return [
        Cell(
            source,
            column.name,
            column.address,
            column.port,
            shape.protocol,
            verdict(plan, source, column.name, column.port, shape.protocol),
            shape.to_probe(source, column, plan),
        )
        for source in shape.sources
        for column in shape.columns
    ]


def mark(cell: Cell) -> str:
    """A cell as the table shows it (rich markup)."""
    said = "✓" if cell.expected.allowed else "✗"
    if cell.reached is None:
        return f"[dim]({said})[/]"
    if cell.agrees:
        return f"[green]{said}[/]" if cell.expected.allowed else f"[yellow]{said}[/]"
    return f"[bold white on red]{said}→{'✓' if cell.reached else '✗'}[/]"


def table(shape: Layout, cells: list[Cell]) -> Table:
    """Rows the sources, columns the targets (name and port), a mark per pair."""
    grid = Table("from \\ to", *(f"{c.name}\n:{c.port}" for c in shape.columns), box=None, pad_edge=False)
    by_pair = {(c.source, c.target): c for c in cells}
    for source in shape.sources:
        grid.add_row(source, *(mark(by_pair[source, c.name]) for c in shape.columns))
    return grid


def disagreements(cells: list[Cell]) -> list[str]:
    """One line per pair where traffic did not do what the policies say: the expectation, its
    reason, and what traffic did."""
    return [f"{c.expected.reason}; but traffic {_what_traffic_did(c)}" for c in cells if not c.agrees]


def _what_traffic_did(cell: Cell) -> str:
    if cell.reached:
        return f"got through ({cell.detail or 'answered'})"
    return f"did not ({cell.detail or 'no answer'})"


def as_json(lab: str, port: int | None, shape: Layout, cells: list[Cell]) -> dict:
    return {
        "lab": lab,
        "protocol": shape.protocol,
        "port": port,
        "agrees": all(c.agrees for c in cells),
        "notes": list(shape.notes),
        "sources": list(shape.sources),
        "targets": [
            {
                "name": c.name,
                "kind": "pod" if isinstance(c.target, PodPlan) else "host",
                "address": c.address,
                "port": c.port,
                "listens": c.listens,
            }
            for c in shape.columns
        ],
        "cells": [c.as_dict() for c in cells],
    }
