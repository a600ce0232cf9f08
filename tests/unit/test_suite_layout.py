"""The suite's own layout: pytest imports each test file by its base name (the test folders are not
packages), so two files of one name, one in tests/unit and one in tests/integration, make the
whole run stop at collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_file_has_a_name_of_its_own() -> None:
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
