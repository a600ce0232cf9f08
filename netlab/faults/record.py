"""A fault as a broken lab remembers it (lab.json's `fault`), pure.

Everything `check`, `hint`, `solve` and `break --undo` need is recorded as it was rendered when
the fault went in: its commands, its proof checks, its texts. A later change of the lab (an
apply, a scale) or of the catalogue then cannot make netlab forget how to undo what it did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from netlab.faults.catalogue import Breakage, Text
from netlab.model.lab import Capture, Check


@dataclass(frozen=True)
class Injected:
    """The fault a lab has now: how it was rendered, and how far the learner is in its hints."""

    breakage: Breakage
    symptom: Text
    seed: int
    hints_shown: int = 0  # how many of the three hints `netlab hint` has shown

    def next_hint(self) -> tuple[Text, int, Injected]:
        """The hint to show now (1-based level, the third repeats), and the record after showing it."""
        level = min(self.hints_shown, len(self.breakage.hints) - 1)
        return self.breakage.hints[level], level + 1, replace(self, hints_shown=level + 1)

    def to_json(self) -> dict[str, Any]:
        b = self.breakage
        return {
            "id": b.fault,
            "target": b.target,
            "seed": self.seed,
            "inject": list(b.inject),
            "fix": list(b.fix),
            "undo": list(b.undo),
            "proof": [_check_json(c) for c in b.proof],
            "symptom": _text_json(self.symptom),
            "hints": [_text_json(t) for t in b.hints],
            "hintsShown": self.hints_shown,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Injected:
        first, second, third = (_text(t) for t in data["hints"])
        breakage = Breakage(
            fault=data["id"],
            target=data["target"],
            inject=tuple(data["inject"]),
            fix=tuple(data["fix"]),
            undo=tuple(data["undo"]),
            proof=tuple(_check(c) for c in data["proof"]),
            hints=(first, second, third),
        )
        return cls(breakage, _text(data["symptom"]), int(data["seed"]), int(data.get("hintsShown", 0)))


def _text_json(text: Text) -> dict[str, str]:
    return {"en": text.en, "zh-TW": text.zh_tw}


def _text(data: Mapping[str, str]) -> Text:
    return Text(data["en"], data["zh-TW"])


def _check_json(check: Check) -> dict[str, Any]:
    capture = check.capture
    return {
        "name": check.name,
        "source": check.source,
        "kind": check.kind,
        "target": check.target,
        "expect": dict(check.expect),
        "count": check.count,
        "send": check.send,
        "capture": None if capture is None else [capture.at, capture.filter, capture.interface],
        "when": dict(check.when),
        "pending": check.pending,
        "headers": [list(h) for h in check.headers],
        "recordType": check.record_type,
        "resolver": check.resolver,
    }


def _check(data: Mapping[str, Any]) -> Check:
    capture = data.get("capture")
    return Check(
        name=data["name"],
        source=data["source"],
        kind=data["kind"],
        target=data["target"],
        expect=dict(data["expect"]),
        count=int(data.get("count", 1)),
        send=data.get("send", "hostname"),
        capture=None if capture is None else Capture(*capture),
        when=dict(data.get("when", {})),
        pending=data.get("pending", ""),
        headers=tuple((k, v) for k, v in data.get("headers", [])),
        record_type=data.get("recordType", "A"),
        resolver=data.get("resolver", "dig"),
    )
