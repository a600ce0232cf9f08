"""docs/fields.md is scripts/fields_reference.py's rendering of netlab/model/fields.py, current,
and names every Kubernetes structure a lab's manifests may hold."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from netlab.model import fields

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fields_reference.py"
# netlab's own parts of a lab file (docs/lab-format.md has them), not Kubernetes structures.
LAB_FORMAT = {
    "LAB",
    "OUTSIDE_HOST",
    "CLUSTER",
    "NODE",
    "CHECK",
    "CAPTURE",
    "GUIDE_STEP",
    "TRANSLATION",
    "LAB_TRANSLATION",
}


def _script():
    spec = importlib.util.spec_from_file_location("fields_reference", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_fields_md_is_current() -> None:
    script = _script()
    if os.environ.get("NETLAB_UPDATE_GOLDEN"):
        script.DOC.write_text(script.render())
    assert script.DOC.read_text() == script.render(), "docs/fields.md is stale: run scripts/fields_reference.py"


def test_every_kubernetes_structure_is_in_the_reference() -> None:
    structures = {name for name, value in vars(fields).items() if isinstance(value, fields.Fields)}
    assert {name for _, name in _script().STRUCTURES} == structures - LAB_FORMAT
