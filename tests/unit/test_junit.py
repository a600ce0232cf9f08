"""netlab.verify.junit: verdicts as the JUnit XML that CI systems read (parsed back here)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netlab.verify import Verdict
from netlab.verify.junit import junit_xml

VERDICTS = [
    Verdict("client reaches web", "client", "web", True, "answered by web-0 x2"),
    Verdict("no SNAT <inside>", "client", "web", False, "the server saw 10.244.1.1 & not 10.244.1.2"),
    Verdict("only in vxlan", "pod-1", "pod-2", True, "skipped: only when network=vxlan", skipped=True),
    Verdict("later", "client", "x", False, "pending: cluster DNS", pending=True),
]


def test_one_suite_one_case_per_check_with_counts() -> None:
    root = ET.fromstring(junit_xml("pod-to-service", VERDICTS, 1.5))
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None
    counts = (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("time"))
    assert counts == ("4", "1", "2", "1.500")
    assert [c.get("name") for c in suite.iter("testcase")] == [v.name for v in VERDICTS]
    assert {c.get("classname") for c in suite.iter("testcase")} == {"netlab.pod-to-service"}


def test_failures_and_skips_carry_the_detail() -> None:
    cases = {c.get("name"): c for c in ET.fromstring(junit_xml("lab", VERDICTS, 0)).iter("testcase")}
    failure = cases["no SNAT <inside>"].find("failure")
    assert failure is not None and failure.get("message") == "the server saw 10.244.1.1 & not 10.244.1.2"
    skipped = cases["later"].find("skipped")
    assert skipped is not None and skipped.get("message") == "pending: cluster DNS"
    assert cases["client reaches web"].find("failure") is None and cases["client reaches web"].find("skipped") is None
    said = cases["client reaches web"].find("system-out")
    assert said is not None and said.text == "from client to web: answered by web-0 x2"
