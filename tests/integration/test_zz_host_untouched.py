"""The host's own namespace is exactly as it was before the integration tests ran.

The snapshot is taken by conftest's session fixture `host_before` before the first integration
test, and compared by the last test of the session (pytest-order puts it last).
"""

from __future__ import annotations

import pytest
from harness import snapshot


@pytest.mark.order("last")
def test_the_host_namespace_is_untouched(host_before: dict[str, str]) -> None:
    after = snapshot()
    changed = sorted(k for k in host_before.keys() | after.keys() if host_before.get(k) != after.get(k))
    assert changed == [], f"the suite changed the host's namespace: {changed}"
