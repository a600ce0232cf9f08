"""Verdicts as a JUnit XML report (pure): what CI systems and instructors' dashboards read.

One <testsuite> per lab (`netlab verify LAB`, or `netlab check LAB` for learner tasks), one
<testcase> per check (classname `netlab.<lab>`, name the check's);
a failed check carries <failure message=detail>, a skipped or pending one <skipped message=...>;
every case's system-out says from where to what and the detail (who answered, or why not).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netlab.verify import Verdict


def junit_xml(lab: str, verdicts: list[Verdict], seconds: float, verb: str = "verify") -> str:
    failed = [v for v in verdicts if not v.passed and not v.pending]
    skipped = [v for v in verdicts if v.skipped or v.pending]
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"netlab {verb} {lab}",
        tests=str(len(verdicts)),
        failures=str(len(failed)),
        errors="0",
        skipped=str(len(skipped)),
        time=f"{seconds:.3f}",
    )
    for v in verdicts:
        case = ET.SubElement(suite, "testcase", classname=f"netlab.{lab}", name=v.name)
        said = f"from {v.source} to {v.target}: {v.detail}"
        if v.skipped or v.pending:
            ET.SubElement(case, "skipped", message=v.detail)
        elif not v.passed:
            ET.SubElement(case, "failure", message=v.detail, type="CheckFailed").text = said
        ET.SubElement(case, "system-out").text = said
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
