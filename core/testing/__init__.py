"""Test support shipped with the core so plugins and third parties test the way the core does.

The pytest plugin in ``core.testing.fixtures`` is registered through the ``pytest11`` entry point; the plugin
conformance suite lives in ``core.testing.conformance``.
"""

from core.testing.factories import HTMX_HEADERS, Factory

__all__ = ["HTMX_HEADERS", "Factory"]
