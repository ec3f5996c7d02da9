"""The app the browser tests run in a uvicorn subprocess: the real factory, settings from the environment.

It only adds the test-only plugins named in ``TOWNHALL_TEST_PLUGINS`` (comma separated import paths, e.g. the
dummy method), which the plain ``core.app:create_app`` factory cannot load from the environment, and honours
``TOWNHALL_TEST_ONLY_PLUGINS`` (comma separated entry-point names; empty for none) to leave other installed
plugins out.
"""

from __future__ import annotations

import os

from core.app import TownhallApp
from core.app import create_app as core_create_app
from core.settings import settings_from_env


def create_app() -> TownhallApp:
    plugins: list[object] = [p.strip() for p in os.environ.get("TOWNHALL_TEST_PLUGINS", "").split(",") if p.strip()]
    return core_create_app(settings_from_env(plugins=plugins, only_plugins=only_plugins()))


def only_plugins() -> list[str] | None:
    raw = os.environ.get("TOWNHALL_TEST_ONLY_PLUGINS")
    if raw is None:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]
