#!/usr/bin/env python3
"""Write the table of faults in docs/faults.md (between its `<!-- faults -->` markers): each fault
of the catalogue, the bundled labs it fits in their default modes, its symptom, as
`netlab break --list` prints them. tests/unit/test_fault_catalogue.py fails when the table is stale.

    python3 scripts/faults_table.py        # rewrite the table
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netlab.faults.bundled import fitting_labs  # the checkout's, not an installed one

DOC = Path(__file__).resolve().parent.parent / "docs" / "faults.md"
BEGIN, END = "<!-- faults -->", "<!-- /faults -->"


def table() -> str:
    rows = ["| fault | bundled labs it fits | symptom |", "| --- | --- | --- |"]
    for f, labs in fitting_labs():
        rows.append(f"| `{f.id}` | {', '.join(labs) or '-'} | {f.symptom.en} |")
    return "\n".join(rows)


def rendered(text: str) -> str:
    """`text` (docs/faults.md) with the table between the markers rewritten."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(rendered(DOC.read_text()))
