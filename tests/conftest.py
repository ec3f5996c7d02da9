"""Suite-wide configuration: the dummy method plugin joins every app built by the tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def townhall_all_plugins() -> list[Any]:
    return []
