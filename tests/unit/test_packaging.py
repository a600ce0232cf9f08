"""The wheel holds every module and lab of the checkout, and nothing else (test-only code stays out)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from shipped import REPO, differences, digest, expected_files


def test_the_wheel_ships_the_source_tree(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: building in the checkout would leave build/ and *.egg-info there
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", "__pycache__", "build", "*.egg-info"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n: digest(archive.read(n)) for n in archive.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert differences(expected_files(source), shipped) == []
    assert "netlab/verify/__init__.py" in shipped and "netlab/labs/pod-to-pod.yaml" in shipped


def test_the_differences_name_each_file() -> None:
    assert differences({"a.py": "1", "b.py": "2"}, {"b.py": "3", "c.py": "4"}) == [
        "missing: a.py",
        "not in the source tree: c.py",
        "differs from the checkout: b.py",
    ]
