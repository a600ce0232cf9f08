"""One deviation of a running lab from what netlab builds: the object, what it is and should be,
the command that shows it, and what a user would see (docs/cli.md: `doctor --json`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    netns: str  # where the object is
    kind: str  # namespace, link, address, route, sysctl, hairpin, mtu, neighbour, fdb, rule, conntrack
    object: str  # the object in the words of the command that shows it: `link veth-web-0`, `route 10.244.2.0/24`
    found: str  # what the kernel holds ("missing" when it holds nothing)
    should: str  # what netlab builds
    show: str  # a copy-pasteable command that shows it
    symptom: str  # what traffic does because of it, in words

    def as_json(self) -> dict[str, str]:
        return {
            "netns": self.netns,
            "kind": self.kind,
            "object": self.object,
            "found": self.found,
            "should": self.should,
            "show": self.show,
            "symptom": self.symptom,
        }

    def lines(self) -> list[str]:
        """The finding as the text report prints it."""
        return [
            f"{self.netns}: {self.object}: {self.found}, should be {self.should}",
            f"    symptom: {self.symptom}",
            f"    see:     {self.show}",
        ]
