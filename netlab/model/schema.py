"""Reading YAML values with their place in the file, collecting problems instead of stopping.

Every reader method returns a usable value (a default when the input is wrong) and records a
`Problem` naming the file, the object and the field, so one pass finds every mistake.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from netlab.errors import Problem
from netlab.model import fields


def is_ipv4(text: str) -> bool:
    """Whether the text is an IPv4 address (where a name or an address may stand)."""
    try:
        IPv4Address(text)
    except ValueError:
        return False
    return True


def duplicates(items: list) -> list:
    """The items that occur more than once, sorted (linear: a lab may hold 10000 Services)."""
    return sorted(item for item, n in Counter(items).items() if n > 1)


class FieldReader:
    """Reads the values of one lab file; `problems` and `ignored` fill up as it goes."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[Problem] = []
        self.ignored: list[str] = []

    def problem(self, place: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}: {place}" if place else self.where, message))

    def mapping(self, value: Any, place: str, structure: fields.Fields, required: tuple[str, ...] = ()) -> dict:
        """`value` as a mapping whose keys are all known; unknown keys are problems."""
        if value is None:
            if place:  # a missing section: its parent already said so if it was required
                return {}
            value = {}
        if not isinstance(value, dict):
            self.problem(place, f"must be a mapping, not {type(value).__name__}")
            return {}
        for key in value:
            key = str(key)
            sub = f"{place}.{key}" if place else key
            if key in structure.refused:
                self.problem(sub, structure.refused[key])
            elif key in structure.ignored:
                self.ignored.append(sub)
            elif key not in structure.simulated:
                hint = difflib.get_close_matches(key, sorted(structure.known), n=1)
                self.problem(sub, "unknown field" + (f" (did you mean {hint[0]}?)" if hint else ""))
        for key in required:
            if value.get(key) is None:
                self.problem(f"{place}.{key}" if place else key, "is required")
        return {k: v for k, v in value.items() if k in structure.simulated}

    def string(self, value: Any, place: str, pattern: re.Pattern | None = None, max_len: int = 0) -> str:
        if not isinstance(value, str) or not value:
            self.problem(place, "must be a non-empty string")
            return ""
        if max_len and len(value) > max_len:
            self.problem(place, f"{value!r} is {len(value)} characters, at most {max_len} fit")
        elif pattern and not pattern.match(value):
            self.problem(place, f"{value!r} must be lower-case letters, digits and '-'")
        return value

    def integer(self, value: Any, place: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(place, f"must be a whole number from {low} to {high}")
            return low
        return value

    def boolean(self, value: Any, place: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(place, "must be true or false")
            return default
        return value

    def choice(self, value: Any, place: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.problem(place, f"{value!r} is not one of {', '.join(choices)}")
            return choices[0]
        return value

    def network(self, value: Any, place: str, default: IPv4Network) -> IPv4Network:
        if value is None:
            return default
        try:
            return IPv4Network(str(value))
        except ValueError:
            self.problem(place, f"{value!r} is not an IPv4 prefix such as 10.244.0.0/16")
            return default

    def labels(self, value: Any, place: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, (str, int, float, bool)) for v in value.values()):
            self.problem(place, "must map label names to values")
            return {}
        return {str(k): str(v) for k, v in value.items()}

    def sequence(self, value: Any, place: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(place, "must be a list")
            return []
        return value

    def strings(self, value: Any, place: str) -> tuple[str, ...]:
        items = self.sequence(value, place)
        if not all(isinstance(v, (str, int, float)) for v in items):
            self.problem(place, "must be a list of strings")
            return ()
        return tuple(str(v) for v in items)
