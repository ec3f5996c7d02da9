"""Suite-wide configuration: the dummy method plugin joins every app built by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def townhall_all_plugins() -> list[Any]:
    return ["tests.dummy_method.plugin"]


BROWSER_DIR = Path(__file__).resolve().parent / "browser"
SCALE_DIR = Path(__file__).resolve().parent / "scale"
# Tests that drive real servers, browsers and timers on a shared two-core machine get one more try when they fail
# (pytest-rerunfailures; the summary lists them as "rerun"). A broken journey fails both times; a browser that
# waited 20 s behind another process's burst does not throw the whole run away.
RERUNS = pytest.mark.flaky(reruns=1, reruns_delay=2)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/browser/ as ``browser`` and run all browser tests last; browser and scale tests
    get one rerun (``RERUNS``).

    Playwright's sync API keeps an event loop running once started; async tests that run after it fail with
    "Runner.run() cannot be called from a running event loop", so the browser tests must come after them.
    """
    for item in items:
        parents = Path(str(item.path)).resolve().parents
        if BROWSER_DIR in parents:
            item.add_marker(pytest.mark.browser)
        if BROWSER_DIR in parents or SCALE_DIR in parents:
            item.add_marker(RERUNS)
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("browser") is not None)
