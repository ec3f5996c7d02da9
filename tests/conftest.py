"""Suite-wide configuration: the dummy method plugin joins every app built by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def townhall_all_plugins() -> list[Any]:
    return ["tests.dummy_method.plugin"]


BROWSER_DIR = Path(__file__).resolve().parent / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/browser/ as ``browser`` and run all browser tests last.

    Playwright's sync API keeps an event loop running once started; async tests that run after it fail with
    "Runner.run() cannot be called from a running event loop", so the browser tests must come after them.
    """
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("browser") is not None)
