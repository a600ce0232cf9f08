"""What the distribution must hold: the source tree's modules and labs, and nothing else.

Used twice: the unit suite builds a wheel and compares it with this (a package or lab that would not
ship fails there, without root), and the integration suite compares the installed `netlab` with it
before its first test (a stale or partial install would otherwise be what the suite proves).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def expected_files(root: Path = REPO) -> dict[str, str]:
    """Each file the package of the tree at `root` must ship, by its path inside site-packages, with its hash."""
    files = {str(p.relative_to(root)): p for p in (root / "netlab").rglob("*.py")}
    files |= {str(p.relative_to(root)): p for p in (root / "netlab" / "labs").glob("*.yaml")}
    return {name: digest(path.read_bytes()) for name, path in files.items()}


def installed_files(package_dir: Path) -> dict[str, str]:
    """The files of an installed (or unpacked) netlab package, by the same paths, bytecode aside."""
    return {
        str(p.relative_to(package_dir.parent)): digest(p.read_bytes())
        for p in package_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def differences(expected: dict[str, str], shipped: dict[str, str]) -> list[str]:
    """One line per file missing, extra or different: empty when the two trees match."""
    lines = [f"missing: {n}" for n in sorted(expected.keys() - shipped.keys())]
    lines += [f"not in the source tree: {n}" for n in sorted(shipped.keys() - expected.keys())]
    lines += [
        f"differs from the checkout: {n}" for n in sorted(expected.keys() & shipped.keys()) if expected[n] != shipped[n]
    ]
    return lines


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
